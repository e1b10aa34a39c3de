"""The application dialogue with the real knowledge base: fill, correct, confirm, cancel, refuse."""
from __future__ import annotations

import pytest

from actions.application.engine import Engine, new_state
from actions.application.plan import build_plan, submitted_form
from knowledge.personal_data import today_local
from knowledge.personal_data import mask_phone
from tests.application.conftest import make_card, make_id
from tests.personas import make_persona


def start(kb, items):
    expanded = [s.item_id for s in kb.expand_selection(items)]
    state = new_state(kb.item(items[0]).bundle_id, expanded, "key-1")
    engine = Engine(kb)
    outcome = engine.start(state)
    return engine, outcome.state


def answer(engine, state, text):
    outcome = engine.handle(state, text)
    return outcome, engine.prompt(state).text


def fill(engine, state, answers):
    for text in answers:
        outcome, prompt = answer(engine, state, text)
        assert not any("请输入" in r.text and "应为" in r.text for r in outcome.replies), (text, outcome.replies)
    return state


APPLICANT = make_persona(1)
ADULT, PHONE, CARD = APPLICANT.id_number, APPLICANT.phone, APPLICANT.card


@pytest.fixture(scope="module")
def benefit_answers(kb):
    return APPLICANT.script(kb, ["unemployment_benefit"])


def test_linked_items_bring_their_sections_in_form_order(kb):
    engine, state = start(kb, ["unemployment_benefit"])
    assert state["items"] == ["unemployment_benefit", "unemployment_registration", "job_seeker_registration"]
    sections = [p.section.id for p in build_plan(kb, state["items"])]
    assert sections.index("basic_info") < sections.index("job_seeker_registration") < sections.index("unemployment_benefit")
    assert state["pending"] == "name"
    assert "姓名" in engine.prompt(state).text


def test_happy_path_reaches_a_masked_summary_and_confirms(kb, benefit_answers):
    engine, state = start(kb, ["unemployment_benefit"])
    fill(engine, state, benefit_answers)
    assert state["stage"] == "confirming"
    summary = engine.prompt(state).text
    assert "4452**********" in summary and ADULT not in summary
    assert APPLICANT.masked_phone in summary and PHONE not in summary
    assert CARD[-4:] in summary and CARD not in summary
    assert "性别：" in summary and "出生日期：1990-01-01" in summary     # derived from the ID number
    form = submitted_form(build_plan(kb, state["items"]), state["answers"])
    assert form["gender"] in ("男", "女") and form["id_type"] == "居民身份证"
    assert form["salary_type"] == "月薪" and form["user_confirmation"] is True
    assert "residence_region" not in form                                   # hidden by 户籍地与常住地一致
    outcome = engine.handle(state, "确认提交")
    assert outcome.done and state["stage"] == "confirmed"


def test_conditional_fields_appear_only_when_needed(kb):
    engine, state = start(kb, ["job_seeker_registration"])
    fill(engine, state, ["李四", ADULT, PHONE, "揭阳市榕城区", "跳过", "不一致"])
    assert state["pending"] == "residence_region"
    fill(engine, state, ["揭阳市普宁市", "流沙东街1号"])
    assert state["pending"] == "work_region"


def test_dependent_choice_is_asked_with_valid_options_only(kb):
    engine, state = start(kb, ["job_seeker_registration"])
    fill(engine, state, ["李四", ADULT, PHONE, "揭阳市榕城区", "跳过", "一致", "揭阳市", "快递员", "小时工"])
    prompt = engine.prompt(state)
    assert [b["title"] for b in prompt.buttons] == ["时薪", "一次性劳务费", "计件"]
    outcome, _ = answer(engine, state, "年薪")
    assert "只能选择" in outcome.replies[0].text and state["pending"] == "salary_type"


def test_correction_at_the_summary_returns_to_the_summary(kb, benefit_answers):
    engine, state = start(kb, ["unemployment_benefit"])
    fill(engine, state, benefit_answers)
    outcome, prompt = answer(engine, state, "手机号写错了")
    assert state["pending"] == "phone" and "手机" in prompt
    outcome, prompt = answer(engine, state, "13912345678")
    assert state["stage"] == "confirming" and mask_phone("13912345678") in prompt
    # with the new value in the same message
    answer(engine, state, "开户行改成中国银行揭阳分行")
    assert state["answers"]["bank_name"] == "中国银行揭阳分行" and state["stage"] == "confirming"
    # by row number
    outcome, prompt = answer(engine, state, "修改第1项")
    assert state["pending"] == "name"
    answer(engine, state, "张三丰")
    assert state["answers"]["name"] == "张三丰" and state["stage"] == "confirming"


def test_changing_employment_form_asks_salary_type_again(kb, benefit_answers):
    engine, state = start(kb, ["unemployment_benefit"])
    fill(engine, state, benefit_answers)
    answer(engine, state, "就业形式写错了")
    answer(engine, state, "兼职")
    assert state["pending"] == "salary_type"            # 月薪 no longer fits 兼职
    answer(engine, state, "时薪")
    assert state["stage"] == "confirming" and state["answers"]["salary_type"] == "时薪"


def test_correction_while_filling_keeps_other_answers(kb, benefit_answers):
    engine, state = start(kb, ["unemployment_benefit"])
    fill(engine, state, benefit_answers[:4])
    answer(engine, state, "刚才姓名写错了")
    assert state["pending"] == "name" and state["answers"]["phone"] == PHONE
    answer(engine, state, "张四")
    assert state["pending"] == "hukou_address"


def test_derived_fields_cannot_be_edited_directly(kb, benefit_answers):
    engine, state = start(kb, ["unemployment_benefit"])
    fill(engine, state, benefit_answers)
    outcome, _ = answer(engine, state, "性别不对，要修改")
    assert "由身份证号码自动得出" in outcome.replies[0].text and state["stage"] == "confirming"


def test_cancel_submits_nothing_and_pause_keeps_answers(kb, benefit_answers):
    engine, state = start(kb, ["unemployment_benefit"])
    fill(engine, state, benefit_answers[:3])
    outcome = engine.handle(state, "稍后再填")
    assert outcome.done and state["stage"] == "paused" and state["answers"]["phone"] == PHONE
    outcome = engine.handle(state, "不办了")
    assert outcome.done and state["stage"] == "cancelled" and "没有提交" in outcome.replies[0].text


def test_bank_card_confirmation_for_account_change(kb):
    engine, state = start(kb, ["benefit_account_change"])
    new_card = make_card("622202020011223344")
    fill(engine, state, ["王五", ADULT, PHONE, "存折", "农业银行", make_card(), "储蓄卡", "建设银行", new_card])
    assert state["pending"] == "confirm_bank_card_number"
    outcome, _ = answer(engine, state, make_card())
    assert "不一致" in outcome.replies[0].text
    answer(engine, state, new_card)
    assert state["stage"] == "confirming"


def test_under_16_cannot_register_as_unemployed(kb):
    engine, state = start(kb, ["unemployment_registration"])
    year = today_local().year - 15
    child = make_id(birth=f"{year}0101")
    answer(engine, state, "小明")
    outcome = engine.handle(state, child)
    assert outcome.done and state["stage"] == "ineligible"
    assert "16周岁" in outcome.replies[0].text and "湖南" in outcome.replies[0].text
    assert "id_number" not in state["answers"]


def test_older_applicants_are_asked_about_the_pension(kb):
    engine, state = start(kb, ["unemployment_registration"])
    answer(engine, state, "赵六")
    answer(engine, state, make_id(birth="19650101"))
    assert state["pending"] == "__pension__"
    outcome = engine.handle(state, "已经领取")
    assert outcome.done and state["stage"] == "ineligible" and "基本养老保险待遇" in outcome.replies[0].text


def test_repeated_failures_offer_later_or_a_person(kb):
    engine, state = start(kb, ["unemployment_benefit"])
    answer(engine, state, "张三")
    for _ in range(2):
        outcome, _ = answer(engine, state, "123")
        assert "18位" in outcome.replies[0].text
    outcome, _ = answer(engine, state, "123")
    help_reply = outcome.replies[0]
    assert "3次" in help_reply.text and {"稍后再填", "转人工"} <= {b["title"] for b in help_reply.buttons}
    assert state["answers"]["name"] == "张三"


def test_personal_data_is_forgotten_after_submission(kb, benefit_answers):
    engine, state = start(kb, ["unemployment_benefit"])
    fill(engine, state, benefit_answers)
    cleaned = Engine.forget_personal_data(state)
    assert cleaned["answers"] == {} and cleaned["key"] == "key-1"


def test_talent_and_labour_items_ask_their_own_fields(kb):
    engine, state = start(kb, ["labor_inspection_complaint", "work_injury_recognition"])
    fill(engine, state, ["钱七", ADULT, PHONE, "揭阳某某制衣厂", "补发拖欠的3个月工资", "受伤"])
    assert state["pending"] == "injury_date"
    fill(engine, state, ["2024年5月6日"])
    assert state["stage"] == "confirming"
    # the employer is asked once although two sections name it
    assert sum(1 for p in build_plan(kb, state["items"]) if p.id == "employer_name") == 1


# ---------------------------------------------------------------- the summary submits only on a clear yes


@pytest.mark.parametrize("text", ["好，我再考虑下", "对了，材料要原件吗？", "是不是还要带户口本", "可以先不提交吗", "好像电话不太对"])
def test_replies_that_only_start_like_a_yes_do_not_submit(kb, benefit_answers, text):
    engine, state = start(kb, ["unemployment_benefit"])
    fill(engine, state, benefit_answers)
    outcome = engine.handle(state, text, {"name": "affirm", "confidence": 0.93})
    assert not outcome.done and state["stage"] in ("confirming", "filling")


@pytest.mark.parametrize("text,intent", [
    ("确认提交", None), ("好的", None), ("没问题，提交吧", None), ("那就确认提交", None), ("嗯嗯", None),
    ("确认", None), ("可以的", None), ("嗯呐", {"name": "affirm", "confidence": 0.95}),
])
def test_a_clear_yes_or_the_button_submits(kb, benefit_answers, text, intent):
    engine, state = start(kb, ["unemployment_benefit"])
    fill(engine, state, benefit_answers)
    outcome = engine.handle(state, text, intent)
    assert outcome.done and state["stage"] == "confirmed"


def test_a_weak_affirm_intent_does_not_submit(kb, benefit_answers):
    engine, state = start(kb, ["unemployment_benefit"])
    fill(engine, state, benefit_answers)
    outcome = engine.handle(state, "嗯呐", {"name": "affirm", "confidence": 0.55})
    assert not outcome.done and "确认提交" in outcome.replies[0].text


def test_correction_in_words_with_the_new_value_shows_the_summary_again(kb, benefit_answers):
    engine, state = start(kb, ["unemployment_benefit"])
    fill(engine, state, benefit_answers)
    outcome = engine.handle(state, "手机号写错了，是13912345678")
    assert state["answers"]["phone"] == "13912345678" and state["stage"] == "confirming"
    assert mask_phone("13912345678") in outcome.replies[0].text and "13912345678" not in outcome.replies[0].text
    assert "请核对" in engine.prompt(state).text
    for key, value in state["answers"].items():                      # nothing else changed
        if key != "phone":
            assert value is not None


def test_cancel_and_pause_words_inside_an_answer_are_answers(kb):
    engine, state = start(kb, ["benefit_suspension"])
    persona = make_persona(2)
    for text in persona.script(kb, ["benefit_suspension"]):
        outcome = engine.handle(state, text)
        assert not outcome.done, text
    assert state["stage"] == "confirming"
    assert "暂停" in state["answers"]["suspension_reason"]
    engine, state = start(kb, ["labor_inspection_complaint"])
    fill(engine, state, [persona.name, persona.id_number, persona.phone, "揭阳市榕城电子厂"])
    outcome = engine.handle(state, "取消了我的加班费，要求补发")
    assert not outcome.done and "加班费" in state["answers"]["complaint_request"]


@pytest.mark.parametrize("text", ["取消", "算了，不办了", "那就取消吧", "不申请了"])
def test_cancel_as_a_whole_message(kb, text):
    engine, state = start(kb, ["unemployment_benefit"])
    fill(engine, state, ["张三"])
    outcome = engine.handle(state, text)
    assert outcome.done and state["stage"] == "cancelled"


def test_a_clear_cancel_intent_cancels_but_not_on_an_answer_with_digits(kb):
    engine, state = start(kb, ["unemployment_benefit"])
    fill(engine, state, ["张三"])
    outcome = engine.handle(state, ADULT, {"name": "cancel", "confidence": 0.97})
    assert not outcome.done and state["answers"]["id_number"] == ADULT
    outcome = engine.handle(state, "这个我不想弄了", {"name": "cancel", "confidence": 0.97})
    assert outcome.done and state["stage"] == "cancelled"


# ---------------------------------------------------------------- the contribution record (失业保险金确认)


def contribution_note(kb):
    return next(
        f.note for s in kb.form_sections(["unemployment_benefit"]) for f in s.fields if f.id == "user_confirmation"
    )


def test_not_accepting_the_contribution_record_explains_and_offers_the_other_items(kb, benefit_answers):
    engine, state = start(kb, ["unemployment_benefit"])
    fill(engine, state, benefit_answers[:-1])
    assert state["pending"] == "user_confirmation"
    outcome = engine.handle(state, "有异议")
    text = outcome.replies[0].text
    note = contribution_note(kb)
    advice = note[note.index("（") + 1: note.rindex("）")]
    assert advice in text                                      # the guide's words, quoted
    assert "北京" in text or "《" in text                          # with its source
    assert {"只提交其他事项", "稍后再填", "认可"} <= {b["title"] for b in outcome.replies[0].buttons}
    assert state["pending"] == "user_confirmation" and "user_confirmation" not in state["answers"]
    outcome = engine.handle(state, "只提交其他事项")
    assert "unemployment_benefit" not in state["items"] and state["stage"] == "confirming"
    assert "unemployment_registration" in state["items"]
    assert kb.item("unemployment_benefit").name not in engine.prompt(state).text.split("\n")[1]
    assert engine.handle(state, "确认提交").done


def test_accepting_after_a_dispute_keeps_the_item(kb, benefit_answers):
    engine, state = start(kb, ["unemployment_benefit"])
    fill(engine, state, benefit_answers[:-1])
    engine.handle(state, "有异议")
    engine.handle(state, "核对过了，认可")
    assert state["answers"]["user_confirmation"] is True and state["stage"] == "confirming"
    assert "unemployment_benefit" in state["items"]


def test_pause_after_a_dispute_keeps_everything(kb, benefit_answers):
    engine, state = start(kb, ["unemployment_benefit"])
    fill(engine, state, benefit_answers[:-1])
    engine.handle(state, "有异议")
    outcome = engine.handle(state, "稍后再填")
    assert outcome.done and state["stage"] == "paused" and state["answers"]["bank_card_number"] == CARD
