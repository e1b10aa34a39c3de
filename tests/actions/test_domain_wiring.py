"""The issue-5 actions, domain files and rules agree with each other."""
from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import yaml
from rasa_sdk import Action

MODULES = ["selection", "confirmation", "knowledge_answers", "needs", "fallback"]
DOMAIN_FILES = ["selection.yml", "knowledge_answers.yml", "fallback.yml", "application_entry.yml"]
RULE_FILES = ["selection.yml", "knowledge_answers.yml", "fallback.yml"]
BUILTIN = {"action_restart", "action_listen", "action_default_fallback", "action_session_start"}


def _implemented(modules=MODULES):
    names = set()
    for name in modules:
        module = importlib.import_module(f"actions.{name}")
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, Action) and obj is not Action and obj.__module__ == module.__name__:
                names.add(obj().name())
    return names


def _domain(files=None):
    actions_, responses, forms = set(), set(), set()
    paths = [Path("bot/domain") / f for f in files] if files else Path("bot/domain").glob("*.yml")
    for path in paths:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        actions_ |= set(doc.get("actions", []) or [])
        responses |= set((doc.get("responses") or {}).keys())
        forms |= set((doc.get("forms") or {}).keys())
    return actions_, responses, forms


def test_our_domain_actions_are_implemented():
    ours, _, _ = _domain(DOMAIN_FILES)
    # action_start_application: issue 6 implements it (actions/application/form.py)
    assert ours - {"action_start_application"} <= _implemented()
    from actions.confirmation import registered_action

    assert registered_action("action_start_application") is not None


def test_our_actions_are_in_the_domain():
    ours, _, _ = _domain(DOMAIN_FILES)
    assert _implemented() <= ours


def test_our_rules_use_known_actions():
    actions_, responses, forms = _domain()
    known = actions_ | responses | forms | BUILTIN
    for name in RULE_FILES:
        doc = yaml.safe_load((Path("data/rules") / name).read_text(encoding="utf-8"))
        for rule in doc.get("rules", []):
            for step in rule["steps"]:
                if "action" in step:
                    assert step["action"] in known, (name, rule["rule"], step["action"])
