"""The form and the lookup are not traps: messages that are not the awaited value
are handled by what they are, nothing entered is lost, and only real attempts
count as failed tries. Action tests with rasa-sdk trackers and the real
knowledge base (no backend needed)."""
from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.application.detours import attempts_value
from actions.application.engine import Engine, new_state
from actions.application.form import ValidateApplicationForm
from actions.progress import ValidateProgressForm
from tests.personas import make_persona

PERSONA = make_persona(31)


def tracker(slots: Dict[str, Any], text: str, intent: str = "nlu_fallback", confidence: float = 0.9,
            loop: str = "application_form", entities: Optional[List[dict]] = None) -> Tracker:
    return Tracker(
        sender_id="t-detour",
        slots=slots,
        latest_message={"text": text, "intent": {"name": intent, "confidence": confidence}, "entities": entities or []},
        events=[],
        paused=False,
        followup_action=None,
        active_loop={"name": loop},
        latest_action_name="action_listen",
    )


def started(kb, items: List[str], answers: int = 0) -> Dict[str, Any]:
    expanded = [s.item_id for s in kb.expand_selection(items)]
    state = new_state(kb.item(expanded[0]).bundle_id, expanded, "key-detour")
    engine = Engine(kb)
    engine.start(state)
    for text in PERSONA.script(kb, items)[:answers]:
        engine.handle(state, text)
    return state


def validate_form(state, text, intent="nlu_fallback", confidence=0.9, selected=None, entities=None):
    dispatcher = CollectingDispatcher()
    slots = {"application": state, "selected_items": selected or list(state["items"]), "bundle": state["bundle"]}
    result = asyncio.run(ValidateApplicationForm().validate_application_input(
        text, dispatcher, tracker(slots, text, intent, confidence, entities=entities), {}))
    return result, "\n".join(m.get("text") or "" for m in dispatcher.messages)


def validate_lookup(lookup, text, intent="nlu_fallback", confidence=0.9, slots=None):
    dispatcher = CollectingDispatcher()
    trk = tracker({"lookup": lookup, **(slots or {})}, text, intent, confidence, loop="progress_form")
    result = asyncio.run(ValidateProgressForm().validate_lookup_input(text, dispatcher, trk, {}))
    return result, "\n".join(m.get("text") or "" for m in dispatcher.messages)


# ---------------------------------------------------------------- the application form


def test_asking_what_was_chosen_at_the_id_field_lists_the_items(kb):
    state = started(kb, ["unemployment_benefit"], answers=1)
    assert state["pending"] == "id_number"
    result, text = validate_form(state, "我都勾了哪几项来着？", "list_selection")
    assert result["application_input"] is None
    for item_id in state["items"]:
        assert kb.item(item_id).name in text
    assert "您输入了" not in text and "18位" not in text
    assert state["pending"] == "id_number" and not state["failures"]
    assert state["answers"]["name"] == PERSONA.name


def test_digits_at_the_id_field_are_an_attempt_and_explained(kb):
    state = started(kb, ["unemployment_benefit"], answers=1)
    result, text = validate_form(state, "4452021988080810", "list_selection")
    assert "18位" in text and state["failures"].get("id_number") == 1


@pytest.mark.parametrize("digits", ["123456", "4452 0219"])
def test_a_short_number_at_the_id_field_is_told_what_an_id_number_looks_like(kb, digits):
    state = started(kb, ["unemployment_benefit"], answers=1)
    result, text = validate_form(state, digits, "out_of_scope", 0.5)
    assert "18位" in text and "不像是对当前问题的回答" not in text
    assert state["answers"]["name"] == PERSONA.name   # nothing entered before is lost


def test_unclear_message_at_the_id_field_is_not_counted_as_a_failure(kb):
    state = started(kb, ["unemployment_benefit"], answers=1)
    result, text = validate_form(state, "嗯嗯这个嘛", "nlu_fallback", 0.3)
    assert result["application_input"] is None and not state["failures"]
    assert "取消" in text


def test_remove_an_item_by_a_partial_name_in_the_middle_of_the_form(kb):
    state = started(kb, ["unemployment_benefit", "price_subsidy"], answers=3)
    pending = state["pending"]
    result, text = validate_form(state, "临时补贴那个去掉吧", "remove_item")
    assert "price_subsidy" not in result["application"]["items"]
    assert "price_subsidy" not in result["selected_items"]
    assert kb.item("price_subsidy").name in text
    assert result["application"]["pending"] == pending                  # the same question next
    assert result["application"]["answers"]["phone"] == PERSONA.phone    # nothing lost


def test_a_linked_item_cannot_be_removed_mid_form(kb):
    state = started(kb, ["unemployment_benefit"], answers=2)
    result, text = validate_form(state, "失业登记不要了", "remove_item")
    assert "unemployment_registration" in state["items"] and "需要联办" in text


def test_add_an_item_in_the_middle_of_the_form(kb):
    state = started(kb, ["unemployment_registration"], answers=2)
    result, text = validate_form(state, "再加上价格临时补贴申领", "select_items")
    assert "price_subsidy" in result["application"]["items"]
    assert result["application"]["answers"]["id_number"] == PERSONA.id_number


def test_an_item_of_another_bundle_is_not_added_to_the_application(kb):
    state = started(kb, ["unemployment_registration"], answers=2)
    result, text = validate_form(state, "我还要申请工伤认定", "select_items")
    assert "work_injury_recognition" not in state["items"] and "不属于" in text


def test_a_free_text_answer_that_names_no_item_is_taken(kb):
    state = started(kb, ["unemployment_benefit"], answers=0)
    result, _ = validate_form(state, "张三", "select_items", 0.7)
    assert result["application"]["answers"]["name"] == "张三"


def test_a_question_at_the_summary_is_not_a_confirmation(kb):
    state = started(kb, ["unemployment_benefit"], answers=99)
    assert state["stage"] == "confirming"
    result, _ = validate_form(state, "好，对了，材料要原件吗？", "affirm", 0.95)
    assert result["application_input"] is None
    assert state["stage"] == "confirming"


def test_the_confirm_button_submits(kb):
    state = started(kb, ["unemployment_benefit"], answers=99)
    result, _ = validate_form(state, "确认提交", "affirm", 0.95)
    assert result["application_input"] == "done" and result["application"]["stage"] == "confirmed"


@pytest.mark.parametrize("text,kind", [
    ("我都勾了哪几项来着？", "id_number"), ("13812345", "phone"), ("1381234567890", "phone"), ("第一个", "choice"),
])
def test_what_counts_as_an_attempt(kb, text, kind):
    state = started(kb, ["unemployment_benefit"], answers={"id_number": 1, "phone": 2, "choice": 9}[kind])
    engine = Engine(kb)
    expected = {"id_number": False, "phone": True, "choice": True}[kind]
    assert attempts_value(kb, engine, state, text, {"name": "list_selection", "confidence": 0.9}) is expected


# ---------------------------------------------------------------- the progress lookup


def test_lookup_counts_only_real_attempts(kb):
    lookup = {"stage": "id", "failures": 0}
    for text in ("你好", "嗯", "我不知道"):
        result, _ = validate_lookup(lookup, text, "greet", 0.4)
        lookup = result.get("lookup", lookup)
        assert not lookup.get("failures")
    for n in range(1, 4):
        result, text = validate_lookup(lookup, "1234567890", "nlu_fallback", 0.3)
        lookup = result["lookup"]
        assert lookup["failures"] == n
    assert "12333" in text


@pytest.mark.parametrize("text,intent", [("取消", "nlu_fallback"), ("算了", "deny"), ("不查了", "check_progress"),
                                          ("这个先不弄了", "cancel")])
def test_cancel_ends_the_lookup(kb, text, intent):
    result, reply = validate_lookup({"stage": "id", "failures": 0}, text, intent, 0.9)
    assert result["lookup_input"] == "done" and result["lookup"] == {"stage": "cancelled"}
    assert "已取消查询" in reply


def test_an_item_name_leaves_the_lookup_with_its_card_and_the_offer_to_choose_it(kb):
    """A name alone outside the menu is what it is plus the offer (actions/selection.py), here too."""
    item = kb.item("benefit_account_change")
    result, reply = validate_lookup({"stage": "id", "failures": 0}, item.name, "check_progress", 0.5)
    assert result["lookup_input"] == "done" and result["lookup"] == {"stage": "left"}
    assert result["pending_confirmation"] == {"type": "select_suggested", "bundle": item.bundle_id,
                                              "items": ["benefit_account_change"]}
    assert f"需要为您选上“{item.name}”吗" in reply


def test_an_item_chosen_by_name_leaves_the_lookup_and_selects_it(kb):
    item = kb.item("benefit_account_change")
    result, reply = validate_lookup({"stage": "id", "failures": 0}, f"我要办{item.name}", "check_progress", 0.5)
    assert result["lookup_input"] == "done" and result["lookup"] == {"stage": "left"}
    assert "benefit_account_change" in result["selected_items"]
    assert item.name in reply


def test_start_application_leaves_the_lookup_and_opens_the_form(kb):
    slots = {"selected_items": ["benefit_account_change"], "bundle": "unemployment"}
    result, reply = validate_lookup({"stage": "id", "failures": 0}, "开始办理", "start_application", 0.9, slots)
    assert result["lookup_input"] == "done" and result["application_ready"] is True
    assert result["application"]["items"] == ["benefit_account_change"]


def test_id_and_phone_digits_in_one_message(kb):
    result, _ = validate_lookup({"stage": "id", "failures": 0}, f"{PERSONA.id_number}，尾号{PERSONA.phone[-4:]}")
    assert result["lookup_input"] == "done" and result["lookup"]["phone_last4"] == PERSONA.phone[-4:]


def test_a_free_text_answer_is_taken_whatever_intent_nlu_guesses(kb):
    state = started(kb, ["benefit_suspension"], answers=6)
    assert state["pending"] == "suspension_reason"
    result, _ = validate_form(state, "找到新工作了，申请暂停领取", "describe_need", 0.95)
    assert "暂停" in result["application"]["answers"]["suspension_reason"]
    assert result["application"]["stage"] != "paused"


def test_a_complaint_worded_as_a_question_is_still_the_answer(kb):
    state = started(kb, ["labor_inspection_complaint"], answers=4)
    assert state["pending"] == "complaint_request"
    result, _ = validate_form(state, "为什么三个月不发工资？要求补发", "describe_need", 0.9)
    assert "补发" in result["application"]["answers"]["complaint_request"]


def test_start_application_from_the_lookup_opens_the_form_after_it(kb):
    from actions.progress import ActionLookupProgress

    dispatcher = CollectingDispatcher()
    trk = tracker({"lookup": {"stage": "left"}, "application_ready": True}, "开始办理", "start_application",
                  loop="progress_form")
    events = asyncio.run(ActionLookupProgress().run(dispatcher, trk, {}))
    assert any(e.get("event") == "followup" and e.get("name") == "application_form" for e in events)
    assert not dispatcher.messages


def test_an_answer_nlu_takes_for_a_handoff_is_still_the_answer(kb):
    state = started(kb, ["unemployment_registration"], answers=10)
    assert state["pending"] == "unemployed_type"
    result, _ = validate_form(state, "企业解除人员", "human_handoff", 0.9)
    assert result["application"]["answers"]["unemployed_type"] == "企业解除人员"


def test_job_title_customer_service_is_not_a_handoff(kb):
    state = started(kb, ["job_seeker_registration"], answers=7)
    assert state["pending"] == "job_title"
    result, _ = validate_form(state, "客服", "human_handoff", 0.95)
    assert result["application"]["answers"]["job_title"] == "客服"


def test_handoff_request_mid_form_hands_over_and_keeps_the_form(kb):
    state = started(kb, ["unemployment_benefit"], answers=2)
    dispatcher = CollectingDispatcher()
    slots = {"application": state, "selected_items": state["items"], "bundle": state["bundle"]}
    result = asyncio.run(ValidateApplicationForm().validate_application_input(
        "转人工", dispatcher, tracker(slots, "转人工", "human_handoff", 0.97), {}))
    assert result == {"application_input": None}
    assert any((m.get("custom") or {}).get("handoff") for m in dispatcher.messages)
    assert state["pending"] == "phone" and state["answers"]["id_number"] == PERSONA.id_number


def test_a_bare_number_mid_form_adds_no_item(kb):
    state = started(kb, ["benefit_suspension"], answers=3)
    assert state["pending"] == "months_received"
    items = list(state["items"])
    result, _ = validate_form(state, "3", "select_items", 0.9)
    assert result["application"]["items"] == items and result["application"]["answers"]["months_received"] == 3


def test_chatter_taken_for_a_selection_stays_in_the_lookup(kb):
    result, _ = validate_lookup({"stage": "id", "failures": 0}, "我想想", "select_items", 0.8)
    assert result["lookup_input"] is None and not (result.get("lookup") or {}).get("failures")


def test_the_options_after_a_disputed_record_reach_the_engine(kb):
    script = PERSONA.script(kb, ["unemployment_benefit"])
    state = started(kb, ["unemployment_benefit"], answers=len(script) - 1)
    assert state["pending"] == "user_confirmation"
    validate_form(state, "有异议", "deny", 0.9)
    result, text = validate_form(state, "只提交其他事项", "nlu_fallback", 0.4)
    assert "unemployment_benefit" not in result["application"]["items"]
    assert result["application"]["stage"] == "confirming"


@pytest.mark.parametrize("text", ["嗯", "我想想", "你好"])
def test_chatter_taken_for_a_need_stays_in_the_lookup(kb, text):
    from actions.progress import leaving_action

    assert leaving_action("describe_need", 0.95, text) is None
    assert leaving_action("describe_need", 0.95, "我被公司辞退了") is not None
