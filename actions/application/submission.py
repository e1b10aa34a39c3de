"""Submitting a confirmed application to the case backend, and telling the user how it went."""
from __future__ import annotations

import logging
from datetime import date
from typing import Any, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.agent import form as agent_form
from actions.agent.register import agent_of, is_agent
from actions.application.engine import Engine
from actions import materials
from actions.application.plan import build_plan, submitted_form
from actions.backend_client import BackendClient, BackendError, BackendUnavailable
from knowledge import load_kb
from knowledge.phrases import not_stated

logger = logging.getLogger(__name__)

RETRY_BUTTON = {"title": "重新提交", "payload": "/resubmit_application"}


def channel_of(tracker: Tracker) -> str:
    """web, wechat or hotline - what the backend records as 受理渠道."""
    sender = tracker.sender_id or ""
    if sender.startswith("hotline-") or is_agent(tracker):
        return "hotline"
    if sender.startswith("wechat-") or tracker.get_latest_input_channel() == "wechat":
        return "wechat"
    return "web"


def payload_of(state: Dict[str, Any], tracker: Tracker) -> Dict[str, Any]:
    kb = load_kb()
    plan = build_plan(kb, state["items"])
    answers = state["answers"]
    payload = {
        "bundle_id": state["bundle"],
        "item_ids": state["items"],
        "channel": channel_of(tracker),
        "applicant": {"name": answers.get("name", ""), "id_number": answers.get("id_number", ""),
                      "phone": answers.get("phone", "")},
        "form": submitted_form(plan, answers),
    }
    agent = agent_of(tracker)   # the 12333 agent submitting on the caller's behalf (bot/channels/hotline.py)
    if agent and payload["channel"] == "hotline":
        payload["agent"] = agent
    return payload


def expectation(item: Dict[str, Any], submitted_at: str) -> str:
    """The expected date and the deadline ('预计…前办结（时限：…）'), worded by knowledge/ for the item's kind of deadline."""
    kb = load_kb()
    try:
        submitted = date.fromisoformat(str(submitted_at)[:10])
        text = kb.expected_completion(item["item_id"], submitted).text
    except (KeyError, ValueError):
        text = ""
    if item.get("expected_completion") and text:
        limit = item.get("deadline_text")
        return text + (f"（时限：{limit}）" if limit else "")
    return text or item.get("deadline_text") or not_stated("deadline")


def success_text(result: Dict[str, Any]) -> str:
    lines = [f"申请已提交成功！办件编号：{result['case_number']}（请记下）。", "各事项办理时间："]
    for item in result.get("items", []):
        line = f"· {item['name']}：{expectation(item, result.get('submitted_at', ''))}"
        if item.get("added_by"):
            line += "（关联事项，自动加办）"
        lines.append(line)
    lines.append("查询进度：随时对我说“查询进度”，提供身份证号和手机号后4位即可。")
    return "\n".join(lines)


async def submit_application(dispatcher: CollectingDispatcher, tracker: Tracker, state: Dict[str, Any]) -> List[EventType]:
    client = BackendClient()
    try:
        result = await client.submit_case(payload_of(state, tracker), idempotency_key=state["key"])
    except BackendUnavailable:
        state["stage"] = "failed"
        dispatcher.utter_message(
            text="抱歉，申请系统暂时无法连接，这次没有提交成功。您填写的信息都已保留，"
            "稍后点击“重新提交”即可，无需重新填写。",
            buttons=[RETRY_BUTTON, {"title": "转人工", "payload": "/human_handoff"}],
        )
        return [SlotSet("application", state)]
    except BackendError as exc:
        logger.info("submission rejected: %s", exc.code)
        if exc.code == "IDEMPOTENCY_KEY_REUSED":
            state["stage"] = "failed"
            dispatcher.utter_message(
                text="系统显示这份申请此前已经提交过一次。请稍后说“查询进度”查看办理情况，或转人工核实。",
                buttons=[{"title": "查询进度", "payload": "/check_progress"}, {"title": "转人工", "payload": "/human_handoff"}],
            )
            return [SlotSet("application", state)]
        # back to the summary (the form shows it again) so the field can be corrected;
        # the reopened form must not take this same 确认提交 again (it would loop)
        state["stage"] = "confirming"
        state["consumed_message"] = (tracker.latest_message or {}).get("message_id")
        dispatcher.utter_message(
            text=f"申请未被受理：{exc.message} 请修改后再提交，您填写的其他信息都已保留。"
        )
        return [SlotSet("application", state), FollowupAction("application_form")]
    state = Engine.forget_personal_data(state)
    state["stage"] = "submitted"
    state["case_number"] = result["case_number"]
    # the web page turns this into upload buttons (actions/materials.py)
    uploads = await materials.after_submission(tracker, result["case_number"], state["key"])
    dispatcher.utter_message(
        text=success_text(result),
        buttons=[{"title": "查询进度", "payload": "/check_progress"}, {"title": "返回首页", "payload": "/greet"}],
        json_message=uploads,
    )
    agent_form.after_submission(dispatcher, tracker, result, expectation)   # the 12333 console only
    return [SlotSet("application", state), SlotSet("case_number", result["case_number"])]
