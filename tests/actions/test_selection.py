"""Item selection across turns: bundles, numbers, linked items, removal
refusal, other-bundle items, checklist and the start-application entry."""
from __future__ import annotations

from actions.confirmation import ActionConfirmPending, ActionDeclinePending
from actions.selection import (
    ActionChooseBundle,
    ActionDoneSelecting,
    ActionListSelection,
    ActionRemoveItem,
    ActionSelectAll,
    ActionSelectItems,
)
from tests.actions.conftest import all_text, make_tracker, payload_tracker, payloads, run_action, slot_events

SELECTED = ["unemployment_registration", "unemployment_benefit", "job_seeker_registration"]


def test_choose_bundle_shows_menu_in_bundle_order(kb):
    tracker = payload_tracker("empty", "choose_bundle", bundle="unemployment")
    messages, events = run_action(ActionChooseBundle(), tracker)
    text = all_text(messages)
    bundle = kb.bundles["unemployment"]
    assert bundle.name in text
    for number, item_id in enumerate(bundle.item_ids, start=1):
        assert f"{number}. {kb.items[item_id].name}" in text
    assert str(bundle.source) in text
    slots = slot_events(events)
    assert slots["bundle"] == "unemployment"
    assert slots["selected_items"] == []
    assert "/select_all" in payloads(messages)


def test_choose_bundle_by_text(kb):
    tracker = make_tracker("empty", text="我要办劳动维权一件事", intent="choose_bundle")
    _, events = run_action(ActionChooseBundle(), tracker)
    assert slot_events(events)["bundle"] == "labor_rights"


def test_choose_bundle_without_bundle_lists_all_bundles(kb):
    tracker = make_tracker("empty", text="有哪些一件事可以办", intent="choose_bundle")
    messages, events = run_action(ActionChooseBundle(), tracker)
    for bundle in kb.bundles.values():
        assert bundle.name in all_text(messages)
    assert "bundle" not in slot_events(events)


def test_select_item_adds_linked_items_with_reason_and_source(kb):
    tracker = payload_tracker("unemployment_bundle", "select_items", item=["unemployment_benefit"])
    messages, events = run_action(ActionSelectItems(), tracker)
    slots = slot_events(events)
    expanded = [s.item_id for s in kb.expand_selection(["unemployment_benefit"])]
    assert set(slots["selected_items"]) == set(expanded)
    # menu order
    order = list(kb.bundles["unemployment"].item_ids)
    assert slots["selected_items"] == sorted(slots["selected_items"], key=order.index)
    text = all_text(messages)
    reason = next(s.reason for s in kb.expand_selection(["unemployment_benefit"]) if s.added_by)
    assert reason in text
    for rule in kb.link_rules:
        if rule.item_id == "unemployment_benefit":
            assert rule.source.title in text
    assert slots["selection_notes"]["job_seeker_registration"]["by"] == ["unemployment_benefit"]


def test_payload_ids_are_revalidated(kb):
    tracker = payload_tracker("unemployment_bundle", "select_items", item=["no_such_item", "'; drop"])
    messages, events = run_action(ActionSelectItems(), tracker)
    assert "没有找到" in all_text(messages)
    assert "selected_items" not in slot_events(events)


def test_menu_numbers_follow_bundle_order(kb):
    tracker = make_tracker("unemployment_bundle", text="1和3", intent="select_items", entities=[])
    _, events = run_action(ActionSelectItems(), tracker)
    order = kb.bundles["unemployment"].item_ids
    selected = slot_events(events)["selected_items"]
    assert order[0] in selected and order[2] in selected


def test_colloquial_name_with_no_bundle_sets_bundle(kb):
    tracker = make_tracker("empty", text="我想领失业金", intent="select_items", entities=[])
    _, events = run_action(ActionSelectItems(), tracker)
    slots = slot_events(events)
    assert slots["bundle"] == "unemployment"
    assert "unemployment_benefit" in slots["selected_items"]


def test_selection_accumulates_across_turns(kb):
    tracker = payload_tracker("unemployment_selected", "select_items", item=["career_guidance"])
    _, events = run_action(ActionSelectItems(), tracker)
    selected = slot_events(events)["selected_items"]
    assert set(SELECTED) | {"career_guidance"} == set(selected)


def test_already_selected_item_is_reported(kb):
    tracker = payload_tracker("unemployment_selected", "select_items", item=["unemployment_benefit"])
    messages, _ = run_action(ActionSelectItems(), tracker)
    assert "已在您的选择中" in all_text(messages)


def test_removing_a_prerequisite_is_refused_with_explanation(kb):
    tracker = payload_tracker("unemployment_selected", "remove_item", item=["job_seeker_registration"])
    messages, events = run_action(ActionRemoveItem(), tracker)
    text = all_text(messages)
    assert "暂时不能去掉" in text
    assert kb.items["unemployment_registration"].name in text or kb.items["unemployment_benefit"].name in text
    assert set(slot_events(events)["selected_items"]) == set(SELECTED)


def test_removing_the_dependent_item_keeps_linked_items(kb):
    tracker = payload_tracker("unemployment_selected", "remove_item", item=["unemployment_benefit"])
    messages, events = run_action(ActionRemoveItem(), tracker)
    selected = slot_events(events)["selected_items"]
    assert "unemployment_benefit" not in selected
    assert "unemployment_registration" in selected and "job_seeker_registration" in selected
    assert "仍为您保留" in all_text(messages)


def test_removing_dependent_and_prerequisite_together(kb):
    tracker = payload_tracker(
        "unemployment_selected", "remove_item", item=["unemployment_benefit", "unemployment_registration"]
    )
    _, events = run_action(ActionRemoveItem(), tracker)
    assert slot_events(events)["selected_items"] == ["job_seeker_registration"]


def test_remove_by_text(kb):
    slots = {"selected_items": SELECTED + ["career_guidance"]}
    tracker = make_tracker("unemployment_selected", text="去掉职业指导", intent="remove_item", entities=[], slots=slots)
    _, events = run_action(ActionRemoveItem(), tracker)
    assert "career_guidance" not in slot_events(events)["selected_items"]


def test_remove_without_item_asks_which(kb):
    tracker = make_tracker("unemployment_selected", text="删掉一个", intent="remove_item", entities=[])
    messages, events = run_action(ActionRemoveItem(), tracker)
    assert "要去掉哪一项" in all_text(messages)
    assert all(p.startswith("/remove_item") for p in payloads(messages))
    assert events == []


def test_other_bundle_item_asks_to_switch_then_switches(kb):
    tracker = payload_tracker("unemployment_selected", "select_items", item=["work_injury_recognition"])
    messages, events = run_action(ActionSelectItems(), tracker)
    slots = slot_events(events)
    assert slots["pending_confirmation"]["type"] == "switch_bundle"
    assert slots["pending_confirmation"]["bundle"] == "labor_rights"
    assert set(slots["selected_items"]) == set(SELECTED)  # nothing lost yet
    assert kb.bundles["labor_rights"].name in all_text(messages)
    assert payloads(messages) == ["/affirm", "/deny"]

    after = make_tracker("unemployment_selected", text="好的", intent="affirm", slots=slots)
    messages, events = run_action(ActionConfirmPending(), after)
    slots2 = slot_events(events)
    assert slots2["bundle"] == "labor_rights"
    assert slots2["selected_items"] == ["work_injury_recognition"]
    assert slots2["pending_confirmation"] is None


def test_declining_the_switch_keeps_the_selection(kb):
    pending = {"type": "switch_bundle", "bundle": "labor_rights", "items": ["work_injury_recognition"]}
    tracker = make_tracker("unemployment_selected", text="不用", intent="deny", slots={"pending_confirmation": pending})
    messages, events = run_action(ActionDeclinePending(), tracker)
    assert "保留" in all_text(messages)
    assert slot_events(events) == {"pending_confirmation": None}


def test_other_bundle_item_with_empty_selection_switches_directly(kb):
    tracker = payload_tracker("unemployment_bundle", "select_items", item=["title_evaluation"])
    messages, events = run_action(ActionSelectItems(), tracker)
    slots = slot_events(events)
    assert slots["bundle"] == "talent"
    assert slots["selected_items"] == ["title_evaluation"]
    assert kb.bundles["talent"].name in all_text(messages)


def test_select_all_takes_bundle_items_not_single_items(kb):
    tracker = make_tracker("unemployment_bundle", text="全都要", intent="select_all")
    messages, events = run_action(ActionSelectAll(), tracker)
    selected = set(slot_events(events)["selected_items"])
    bundle_items = {i for i in kb.bundles["unemployment"].item_ids if kb.items[i].kind == "bundle_item"}
    linked = {s.item_id for s in kb.expand_selection(sorted(bundle_items))}
    assert selected == linked
    singles = [i for i in kb.bundles["unemployment"].item_ids if i not in linked]
    for item_id in singles:
        assert kb.items[item_id].name in all_text(messages)


def test_select_all_without_bundle_asks_for_bundle(kb):
    tracker = make_tracker("empty", text="全都要", intent="select_all")
    messages, events = run_action(ActionSelectAll(), tracker)
    assert events == []
    assert any(p.startswith("/choose_bundle") for p in payloads(messages))


def test_list_selection_shows_items_and_buttons(kb):
    messages, _ = run_action(ActionListSelection(), make_tracker("unemployment_selected"))
    text = all_text(messages)
    for item_id in SELECTED:
        assert kb.items[item_id].name in text
    assert "自动加入" in text
    ps = payloads(messages)
    assert "/done_selecting" in ps
    assert any(p.startswith("/remove_item") for p in ps)
    assert any(p.startswith("/select_items") for p in ps)


def test_done_selecting_shows_merged_checklist_and_deadlines(kb):
    tracker = make_tracker("unemployment_selected", text="好了", intent="done_selecting")
    messages, events = run_action(ActionDoneSelecting(), tracker)
    text = all_text(messages)
    entries = kb.materials_checklist(SELECTED)
    for entry in entries:
        assert text.count(f"{entry.material.display()} ——") == 1  # shared material listed once
        for item_id in entry.needed_by:
            assert kb.items[item_id].name in text
    for d in kb.deadlines(SELECTED):
        if d.deadline:
            assert d.deadline.text in text
        if d.source:
            assert str(d.source) in text
    assert "/start_application" in payloads(messages)
    assert slot_events(events)["pending_confirmation"] == {"type": "start_application"}


def test_done_selecting_with_nothing_selected(kb):
    tracker = make_tracker("unemployment_bundle", text="好了", intent="done_selecting")
    messages, _ = run_action(ActionDoneSelecting(), tracker)
    assert "还没有选择" in all_text(messages)


def test_affirm_after_checklist_starts_application_and_keeps_selection(kb):
    tracker = make_tracker(
        "unemployment_selected", text="好的", intent="affirm", slots={"pending_confirmation": {"type": "start_application"}}
    )
    messages, events = run_action(ActionConfirmPending(), tracker)
    slots = slot_events(events)
    assert slots["pending_confirmation"] is None
    assert "selected_items" not in slots and "bundle" not in slots  # the selection is kept
    # the same entry as the 开始申请 button: it opens the application form
    assert slots.get("application_ready") is True
    assert any(e.get("event") == "followup" and e.get("name") == "application_form" for e in events)


def test_affirm_without_pending_question(kb):
    messages, events = run_action(ActionConfirmPending(), make_tracker("empty", text="好的", intent="affirm"))
    assert "还有什么可以帮您" in all_text(messages)
    assert slot_events(events) == {"pending_confirmation": None}


def test_traditional_characters_and_full_width_numbers(kb):
    tracker = make_tracker("unemployment_bundle", text="失業登記和２", intent="select_items", entities=[])
    _, events = run_action(ActionSelectItems(), tracker)
    selected = slot_events(events)["selected_items"]
    assert "unemployment_registration" in selected
    assert kb.bundles["unemployment"].item_ids[1] in selected


def test_linked_items_from_one_rule_are_explained_once(kb):
    tracker = payload_tracker("unemployment_bundle", "select_items", item=["unemployment_benefit"])
    messages, _ = run_action(ActionSelectItems(), tracker)
    reason = next(s.reason for s in kb.expand_selection(["unemployment_benefit"]) if s.added_by)
    assert all_text(messages).count(reason) == 1


# ---------------------------------------------------------------- suggestions answered in words, names in words


SUGGESTED = {"type": "select_suggested", "bundle": "unemployment", "items": ["unemployment_registration"]}


def test_a_suggestion_accepted_with_words_that_name_no_item(kb):
    for text in ("行，就它了", "嗯，办这个", "要的"):
        tracker = make_tracker("empty", text=text, intent="select_items", slots={"pending_confirmation": SUGGESTED})
        messages, events = run_action(ActionSelectItems(), tracker)
        slots = slot_events(events)
        assert "unemployment_registration" in slots["selected_items"], text
        assert slots["pending_confirmation"] is None
        assert "已为您选择" in all_text(messages)


def test_all_after_a_suggestion_means_the_suggested_items(kb):
    tracker = make_tracker("empty", text="都要", intent="select_all", slots={"pending_confirmation": SUGGESTED})
    _, events = run_action(ActionSelectAll(), tracker)
    expanded = {s.item_id for s in kb.expand_selection(["unemployment_registration"])}
    assert set(slot_events(events)["selected_items"]) == expanded


def test_start_application_right_after_a_suggestion(kb):
    from actions.application.form import ActionStartApplication

    tracker = make_tracker("empty", text="开始申请", intent="start_application", slots={"pending_confirmation": SUGGESTED})
    messages, events = run_action(ActionStartApplication(), tracker)
    slots = slot_events(events)
    assert slots["application_ready"] is True and "unemployment_registration" in slots["selected_items"]
    assert kb.items["unemployment_registration"].name in all_text(messages)


def test_choose_an_item_by_full_name_with_a_verb(kb):
    for item_id in ("labor_inspection_complaint", "wage_crime_referral", "benefit_account_change", "postdoc_funding"):
        name = kb.items[item_id].name
        tracker = make_tracker("empty", text=f"选择{name}", intent="select_items", entities=[])
        messages, events = run_action(ActionSelectItems(), tracker)
        assert item_id in slot_events(events)["selected_items"], name
        assert slot_events(events)["bundle"] == kb.items[item_id].bundle_id


def test_remove_by_a_partial_name_without_asking(kb):
    selected = ["unemployment_registration", "unemployment_benefit", "price_subsidy", "job_seeker_registration"]
    tracker = make_tracker("unemployment_bundle", text="临时补贴那个去掉吧", intent="remove_item", entities=[],
                           slots={"selected_items": selected})
    messages, events = run_action(ActionRemoveItem(), tracker)
    assert "price_subsidy" not in slot_events(events)["selected_items"]
    assert "请问要去掉哪一项" not in all_text(messages)


def test_an_ambiguous_partial_name_asks_which(kb):
    selected = ["unemployment_registration", "unemployment_benefit", "job_seeker_registration", "hardship_certification"]
    tracker = make_tracker("unemployment_bundle", text="登记那个去掉", intent="remove_item", entities=[],
                           slots={"selected_items": selected})
    messages, events = run_action(ActionRemoveItem(), tracker)
    assert "请问要去掉哪一项" in all_text(messages) and not events


def test_remove_by_ordinal_of_the_list(kb):
    selected = ["unemployment_registration", "employment_card"]
    tracker = make_tracker("unemployment_bundle", text="最后一个不要了", intent="remove_item", entities=[],
                           slots={"selected_items": selected})
    _, events = run_action(ActionRemoveItem(), tracker)
    assert slot_events(events)["selected_items"] == ["unemployment_registration"]


def test_everything_except_named_items(kb):
    tracker = make_tracker("unemployment_bundle", text="除了价格临时补贴都要", intent="select_all", entities=[])
    _, events = run_action(ActionSelectAll(), tracker)
    chosen = slot_events(events)["selected_items"]
    bundle_items = [i for i in kb.bundles["unemployment"].item_ids if kb.items[i].kind != "single_item"]
    assert "price_subsidy" not in chosen
    assert set(bundle_items) - {"price_subsidy"} <= set(chosen)


def test_everything_except_also_works_when_nlu_says_select_items(kb):
    tracker = make_tracker("unemployment_bundle", text="失业金以外都要", intent="select_items", entities=[])
    _, events = run_action(ActionSelectItems(), tracker)
    chosen = slot_events(events)["selected_items"]
    assert "unemployment_benefit" not in chosen and "unemployment_registration" in chosen


def test_cancel_outside_a_form_drops_a_paused_application_only(kb):
    from actions.confirmation import ActionCancel

    paused = {"stage": "paused", "items": ["unemployment_registration"], "answers": {"name": "张三"}, "pending": "phone"}
    tracker = make_tracker("unemployment_selected", text="取消", intent="cancel", slots={"application": paused})
    messages, events = run_action(ActionCancel(), tracker)
    slots = slot_events(events)
    assert slots["application"]["stage"] == "cancelled" and slots["application"]["answers"] == {}
    assert "selected_items" not in slots and "没有提交" in all_text(messages)
    messages, events = run_action(ActionCancel(), make_tracker("empty", text="取消", intent="cancel"))
    assert messages[0].get("response") == "utter_nothing_to_cancel" and not events


def test_a_negative_reply_taken_for_a_selection_declines_the_pending_switch(kb):
    pending = {"type": "switch_bundle", "bundle": "labor_rights", "items": ["work_injury_recognition"]}
    tracker = make_tracker("unemployment_selected", text="不切换", intent="select_items", entities=[],
                           slots={"pending_confirmation": pending})
    messages, events = run_action(ActionSelectItems(), tracker)
    assert "不切换" in all_text(messages) and slot_events(events) == {"pending_confirmation": None}


def test_a_name_alone_outside_the_menu_gets_the_card_and_the_offer(kb):
    """“工伤保险待遇先行支付” typed as the first message asks what it is: its card and the
    offer to choose it, accepted by 好的; nothing is chosen before that."""
    item_id = "work_injury_advance_payment"
    item = kb.items[item_id]
    for text in (item.name, f"{item.name}呢", f"揭阳 {item.name}"):
        tracker = make_tracker("empty", text=text, intent="select_items", entities=[])
        messages, events = run_action(ActionSelectItems(), tracker)
        slots = slot_events(events)
        assert "selected_items" not in slots, text
        assert slots["pending_confirmation"] == {"type": "select_suggested", "bundle": item.bundle_id, "items": [item_id]}
        said = all_text(messages)
        assert f"需要为您选上“{item.name}”吗" in said, text
        assert str(kb.bundles[item.bundle_id].source) in said   # the card cites its guide
        assert any(b.get("payload", "").startswith("/select_items") for m in messages for b in m.get("buttons") or [])
    accepted = make_tracker("empty", text="好的", intent="affirm", slots={"pending_confirmation": slots["pending_confirmation"]})
    _, events = run_action(ActionConfirmPending(), accepted)
    assert item_id in slot_events(events)["selected_items"]


def test_a_name_alone_inside_the_menu_chooses_and_a_verb_always_chooses(kb):
    inside = make_tracker("unemployment_bundle", text="失业登记", intent="select_items", entities=[])
    _, events = run_action(ActionSelectItems(), inside)
    assert "unemployment_registration" in slot_events(events)["selected_items"]
    for text in ("我要办失业登记", "选择失业登记", "失业登记、求职登记"):
        outside = make_tracker("empty", text=text, intent="select_items", entities=[])
        _, events = run_action(ActionSelectItems(), outside)
        assert "unemployment_registration" in slot_events(events)["selected_items"], text


def test_start_application_naming_an_item_of_another_bundle_offers_the_switch_first(kb):
    # “我还要申请工伤认定” while 失业 items are chosen: not the 失业 form, but the offer to switch
    from actions.application.form import ActionStartApplication

    tracker = make_tracker("unemployment_selected", text="我还要申请工伤认定", intent="start_application", entities=[])
    messages, events = run_action(ActionStartApplication(), tracker)
    slots = slot_events(events)
    assert slots["application_ready"] is False   # the rule then listens
    assert "切换" in all_text(messages)
    assert slots["pending_confirmation"]["type"] == "switch_bundle"


def test_start_application_naming_an_item_with_nothing_chosen_opens_its_form(kb):
    from actions.application.form import ActionStartApplication

    tracker = make_tracker("empty", text="我要申请失业金", intent="start_application", entities=[])
    messages, events = run_action(ActionStartApplication(), tracker)
    slots = slot_events(events)
    assert slots["application_ready"] is True and "unemployment_benefit" in slots["selected_items"]
    assert slots["bundle"] == "unemployment"
    # “开始申请” alone still opens the form of the current choice
    tracker = make_tracker("unemployment_selected", text="开始申请", intent="start_application", entities=[])
    _, events = run_action(ActionStartApplication(), tracker)
    assert slot_events(events)["application_ready"] is True
