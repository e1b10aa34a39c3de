"""Progress lookup entry point: checks the case backend before asking for data."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.backend_client import BackendClient, BackendError, BackendUnavailable

BACKEND_DOWN_TEXT = (
    "抱歉，办理进度系统暂时无法连接，请稍后再试；急事可拨打12333人工咨询。"
    "您已选择和填写的内容不会丢失。"
)


class ActionProgressEntry(Action):
    def name(self) -> Text:
        return "action_progress_entry"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        try:
            await BackendClient().health()
        except (BackendUnavailable, BackendError):
            dispatcher.utter_message(text=BACKEND_DOWN_TEXT)
            return []
        dispatcher.utter_message(
            text="查询办理进度需要您的身份证号和提交申请时预留手机号的后4位。"
        )
        return []
