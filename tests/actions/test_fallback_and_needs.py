"""Low-confidence clarification, out-of-scope replies and need suggestions."""
from __future__ import annotations

import json

from actions.fallback import INTENT_DESCRIPTIONS, ActionClarifyIntent, ActionOutOfScope
from actions.needs import ActionSuggestBundle
from tests.actions.conftest import all_text, make_tracker, payloads, run_action, slot_events


def test_clarify_lets_the_knowledge_base_answer_a_question_it_understands(kb):
    # unsure classifier, but the words name an item and ask how long: answer it
    messages, events = run_action(ActionClarifyIntent(), make_tracker("nlu_fallback"))
    text = all_text(messages)
    assert kb.items["unemployment_registration"].primary.deadline.text in text
    assert "您是想问" not in text
    assert slot_events(events)["pending_question"] is None


def test_clarify_offers_full_questions_when_both_are_unsure(kb):
    tracker = make_tracker("nlu_fallback", text="工伤认定那个事儿")
    messages, events = run_action(ActionClarifyIntent(), tracker)
    buttons = [b for m in messages for b in m.get("buttons") or []]
    titles = [b["title"] for b in buttons]
    name = kb.items["work_injury_recognition"].name
    assert f"{name}需要什么材料" in titles and f"{name}多久能办好" in titles
    first = buttons[0]["payload"]
    assert first.startswith("/ask_question{")
    body = json.loads(first[len("/ask_question"):])
    assert body["item"] == ["work_injury_recognition"] and body["aspect"] == ["materials"]
    assert INTENT_DESCRIPTIONS["select_items"] in titles  # affirm is never offered
    assert buttons[-1]["payload"] == "/human_handoff"
    assert "您是想问" in all_text(messages)
    assert slot_events(events)["pending_question"] == "工伤认定那个事儿"


def test_clarify_without_any_match_says_how_to_ask(kb):
    tracker = make_tracker("nlu_fallback", text="嗯嗯嗯这个那个",
                           ranking=[{"name": "nlu_fallback", "confidence": 0.4}, {"name": "affirm", "confidence": 0.3}])
    messages, _ = run_action(ActionClarifyIntent(), tracker)
    text = all_text(messages)
    assert "换个说法" in text and "/human_handoff" in payloads(messages)


def test_every_non_question_intent_offered_has_a_description():
    import yaml
    from pathlib import Path

    from actions.fallback import ENTITY_INTENTS

    intents = set()
    for path in Path("bot/domain").glob("*.yml"):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        intents |= {i if isinstance(i, str) else next(iter(i)) for i in doc.get("intents", [])}
    assert set(INTENT_DESCRIPTIONS) <= intents
    assert ENTITY_INTENTS <= set(INTENT_DESCRIPTIONS)


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
    assert f"（事项依据：{kb.bundles['unemployment'].source}）" in text   # the guide the items are from
    pending = slot_events(events)["pending_confirmation"]
    assert pending["type"] == "select_suggested" and pending["items"] == ["unemployment_benefit"]
    assert "selected_items" not in slot_events(events)  # nothing chosen before the user agrees


def test_need_described_in_own_words_finds_labour_rights(kb):
    tracker = make_tracker("empty", text="老板欠了我三个月工资不给", intent="describe_need", entities=[])
    messages, _ = run_action(ActionSuggestBundle(), tracker)
    assert kb.bundles["labor_rights"].name in all_text(messages)


def test_need_in_everyday_words_gets_items_from_the_lexicons_situations(kb):
    for text, item_id in (("我被公司辞退了", "unemployment_registration"), ("手被机器压伤了", "work_injury_recognition"),
                          ("公司倒闭了我失业了", "unemployment_benefit")):
        tracker = make_tracker("empty", text=text, intent="describe_need", entities=[])
        messages, events = run_action(ActionSuggestBundle(), tracker)
        assert kb.items[item_id].name in all_text(messages), text
        assert slot_events(events)["pending_confirmation"]["type"] == "select_suggested"
