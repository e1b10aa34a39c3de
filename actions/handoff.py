"""Hand-over to a person: a message plus a custom event the channel can act on."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

HOTLINE = "12333"


class ActionHandoff(Action):
    def name(self) -> Text:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(
            text=f"好的，正在为您转接人工服务。如长时间无人接待，请拨打人社服务热线{HOTLINE}。",
            json_message={"handoff": {"reason": "user_request", "hotline": HOTLINE}},
        )
        return []
