"""Hand-over to a person: a message plus a custom event the channel can act on."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.agent.handoff import queue_handoff
from actions.agent.register import is_agent
from knowledge import load_kb

HOTLINE = "12333"


class ActionHandoff(Action):
    def name(self) -> Text:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        # queued for the agent console (actions/agent/handoff.py); not from the console itself
        queued = False if is_agent(tracker) else await queue_handoff(load_kb(), tracker)
        dispatcher.utter_message(
            text=f"好的，正在为您转接人工服务。如长时间无人接待，请拨打人社服务热线{HOTLINE}。",
            json_message={"handoff": {"reason": "user_request", "hotline": HOTLINE, "queued": queued}},
        )
        return []
