"""The knowledge card of the agent console: the chosen items' merged checklist and deadlines.

Built from the conversation's slots (read through Rasa's HTTP API by web/agent.py)
with knowledge/'s own query library (materials_checklist, deadlines,
expected_completion in working days), so it always matches the conversation.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Dict, Optional

from knowledge import load_kb
from knowledge.personal_data import mask_text
from knowledge.phrases import not_stated


def _str(value: Any) -> str:
    return str(value).strip() if value not in (None, "") else ""


def card(slots: Dict[str, Any], today: Optional[dt.date] = None) -> Dict[str, Any]:
    kb = load_kb()
    today = today or dt.date.today()
    selected = [i for i in (slots.get("selected_items") or []) if isinstance(i, str) and i in kb.items]
    region = slots.get("region") if slots.get("region") in kb.regions else None
    bundle = slots.get("bundle")
    out: Dict[str, Any] = {
        "bundle": kb.bundles[bundle].name if bundle in kb.bundles else None,
        "region": region,
        "items": [{"id": i, "name": kb.items[i].name} for i in selected],
        "checklist": [],
        "deadlines": [],
        "application": application_progress(slots.get("application")),
        "case_number": _str(slots.get("case_number")) or None,
    }
    if not selected:
        return out
    for entry in kb.materials_checklist(selected, region=region):
        out["checklist"].append({
            "material": entry.material.display() if hasattr(entry.material, "display") else str(entry.material),
            "needed_by": [kb.items[i].name for i in entry.needed_by if i in kb.items],
            "source": str(entry.source) if entry.source is not None else "",
            "row": _str(getattr(entry.source, "section", "")),
        })
    for item_id in selected:
        item = kb.items[item_id]
        provisions = [p for p in item.provisions if not region or p.region == region] or list(item.provisions)
        completion = None
        try:
            completion = kb.expected_completion(item_id, today)
        except Exception:   # an item without a stated deadline
            completion = None
        out["deadlines"].append({
            "item": item.name,
            "by_region": [{"region": p.region, "text": _str(getattr(p.deadline, "text", "")) or not_stated("办理时限"),
                           "source": str(p.source)} for p in provisions],
            "expected": _str(getattr(completion, "text", "")) if completion is not None else "",
            "expected_date": completion.date.isoformat() if completion is not None and getattr(completion, "date", None) else None,
            "estimated": bool(getattr(completion, "estimated", False)) if completion is not None else False,
        })
    return out


def application_progress(state: Any) -> Optional[Dict[str, Any]]:
    if not isinstance(state, dict) or not state.get("items"):
        return None
    answers = state.get("answers") or {}
    return {
        "stage": _str(state.get("stage")),
        "answered": sum(1 for v in answers.values() if v not in (None, "")),
        "case_number": mask_text(_str(state.get("case_number"))) or None,
    }
