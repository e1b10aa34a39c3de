"""bot/speedups.py changes how fast Rasa does two things, never what it does."""
from __future__ import annotations

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction
from rasa.shared.core import events as rasa_events
from rasa.shared.utils.common import all_subclasses

from bot import speedups

GOOD = {
    "events": [{"event": "slot", "name": "application", "value": {"stage": "filling"}},
               {"event": "active_loop", "name": "application_form"}],
    "responses": [{"text": "请问您的姓名？", "buttons": [{"title": "取消", "payload": "/cancel"}]}],
}
BAD = [
    {"events": [{"event": "slot"}]},                       # a slot event without a name
    {"events": "not a list"},
    {"responses": [1, 2]},
    {"events": [{"event": "no_such_event"}]},
]


def _original_error(result):
    try:
        jsonschema.validate(result, RemoteAction.action_response_format_spec())
    except jsonschema.ValidationError as exc:
        return exc.message
    return None


@pytest.fixture(scope="module")
def action():
    speedups.install()
    return RemoteAction("validate_application_form", None)


def test_install_replaces_both_lookups(action):
    assert RemoteAction._validate_action_result.__module__ == "bot.speedups"
    assert rasa_events.Event.resolve_by_type.__module__ == "bot.speedups"


def test_a_valid_action_response_passes(action):
    assert _original_error(GOOD) is None
    assert action._validate_action_result(GOOD) is True


@pytest.mark.parametrize("result", BAD)
def test_an_invalid_action_response_is_refused_with_rasas_error(action, result):
    expected = _original_error(result)
    assert expected is not None
    with pytest.raises(jsonschema.ValidationError) as caught:
        action._validate_action_result(result)
    assert caught.value.message.startswith(expected + ". Failed to validate Action server response")


def test_every_event_type_resolves_to_the_class_rasas_walk_finds():
    speedups.install()
    names = {cls.type_name for cls in all_subclasses(rasa_events.Event)}
    assert {"user", "bot", "slot", "action", "active_loop", "session_started"} <= names
    for name in names:
        walked = next(cls for cls in all_subclasses(rasa_events.Event) if cls.type_name == name)
        assert rasa_events.Event.resolve_by_type(name) is walked
    assert rasa_events.Event.resolve_by_type("topic") is None
    assert rasa_events.Event.resolve_by_type("unknown_kind", default=rasa_events.SlotSet) is rasa_events.SlotSet
    with pytest.raises(ValueError):
        rasa_events.Event.resolve_by_type("unknown_kind")


def test_an_event_class_defined_later_is_found():
    speedups.install()

    class LateEvent(rasa_events.SlotSet):
        type_name = "yjs_late_event_for_test"

    assert rasa_events.Event.resolve_by_type("yjs_late_event_for_test") is LateEvent


def _tracker(events):
    from rasa.shared.core.trackers import DialogueStateTracker

    return DialogueStateTracker.from_events("speedups-test", events)


def test_applied_events_follow_every_change_of_the_conversation():
    from rasa.shared.core.events import (ActionExecuted, ActionReverted, ActiveLoop, Restarted, SlotSet,
                                         UserUttered, UserUtteranceReverted)
    speedups.install()
    steps = [
        ActionExecuted("action_listen"), UserUttered("你好", {"name": "greet"}), ActionExecuted("action_show_menu"),
        ActionExecuted("action_listen"), UserUttered("申请", {"name": "start_application"}),
        ActionExecuted("application_form"), ActiveLoop("application_form"), SlotSet("application", {"n": 1}),
        ActionExecuted("action_listen"), UserUttered("张三", {"name": "inform"}), ActionExecuted("application_form"),
        SlotSet("application", {"n": 2}), ActionExecuted("action_listen"), UserUttered("错了", {"name": "deny"}),
        UserUtteranceReverted(), ActionExecuted("action_listen"), UserUttered("李四", {"name": "inform"}),
        ActionExecuted("application_form"), ActionReverted(), Restarted(), ActionExecuted("action_listen"),
    ]
    tracker = _tracker([])
    for event in steps:
        tracker.update(event)
        fresh = _tracker(list(tracker.events))          # a new tracker: nothing cached yet
        assert tracker.applied_events() == fresh.applied_events()
        assert tracker.applied_events() is not tracker.applied_events()   # a new list each time
        assert tracker.applied_events() == tracker.applied_events()
