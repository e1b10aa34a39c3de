"""The application form in the agent register: personal values read back masked, the next field to ask."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.agent.register import is_agent
from actions.application.plan import find

#: field types whose value the agent reads back (masked) for the caller to confirm
READ_BACK = ("id_number", "phone", "bank_card")


def form_script(eng: Any, before: Dict[str, Any], state: Dict[str, Any]) -> Dict[Text, Any]:
    answers = state.get("answers") or {}
    plan = eng.plan(state) if state.get("items") else []
    readback: List[Dict[Text, Text]] = []
    for planned in plan:
        f = planned.field
        if f.type in READ_BACK and answers.get(f.id) not in (None, "") and answers.get(f.id) != before.get(f.id):
            readback.append({"label": f.label, "masked": eng.display_value(f.type, answers[f.id])})
    say = [f"跟您核对一下：{r['label']}是 {r['masked']}，对吗？" for r in readback]
    stage = state.get("stage")
    if stage == "confirming":
        ask_next = "请向来电人逐项复述申请摘要（号码只读脱敏部分），确认无误后点“确认提交”。"
    elif stage == "filling" and state.get("pending"):
        planned = find(plan, state["pending"])
        label = planned.field.label if planned is not None else ""
        ask_next = f"请向来电人询问：{label}" if label else "请按屏幕上的问题继续询问来电人。"
    elif stage in ("confirmed", "submitted"):
        ask_next = "请把办件编号告诉来电人，并提醒其凭身份证号码和手机号后4位查询进度。"
    else:
        ask_next = None
    return {"kind": "form", "say": say, "ask_next": ask_next, "readback": readback, "facts": [], "differences": []}


def after_answer(dispatcher: CollectingDispatcher, tracker: Tracker, eng: Any,
                 before: Dict[str, Any], state: Any) -> None:
    """In the agent register only: one custom payload after the form handled a message."""
    if not is_agent(tracker) or not isinstance(state, dict):
        return
    dispatcher.utter_message(json_message={"agent": form_script(eng, before or {}, state)})


def spelled(case_number: str) -> str:
    """A case number as an agent reads it out: one character at a time, 杠 for the dash."""
    return " ".join("杠" if ch == "-" else ch for ch in case_number)


def after_submission(dispatcher: CollectingDispatcher, tracker: Tracker, result: Dict[str, Any], expectation) -> None:
    """In the agent register only: the case number spelled out and each item's expected date, to read aloud."""
    if not is_agent(tracker):
        return
    number = str(result.get("case_number", ""))
    say = [f"您的申请已经提交，办件编号是 {number}。", f"我逐位念一遍：{spelled(number)}。"]
    for item in result.get("items", []):
        say.append(f"{item['name']}：{expectation(item, result.get('submitted_at', ''))}。")
    say.append("以后查询进度，拨打12333或在网上提供身份证号码和手机号后4位即可。")
    dispatcher.utter_message(json_message={"agent": {
        "kind": "submitted", "say": say, "readback": [], "facts": [], "differences": [],
        "ask_next": "请确认来电人已记下办件编号，再询问是否还有其他问题。"}})
