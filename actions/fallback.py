"""Messages the classifier was unsure about, and questions outside the three bundles.

``action_clarify_intent`` runs on ``nlu_fallback``. Before asking anything it
lets the knowledge base decide: a message that names an item or service and
asks something about it, or that the passage search answers confidently, is
answered at once. Only when both are unsure does it ask 您是想问, and its
buttons are full questions built from the best knowledge matches (“工伤认定
需要什么材料”) plus the most likely other requests, never bare intent names.
The message is kept in ``pending_question`` so that the chosen button's
answer can still use the user's words.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.agent.script import attach_agent_script
from actions import kb_support as ks
from actions.answers.ask import discussed, from_tracker
from actions.answers.compose import QUESTION_FORMS, aspect_buttons, compose, question_button
from actions.answers.search import SEARCH_MIN_SCORE, answer_from_passages, search_passages
from actions.answers.targets import targets_of

# What each non-question intent means, as a user would ask for it (button titles).
INTENT_DESCRIPTIONS: Dict[Text, Text] = {
    "choose_bundle": "选择要办理的“一件事”",
    "select_items": "选择要办理的事项",
    "select_all": "选择全部事项",
    "remove_item": "去掉已选的事项",
    "list_selection": "查看已选的事项",
    "done_selecting": "选好了，看材料清单和时限",
    "start_application": "开始在线申请",
    "describe_need": "根据我的情况推荐要办的事项",
    "check_progress": "查询办理进度",
    "human_handoff": "转人工服务",
    "ask_capabilities": "您能帮我做什么",
}

# Intents whose payloads carry the items / bundle named in the message.
ENTITY_INTENTS = {"choose_bundle", "select_items", "remove_item", "describe_need"}

# Passage topics that map to an aspect question about the passage's item.
TOPIC_ASPECTS = {"materials": "materials", "deadline": "deadline", "channels": "channel",
                 "channel": "channel", "eligibility": "eligibility"}


def top_guesses(tracker: Tracker, n: int = 2) -> List[Text]:
    ranking = (tracker.latest_message or {}).get("intent_ranking") or []
    guesses: List[Text] = []
    for entry in ranking:
        name = entry.get("name")
        if name in INTENT_DESCRIPTIONS and name not in guesses:
            guesses.append(name)
        if len(guesses) == n:
            break
    return guesses


def knowledge_buttons(kb, ask, passages) -> List[Dict[Text, Text]]:
    """Full questions: the named target's aspects, else the best passages' items."""
    targets = targets_of(kb, ask.items, ask.services)
    if targets:
        aspects = [a for a in ask.aspects if a in QUESTION_FORMS] or ["materials", "deadline", "channel"]
        return [b for t in targets[:2] for b in aspect_buttons(kb, t, aspects[:3])][:4]
    buttons: List[Dict[Text, Text]] = []
    for p in passages:
        aspect = TOPIC_ASPECTS.get(getattr(p, "topic", ""))
        if p.item_id in kb.items and aspect:
            b = question_button(kb.items[p.item_id].name, aspect,
                                ks.payload("ask_question", item=[p.item_id], aspect=[aspect]))
        elif getattr(p, "title", ""):
            b = {"title": f"了解：{p.title}", "payload": p.title}
        else:
            continue
        if b["title"] not in {x["title"] for x in buttons}:
            buttons.append(b)
        if len(buttons) == 3:
            break
    return buttons


class ActionClarifyIntent(Action):
    def name(self) -> Text:
        return "action_clarify_intent"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        text = ks.latest_text(tracker).strip()
        kb = ks.kb_or_none()
        buttons: List[Dict[Text, Text]] = []
        if kb is not None and text:
            ask = from_tracker(kb, tracker)
            # 1. the knowledge base understands the question: answer it
            if ask.aspects and (ask.named or ask.bundle or set(ask.aspects) - {"policy", "materials", "deadline",
                                                                               "channel", "eligibility"}):
                reply = compose(kb, ask)
                if reply is not None:
                    dispatcher.utter_message(text=reply.text, buttons=reply.buttons or None)
                    attach_agent_script(kb, dispatcher, tracker, reply)   # the 12333 console only
                    return [SlotSet("pending_question", None), SlotSet("pending_confirmation", reply.pending),
                            SlotSet("discussed_targets", discussed(ask))]
            passages = search_passages(kb, ask.text, min_score=0.0, k=5)
            if passages and passages[0].score >= SEARCH_MIN_SCORE and ask.aspects:
                dispatcher.utter_message(text=answer_from_passages([p for p in passages if p.score >= SEARCH_MIN_SCORE]))
                return [SlotSet("pending_question", None), SlotSet("pending_confirmation", None),
                        SlotSet("discussed_targets", None)]
            buttons = knowledge_buttons(kb, ask, [p for p in passages if p.score >= 0.08])
        for g in top_guesses(tracker):
            if len(buttons) >= 4:
                break
            entities: Dict[Text, Any] = {}
            if kb is not None and g in ENTITY_INTENTS:
                items = ks.items_in_message(kb, tracker, None)
                if items:
                    entities["item"] = items
                bundle_id = ks.bundle_in_message(kb, tracker)
                if bundle_id:
                    entities["bundle"] = bundle_id
            payload = ks.payload(g, **entities) if entities else f"/{g}"
            if INTENT_DESCRIPTIONS[g] not in {b["title"] for b in buttons}:
                buttons.append({"title": INTENT_DESCRIPTIONS[g], "payload": payload})
        buttons.append({"title": "都不是，转人工服务", "payload": "/human_handoff"})
        if len(buttons) > 1:
            message = "抱歉，我不太确定您的意思。您是想问："
        else:
            message = (
                "抱歉，我没有理解您的意思。您可以换个说法，比如“失业登记要什么材料”，"
                f"或拨打人社服务热线{ks.HOTLINE}。"
            )
        dispatcher.utter_message(text=message, buttons=buttons)
        return [SlotSet("pending_question", text or None), SlotSet("pending_confirmation", None),
                SlotSet("discussed_targets", None)]


class ActionOutOfScope(Action):
    def name(self) -> Text:
        return "action_out_of_scope"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        kb = ks.kb_or_none()
        scope = "、".join(b.name for b in kb.bundles.values()) if kb else "失业、人才服务、劳动维权“一件事”"
        dispatcher.utter_message(
            text=(
                f"抱歉，这个问题不在我的服务范围内。我可以解答{scope}的办理问题。"
                f"其他人社业务可拨打人社服务热线{ks.HOTLINE}咨询，也可以转人工服务。"
            ),
            buttons=[ks.handoff_button()] + (ks.continue_selection_buttons(kb, tracker) if kb else []),
        )
        return [SlotSet("pending_confirmation", {"type": "handoff"}), SlotSet("pending_question", None)]
