"""The application form in Rasa: one form, one free-text slot, the engine behind it.

``application_form`` requires the single slot ``application_input`` (filled
from the text of every message while the form is active). Its validation
feeds the text to ``Engine.handle`` and keeps the whole application in the
slot ``application``; ``action_ask_application_input`` asks the next question
(or shows the masked summary). A message is an answer only when it tries to
be one (``detours.attempts_value``); otherwise NLU decides: questions are
answered from knowledge/, the items of the application are listed, removed
or added, and the form asks for the same field again. When the engine says
the loop is done, ``action_finish_application`` submits (confirmed) or closes.
"""
from __future__ import annotations

import logging
import time
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.agent import form as agent_form
from actions.application.detours import (
    DETOUR_CONFIDENCE,
    SELECTION_INTENTS,
    attempts_value,
    change_items,
    free_text_pending,
    wants_handoff,
)
from actions.application.engine import Engine, Reply, idempotency_key, intent_of, new_state
from actions.application.submission import submit_application
from actions.interruptions import answer_question, looks_like_question
from knowledge import load_kb

logger = logging.getLogger(__name__)

FORM = "application_form"
DONE = "done"


def engine() -> Engine:
    return Engine(load_kb())


def utter(dispatcher: CollectingDispatcher, reply: Reply) -> None:
    dispatcher.utter_message(text=reply.text, buttons=reply.buttons or None)


def selected(tracker: Tracker) -> List[str]:
    kb = load_kb()
    values = tracker.get_slot("selected_items") or []
    return [v for v in values if isinstance(v, str) and v in kb.items]


class ActionStartApplication(Action):
    """开始申请: builds the form from the chosen items (plus linked items) and opens it."""

    def name(self) -> Text:
        return "action_start_application"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        kb = load_kb()
        state = tracker.get_slot("application")
        if isinstance(state, dict) and state.get("stage") in ("filling", "confirming", "paused") and state.get("items"):
            dispatcher.utter_message(text="您有一份尚未提交的申请，我们接着填写。")
            state["stage"] = "confirming" if state.get("stage") == "confirming" else "filling"
            return [SlotSet("application", state), SlotSet("application_ready", True)]
        items = selected(tracker)
        extra: List[EventType] = []
        named = _named_items(kb, tracker)
        if named and items and not set(named) <= set(items):
            # “我还要申请工伤认定” while choosing 失业 items: the item is chosen first (another
            # bundle: the offer to switch), not the form of the current choice opened
            from actions.selection import ActionSelectItems

            events = list(await ActionSelectItems().run(dispatcher, tracker, domain) or [])
            return events + [SlotSet("application_ready", False)]
        if named and not items:
            # “我要申请失业金” with nothing chosen yet: that item (and what it links) is the choice
            bundle_id = kb.item(named[0]).bundle_id
            items = [i for i in named if kb.item(i).bundle_id == bundle_id]
            extra = [SlotSet("bundle", bundle_id),
                     SlotSet("selected_items", [s.item_id for s in kb.expand_selection(items)])]
        pending = tracker.get_slot("pending_confirmation")
        if not items and isinstance(pending, dict) and pending.get("type") == "select_suggested":
            # 开始申请 right after “需要为您选上吗”: the suggestion is taken as accepted
            items = [i for i in pending.get("items") or [] if isinstance(i, str) and i in kb.items]
            if items:
                bundle_id = kb.item(items[0]).bundle_id
                items = [i for i in items if kb.item(i).bundle_id == bundle_id]
                expanded_sel = [s.item_id for s in kb.expand_selection(items)]
                extra = [SlotSet("bundle", bundle_id), SlotSet("selected_items", expanded_sel),
                         SlotSet("pending_confirmation", None)]
        if not items:
            dispatcher.utter_message(
                text="请先选择要办理的事项，再开始申请。您想办理哪一项“一件事”？",
                buttons=[{"title": b.name, "payload": f'/choose_bundle{{"bundle":"{b.id}"}}'} for b in kb.bundles.values()],
            )
            return [SlotSet("application_ready", False)]
        bundles = {kb.item(i).bundle_id for i in items}
        if len(bundles) != 1:
            dispatcher.utter_message(text="一次申请只能办理同一个“一件事”里的事项，请先调整所选事项。")
            return [SlotSet("application_ready", False)]
        expanded = [s.item_id for s in kb.expand_selection(items)]
        state = new_state(bundles.pop(), expanded, idempotency_key(tracker.sender_id, time.time()))
        outcome = engine().start(state)
        for reply in outcome.replies:
            utter(dispatcher, reply)
        return extra + [SlotSet("application", outcome.state), SlotSet("case_number", None), SlotSet("application_ready", True)]


def _named_items(kb, tracker: Tracker) -> List[Text]:
    """Items the message names by name or everyday word (no ordinals or partial names:
    “开始申请” shares 申请 with many item names)."""
    from actions import kb_support as ks
    from actions.selection import named_items

    payload = ks.is_payload(tracker)
    entity_ids = ks.valid_item_ids(kb, ks.entity_values(tracker, "item"), resolve=not payload)
    text = "" if payload else ks.latest_text(tracker)
    return named_items(kb, text, entity_ids, None, ks.current_bundle(kb, tracker), fuzzy=False)


class ValidateApplicationForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_application_form"

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> List[Text]:
        return ["application_input"]

    async def validate_application_input(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        state = tracker.get_slot("application")
        if not isinstance(state, dict) or not state.get("items"):
            # e.g. a payload sent straight to the form: nothing to fill
            dispatcher.utter_message(text="申请信息已失效，请重新选择事项后说“开始申请”。")
            return {"application_input": DONE, "application": None}
        text = (tracker.latest_message or {}).get("text") or str(value or "")
        consumed = state.pop("consumed_message", None)
        if consumed and consumed == (tracker.latest_message or {}).get("message_id"):
            # the form reopened after a refused submission: the message was already handled
            return {"application_input": None, "application": state}
        if text.startswith("/"):
            # a button of an earlier message (payloads bypass NLU): not an answer
            dispatcher.utter_message(text="请先完成当前申请，或说“取消”结束申请。")
            return {"application_input": None}
        eng = engine()
        intent = latest_intent(tracker)
        if not attempts_value(eng.kb, eng, state, text, intent):
            handled = await detour(eng, state, tracker, text, intent, dispatcher)
            if handled is not None:
                return handled
            if not (free_text_pending(eng, state) or state.get("stage") == "confirming"):
                # not an answer and nothing else we can do with it: nothing counts as a failed try
                dispatcher.utter_message(text=NOT_AN_ANSWER_TEXT)
                return {"application_input": None}
        before = dict(state.get("answers") or {})
        outcome = eng.handle(state, text, intent)
        for reply in outcome.replies:
            utter(dispatcher, reply)
        agent_form.after_answer(dispatcher, tracker, eng, before, outcome.state)   # agent console only
        return {"application_input": DONE if outcome.done else None, "application": outcome.state}


def latest_intent(tracker: Tracker) -> Dict[str, Any]:
    return dict((tracker.latest_message or {}).get("intent") or {})


def entity_items(tracker: Tracker) -> List[str]:
    kb = load_kb()
    values = []
    for ent in (tracker.latest_message or {}).get("entities") or []:
        if ent.get("entity") == "item":
            value = ent.get("value")
            values += value if isinstance(value, list) else [value]
    return [v for v in values if isinstance(v, str) and v in kb.items]


async def detour(eng: Engine, state: Dict[str, Any], tracker: Tracker, text: str, intent: Dict[str, Any],
           dispatcher: CollectingDispatcher) -> Optional[Dict[Text, Any]]:
    """A message that is not an answer: handled by what it is; the form then asks the same field again."""
    name, confidence = intent_of(intent)
    if wants_handoff(text, intent):
        from actions.handoff import ActionHandoff

        await ActionHandoff().run(dispatcher, tracker, {})
        dispatcher.utter_message(text="转接期间，您也可以继续填写，已填写的内容都会保留：")
        return {"application_input": None}
    selection = name in SELECTION_INTENTS and confidence >= DETOUR_CONFIDENCE
    # “我都勾了哪几项来着？” is worded as a question but asks about the selection
    asking = (name != "list_selection" or not selection) and (
        looks_like_question(tracker, text) or (name in QUESTION_INTENTS and confidence >= DETOUR_CONFIDENCE)
    )
    if asking:
        reply = answer_question(tracker)
        if reply is not None:
            utter(dispatcher, reply)
            dispatcher.utter_message(text=RESUME_TEXT)
            return {"application_input": None}
    if selection:
        reply, slots = change_items(eng.kb, eng, state, name, text, entity_items(tracker))
        if reply is not None:
            utter(dispatcher, reply)
            dispatcher.utter_message(text=RESUME_TEXT)
            return {"application_input": None, "application": state, **slots}
    return None


NOT_AN_ANSWER_TEXT = (
    "这条消息不像是对当前问题的回答。您可以继续回答下面的问题，也可以随时提问、"
    "说“稍后再填”保存进度，或说“取消申请”。"
)


RESUME_TEXT = "我们继续填写申请："
# the knowledge question intent, and its former split names while NLU data still carries them
QUESTION_INTENTS = ("ask_question", "ask_materials", "ask_deadline", "ask_eligibility", "ask_channel", "ask_howto",
                    "ask_forbidden_demands", "ask_deregistration", "ask_311", "ask_region_difference", "ask_policy")


class ActionAskApplicationInput(Action):
    def name(self) -> Text:
        return "action_ask_application_input"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        state = tracker.get_slot("application")
        if not isinstance(state, dict) or not state.get("items"):
            dispatcher.utter_message(text="请先选择要办理的事项，再说“开始申请”。")
            return []
        utter(dispatcher, engine().prompt(state))
        return []


class ActionFinishApplication(Action):
    """After the form: submit a confirmed application; otherwise the form already said why it closed."""

    def name(self) -> Text:
        return "action_finish_application"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        state = tracker.get_slot("application")
        events: List[EventType] = [SlotSet("application_input", None), SlotSet("application_ready", False)]
        if isinstance(state, dict) and state.get("stage") == "confirmed":
            events += await submit_application(dispatcher, tracker, state)
        return events


class ActionResumeApplication(Action):
    """继续申请 / 重新提交: resumes a paused form or retries a submission that failed."""

    def name(self) -> Text:
        return "action_resume_application"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        state = tracker.get_slot("application")
        stage = state.get("stage") if isinstance(state, dict) else None
        if stage == "failed":
            state["stage"] = "confirmed"
            return [SlotSet("application_ready", False)] + await submit_application(dispatcher, tracker, state)
        if stage in ("paused", "filling", "confirming"):
            state["stage"] = "confirming" if not state.get("pending") and state.get("answers") else "filling"
            dispatcher.utter_message(text="好的，我们接着填写。")
            return [SlotSet("application", state), SlotSet("application_ready", True)]
        if stage == "submitted" and state.get("case_number"):
            dispatcher.utter_message(
                text=f"您的申请已经提交成功，办件编号 {state['case_number']}，无需重复提交。"
                "如需了解进度，请说“查询进度”。"
            )
            return [SlotSet("application_ready", False)]
        dispatcher.utter_message(
            text="目前没有待继续或待提交的申请。请先选择要办理的事项，再说“开始申请”。",
            buttons=[{"title": "选择事项", "payload": "/greet"}],
        )
        return [SlotSet("application_ready", False)]
