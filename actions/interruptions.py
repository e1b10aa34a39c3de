"""Questions asked in the middle of a form: answered from knowledge/, then the form resumes.

The answer is the one ``action_answer_question`` gives, so an answer mid-form
is the answer the user would get at any other moment.
"""
from __future__ import annotations

from typing import Optional, Text

from rasa_sdk import Tracker

from actions import kb_support as ks
from actions.answers.action import answer_reply
from knowledge.understand import analyze
from actions.application.engine import Reply

QUESTION_INTENT = "ask_question"
MIN_CONFIDENCE = 0.6


def looks_like_question(tracker: Tracker, text: Text) -> bool:
    """A knowledge question: recognised as one with confidence, or worded as a
    question about something the knowledge base knows (an item and an aspect)."""
    kb = ks.kb_or_none()
    if kb is None or not text:
        return False
    analysis = analyze(kb, text)
    if not analysis.question:
        return False
    intent = (tracker.latest_message or {}).get("intent") or {}
    if intent.get("name") == QUESTION_INTENT and (intent.get("confidence") or 0) >= MIN_CONFIDENCE:
        return True
    return bool(analysis.aspects) and bool(analysis.items or analysis.services or analysis.bundle)


def answer_question(tracker: Tracker) -> Optional[Reply]:
    kb = ks.kb_or_none()
    if kb is None:
        return None
    reply = answer_reply(kb, tracker)
    text = reply.text
    if (reply.pending or {}).get("type") == "select_suggested":
        text = text.rsplit("\n\n", 1)[0]   # no offer to select in the middle of a form
    # selection buttons would leave the form; keep only hand-over style buttons
    keep = [b for b in reply.buttons or [] if b.get("payload", "").startswith("/human_handoff")]
    return Reply(text, keep)
