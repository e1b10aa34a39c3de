"""Is this turn from the agent console? The channel says so (bot/channels/hotline.py)."""
from __future__ import annotations

from typing import Any, Dict, Optional

HOTLINE_CHANNEL = "hotline"


def _metadata(tracker: Any) -> Dict[str, Any]:
    metadata = (getattr(tracker, "latest_message", None) or {}).get("metadata") or {}
    return metadata if isinstance(metadata, dict) else {}


def is_agent(tracker: Any) -> bool:
    """The agent register: the hotline input channel (which sets ``register: agent``)."""
    try:
        channel = tracker.get_latest_input_channel()
    except Exception:  # a tracker without events
        channel = None
    return channel == HOTLINE_CHANNEL and _metadata(tracker).get("register") == "agent"


def agent_of(tracker: Any) -> Optional[Dict[str, str]]:
    """The signed-in agent the channel named (staff id and name), else None."""
    if not is_agent(tracker):
        return None
    agent = _metadata(tracker).get("agent")
    if isinstance(agent, dict) and isinstance(agent.get("staff_id"), str) and isinstance(agent.get("name"), str):
        return {"staff_id": agent["staff_id"][:64], "name": agent["name"][:64]}
    return None
