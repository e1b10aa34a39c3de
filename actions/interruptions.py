"""Questions asked in the middle of a form: answered from knowledge/, then the form resumes.

The reply functions are the same ones the knowledge-answer actions use, so an
answer mid-form is the answer the user would get at any other moment.
"""
from __future__ import annotations

import re
from typing import Callable, Dict, Optional, Text

from rasa_sdk import Tracker

from actions import knowledge_answers as ka
from actions.application.engine import Reply

QUESTION_REPLIES: Dict[Text, Callable] = {
    "ask_materials": ka.materials_reply,
    "ask_deadline": ka.deadline_reply,
    "ask_eligibility": ka.eligibility_reply,
    "ask_channel": ka.channel_reply,
    "ask_howto": ka.howto_reply,
    "ask_forbidden_demands": ka.forbidden_reply,
    "ask_deregistration": ka.deregistration_reply,
    "ask_311": ka.service_311_reply,
    "ask_region_difference": ka.region_difference_reply,
    "ask_policy": ka.policy_reply,
}
MIN_CONFIDENCE = 0.6
QUESTION_MARKERS = re.compile(
    r"[?？]|吗|什么|怎么|如何|多久|多长|多少天|哪里|哪儿|哪些|能不能|可不可以|是否|要不要|需不需要|咋"
)


def looks_like_question(tracker: Tracker, text: Text) -> bool:
    """A knowledge question, recognised with confidence, worded as a question."""
    intent = (tracker.latest_message or {}).get("intent") or {}
    return (
        intent.get("name") in QUESTION_REPLIES
        and (intent.get("confidence") or 0) >= MIN_CONFIDENCE
        and bool(QUESTION_MARKERS.search(text or ""))
    )


def answer_question(tracker: Tracker) -> Optional[Reply]:
    intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
    fn = QUESTION_REPLIES.get(intent)
    if fn is None:
        return None
    kb = ka.ks.kb_or_none()
    if kb is None:
        return None
    text, buttons, _pending = fn(kb, tracker)
    # selection buttons would leave the form; keep only hand-over style buttons
    keep = [b for b in buttons or [] if b.get("payload", "").startswith("/human_handoff")]
    return Reply(text, keep)
