"""Helpers for action unit tests: tracker JSON fixtures (as in RasaHQ's
financial-demo) turned into ``rasa_sdk.Tracker`` objects, and a runner that
returns what the action said and the events it returned. The real knowledge
base is used throughout."""
from __future__ import annotations

import asyncio
import copy
import json
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

FIXTURES = Path(__file__).parent / "fixtures"


def load_fixture(name: str) -> Dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def make_tracker(
    fixture: str = "empty",
    text: Optional[str] = None,
    intent: Optional[str] = None,
    entities: Optional[List[Dict[str, Any]]] = None,
    slots: Optional[Dict[str, Any]] = None,
    ranking: Optional[List[Dict[str, Any]]] = None,
) -> Tracker:
    data = copy.deepcopy(load_fixture(fixture))
    message = data["latest_message"]
    if text is not None:
        message["text"] = text
    if intent is not None:
        message["intent"] = {"name": intent, "confidence": 0.95}
        message["intent_ranking"] = [{"name": intent, "confidence": 0.95}]
    if ranking is not None:
        message["intent_ranking"] = ranking
    if entities is not None:
        message["entities"] = [
            {"entity": e["entity"], "value": e["value"], "extractor": "test", **e} for e in entities
        ]
    if slots:
        data["slots"].update(slots)
    return Tracker.from_dict(data)


def payload_tracker(fixture: str, intent: str, slots: Optional[Dict[str, Any]] = None, **entities: Any) -> Tracker:
    """A message sent by a button: ``/intent{...}`` with entities, no NLU."""
    body = json.dumps(entities, ensure_ascii=False) if entities else ""
    ents = []
    for key, value in entities.items():
        for v in value if isinstance(value, list) else [value]:
            ents.append({"entity": key, "value": v})
    return make_tracker(fixture, text=f"/{intent}{body}", intent=intent, entities=ents, slots=slots)


def run_action(action, tracker: Tracker) -> Tuple[List[Dict[str, Any]], List[Dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, {}))
    return dispatcher.messages, list(events or [])


def slot_events(events: List[Dict[str, Any]]) -> Dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def all_text(messages: List[Dict[str, Any]]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def payloads(messages: List[Dict[str, Any]]) -> List[str]:
    return [b["payload"] for m in messages for b in (m.get("buttons") or [])]


@pytest.fixture(scope="session")
def kb():
    from knowledge import load_kb

    return load_kb()
