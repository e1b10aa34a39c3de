"""Welcome message with the main menu; bundle names come from knowledge/."""
from __future__ import annotations

import json
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from knowledge import load_kb


def menu_buttons() -> List[Dict[str, str]]:
    kb = load_kb()
    buttons = [
        {
            "title": bundle.name,
            "payload": "/choose_bundle" + json.dumps({"bundle": bundle.id}),
        }
        for bundle in kb.bundles.values()
    ]
    buttons += [
        {"title": "查询办理进度", "payload": "/check_progress"},
        {"title": "咨询材料和时限", "payload": '/ask_question{"aspect": ["materials", "deadline"]}'},
        {"title": "转人工", "payload": "/human_handoff"},
    ]
    return buttons


class ActionShowMenu(Action):
    def name(self) -> Text:
        return "action_show_menu"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(
            text="您好！我是人社“一件事”智能助手，可以帮您一次办好多个关联事项。请问您想办理哪一项？",
            buttons=menu_buttons(),
        )
        return []
