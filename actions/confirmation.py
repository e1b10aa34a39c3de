"""Plain 好的 / 不用 answers to the question the bot asked last.

The question is kept in the ``pending_confirmation`` slot by the action that
asked it: ``switch_bundle`` (items of another “一件事”), ``start_application``
(after the checklist), ``handoff`` (after a question the knowledge base could
not answer) or ``select_suggested`` (items suggested for a described need).
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import kb_support as ks
from actions.selection import Selection, add_items, added_text, selection_buttons, selection_summary

APPLICATION_FORM = "application_form"  # bot/domain/application.yml


async def start_application(dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
    """A 好的 to the checklist's 开始申请: the same as pressing the button.

    When ``action_start_application`` opens the form (``application_ready``),
    the form runs next, as its rule does after the 开始申请 button.
    """
    from actions.application.form import ActionStartApplication

    events = list(await ActionStartApplication().run(dispatcher, tracker, domain) or [])
    opened = any(e.get("event") == "slot" and e.get("name") == "application_ready" and e.get("value") is True for e in events)
    forms = (domain or {}).get("forms") or {}
    if opened and (not forms or APPLICATION_FORM in forms):
        events.append(FollowupAction(APPLICATION_FORM))
    return events


def _pending(tracker: Tracker) -> Dict[Text, Any]:
    value = tracker.get_slot("pending_confirmation")
    return value if isinstance(value, dict) else {}


class ActionConfirmPending(Action):
    def name(self) -> Text:
        return "action_confirm_pending"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        pending = _pending(tracker)
        kind = pending.get("type")
        clear = SlotSet("pending_confirmation", None)
        if kind == "start_application":
            return [clear] + await start_application(dispatcher, tracker, domain)
        if kind == "handoff":
            from actions.handoff import ActionHandoff

            return [clear] + list(await ActionHandoff().run(dispatcher, tracker, domain) or [])
        if kind in ("switch_bundle", "select_suggested"):
            kb = ks.kb_or_none()
            if kb is None:
                dispatcher.utter_message(text=ks.KB_DOWN_TEXT)
                return [clear]
            bundle_id = ks.valid_bundle_id(kb, pending.get("bundle"), resolve=False)
            ids = [i for i in ks.valid_item_ids(kb, pending.get("items") or [], resolve=False) if kb.items[i].bundle_id == bundle_id]
            if bundle_id is None:
                dispatcher.utter_message(text="抱歉，这个选择已失效，请重新选择。")
                return [clear]
            current = ks.current_bundle(kb, tracker)
            base = Selection(bundle_id) if current != bundle_id else Selection(
                bundle_id, ks.selected_items(kb, tracker), tracker.get_slot("selection_notes") or {}
            )
            parts: List[Text] = []
            if current and current != bundle_id:
                parts.append(f"已切换到{ks.bundle_label(kb, bundle_id)}。")
            sel, added, auto, already = add_items(kb, base, ids)
            parts.extend(added_text(kb, sel, added, auto, already))
            parts.append(selection_summary(kb, sel))
            dispatcher.utter_message(text="\n".join(parts), buttons=selection_buttons(kb, sel))
            return sel.events() + [clear]
        kb = ks.kb_or_none()
        buttons = ks.continue_selection_buttons(kb, tracker) if kb else []
        dispatcher.utter_message(text="好的。请问还有什么可以帮您？", buttons=buttons)
        return [clear]


class ActionDeclinePending(Action):
    def name(self) -> Text:
        return "action_decline_pending"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        pending = _pending(tracker)
        kind = pending.get("type")
        kb = ks.kb_or_none()
        buttons = ks.continue_selection_buttons(kb, tracker) if kb else []
        if kind == "switch_bundle":
            text = "好的，不切换，保留您当前的选择。"
        elif kind == "start_application":
            text = "好的，暂不申请。您可以继续修改选择，或咨询材料、时限等问题。"
        elif kind == "handoff":
            text = f"好的。如需人工帮助，可随时说“转人工”或拨打人社服务热线{ks.HOTLINE}。"
        elif kind == "select_suggested":
            text = "好的，暂不选择。您可以直接告诉我想办理的事项。"
        else:
            text = "好的。请问还有什么可以帮您？"
        dispatcher.utter_message(text=text, buttons=buttons)
        return [SlotSet("pending_confirmation", None)]


class ActionCancel(Action):
    """取消 / 算了 outside a running form: a paused or failed application is dropped
    (nothing is submitted), a pending question is withdrawn; the selection stays."""

    def name(self) -> Text:
        return "action_cancel"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        state = tracker.get_slot("application")
        if isinstance(state, dict) and state.get("stage") in ("paused", "failed", "filling", "confirming"):
            dispatcher.utter_message(
                text="好的，已取消您尚未提交的申请，没有提交任何信息。您选择的事项仍然保留，需要时可以说“开始申请”。"
            )
            return [SlotSet("application", {**state, "stage": "cancelled", "answers": {}, "pending": None}),
                    SlotSet("application_ready", False), SlotSet("pending_confirmation", None)]
        if _pending(tracker):
            dispatcher.utter_message(text="好的，已取消。您已选择的事项仍为您保留。还有什么可以帮您？")
            return [SlotSet("pending_confirmation", None)]
        dispatcher.utter_message(response="utter_nothing_to_cancel")
        return []
