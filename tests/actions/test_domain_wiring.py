"""The action server's actions, the domain files and the rules agree with each other."""
from __future__ import annotations

from pathlib import Path

import yaml
from rasa_sdk.executor import ActionExecutor

BUILTIN = {"action_restart", "action_listen", "action_default_fallback", "action_session_start"}


def _registered():
    """What `python -m rasa_sdk --actions actions` registers."""
    executor = ActionExecutor()
    executor.register_package("actions")
    return set(executor.actions)


def _domain():
    actions_, responses, forms = set(), set(), set()
    for path in Path("bot/domain").glob("*.yml"):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        actions_ |= set(doc.get("actions", []) or [])
        responses |= set((doc.get("responses") or {}).keys())
        forms |= set((doc.get("forms") or {}).keys())
    return actions_, responses, forms


def test_every_domain_action_is_implemented():
    actions_, _, _ = _domain()
    assert actions_ <= _registered()


def test_every_registered_action_is_in_the_domain():
    actions_, _, forms = _domain()
    assert _registered() <= actions_ | {f"validate_{f}" for f in forms}


def test_rules_and_stories_use_known_actions():
    actions_, responses, forms = _domain()
    known = actions_ | responses | forms | BUILTIN
    for path in list(Path("data/rules").glob("*.yml")) + list(Path("data/stories").glob("*.yml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for flow in (doc.get("rules") or []) + (doc.get("stories") or []):
            for step in flow["steps"]:
                if "action" in step:
                    assert step["action"] in known, (path.name, step["action"])
