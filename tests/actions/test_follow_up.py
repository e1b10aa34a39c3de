"""A follow-up that names nothing (“那多久能有结果”) asks about what the last answer was about."""
from __future__ import annotations

from rasa_sdk import Tracker

from actions.answers.action import ActionAnswerQuestion
from tests.actions.conftest import all_text, load_fixture, run_action, slot_events


def _tracker(kb_slots, history, text):
    data = load_fixture("empty")
    data["slots"].update(kb_slots)
    data["events"] = data["events"] + history + [{"event": "user", "text": text, "timestamp": 1700000100.0}]
    data["latest_message"].update({"text": text, "intent": {"name": "ask_question", "confidence": 0.9},
                                   "intent_ranking": [{"name": "ask_question", "confidence": 0.9}], "entities": []})
    return Tracker.from_dict(data)


def _after(action_name):
    return [{"event": "user", "text": "…", "timestamp": 1700000001.0},
            {"event": "action", "name": action_name, "timestamp": 1700000002.0},
            {"event": "action", "name": "action_listen", "timestamp": 1700000003.0}]


def test_the_answer_remembers_what_it_was_about(kb):
    first = _tracker({}, [], "工伤认定要带什么材料")
    _, events = run_action(ActionAnswerQuestion(), first)
    assert slot_events(events)["discussed_targets"] == {"items": ["work_injury_recognition"], "services": []}


def test_a_follow_up_right_after_an_answer_is_about_the_same_item(kb):
    slots = {"discussed_targets": {"items": ["work_injury_recognition"], "services": []}}
    messages, events = run_action(ActionAnswerQuestion(), _tracker(slots, _after("action_answer_question"), "那多久能有结果"))
    text = all_text(messages)
    deadline = kb.items["work_injury_recognition"].provisions[0].deadline.text
    assert kb.items["work_injury_recognition"].name in text and deadline.replace(" ", "") in text.replace(" ", "")
    assert slot_events(events)["pending_confirmation"]["items"] == ["work_injury_recognition"]   # the offer again


def test_the_context_is_not_used_after_something_else_happened(kb):
    slots = {"discussed_targets": {"items": ["work_injury_recognition"], "services": []}}
    messages, _ = run_action(ActionAnswerQuestion(), _tracker(slots, _after("action_show_menu"), "那多久能有结果"))
    assert kb.items["work_injury_recognition"].name not in all_text(messages)


def test_a_payload_value_in_the_slot_is_checked(kb):
    slots = {"discussed_targets": {"items": ["no_such_item", 3], "services": ["nope"]}}
    messages, _ = run_action(ActionAnswerQuestion(), _tracker(slots, _after("action_answer_question"), "那多久能有结果"))
    assert "no_such_item" not in all_text(messages)
