"""Process-wide speed fixes for Rasa 3.6.21, same behaviour, less CPU per message.

Found by profiling a Rasa server under a complete application
(benchmarks/load/profile_turns.py --py-spy, README "Throughput and scale-out"):

* **Action-server responses were validated against a schema that was itself
  re-validated on every call.** ``RemoteAction._validate_action_result`` calls
  ``jsonschema.validate(result, schema)``; that function first checks the
  schema (Rasa's events schema, dozens of ``anyOf`` branches) against the
  JSON-Schema meta-schema, every time. That was 38 % of Rasa's CPU in a form
  turn (two action calls per turn). Here the validator is built and the schema
  checked once; each response is still validated against the same schema and a
  bad response raises the same ``ValidationError`` with Rasa's message.
* **Every event read from the tracker store looked its class up by walking
  Rasa's whole ``Event`` class tree** (``Event.resolve_by_type`` ->
  ``all_subclasses``), about 5 % of the CPU: a conversation of 300 events is
  read on every message. Here the lookup is a dictionary built from the same
  walk; a type name it does not hold (a class defined later) falls back to
  Rasa's own walk.
* **Every policy, at every prediction, recomputed which events of the whole
  conversation still apply** (``DialogueStateTracker.applied_events``: undone
  and form-loop turns removed, with a backward scan per form step), about 8 %
  of the CPU and growing with the conversation. The result depends only on
  the sequence of events, which Rasa only appends to; here it is kept on the
  tracker with the length and the first and last event of the sequence it was
  computed for, and recomputed as soon as any of them differs. Callers get a
  copy, as before a new list.

Installed by ``install()``, called when ``bot.tracker_store`` is imported:
every Rasa server of this project loads that tracker store (bot/endpoints.yml,
the stack's endpoints), so a hand-started ``rasa run`` has the fixes too.
Idempotent.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, Text

logger = logging.getLogger(__name__)

_installed = False


def _cached_action_result_validator():
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)          # once, not per response
    return cls(schema)


def _install_event_lookup() -> None:
    from rasa.shared.core import events as rasa_events
    from rasa.shared.utils.common import all_subclasses

    original = rasa_events.Event.resolve_by_type
    by_name: Dict[Text, Any] = {}

    def refresh() -> None:
        by_name.clear()
        for cls in all_subclasses(rasa_events.Event):
            by_name.setdefault(cls.type_name, cls)   # the first in Rasa's order, as its loop returns

    def resolve_by_type(type_name: Text, default=None):
        cls = by_name.get(type_name)
        if cls is not None:
            return cls
        refresh()
        cls = by_name.get(type_name)
        return cls if cls is not None else original(type_name, default)

    refresh()
    rasa_events.Event.resolve_by_type = staticmethod(resolve_by_type)


def _install_applied_events_cache() -> None:
    from rasa.shared.core.trackers import DialogueStateTracker

    original = DialogueStateTracker.applied_events

    def applied_events(self):
        events = self.events
        first, last = (events[0], events[-1]) if events else (None, None)
        cached = self.__dict__.get("_yjs_applied_events")
        # the same objects (held here, so never another object at the same address)
        if cached is None or cached[0] != len(events) or cached[1] is not first or cached[2] is not last:
            cached = (len(events), first, last, original(self))
            self.__dict__["_yjs_applied_events"] = cached
        return list(cached[3])

    DialogueStateTracker.applied_events = applied_events


def install() -> None:
    """Patches Rasa in this process (once)."""
    global _installed
    if _installed:
        return
    from rasa.core.actions import action as rasa_action
    from rasa.shared.constants import DOCS_BASE_URL

    validator = _cached_action_result_validator()
    _install_event_lookup()
    _install_applied_events_cache()

    def _validate_action_result(self, result: Dict[Text, Any]) -> bool:
        # what jsonschema.validate does after checking the schema: raise the best error
        from jsonschema.exceptions import best_match

        error = best_match(validator.iter_errors(result))
        if error is None:
            return True
        error.message += (
            f". Failed to validate Action server response from API, "
            f"make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error

    rasa_action.RemoteAction._validate_action_result = _validate_action_result
    _installed = True
    logger.debug("bot.speedups installed")
