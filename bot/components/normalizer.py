"""The first step of the NLU pipeline: one normal form for every message.

NFKC (full-width letters, digits and punctuation become half-width),
traditional characters become simplified (zhconv, as knowledge/ does),
zero-width and control characters are removed, runs of whitespace become one
space, and the text that reaches the featurizers is capped: a message longer
than ``max_chars`` keeps its beginning and its end (a long story usually asks
its question last). The same happens to the training examples, so training
and prediction see the same text.

The cap is what bounds the cost of one parse: without it the tokenizer, the
regex featurizer and DIET's transformer grow with the message and a
200,000-character message held Rasa's event loop for minutes.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

# zero-width and bidi marks, BOM, and C0/C1 controls except whitespace
_INVISIBLE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\u00ad]|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_WS = re.compile(r"\s+")


def _to_simplified(text: Text) -> Text:
    import zhconv  # builds its tables on first use

    return zhconv.convert(text, "zh-cn")


def normalize_text(text: Text, max_chars: int = 300, head_chars: int = 80) -> Text:
    if not text:
        return text
    if len(text) > max_chars * 8:   # bound the work of the steps below too
        text = text[: max_chars * 4] + " " + text[-max_chars * 4:]
    s = unicodedata.normalize("NFKC", text)
    s = _INVISIBLE.sub("", s)
    s = _WS.sub(" ", s).strip()
    if len(s) > max_chars:
        tail = max_chars - head_chars - 1
        s = s[:head_chars] + "…" + s[-tail:]
    return _to_simplified(s)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class TextNormalizer(GraphComponent):
    @classmethod
    def fingerprint_addon(cls, config):
        """The component's code and knowledge/ are part of what its output depends on."""
        from bot.components.fingerprint import addon

        return addon()

    """Normalises ``text`` in place, before the tokenizer."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"max_chars": 300, "head_chars": 80}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.max_chars = int(config.get("max_chars", 300))
        self.head_chars = int(config.get("head_chars", 80))

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "TextNormalizer":
        return cls(config)

    def _normalize(self, message: Message) -> None:
        text = message.get(TEXT)
        if isinstance(text, str) and text and not text.startswith("/"):
            message.set(TEXT, normalize_text(text, self.max_chars, self.head_chars))

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for message in training_data.training_examples:
            self._normalize(message)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._normalize(message)
        return messages

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        if int(config.get("max_chars", 300)) <= int(config.get("head_chars", 80)) + 1:
            raise ValueError("TextNormalizer: max_chars must be larger than head_chars + 1")
