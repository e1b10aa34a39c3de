"""Low-confidence clarification, out-of-scope replies and need suggestions."""
from __future__ import annotations

import json

from actions.fallback import INTENT_DESCRIPTIONS, ActionClarifyIntent, ActionOutOfScope
from actions.needs import ActionSuggestBundle
from tests.actions.conftest import all_text, make_tracker, payloads, run_action, slot_events


def test_clarify_offers_two_best_guesses_in_chinese(kb):
    messages, events = run_action(ActionClarifyIntent(), make_tracker("nlu_fallback"))
    buttons = [b for m in messages for b in m.get("buttons") or []]
    titles = [b["title"] for b in buttons]
    assert titles[0] == INTENT_DESCRIPTIONS["ask_deadline"]
    assert titles[1] == INTENT_DESCRIPTIONS["select_items"]  # affirm is never offered
    assert buttons[-1]["payload"] == "/human_handoff"
    assert "您是想问" in all_text(messages)
    first = buttons[0]["payload"]
    assert first.startswith("/ask_deadline{")
    assert "unemployment_registration" in json.loads(first[len("/ask_deadline"):])["item"]
    assert slot_events(events)["pending_question"] == "失业登记那个东西要多久啊能不能快点"


def test_every_issue5_and_basic_intent_has_a_description():
    import yaml
    from pathlib import Path

    intents = set()
    # ours and the foundation's; other features' intents are simply not offered
    for name in ("selection.yml", "knowledge_answers.yml", "fallback.yml", "application_entry.yml", "basics.yml", "progress.yml"):
        path = Path("bot/domain") / name
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        intents |= {i if isinstance(i, str) else next(iter(i)) for i in doc.get("intents", [])}
    assert intents - {"nlu_fallback"} <= set(INTENT_DESCRIPTIONS)


def test_out_of_scope_offers_hotline_and_handoff(kb):
    messages, events = run_action(ActionOutOfScope(), make_tracker("empty", text="今天天气怎么样", intent="out_of_scope"))
    assert "12333" in all_text(messages)
    assert "/human_handoff" in payloads(messages)
    assert slot_events(events)["pending_confirmation"] == {"type": "handoff"}


def test_need_with_named_item_suggests_item_and_linked_items(kb):
    tracker = make_tracker("empty", text="我被辞退了想领失业金", intent="describe_need", entities=[])
    messages, events = run_action(ActionSuggestBundle(), tracker)
    text = all_text(messages)
    assert kb.bundles["unemployment"].name in text
    assert kb.items["unemployment_benefit"].name in text
    assert kb.items["unemployment_registration"].name in text  # linked
    pending = slot_events(events)["pending_confirmation"]
    assert pending["type"] == "select_suggested" and pending["items"] == ["unemployment_benefit"]
    assert "selected_items" not in slot_events(events)  # nothing chosen before the user agrees


def test_need_described_in_own_words_finds_labour_rights(kb):
    tracker = make_tracker("empty", text="老板欠了我三个月工资不给", intent="describe_need", entities=[])
    messages, _ = run_action(ActionSuggestBundle(), tracker)
    assert kb.bundles["labor_rights"].name in all_text(messages)
