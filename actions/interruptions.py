"""Questions asked in the middle of a form: answered from knowledge/, then the form resumes.

The answer is the one ``action_answer_question`` gives, so an answer mid-form
is the answer the user would get at any other moment.
"""
from __future__ import annotations

import re
from typing import Optional, Text

from rasa_sdk import Tracker

from actions import kb_support as ks
from actions.answers.action import answer_reply
from actions.answers.ask import from_tracker
from actions.application.engine import Reply

QUESTION_INTENT = "ask_question"
MIN_CONFIDENCE = 0.6
QUESTION_MARKERS = re.compile(
    r"[?？]|吗|什么|啥|怎么|咋|如何|多久|多长|多少天|几天|哪里|哪儿|哪些|能不能|可不可以|是否|要不要|需不需要"
)


def looks_like_question(tracker: Tracker, text: Text) -> bool:
    """A knowledge question: recognised as one with confidence, or worded as a
    question about something the knowledge base knows (an item and an aspect)."""
    if not QUESTION_MARKERS.search(text or ""):
        return False
    intent = (tracker.latest_message or {}).get("intent") or {}
    if intent.get("name") == QUESTION_INTENT and (intent.get("confidence") or 0) >= MIN_CONFIDENCE:
        return True
    kb = ks.kb_or_none()
    if kb is None:
        return False
    ask = from_tracker(kb, tracker)
    return bool(ask.aspects) and (ask.named or bool(ask.bundle))


def answer_question(tracker: Tracker) -> Optional[Reply]:
    kb = ks.kb_or_none()
    if kb is None:
        return None
    reply = answer_reply(kb, tracker)
    # selection buttons would leave the form; keep only hand-over style buttons
    keep = [b for b in reply.buttons or [] if b.get("payload", "").startswith("/human_handoff")]
    return Reply(reply.text, keep)
