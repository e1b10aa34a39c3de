"""Progress lookup: ID number plus the last 4 digits of the phone given at submission.

``action_progress_entry`` checks that the backend is reachable (so nobody types
an ID number for nothing), then opens ``progress_form``. Its one free-text slot
``lookup_input`` is read by a small two-step state in the slot ``lookup``; the
ID number lives there only until the lookup has been made, then the slot is
cleared. Results are masked by the backend; a wrong second factor looks the
same as "no cases" and floods are refused politely (HTTP 429).

The lookup is no trap: only digits that try to be an ID number or phone digits
are attempts (and only they count towards ``MAX_FAILURES``); a question is
answered and the same value asked again; 取消 / 算了 / 不查了 end it; an item
name or another request (选择、开始办理 …) leaves it and is handled at once.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.application.answers import InvalidAnswer, bare, clean, parse_id_number
from actions import kb_support as ks
from actions import materials
from actions.application.engine import CANCEL_WORDS, intent_of, is_whole
from actions.application.submission import expectation
from actions.backend_client import BackendClient, BackendError, BackendUnavailable, client_address_of
from actions.interruptions import answer_question, looks_like_question
from knowledge.personal_data import ID_LIKE_IN_TEXT, MOBILE_IN_TEXT

FORM = "progress_form"
APPLICATION_FORM = "application_form"
DONE = "done"
MAX_FAILURES = 3

BACKEND_DOWN_TEXT = (
    "抱歉，办理进度系统暂时无法连接，请稍后再试；急事可拨打12333人工咨询。"
    "您已选择和填写的内容不会丢失。"
)
NOTHING_FOUND = (
    "没有查到与该身份证号码和手机号后4位相符的申请。请核对：身份证号码是否为申请人本人的，"
    "手机号是否为提交申请时预留的号码。刚提交的申请也可以稍后再查。"
)


class ActionProgressEntry(Action):
    def name(self) -> Text:
        return "action_progress_entry"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        try:
            await BackendClient().health()
        except (BackendUnavailable, BackendError):
            dispatcher.utter_message(text=BACKEND_DOWN_TEXT)
            return [SlotSet("lookup_ready", False)]
        dispatcher.utter_message(
            text="查询办理进度需要申请人的身份证号码和提交申请时预留手机号的后4位。信息仅用于本次查询。"
        )
        return [SlotSet("lookup", {"stage": "id", "failures": 0}), SlotSet("lookup_ready", True)]


def last4_from(text: str) -> str:
    raw = clean(text)
    phone = MOBILE_IN_TEXT.search(raw)
    if phone:
        return re.sub(r"\D", "", phone.group(0))[-4:]
    digits = re.findall(r"(?<!\d)\d{4}(?!\d)", raw)
    if len(digits) == 1:
        return digits[0]
    raise InvalidAnswer("请输入手机号码的后4位数字，例如 5678。")


class ValidateProgressForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_progress_form"

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> List[Text]:
        return ["lookup_input"]

    async def validate_lookup_input(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        state = dict(tracker.get_slot("lookup") or {"stage": "id", "failures": 0})
        text = (tracker.latest_message or {}).get("text") or str(value or "")
        intent = dict((tracker.latest_message or {}).get("intent") or {})
        if is_cancel(text, intent):
            dispatcher.utter_message(text="好的，已取消查询。需要时可以随时说“查询进度”。")
            return {"lookup_input": DONE, "lookup": {"stage": "cancelled"}}
        if not attempts_lookup_value(state, text):
            return await self.detour(state, text, intent, dispatcher, tracker, domain)
        try:
            if state.get("stage") == "id":
                state["id_number"] = parse_id_number(text)
                state["stage"] = "phone"
                # "身份证…，手机尾号5678" in one message
                rest = ID_LIKE_IN_TEXT.sub(" ", clean(text))
                try:
                    state["phone_last4"] = last4_from(rest)
                    state["stage"] = "ready"
                except InvalidAnswer:
                    pass
            else:
                state["phone_last4"] = last4_from(text)
                state["stage"] = "ready"
        except InvalidAnswer as exc:
            # only real attempts at an ID number or phone digits count
            state["failures"] = int(state.get("failures") or 0) + 1
            if state["failures"] >= MAX_FAILURES:
                dispatcher.utter_message(
                    text=f"{exc} 如果手头没有这些信息，可以稍后再查，或转人工服务（12333）。",
                    buttons=[{"title": "取消查询", "payload": "取消"}, {"title": "转人工", "payload": "/human_handoff"}],
                )
            else:
                dispatcher.utter_message(text=str(exc))
            return {"lookup_input": None, "lookup": state}
        state["failures"] = 0
        return {"lookup_input": DONE if state["stage"] == "ready" else None, "lookup": state}

    async def detour(self, state, text, intent, dispatcher, tracker, domain) -> Dict[Text, Any]:
        """Not an ID number or phone digits: a question is answered, anything else leaves the lookup."""
        name, confidence = intent_of(intent)
        if looks_like_question(tracker, text) or (name in QUESTION_INTENTS and confidence >= DETOUR_CONFIDENCE):
            reply = answer_question(tracker)
            if reply is not None:
                dispatcher.utter_message(text=reply.text, buttons=reply.buttons or None)
                dispatcher.utter_message(text="我们继续查询进度：")
                return {"lookup_input": None}
        action = leaving_action(name, confidence, text)
        if action is not None:
            # an item name, a selection or an application: the lookup ends, the request is handled
            events = list(await action.run(dispatcher, tracker, domain) or [])
            slots = {e["name"]: e.get("value") for e in events if e.get("event") == "slot"}
            slots.pop("lookup_input", None)
            return {**slots, "lookup_input": DONE, "lookup": {"stage": "left"}}
        if name == "check_progress":
            dispatcher.utter_message(text="好的，我们正在查询进度。")
            return {"lookup_input": None}
        dispatcher.utter_message(
            text="查询进度需要身份证号码和手机号后4位；不查了可以说“取消”。"
        )
        return {"lookup_input": None}


# said outright, these end the lookup; the application form's cancel words count too
LOOKUP_CANCEL_WORDS = CANCEL_WORDS + ("不查了", "不用查了", "先不查了", "取消查询", "不查", "退出查询", "以后再查", "下次再查")
QUESTION_INTENTS = ("ask_question", "ask_materials", "ask_deadline", "ask_eligibility", "ask_channel", "ask_howto",
                    "ask_forbidden_demands", "ask_deregistration", "ask_311", "ask_region_difference", "ask_policy")
DETOUR_CONFIDENCE = 0.6


def is_cancel(text: str, intent: Dict[str, Any]) -> bool:
    name, confidence = intent_of(intent)
    raw = bare(text)
    if is_whole(text, LOOKUP_CANCEL_WORDS):
        return True
    return name == "cancel" and confidence >= DETOUR_CONFIDENCE and not re.search(r"\d{4}", raw)


def attempts_lookup_value(state: Dict[str, Any], text: str) -> bool:
    """Only digits that try to be an ID number (10-20) or phone digits (4+) are an attempt."""
    raw = bare(text)
    if state.get("stage") == "phone":
        return bool(re.search(r"\d{3,}", raw))
    return bool(re.search(r"\d{10,20}|\d{9,19}[xX]", raw))


def tells_a_situation(kb, text: str) -> bool:
    """Does the text tell a life situation the lexicon knows (被辞退, 欠薪 ...) or name a bundle?"""
    if kb is None or not text:
        return False
    try:
        from knowledge.understand import analyze

        a = analyze(kb, text)
    except Exception:
        return False
    return bool(a.situation_items or a.bundle)


def leaving_action(name: str, confidence: float, text: str) -> Optional[Action]:
    """The action that handles a request made in the middle of the lookup, if it leaves it."""
    from actions import selection
    from actions.application.form import ActionStartApplication, ActionResumeApplication
    from actions.needs import ActionSuggestBundle

    by_intent = {
        "select_items": selection.ActionSelectItems,
        "choose_bundle": selection.ActionChooseBundle,
        "select_all": selection.ActionSelectAll,
        "remove_item": selection.ActionRemoveItem,
        "list_selection": selection.ActionListSelection,
        "done_selecting": selection.ActionDoneSelecting,
        "describe_need": ActionSuggestBundle,
        "start_application": ActionStartApplication,
        "continue_application": ActionResumeApplication,
        "resubmit_application": ActionResumeApplication,
    }
    kb = ks.kb_or_none()
    named = kb is not None and bool(text) and any(m.score >= 1.0 for m in ks.safe_resolve_items(kb, text))
    if name in ("select_items", "remove_item") and not named:
        return None                                # “嗯” / “我想想” taken for a selection: stay
    if name == "choose_bundle" and not (kb is not None and ks.safe_resolve_bundle(kb, text)):
        return None
    if name == "describe_need" and not (named or tells_a_situation(kb, text)):
        return None                                # “我想想” / “你好” taken for a need: stay
    if name in by_intent and confidence >= DETOUR_CONFIDENCE:
        return by_intent[name]()
    if named:
        return selection.ActionSelectItems()      # an item named outright
    return None


class ActionAskLookupInput(Action):
    def name(self) -> Text:
        return "action_ask_lookup_input"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        stage = (tracker.get_slot("lookup") or {}).get("stage", "id")
        if stage == "phone":
            dispatcher.utter_message(text="请输入提交申请时预留手机号码的后4位。")
        else:
            dispatcher.utter_message(text="请输入申请人的18位身份证号码。")
        return []


def status_line(item: Dict[str, Any], submitted_at: str) -> str:
    line = f"· {item.get('name')}：{item.get('status')}"
    if item.get("status_code") in ("pending", "in_progress"):
        line += f"，{expectation(item, submitted_at)}"
    if item.get("status_code") == "returned":
        if item.get("return_reason"):
            line += f"\n  退回原因：{item['return_reason']}"
        if item.get("resubmit"):
            line += "\n  需补正：" + "、".join(item["resubmit"])
    return line


def render_case(case: Dict[str, Any]) -> str:
    applicant = case.get("applicant") or {}
    lines = [
        f"办件编号：{case.get('case_number')}（{(case.get('bundle') or {}).get('name', '')}）",
        f"申请人：{applicant.get('name', '')}  身份证：{applicant.get('id_number', '')}  手机：{applicant.get('phone', '')}",
        f"提交时间：{str(case.get('submitted_at', ''))[:16].replace('T', ' ')}  当前状态：{case.get('status')}",
    ]
    returned = case.get("returned")
    if returned:
        lines.append(f"退回原因：{returned.get('reason') or '未注明'}")
        if returned.get("resubmit"):
            lines.append("需要补正：" + "、".join(returned["resubmit"]))
        lines.append("补正后可到原办理渠道重新提交，或转人工咨询。")
    lines += [status_line(item, case.get("submitted_at", "")) for item in case.get("items", [])]
    return "\n".join(lines)


class ActionLookupProgress(Action):
    def name(self) -> Text:
        return "action_lookup_progress"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        state = tracker.get_slot("lookup") or {}
        clear = [SlotSet("lookup", None), SlotSet("lookup_input", None), SlotSet("lookup_ready", False)]
        if state.get("stage") == "left" and tracker.get_slot("application_ready") is True:
            # 开始申请 said in the middle of the lookup opened the application
            return clear + [FollowupAction(APPLICATION_FORM)]
        if state.get("stage") != "ready":
            return clear
        try:
            result = await BackendClient().lookup(
                state["id_number"], state["phone_last4"], client_id=tracker.sender_id,
                client_address=client_address_of(tracker),
            )
        except BackendUnavailable:
            dispatcher.utter_message(text=BACKEND_DOWN_TEXT, buttons=[{"title": "再查一次", "payload": "/check_progress"}])
            return clear
        except BackendError as exc:
            # 429: too many attempts - the backend's message says when to try again
            dispatcher.utter_message(text=exc.message, buttons=[{"title": "转人工", "payload": "/human_handoff"}])
            return clear
        cases = result.get("cases") or []
        if not cases:
            dispatcher.utter_message(text=NOTHING_FOUND, buttons=[{"title": "重新查询", "payload": "/check_progress"}])
            return clear
        head = f"查到 {len(cases)} 件申请（信息已部分隐藏）：" if len(cases) > 1 else "查到您的申请（信息已部分隐藏）："
        # an open case that still needs materials: the web page shows upload buttons (actions/materials.py)
        uploads = await materials.after_lookup(tracker, cases)
        dispatcher.utter_message(
            text=head + "\n\n" + "\n\n".join(render_case(c) for c in cases), json_message=uploads
        )
        return clear
