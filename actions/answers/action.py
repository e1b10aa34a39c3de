"""``action_answer_question``: the one action behind the ``ask_question`` intent."""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import kb_support as ks
from actions.agent.script import attach_agent_script
from actions.answers.ask import discussed, from_tracker
from actions.answers.compose import compose, search_reply
from actions.answers.render import Reply, handoff_reply

logger = logging.getLogger(__name__)


def answer_reply(kb, tracker: Tracker) -> Reply:
    """The answer to this turn's question; an honest hand-over when there is none."""
    return answer_and_ask(kb, tracker)[0]


def answer_and_ask(kb, tracker: Tracker) -> tuple:
    """(reply, what was asked or None)."""
    ask = None
    try:
        ask = from_tracker(kb, tracker)
        reply: Optional[Reply] = compose(kb, ask) or search_reply(kb, ask)
    except Exception:
        logger.exception("composing an answer failed")
        reply = None
    return reply or handoff_reply(), ask


class ActionAnswerQuestion(ks.KBAction):
    def name(self) -> Text:
        return "action_answer_question"

    async def respond(
        self, kb, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        reply, ask = answer_and_ask(kb, tracker)
        text, buttons = reply.text, list(reply.buttons)
        back = ks.continue_selection_buttons(kb, tracker)
        titles = {b["title"] for b in buttons}
        buttons += [b for b in back if b["title"] not in titles]
        if back and reply.pending is None:
            text += "\n\n您已选择的事项仍为您保留，可以继续选择。"
        dispatcher.utter_message(text=text, buttons=buttons)
        attach_agent_script(kb, dispatcher, tracker, reply)   # the 12333 console only (actions/agent/script.py)
        return [SlotSet("pending_confirmation", reply.pending), SlotSet("pending_question", None),
                SlotSet("discussed_targets", discussed(ask) if ask is not None else None)]
