"""Entities from the knowledge base: what a message is about.

``KnowledgeEntityExtractor`` runs ``knowledge.understand.analyze`` on the
(normalised) text and adds the entities

    item      knowledge item ids (names, aliases, typos, menu numbers)
    service   湖南 services that are not items (就业登记, “311” ...)
    bundle    the bundle named outright
    region    揭阳 / 北京 / 湖南
    aspect    what is asked: materials, deadline, eligibility, channel, ...

with ids as values, so actions and slot mappings get canonical values. Item
names are resolved exact before fuzzy by knowledge/resolve.py. Nothing is
trained: the vocabulary is the knowledge base itself, loaded when the
component is created.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

logger = logging.getLogger(__name__)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class KnowledgeEntityExtractor(GraphComponent, EntityExtractorMixin):
    @classmethod
    def fingerprint_addon(cls, config):
        """The component's code and knowledge/ are part of what its output depends on."""
        from bot.components.fingerprint import addon

        return addon()

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {}

    def __init__(self, config: Dict[Text, Any]) -> None:
        from knowledge import load_kb
        from knowledge.understand import analyze

        self.kb = load_kb()
        self._analyze = analyze
        analyze(self.kb, "失业登记要什么材料")   # warm the resolver and jieba

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "KnowledgeEntityExtractor":
        return cls(config)

    def entities_for(self, text: Text) -> List[Dict[Text, Any]]:
        a = self._analyze(self.kb, text)
        out: List[Dict[Text, Any]] = []

        def add(entity: Text, value: Text) -> None:
            out.append({"entity": entity, "value": value, "start": 0, "end": len(text),
                        "extractor": self.name, "confidence_entity": 1.0})

        for item_id in a.items:
            add("item", item_id)
        for service_id in a.services:
            add("service", service_id)
        if a.bundle:
            add("bundle", a.bundle)
        for region in a.regions:
            add("region", region)
        for aspect in a.aspects:
            add("aspect", aspect)
        return out

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not isinstance(text, str) or not text or text.startswith("/"):
                continue
            try:
                found = self.entities_for(text)
            except Exception:
                logger.exception("knowledge entity extraction failed")
                continue
            if not found:
                continue
            # the knowledge base's ids replace other extractors' raw item/bundle/region spans
            keep = [e for e in message.get(ENTITIES, []) if e.get("entity") not in {"item", "service", "bundle", "region", "aspect"}]
            message.set(ENTITIES, keep + found, add_to_output=True)
        return messages
