"""Multi-turn conversations over REST, written as people talk: suggestions answered
in words, detours in the middle of forms and lookups, corrections, changes of
mind, several items, each bundle and each single item.

Everything runs against the real stack (tests/e2e/conftest.py). Expected item
names and the guide's words come from knowledge/; applicants from tests/personas.
"""
from __future__ import annotations

import re
from typing import List

import pytest

from knowledge import load_kb
from knowledge.personal_data import mask_phone
from tests.e2e.conftest import Chat
from tests.personas import Persona, make_persona, older_persona

KB = load_kb()


def name(item_id: str) -> str:
    return KB.item(item_id).name


def rest(stack) -> Chat:
    return Chat(stack, via="rest")


class Talk:
    """A chat that keeps the last reply text at hand."""

    def __init__(self, stack) -> None:
        self.chat = rest(stack)
        self.last = ""
        self.replies: List[dict] = []

    def say(self, message: str) -> str:
        self.replies = self.chat.say(message)
        self.last = Chat.texts(self.replies)
        return self.last

    def buttons(self) -> List[str]:
        return Chat.button_titles(self.replies)

    def fill(self, applicant: Persona, items: List[str], answers: List[str] = None) -> str:
        for text in answers if answers is not None else applicant.script(KB, items):
            self.say(text)
        return self.last

    def applied_items_line(self) -> str:
        return next((line for line in self.last.splitlines() if line.startswith("办理事项：")), "")


def case_number(text: str) -> str:
    m = re.search(r"办件编号[：:]\s*([A-Za-z0-9\-]+)", text)
    assert m, text
    return m.group(1)


def selected_in(text: str, item_id: str) -> bool:
    return name(item_id) in text


# ---------------------------------------------------------------- suggestions are real choices


@pytest.mark.parametrize("reply", ["行，就它了", "嗯，办这个", "要的"])
def test_a_suggestion_accepted_in_words_then_apply(stack, reply):
    talk = Talk(stack)
    text = talk.say("我失业了，现在没工作")
    assert "需要为您选上吗" in text
    text = talk.say(reply)
    assert "已为您选择" in text
    text = talk.say("开始申请")
    assert "请先选择" not in text and "姓名" in text


def test_apply_right_after_a_suggestion_takes_it_as_accepted(stack):
    talk = Talk(stack)
    assert "需要为您选上吗" in talk.say("我失业了，现在没工作")
    text = talk.say("开始申请")
    assert "请先选择" not in text and "开始在线申请" in text and "姓名" in text


def test_a_suggestion_declined_then_a_bundle_chosen(stack):
    talk = Talk(stack)
    assert "需要为您选上吗" in talk.say("公司拖欠我三个月工资")
    text = talk.say("不用了，我再看看")
    assert "已为您选择" not in text
    text = talk.say("我要办劳动维权一件事")
    assert KB.bundles["labor_rights"].name in text


# ---------------------------------------------------------------- choosing in words


@pytest.mark.parametrize("item_id", list(KB.items))
def test_every_item_chosen_by_its_full_name(stack, item_id):
    talk = Talk(stack)
    talk.say("你好")
    text = talk.say(f"选择{name(item_id)}")
    assert "抱歉" not in text and name(item_id) in text and "已为您选择" in text
    text = talk.say("选好了")
    assert name(item_id) in text and "材料" in text


def test_partial_name_removes_the_one_matching_item(stack):
    talk = Talk(stack)
    talk.say("我要办失业一件事")
    talk.say("我要领失业金和价格临时补贴")
    assert selected_in(talk.last, "price_subsidy")
    text = talk.say("临时补贴那个去掉吧")
    assert "请问要去掉哪一项" not in text and f"已去掉：{name('price_subsidy')}" in text


def test_everything_except_one(stack):
    talk = Talk(stack)
    talk.say("我要办失业一件事")
    text = talk.say("除了价格临时补贴都要")
    assert name("price_subsidy") not in text.split("您当前")[-1].split("可以继续")[0]
    assert name("unemployment_registration") in text and name("unemployment_benefit") in text


def test_menu_numbers_and_an_ordinal_removal(stack):
    talk = Talk(stack)
    talk.say("人才服务一件事")
    bundle = KB.bundles["talent"]
    text = talk.say("1和3")
    assert name(bundle.item_ids[0]) in text and name(bundle.item_ids[2]) in text
    text = talk.say("去掉第一个")
    assert f"已去掉：{name(bundle.item_ids[0])}" in text


def test_other_bundle_item_switch_declined_then_accepted(stack):
    talk = Talk(stack)
    talk.say("我要办失业一件事")
    talk.say("失业登记")
    text = talk.say("我还要申请工伤认定")
    assert "切换" in text
    text = talk.say("不切换")
    assert "保留" in text
    talk.say("我还要申请工伤认定")
    text = talk.say("好的")
    assert KB.bundles["labor_rights"].name in text and name("work_injury_recognition") in text


def test_change_of_mind_between_bundles(stack):
    talk = Talk(stack)
    talk.say("我要办失业一件事")
    talk.say("失业登记")
    text = talk.say("我还是办人才服务一件事吧")
    assert KB.bundles["talent"].name in text and "已清空" in text
    text = talk.say("职称评审")
    assert name("title_evaluation") in text
    text = talk.say("我都选了啥")
    assert name("title_evaluation") in text and name("unemployment_registration") not in text


def test_linked_item_removal_refused_then_done_in_order(stack):
    talk = Talk(stack)
    talk.say("我要办失业一件事")
    talk.say("我想领失业金")
    text = talk.say("求职登记去掉")
    assert "暂时不能去掉" in text
    text = talk.say("失业金也不要了")
    assert f"已去掉：{name('unemployment_benefit')}" in text


# ---------------------------------------------------------------- the form is not a trap


def start_benefit(talk: Talk) -> None:
    talk.say("我要办失业一件事")
    talk.say("我想领失业金")
    talk.say("选好了")
    assert "姓名" in talk.say("开始申请")


def test_what_did_i_choose_at_the_id_field(stack):
    talk = Talk(stack)
    applicant = make_persona(401)
    start_benefit(talk)
    talk.say(applicant.name)
    text = talk.say("我都勾了哪几项来着？")
    assert "您输入了" not in text and name("unemployment_benefit") in text and "身份证" in text
    text = talk.say(applicant.id_number)
    assert "手机" in text or "电话" in text


def test_question_mid_form_then_the_same_field(stack):
    talk = Talk(stack)
    start_benefit(talk)
    text = talk.say("失业金要带什么材料？")
    assert "身份证" in text and "姓名" in text                     # answered, then asked again
    assert "姓名只能包含" not in text


def test_remove_an_item_in_the_middle_of_the_form(stack):
    talk = Talk(stack)
    applicant = make_persona(402)
    talk.say("我要办失业一件事")
    talk.say("我要领失业金和价格临时补贴")
    talk.say("选好了")
    talk.say("开始申请")
    talk.say(applicant.name)
    text = talk.say("临时补贴那个去掉吧")
    assert name("price_subsidy") in text and "身份证" in text
    talk.fill(applicant, ["unemployment_benefit"], applicant.script(KB, ["unemployment_benefit"])[1:])
    assert "请核对" in talk.last and name("price_subsidy") not in talk.applied_items_line()


def test_summary_waits_for_a_clear_yes(stack):
    talk = Talk(stack)
    applicant = make_persona(403)
    start_benefit(talk)
    assert "请核对" in talk.fill(applicant, ["unemployment_benefit"])
    text = talk.say("好，我再考虑下")
    assert "办件编号" not in text and "请核对" in text
    text = talk.say("对了，材料要原件吗？")
    assert "办件编号" not in text and "请核对" in text
    new_phone = "139" + applicant.phone[3:]
    text = talk.say(f"手机号写错了，是{new_phone}")
    assert mask_phone(new_phone) in text and "请核对" in text and new_phone not in text
    text = talk.say("确认提交")
    assert "办件编号" in text


def test_contribution_record_disputed_other_items_submitted(stack):
    talk = Talk(stack)
    applicant = make_persona(404)
    start_benefit(talk)
    talk.fill(applicant, [], applicant.script(KB, ["unemployment_benefit"])[:-1])
    assert "失业保险金确认" in talk.last
    text = talk.say("有异议")
    note = next(f.note for s in KB.form_sections(["unemployment_benefit"]) for f in s.fields if f.id == "user_confirmation")
    assert note[note.index("（") + 1: note.rindex("）")] in text
    assert "只提交其他事项" in talk.buttons()
    text = talk.say("只提交其他事项")
    assert "请核对" in text and name("unemployment_benefit") not in talk.applied_items_line()
    text = talk.say("确认提交")
    assert "办件编号" in text and name("unemployment_registration") in text


def test_contribution_record_disputed_then_paused_and_continued(stack):
    talk = Talk(stack)
    applicant = make_persona(405)
    start_benefit(talk)
    talk.fill(applicant, [], applicant.script(KB, ["unemployment_benefit"])[:-1])
    talk.say("有异议")
    text = talk.say("稍后再填")
    assert "已为您保存" in text
    text = talk.say("继续填写")
    assert "失业保险金确认" in text
    text = talk.say("认可")
    assert "请核对" in text


def test_cancel_mid_form_keeps_the_selection(stack):
    talk = Talk(stack)
    start_benefit(talk)
    talk.say("张三")
    text = talk.say("算了，不办了")
    assert "已取消本次申请" in text
    text = talk.say("我选了哪些来着")
    assert name("unemployment_benefit") in text


def test_pause_and_continue(stack):
    talk = Talk(stack)
    applicant = make_persona(406)
    start_benefit(talk)
    talk.say(applicant.name)
    talk.say(applicant.id_number)
    assert "已为您保存" in talk.say("稍后再填")
    text = talk.say("继续填写")
    assert "接着填写" in text and ("电话" in text or "手机" in text)


def test_correction_while_filling(stack):
    talk = Talk(stack)
    applicant = make_persona(407)
    start_benefit(talk)
    for text in applicant.script(KB, ["unemployment_benefit"])[:4]:
        talk.say(text)
    text = talk.say("刚才姓名写错了")
    assert "姓名" in text
    talk.say("张三丰")
    rest_of_it = applicant.script(KB, ["unemployment_benefit"])[4:]
    text = talk.fill(applicant, [], rest_of_it)
    assert "请核对" in text and "张三丰" in text


def test_handoff_mid_form_then_the_form_goes_on(stack):
    talk = Talk(stack)
    start_benefit(talk)
    text = talk.say("转人工")
    assert "12333" in text and "姓名" in text


def test_older_applicant_is_asked_about_the_pension(stack):
    talk = Talk(stack)
    applicant = older_persona(408)
    start_benefit(talk)
    talk.say(applicant.name)
    text = talk.say(applicant.id_number)
    assert "基本养老保险待遇" in text
    text = talk.fill(applicant, [], applicant.script(KB, ["unemployment_benefit"])[2:])
    assert "请核对" in text


# ---------------------------------------------------------------- lookups are not traps


def test_item_name_leaves_the_lookup_and_the_application_follows(stack):
    talk = Talk(stack)
    text = talk.say("查一下我的申请进度")
    assert "身份证" in text
    text = talk.say(name("benefit_account_change"))
    # a name alone: its card and the offer to choose it (the lookup is left, nothing locked)
    assert "锁定" not in text and f"需要为您选上“{name('benefit_account_change')}”吗" in text
    text = talk.say("好的")
    assert "已为您选择" in text
    text = talk.say("开始办理")
    assert "姓名" in text and name("benefit_account_change") in text


def test_lookup_cancelled_in_words(stack):
    talk = Talk(stack)
    talk.say("查进度")
    text = talk.say("算了，不查了")
    assert "已取消查询" in text
    text = talk.say("你好")
    assert "身份证" not in text


def test_chatter_in_the_lookup_is_not_a_failed_attempt(stack):
    talk = Talk(stack)
    applicant = make_persona(409)
    talk.say("查进度")
    for text in ("嗯", "我想想", "你好"):
        reply = talk.say(text)
        assert "锁定" not in reply and "12333" not in reply
    talk.say(applicant.id_number)
    text = talk.say(applicant.phone[-4:])
    assert "没有查到" in text


# ---------------------------------------------------------------- whole applications, each bundle


def test_talent_application_submitted_and_looked_up(stack):
    talk = Talk(stack)
    applicant = make_persona(410)
    talk.say("人才服务一件事")
    talk.say("职称评审")
    talk.say("选好了")
    talk.say("开始申请")
    assert "请核对" in talk.fill(applicant, ["title_evaluation"])
    number = case_number(talk.say("确认提交"))
    talk.say("查询进度")
    talk.say(applicant.id_number)
    found = talk.say(applicant.phone[-4:])
    assert number in found and applicant.id_number not in found


def test_labour_rights_from_a_described_need(stack):
    talk = Talk(stack)
    applicant = make_persona(411)
    text = talk.say("我在厂里干活受伤了")
    assert "需要为您选上吗" in text and name("work_injury_recognition") in text
    talk.say("我要申请工伤认定")
    talk.say("选好了")
    talk.say("开始申请")
    text = talk.fill(applicant, ["work_injury_recognition"])
    assert "请核对" in text
    assert "办件编号" in talk.say("没问题，提交吧")


def test_benefit_suspension_reason_with_pause_word_is_an_answer(stack):
    talk = Talk(stack)
    applicant = make_persona(412)
    talk.say(f"选择{name('benefit_suspension')}")
    talk.say("选好了")
    talk.say("开始申请")
    text = talk.fill(applicant, ["benefit_suspension"])
    assert "请核对" in text and "暂停" in text and "已为您保存" not in text
    text = talk.say("确认提交")
    # the chat cannot send the manual's SMS code; the backend accepts the case without it
    assert "办件编号" in text and "申请未被受理" not in text


def test_account_change_with_a_mistyped_confirmation(stack):
    talk = Talk(stack)
    applicant = make_persona(413)
    talk.say(f"我要办{name('benefit_account_change')}")
    talk.say("选好了")
    talk.say("开始申请")
    script = applicant.script(KB, ["benefit_account_change"])
    talk.fill(applicant, [], script[:-1])
    text = talk.say(applicant.old_card)
    assert "不一致" in text
    text = talk.say(script[-1])
    assert "请核对" in text and applicant.card not in text


def test_restart_in_the_middle_of_the_form(stack):
    talk = Talk(stack)
    start_benefit(talk)
    talk.say("张三")
    text = talk.say("重新开始")
    assert "已重新开始" in text
    text = talk.say("开始申请")
    assert "请先选择" in text
