"""Low-confidence messages and questions outside the three bundles (issue 5).

``action_clarify_intent`` runs on ``nlu_fallback``: it offers the two best
intent guesses from ``intent_ranking`` as 您是想问 buttons, rendered in
Chinese. The button payloads carry the entities found in the message (items
resolved by the knowledge base), and the message itself is kept in the
``pending_question`` slot so the answer can still use the user's words.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import kb_support as ks

# What each intent means, as a user would ask it (shown on the buttons).
INTENT_DESCRIPTIONS: Dict[Text, Text] = {
    "choose_bundle": "选择要办理的“一件事”",
    "select_items": "选择要办理的事项",
    "select_all": "选择全部事项",
    "remove_item": "去掉已选的事项",
    "list_selection": "查看已选的事项",
    "done_selecting": "选好了，看材料清单和时限",
    "start_application": "开始在线申请",
    "describe_need": "根据我的情况推荐要办的事项",
    "ask_materials": "需要准备哪些材料",
    "ask_deadline": "多久能办好（办理时限）",
    "ask_eligibility": "谁可以办理（办理条件）",
    "ask_channel": "在哪里办、能否网上办",
    "ask_howto": "怎么登录、上传材料、查看进度",
    "ask_forbidden_demands": "哪些材料不能要求我提供",
    "ask_deregistration": "什么情况会注销失业登记",
    "ask_311": "“311”就业服务是什么",
    "ask_region_difference": "不同地区的规定有什么不同",
    "ask_policy": "相关政策和事项说明",
    "check_progress": "查询办理进度",
    "human_handoff": "转人工服务",
    "greet": "回到主菜单",
    "goodbye": "结束咨询",
    "thank": "表示感谢",
    "ask_capabilities": "您能帮我做什么",
    "bot_challenge": "您是不是机器人",
    "restart": "重新开始",
    "affirm": "是的 / 好的",
    "deny": "不是 / 不用",
    "out_of_scope": "其他问题",
}

# Guesses never offered as buttons: meaningless without context, or destructive.
NOT_OFFERED = {"nlu_fallback", "affirm", "deny", "restart", "out_of_scope"}

# Intents whose answers use items / bundle / region named in the message.
ENTITY_INTENTS = {
    "choose_bundle", "select_items", "remove_item", "describe_need", "ask_materials",
    "ask_deadline", "ask_eligibility", "ask_channel", "ask_region_difference", "ask_policy",
}


def top_guesses(tracker: Tracker, n: int = 2) -> List[Text]:
    ranking = (tracker.latest_message or {}).get("intent_ranking") or []
    guesses: List[Text] = []
    for entry in ranking:
        name = entry.get("name")
        if name and name not in NOT_OFFERED and name in INTENT_DESCRIPTIONS and name not in guesses:
            guesses.append(name)
        if len(guesses) == n:
            break
    return guesses


def guess_payload(intent: Text, entities: Dict[Text, Any]) -> Text:
    if intent not in ENTITY_INTENTS:
        return f"/{intent}"
    return ks.payload(intent, **entities)


class ActionClarifyIntent(Action):
    def name(self) -> Text:
        return "action_clarify_intent"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        text = ks.latest_text(tracker).strip()
        entities: Dict[Text, Any] = {}
        kb = ks.kb_or_none()
        if kb is not None:
            items = ks.items_in_message(kb, tracker, None)
            if items:
                entities["item"] = items
            bundle_id: Optional[Text] = ks.bundle_in_message(kb, tracker)
            if bundle_id:
                entities["bundle"] = bundle_id
            regions = ks.regions_in_message(kb, tracker)
            if regions:
                entities["region"] = regions[0]
        guesses = top_guesses(tracker)
        buttons = [
            {"title": INTENT_DESCRIPTIONS[g], "payload": guess_payload(g, entities)} for g in guesses
        ]
        buttons.append({"title": "都不是，转人工服务", "payload": "/human_handoff"})
        if guesses:
            message = "抱歉，我不太确定您的意思。您是想问："
        else:
            message = (
                "抱歉，我没有理解您的意思。您可以换个说法，比如“失业登记要什么材料”，"
                f"或拨打人社服务热线{ks.HOTLINE}。"
            )
        dispatcher.utter_message(text=message, buttons=buttons)
        return [SlotSet("pending_question", text or None), SlotSet("pending_confirmation", None)]


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
