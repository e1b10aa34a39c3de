"""Every action named in the domain or rules exists, and the reverse."""
from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

import yaml
from rasa_sdk import Action

import actions

BUILTIN = {"action_restart", "action_listen", "action_default_fallback", "action_session_start"}


def _action_names():
    names = set()
    for mod in pkgutil.iter_modules(actions.__path__):
        module = importlib.import_module(f"actions.{mod.name}")
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, Action) and obj is not Action and obj.__module__ == module.__name__:
                names.add(obj().name())
    return names


def _domain():
    actions_, responses = set(), set()
    for path in Path("bot/domain").glob("*.yml"):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        actions_ |= set(doc.get("actions", []) or [])
        responses |= set((doc.get("responses") or {}).keys())
    return actions_, responses


def test_domain_actions_are_implemented():
    domain_actions, _ = _domain()
    assert domain_actions <= _action_names()


def test_implemented_actions_are_in_the_domain():
    domain_actions, _ = _domain()
    assert _action_names() <= domain_actions


def test_rules_use_known_actions():
    domain_actions, responses = _domain()
    known = domain_actions | responses | BUILTIN
    for path in Path("data/rules").glob("*.yml"):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for rule in doc.get("rules", []):
            for step in rule["steps"]:
                if "action" in step:
                    assert step["action"] in known, (path, rule["rule"], step["action"])
