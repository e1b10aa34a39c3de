"""Entry point of the online application (issue 5 placeholder for issue 6).

``action_start_application`` keeps the selection slots untouched and tells the
user the online application comes next. Issue 6 replaces this module with the
real form; the slots it builds on are ``bundle`` and ``selected_items``.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import kb_support as ks


class ActionStartApplication(Action):
    def name(self) -> Text:
        return "action_start_application"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        kb = ks.kb_or_none()
        if kb is None:
            dispatcher.utter_message(text=ks.KB_DOWN_TEXT)
            return []
        items = ks.selected_items(kb, tracker)
        bundle_id = ks.current_bundle(kb, tracker)
        if not items:
            dispatcher.utter_message(
                text="开始申请前，请先选择要办理的事项。请问想办理哪个“一件事”？",
                buttons=[
                    {"title": b.name, "payload": ks.payload("choose_bundle", bundle=b.id)}
                    for b in kb.bundles.values()
                ],
            )
            return [SlotSet("pending_confirmation", None)]
        dispatcher.utter_message(
            text=(
                f"好的，您要申请{ks.bundle_label(kb, bundle_id)}中的{len(items)}项：{ks.names(kb, items)}。\n"
                "下一步是在线填写申请信息并提交，您选择的事项已为您保存。"
                "在线申请表即将开放，现在您仍可以修改选择，或继续咨询材料、时限等问题。"
            ),
            buttons=[
                {"title": "查看已选事项", "payload": "/list_selection"},
                {"title": "咨询材料", "payload": "/ask_materials"},
                {"title": "转人工服务", "payload": "/human_handoff"},
            ],
            json_message={"application": {"bundle": bundle_id, "items": items, "status": "selection_confirmed"}},
        )
        return [SlotSet("pending_confirmation", None)]
