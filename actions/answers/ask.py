"""What this turn asks: read from the user's words, or from a button's payload.

Typed text is analysed by ``knowledge.understand`` (items, 湖南 services,
aspects, region). A payload (``/ask_question{"item": [...], "aspect": [...]}``)
bypasses NLU, so its values are re-validated here; when it answers a
您是想问 question, the words of that question (``pending_question``) fill in
what the payload does not say.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker

from actions import kb_support as ks
from knowledge.understand import ASPECTS, analyze


@dataclass
class Ask:
    text: Text = ""
    items: List[Text] = field(default_factory=list)       # named in this turn
    services: List[Text] = field(default_factory=list)    # 湖南 services named
    aspects: List[Text] = field(default_factory=list)
    regions: List[Text] = field(default_factory=list)     # named in this turn
    region: Optional[Text] = None                         # named, else remembered
    bundle: Optional[Text] = None                         # named in this turn
    bundles: List[Text] = field(default_factory=list)     # every bundle named in this turn
    selected: List[Text] = field(default_factory=list)    # the conversation's selection
    current_bundle: Optional[Text] = None
    howto_topic: Optional[Text] = None
    apply: bool = False
    payload: bool = False
    situation_items: List[Text] = field(default_factory=list)   # what the life situation told usually needs
    from_context: bool = False                                  # targets taken from the previous answer
    question: bool = False                                      # worded as a question
    in_person: bool = False                                     # “要本人去吗”
    common_once: bool = False                                   # “共性材料每个事项都要交吗”
    without: bool = False                                       # “没有X能办吗”, no rule about it in the guides

    @property
    def named(self) -> bool:
        return bool(self.items or self.services)

    def target_items(self) -> tuple:
        """(item ids, 'message' | 'selection' | '')."""
        if self.items:
            return self.items, "message"
        if self.selected and not self.services and not self.bundle:
            return self.selected, "selection"
        return [], ""



def _valid(values: List[Any], known) -> List[Text]:
    return [v for v in dict.fromkeys(values) if isinstance(v, str) and v in known]


def from_text(kb, text: Text, *, selected: List[Text] = (), current_bundle: Optional[Text] = None,
              region_slot: Optional[Text] = None) -> Ask:
    a = analyze(kb, text, bundle_id=current_bundle)
    regions = a.regions
    return Ask(
        text=a.text, items=ks.order_items(kb, a.items), services=a.services, aspects=a.aspects,
        regions=regions, region=(regions[0] if regions else region_slot), bundle=a.bundle, bundles=list(a.bundles),
        selected=list(selected), current_bundle=current_bundle, howto_topic=a.howto_topic,
        apply=a.apply, situation_items=list(a.situation_items), question=a.question, without=a.without, in_person=a.in_person, common_once=a.common_once,
    )


def _answered_last(tracker: Tracker) -> bool:
    """Was the bot's last action before this message an answer to a question?"""
    seen_user = False
    for event in reversed(tracker.events or []):
        if event.get("event") == "user":
            if seen_user:
                return False
            seen_user = True
            continue
        if seen_user and event.get("event") == "action":
            name = event.get("name")
            if name in (None, "action_listen"):
                continue
            return name in ("action_answer_question", "action_clarify_intent")
    return False


def _follow_up(kb, tracker: Tracker, ask: Ask) -> None:
    """“那多久能有结果” right after an answer about X: the question is about X."""
    discussed = tracker.get_slot("discussed_targets")
    if not isinstance(discussed, dict) or not _answered_last(tracker):
        return
    items = ks.valid_item_ids(kb, [i for i in discussed.get("items") or [] if isinstance(i, str)], resolve=False)
    services = _valid(discussed.get("services") or [], getattr(kb, "services", {}))
    if items or services:
        ask.items, ask.services, ask.from_context = items, services, True


def discussed(ask: Ask) -> Optional[Dict[Text, List[Text]]]:
    """What this answer was about, for the next turn's follow-up."""
    return {"items": list(ask.items), "services": list(ask.services)} if ask.named else None


def from_tracker(kb, tracker: Tracker) -> Ask:
    selected = ks.selected_items(kb, tracker)
    current = ks.current_bundle(kb, tracker)
    region_slot = tracker.get_slot("region")
    regions = ks.known_regions(kb)
    region_slot = region_slot if region_slot in regions else None
    text = ks.question_text(tracker)
    ask = from_text(kb, text, selected=selected, current_bundle=current, region_slot=region_slot)
    if not ks.is_payload(tracker):
        if not ask.items:   # entities of the NLU (e.g. a synonym) as a fallback
            ask.items = ks.valid_item_ids(kb, ks.entity_values(tracker, "item"))
        if not (ask.items or ask.services or ask.bundle) and ask.aspects:
            _follow_up(kb, tracker, ask)
        return ask
    # a payload: its own entities first, the pending question's words after
    items = _valid(ks.entity_values(tracker, "item"), kb.items)
    services = _valid(ks.entity_values(tracker, "service"), getattr(kb, "services", {}))
    aspects = _valid(ks.entity_values(tracker, "aspect"), ASPECTS)
    region = next(iter(_valid(ks.entity_values(tracker, "region"), regions)), None)
    bundle = next(iter(_valid(ks.entity_values(tracker, "bundle"), kb.bundles)), None)
    ask.payload = True
    if items or services:
        ask.items, ask.services = items, services
    if aspects:
        ask.aspects = [a for a in ASPECTS if a in aspects]
    if region:
        ask.region, ask.regions = region, [region]
    if bundle:
        ask.bundle, ask.bundles = bundle, [bundle]
    return ask
