"""A described situation (我被辞退了 / 老板欠薪怎么办) gets a bundle and items
suggested from the knowledge base: items named in the text first, else the
items of the best-matching knowledge passages. Nothing is selected until the
user agrees (button or 好的)."""
from __future__ import annotations

import logging
import os
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import kb_support as ks
from actions.selection import bundle_buttons

logger = logging.getLogger(__name__)

# Situations ("手被机器压伤了") share few words with the guides, so search scores
# are low; a suggestion is only offered, never selected without a yes.
SUGGEST_MIN_SCORE = float(os.environ.get("KB_SUGGEST_MIN_SCORE", "0.06"))


def situation_items(kb, text: Text) -> List[Text]:
    """Items the lexicon's ``situations`` link to words of the text (被辞退 -> 失业登记 ...)."""
    from knowledge.understand import analyze

    return analyze(kb, text).situation_items


def suggest_items(kb, text: Text, named: List[Text], bundle_id: Optional[Text]) -> List[Text]:
    if named:
        return named
    if not text:
        return []
    items: List[Text] = [i for i in situation_items(kb, text)
                         if not bundle_id or kb.items[i].bundle_id == bundle_id]
    if items:
        best_bundle = kb.items[items[0]].bundle_id
        return [i for i in items if kb.items[i].bundle_id == best_bundle][:3]
    for passage in kb.search(text, k=5):
        item_id = getattr(passage, "item_id", None)
        if passage.score < SUGGEST_MIN_SCORE or item_id not in kb.items:
            continue
        if bundle_id and kb.items[item_id].bundle_id != bundle_id:
            continue
        if item_id not in items:
            items.append(item_id)
    if items:  # stay within the bundle of the best match
        best_bundle = kb.items[items[0]].bundle_id
        items = [i for i in items if kb.items[i].bundle_id == best_bundle][:3]
    return items


class ActionSuggestBundle(ks.KBAction):
    def name(self) -> Text:
        return "action_suggest_bundle"

    async def respond(
        self, kb, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        text = ks.question_text(tracker)
        named = ks.items_in_message(kb, tracker, None)
        bundle_id = ks.bundle_in_message(kb, tracker)
        items = ks.order_items(kb, suggest_items(kb, text, named, bundle_id))
        if items:
            bundle_id = kb.items[items[0]].bundle_id
            items = [i for i in items if kb.items[i].bundle_id == bundle_id]
        if not bundle_id:
            dispatcher.utter_message(
                text=(
                    "了解您的情况。目前我可以帮您办理以下“一件事”，请选择最接近您需求的一项；"
                    f"如情况复杂，也可以拨打人社服务热线{ks.HOTLINE}或转人工服务。"
                ),
                buttons=bundle_buttons(kb) + [ks.handoff_button()],
            )
            return [SlotSet("pending_confirmation", None), SlotSet("pending_question", None)]
        bundle = kb.bundles[bundle_id]
        lines = [f"根据您的情况，建议您办理{bundle.name}。"]
        buttons: List[Dict[Text, Text]] = []
        pending = None
        if items:
            lines.append("可以考虑以下事项：")
            lines.extend(f"· {ks.numbered_name(kb, i)}" for i in items)
            lines.append(f"（事项依据：{ks.source_text(bundle.source)}）")
            expanded = [e for e in kb.expand_selection(items) if e.item_id not in items and e.item_id in kb.items]
            if expanded:
                linked = ks.order_items(kb, [e.item_id for e in expanded])
                regions = "、".join(dict.fromkeys(e.region for e in expanded if getattr(e, "region", None))) or "北京"
                lines.append(f"按{regions}的规定，选择后将自动联办：{ks.names(kb, linked)}。")
            lines.append("需要为您选上吗？")
            buttons.append({"title": "好的，就选这些", "payload": ks.payload("select_items", item=items)})
            pending = {"type": "select_suggested", "bundle": bundle_id, "items": items}
        buttons.append({"title": f"查看{bundle.name}全部事项", "payload": ks.payload("choose_bundle", bundle=bundle_id)})
        if items:
            buttons.append({"title": "需要准备什么材料", "payload": ks.payload("ask_question", item=items, aspect=["materials"])})
        buttons.append(ks.handoff_button())
        dispatcher.utter_message(text="\n".join(lines), buttons=buttons)
        return [SlotSet("pending_confirmation", pending), SlotSet("pending_question", None)]
