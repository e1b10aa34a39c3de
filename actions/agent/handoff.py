"""The context a conversation is queued with when the citizen asks for a person (转人工).

Chosen items, form progress, the last question and the recent turns, every
text masked (no full ID number, phone or bank card ever leaves the
conversation); the form's answers themselves are never sent."""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional

from actions.application.plan import find
from knowledge.personal_data import mask_text

logger = logging.getLogger(__name__)

RECENT_TURNS = 12


def _texts(tracker: Any) -> List[Dict[str, str]]:
    turns = []
    for e in getattr(tracker, "events", None) or []:
        if e.get("event") == "user" and e.get("text"):
            turns.append({"who": "citizen", "text": mask_text(str(e["text"]))[:500]})
        elif e.get("event") == "bot" and e.get("text"):
            turns.append({"who": "bot", "text": mask_text(str(e["text"]))[:500]})
    return turns


def form_progress(kb: Any, state: Any) -> Optional[Dict[str, Any]]:
    if not isinstance(state, dict) or not state.get("items"):
        return None
    from actions.application.engine import Engine

    eng = Engine(kb)
    plan = eng.plan(state)
    answers = state.get("answers") or {}
    planned = find(plan, state.get("pending")) if state.get("pending") else None
    return {
        "stage": state.get("stage"),
        "answered": sum(1 for p in plan if answers.get(p.id) not in (None, "")),
        "total": len(plan),
        "current_field": planned.field.label if planned is not None else None,
        "case_number": state.get("case_number"),
    }


def handoff_context(kb: Any, tracker: Any) -> Dict[str, Any]:
    selected = [i for i in (tracker.get_slot("selected_items") or []) if isinstance(i, str) and i in kb.items]
    turns = _texts(tracker)
    citizen = [t["text"] for t in turns if t["who"] == "citizen" and not t["text"].startswith("/")]
    # the message that asked for a person is the last one; the question before it is what they need
    last_question = citizen[-2] if len(citizen) > 1 else (citizen[-1] if citizen else "")
    bundle = tracker.get_slot("bundle")
    return {
        "bundle": kb.bundles[bundle].name if bundle in kb.bundles else None,
        "selected_items": [kb.items[i].name for i in selected],
        "selected_item_ids": selected,
        "form": form_progress(kb, tracker.get_slot("application")),
        "last_question": last_question,
        "recent": [t for t in turns if not t["text"].startswith("/")][-RECENT_TURNS:],
    }


async def queue_handoff(kb: Any, tracker: Any) -> bool:
    """Queue a web chat conversation for the agent console; False when not queued (another channel,
    the backend unreachable)."""
    from actions.application.submission import channel_of
    from actions.backend_client import BackendClient, BackendError, BackendUnavailable

    channel = channel_of(tracker)
    if channel != "web":   # only the web chat polls for the agent's replies; WeChat keeps the hotline number
        return False
    try:
        await BackendClient().enqueue_handoff(tracker.sender_id, channel, handoff_context(kb, tracker))
        return True
    except (BackendUnavailable, BackendError) as exc:
        logger.warning("handoff not queued: %s", type(exc).__name__)
        return False
