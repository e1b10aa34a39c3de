"""Applying in the chat and finding the case afterwards, end to end over HTTP.

Web page proxy -> Rasa -> action server -> backend (SQLite), with deliberate
mistakes, a question in the middle, a correction at the summary, the backend
stopped at the moment of submission, and a progress lookup afterwards.
"""
from __future__ import annotations

from pathlib import Path

from knowledge import load_kb
from knowledge.personal_data import mask_phone
from tests.e2e.conftest import Chat, post_json
from tests.personas import Persona, make_persona

BENEFIT = ["unemployment_benefit"]


def persona(seq: int) -> Persona:
    return make_persona(seq)


def choose_benefit(chat: Chat) -> str:
    chat.say("你好")
    chat.say('/choose_bundle{"bundle":"unemployment"}')
    text = Chat.texts(chat.say("我想领失业金"))
    assert "失业保险金申领" in text and "求职登记" in text          # linked items added, with the reason
    text = Chat.texts(chat.say("好了"))
    assert "材料" in text
    return Chat.texts(chat.say("/start_application"))


def fill_until_summary(chat: Chat, applicant: Persona) -> str:
    text = ""
    for answer in applicant.script(load_kb(), BENEFIT):
        text = Chat.texts(chat.say(answer))
    return text


def test_apply_correct_submit_and_look_up(stack):
    chat = Chat(stack)
    applicant = persona(101)
    id_number, phone, card = applicant.id_number, applicant.phone, applicant.card
    script = applicant.script(load_kb(), BENEFIT)
    assert "姓名" in choose_benefit(chat)
    assert "身份证" in Chat.texts(chat.say("张三"))
    # deliberate mistakes are explained, nothing entered is lost
    text = Chat.texts(chat.say("4452021988080810"))
    assert "18位" in text
    text = Chat.texts(chat.say(id_number[:-1] + ("0" if id_number[-1] != "0" else "1")))
    assert "校验位" in text
    # a question in the middle is answered and the form resumes
    replies = chat.say("失业保险金申领要带什么材料？")
    text = Chat.texts(replies)
    assert "身份证" in text and ("揭阳" in text or "指引" in text) and "继续" in text
    Chat.texts(chat.say(id_number))
    summary = ""
    for answer in script[2:]:
        summary = Chat.texts(chat.say(answer))
    assert "请核对" in summary
    assert id_number not in summary and id_number[:4] + "**********" + id_number[-4:] in summary
    assert phone not in summary and mask_phone(phone) in summary and card not in summary
    # correction at the summary, then back to the summary
    text = Chat.texts(chat.say("手机号写错了"))
    assert "手机" in text
    new_phone = "139" + phone[3:]
    summary = Chat.texts(chat.say(new_phone))
    assert mask_phone(new_phone) in summary and "请核对" in summary
    result = Chat.texts(chat.say("确认提交"))
    assert "办件编号" in result and "预计" in result
    case_number = result.split("办件编号：")[1].split("（")[0].strip()

    lookup = Chat(stack)
    assert "身份证" in Chat.texts(lookup.say("查一下我的申请进度"))
    assert "后4位" in Chat.texts(lookup.say(id_number))
    found = Chat.texts(lookup.say(phone[-4:]))
    assert case_number in found and "待办" in found
    assert id_number not in found and mask_phone(new_phone) in found

    # a case worker returns it with a reason; the citizen sees the reason and what to resubmit
    worker = {"Authorization": f"Bearer {stack.secrets['DEV_WORKER_TOKEN']}"}
    status, body = post_json(
        f"{stack.cfg.backend_url}/api/v1/staff/cases/{case_number}/transitions",
        {"to_status": "已退回", "reason": "银行卡户名与申请人不一致", "resubmit": ["申请人本人银行卡信息"]},
        headers=worker,
    )
    assert status == 200, body
    again = Chat(stack)
    again.say("/check_progress")
    again.say(id_number)
    found = Chat.texts(again.say(phone[-4:]))
    assert "已退回" in found and "银行卡户名与申请人不一致" in found and "申请人本人银行卡信息" in found

    # wrong second factor: a polite answer that does not reveal whether cases exist
    other = Chat(stack)
    other.say("/check_progress")
    other.say(id_number)
    text = Chat.texts(other.say("9999"))
    assert "没有查到" in text and case_number not in text


def test_backend_restart_during_submission_keeps_the_form(stack):
    chat = Chat(stack)
    applicant = persona(202)
    id_number, phone = applicant.id_number, applicant.phone
    choose_benefit(chat)
    assert "请核对" in fill_until_summary(chat, applicant)
    stack.service("backend").stop()
    try:
        text = Chat.texts(chat.say("确认提交"))
        assert "暂时无法连接" in text and "已保留" in text
    finally:
        stack.restart("backend")
    text = Chat.texts(chat.say("重新提交"))
    assert "办件编号" in text
    case_number = text.split("办件编号：")[1].split("（")[0].strip()
    text = Chat.texts(chat.say("重新提交"))
    assert "无需重复提交" in text and case_number in text
    lookup = Chat(stack)
    lookup.say("/check_progress")
    lookup.say(id_number)
    found = Chat.texts(lookup.say(phone[-4:]))
    assert found.count("办件编号") == 1 and case_number in found


def test_cancel_submits_nothing(stack):
    chat = Chat(stack)
    applicant = persona(303)
    id_number = applicant.id_number
    choose_benefit(chat)
    chat.say("李四")
    chat.say(id_number)
    text = Chat.texts(chat.say("不办了"))
    assert "没有提交" in text
    lookup = Chat(stack)
    lookup.say("/check_progress")
    lookup.say(id_number)
    assert "没有查到" in Chat.texts(lookup.say(applicant.phone[-4:]))


def test_logs_never_hold_a_full_id_number(stack):
    ids = [persona(seq).id_number for seq in (101, 202, 303)]
    for log in Path(stack.cfg.log_dir).glob("*.log"):
        content = log.read_text(errors="replace")
        for number in ids:
            assert number not in content, f"{log.name} contains a full ID number"
