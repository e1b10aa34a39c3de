"""Sparse features from the knowledge base, for the intent classifier.

What a message is about says a lot about what the user does: “工伤认定要交啥”
names an item and asks an aspect (a question); “我被公司辞退了” names no
aspect (a situation); “选工伤认定” names an item without asking. The
classifier gets these facts as features beside the words:

    one feature per aspect asked, one per act cue (my own case, select,
    remove, a life situation), and: an item named, a 湖南 service named, a
    bundle named, a region named, worded as a question (anywhere / in the last
    clause), a long message, nothing known named.

The features are scaled by ``weight`` so that the regularised classifier can
lean on a few strong knowledge signals beside thousands of n-gram counts.

All of it comes from ``knowledge.understand.analyze`` (word lists in
knowledge/data/lexicon.yml), so the features follow the knowledge base.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, List, Text

import numpy as np
import scipy.sparse

from bot.components import TEXT_CACHE_SIZE
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.featurizers.sparse_featurizer.sparse_featurizer import SparseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

FLAGS = ("item", "service", "bundle", "region", "question", "question_at_end", "long", "nothing")


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False
)
class KnowledgeFeaturizer(SparseFeaturizer, GraphComponent):
    @classmethod
    def fingerprint_addon(cls, config):
        """The component's code and knowledge/ are part of what its output depends on."""
        from bot.components.fingerprint import addon

        return addon()

    @classmethod
    def required_components(cls) -> List[type]:
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**SparseFeaturizer.get_default_config(), "weight": 1.0, "long_chars": 60}

    def __init__(self, config: Dict[Text, Any], execution_context: ExecutionContext) -> None:
        super().__init__(execution_context.node_name, config)
        from knowledge import load_kb
        from knowledge.understand import ASPECTS, analyze

        self.kb = load_kb()
        self.aspects = list(ASPECTS)
        self.acts = sorted((self.kb.lexicon or {}).get("act_cues") or {})
        self.names = self.aspects + self.acts + list(FLAGS)
        weight, long_chars = float(config.get("weight", 1.0)), int(config.get("long_chars", 60))
        kb, fn = self.kb, analyze

        @lru_cache(maxsize=TEXT_CACHE_SIZE)
        def vector(text: Text) -> tuple:
            a = fn(kb, text)
            on = set(a.aspects) | set(a.acts)
            flags = {
                "item": bool(a.items), "service": bool(a.services), "bundle": bool(a.bundle),
                "region": bool(a.regions), "question": a.question, "question_at_end": a.question_at_end,
                "long": len(text) >= long_chars,
                "nothing": not (a.items or a.services or a.bundle or a.aspects),
            }
            values = [x in on for x in self.aspects + self.acts] + [flags[f] for f in FLAGS]
            return tuple(weight if v else 0.0 for v in values)

        self._vector = vector

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "KnowledgeFeaturizer":
        return cls(config, execution_context)

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        pass

    def _featurize(self, message: Message) -> None:
        text = message.get(TEXT)
        tokens = message.get(TOKENS_NAMES[TEXT])
        if not isinstance(text, str) or not tokens:
            return
        row = np.array(self._vector(text), dtype=np.float32)[None, :]
        sequence = scipy.sparse.coo_matrix((len(tokens), len(self.names)), dtype=np.float32)
        sentence = scipy.sparse.coo_matrix(row)
        self.add_features_to_message(sequence, sentence, TEXT, message)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            self._featurize(example)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._featurize(message)
        return messages
