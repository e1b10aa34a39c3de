"""Shared helpers for the actions: knowledge-base access, reading the
user's message and entities, and formatting knowledge facts in Chinese.

Nothing here states a fact about an item: names, materials, deadlines and
sources all come from ``knowledge`` at run time.
"""
from __future__ import annotations

import json
import logging
import re
from abc import ABCMeta, abstractmethod
from functools import lru_cache
from typing import Any, Dict, Iterable, List, Optional, Sequence, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from knowledge import KnowledgeError, load_kb

logger = logging.getLogger(__name__)

HOTLINE = "12333"

KB_DOWN_TEXT = (
    "抱歉，办事知识库暂时无法读取，请稍后再试；急事可拨打人社服务热线12333。"
    "您已选择的事项不会丢失。"
)


@lru_cache(maxsize=1)
def get_kb():
    """The knowledge base, loaded once per action-server process."""
    return load_kb()


def kb_or_none():
    try:
        return get_kb()
    except KnowledgeError:
        logger.exception("knowledge base could not be loaded")
        return None


class KBAction(Action, metaclass=ABCMeta):
    """An action that needs the knowledge base; says so plainly when it cannot load.

    Abstract (``respond``), so the action server does not register it itself."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        kb = kb_or_none()
        if kb is None:
            dispatcher.utter_message(text=KB_DOWN_TEXT)
            return []
        return await self.respond(kb, dispatcher, tracker, domain)

    @abstractmethod
    async def respond(
        self, kb, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        """The action's own work, with the loaded knowledge base."""


# ---------------------------------------------------------------- messages


def latest_text(tracker: Tracker) -> Text:
    return (tracker.latest_message or {}).get("text") or ""


def is_payload(tracker: Tracker) -> bool:
    """Button payloads (``/intent{...}``) bypass NLU: their text is no question."""
    return latest_text(tracker).lstrip().startswith("/")


def question_text(tracker: Tracker) -> Text:
    """The user's own words for this turn.

    For a payload this is the message the bot was unsure about (kept in the
    ``pending_question`` slot by the 您是想问 clarification), else empty.
    """
    if is_payload(tracker):
        return tracker.get_slot("pending_question") or ""
    return latest_text(tracker).strip()


def entity_values(tracker: Tracker, entity: Text) -> List[Any]:
    values: List[Any] = []
    for ent in (tracker.latest_message or {}).get("entities") or []:
        if ent.get("entity") != entity:
            continue
        value = ent.get("value")
        for v in value if isinstance(value, list) else [value]:
            if v is not None and v not in values:
                values.append(v)
    return values


def valid_item_ids(kb, values: Iterable[Any], resolve: bool = True) -> List[Text]:
    """Ids that the knowledge base knows. With ``resolve``, raw entity texts
    (no synonym mapped them to an id) are resolved by the knowledge base;
    payload values must be ids."""
    out: List[Text] = []
    for value in values:
        if not isinstance(value, str):
            continue
        if value in kb.items:
            item_id = value
        elif resolve:
            matches = safe_resolve_items(kb, value)
            item_id = matches[0].item_id if matches else None
        else:
            item_id = None
        if item_id and item_id not in out:
            out.append(item_id)
    return out


def valid_bundle_id(kb, value: Any, resolve: bool = True) -> Optional[Text]:
    if not isinstance(value, str) or not value:
        return None
    if value in kb.bundles:
        return value
    return safe_resolve_bundle(kb, value) if resolve else None


def safe_resolve_bundle(kb, text: Text) -> Optional[Text]:
    try:
        bundle_id = kb.resolve_bundle(text)
    except Exception:
        logger.exception("resolve_bundle failed for %r", text)
        return None
    return bundle_id if bundle_id in kb.bundles else None


def items_in_message(kb, tracker: Tracker, bundle_id: Optional[Text] = None) -> List[Text]:
    """Item ids the user named in this turn.

    Typed text is resolved by the knowledge base (colloquial names, typos,
    traditional characters, menu numbers of ``bundle_id``); entities are the
    fallback and the only source for payloads, whose ids are re-validated.
    """
    if is_payload(tracker):
        return valid_item_ids(kb, entity_values(tracker, "item"), resolve=False)
    entity_ids = valid_item_ids(kb, entity_values(tracker, "item"))
    text = latest_text(tracker)
    found: List[Text] = []
    matches = safe_resolve_items(kb, text, bundle_id) if text else []
    for match in matches:
        if match.item_id in kb.items and match.item_id not in found:
            found.append(match.item_id)
    return found or entity_ids


def safe_resolve_items(kb, text: Text, bundle_id: Optional[Text] = None) -> List[Any]:
    try:
        return list(kb.resolve_items(text, bundle_id=bundle_id))
    except Exception:  # resolution is best effort; entities still count
        logger.exception("resolve_items failed for %r", text)
        return []


def bundle_in_message(kb, tracker: Tracker) -> Optional[Text]:
    payload = is_payload(tracker)
    for value in entity_values(tracker, "bundle"):
        bundle_id = valid_bundle_id(kb, value, resolve=not payload)
        if bundle_id:
            return bundle_id
    if payload:
        return None
    return safe_resolve_bundle(kb, latest_text(tracker)) if latest_text(tracker) else None


def region_of_turn(kb, tracker: Tracker) -> Optional[Text]:
    """Region named in this turn, else the one remembered in the slot."""
    regions = known_regions(kb)
    for value in entity_values(tracker, "region"):
        if value in regions:
            return value
    slot = tracker.get_slot("region")
    return slot if slot in regions else None



@lru_cache(maxsize=1)
def _regions_cache() -> tuple:
    kb = get_kb()
    seen: List[Text] = []
    for item in kb.items.values():
        for provision in item.provisions:
            if provision.region not in seen:
                seen.append(provision.region)
    return tuple(seen)


def known_regions(kb) -> Sequence[Text]:
    try:
        return _regions_cache()
    except KnowledgeError:
        return ()


# ---------------------------------------------------------------- selection state


def selected_items(kb, tracker: Tracker) -> List[Text]:
    """The selection slot, with anything the knowledge base no longer knows dropped."""
    value = tracker.get_slot("selected_items") or []
    if not isinstance(value, list):
        value = [value]
    return [v for v in value if isinstance(v, str) and v in kb.items]


def current_bundle(kb, tracker: Tracker) -> Optional[Text]:
    value = tracker.get_slot("bundle")
    return value if isinstance(value, str) and value in kb.bundles else None


def order_items(kb, ids: Iterable[Text]) -> List[Text]:
    """Ids in menu order (bundle order, then the bundle's item order)."""
    bundle_order = list(kb.bundles)

    def key(item_id: Text):
        item = kb.items[item_id]
        bundle = kb.bundles.get(item.bundle_id)
        position = bundle.item_ids.index(item_id) if bundle and item_id in bundle.item_ids else 999
        b = bundle_order.index(item.bundle_id) if item.bundle_id in bundle_order else 99
        return (b, position, item_id)

    unique = []
    for item_id in ids:
        if item_id in kb.items and item_id not in unique:
            unique.append(item_id)
    return sorted(unique, key=key)


def menu_number(kb, item_id: Text) -> Optional[int]:
    item = kb.items[item_id]
    bundle = kb.bundles.get(item.bundle_id)
    if bundle and item_id in bundle.item_ids:
        return bundle.item_ids.index(item_id) + 1
    return None


# ---------------------------------------------------------------- formatting


def item_name(kb, item_id: Text) -> Text:
    return kb.items[item_id].name


def names(kb, ids: Iterable[Text]) -> Text:
    return "、".join(item_name(kb, i) for i in ids)


def numbered_name(kb, item_id: Text) -> Text:
    number = menu_number(kb, item_id)
    return f"{number}. {item_name(kb, item_id)}" if number else item_name(kb, item_id)


def source_text(source: Any) -> Text:
    return str(source) if source is not None else ""


def material_text(material: Any) -> Text:
    """``Material(name, note, quantity, kind)`` as one line of Chinese."""
    name = str(getattr(material, "name", material) or "").strip()
    quantity = getattr(material, "quantity", None)
    note = getattr(material, "note", None)
    text = name
    if quantity not in (None, "", 0, 1, "1"):
        q = str(quantity)
        if q not in name:
            text += f"（{q}）" if not q.isdigit() else f"（{q}份）"
    if note:
        n = str(note).strip()
        if n and n not in name:
            text += f"（{n}）"
    return text


def deadline_text(deadline: Any) -> Text:
    """``Deadline`` as Chinese text, including its extension rule."""
    if deadline is None:
        return ""
    text = str(getattr(deadline, "text", "") or "").strip()
    extension = str(getattr(deadline, "extension_text", "") or "").strip()
    if extension and extension not in text:
        text = f"{text}（{extension}）" if text else extension
    return text


def provisions_for(kb, item_id: Text, region: Optional[Text] = None) -> List[Any]:
    """The item's provisions; only ``region``'s if that region has one."""
    provisions = list(kb.items[item_id].provisions)
    if region:
        own = [p for p in provisions if p.region == region]
        if own:
            return own
    return provisions


def regions_differ(values: Sequence[Any]) -> bool:
    return len({json.dumps(v, ensure_ascii=False, default=str, sort_keys=True) for v in values}) > 1


def bundle_label(kb, bundle_id: Optional[Text]) -> Text:
    return kb.bundles[bundle_id].name if bundle_id in kb.bundles else ""


# ---------------------------------------------------------------- buttons


def payload(intent: Text, **entities: Any) -> Text:
    entities = {k: v for k, v in entities.items() if v not in (None, [], "")}
    return f"/{intent}" + (json.dumps(entities, ensure_ascii=False) if entities else "")


def handoff_button() -> Dict[Text, Text]:
    return {"title": "转人工服务", "payload": "/human_handoff"}


def selection_in_progress(tracker: Tracker) -> bool:
    return bool(tracker.get_slot("bundle") or tracker.get_slot("selected_items"))


def continue_selection_buttons(kb, tracker: Tracker) -> List[Dict[Text, Text]]:
    """After a knowledge answer given mid-selection: a way back, nothing lost."""
    if not selection_in_progress(tracker):
        return []
    buttons = [{"title": "查看已选事项", "payload": "/list_selection"}]
    if selected_items(kb, tracker):
        buttons.append({"title": "选好了，下一步", "payload": "/done_selecting"})
    return buttons


def strip_payload_text(text: Text) -> Text:
    return re.sub(r"^/\w+(\{.*\})?$", "", text.strip())
