"""TF-IDF sentence features over characters and words, l2-normalised.

Rasa's CountVectorsFeaturizer gives raw counts: a 150-character story has
counts many times larger than a five-character question, and a linear
classifier then reads length instead of content (long messages fell to
describe_need). This featurizer gives sublinear TF-IDF vectors normalised to
unit length, over character 1-3-grams (typos and unknown words still share
most n-grams), over jieba words and word pairs (the tokenizer's output) and,
with ``pinyin_ngrams``, over the toneless pinyin of the text: a pinyin-input
typo (失也登记, 布要, 人才服物) is a homophone, so its syllables are the
intended word's.
Trained on the training examples; stored with the model. ``scale`` multiplies
the vectors: Rasa's LogisticRegressionClassifier has a fixed regularisation
(C = 1), and scaling the features by s acts like C = s² for them.
"""
from __future__ import annotations

import pickle
import re
from functools import lru_cache
from typing import Any, Dict, List, Optional, Text

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


@lru_cache(maxsize=TEXT_CACHE_SIZE)
def _pinyin(text: Text) -> Text:
    """Toneless syllables of the Chinese characters; other runs kept as they are."""
    from pypinyin import Style, lazy_pinyin

    return " ".join(p.strip() for p in lazy_pinyin(text, style=Style.NORMAL, errors="default") if p.strip())


PLACEHOLDER = "Ⓘ"


@lru_cache(maxsize=TEXT_CACHE_SIZE)
def _masked(text: Text) -> tuple:
    """(characters, words) of the text with item and service names as one placeholder.

    “选劳动能力复查鉴定申请” and “选失业登记” then share what the user does, not
    which item: the classifier learns acts, the knowledge base reads items."""
    import jieba
    from knowledge import load_kb
    from knowledge.understand import analyze

    masked = re.sub("□+", PLACEHOLDER, analyze(load_kb(), text).masked or text)
    return masked, " ".join(t for t in jieba.lcut(masked) if t.strip())


def _words(message: Message) -> Text:
    tokens = message.get(TOKENS_NAMES[TEXT]) or []
    return " ".join(t.text for t in tokens)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class TfidfFeaturizer(SparseFeaturizer, GraphComponent):
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
        return {**SparseFeaturizer.get_default_config(), "char_ngrams": [1, 3], "word_ngrams": [1, 2], "pinyin_ngrams": None,
                "mask_names": False,
                "scale": 1.0}

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 execution_context: ExecutionContext, vectorizers: Optional[tuple] = None) -> None:
        super().__init__(execution_context.node_name, config)
        self._model_storage = model_storage
        self._resource = resource
        self.vectorizers = vectorizers

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "TfidfFeaturizer":
        return cls(config, model_storage, resource, execution_context)

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        for key in ("char_ngrams", "word_ngrams", "pinyin_ngrams"):
            if config.get(key) is None and key == "pinyin_ngrams":
                continue
            lo, hi = config.get(key, (1, 1))
            if not 1 <= lo <= hi:
                raise ValueError(f"TfidfFeaturizer: {key} must be [min, max] with 1 <= min <= max")

    def _char_text(self, m: Message) -> Text:
        return _masked(m.get(TEXT))[0] if self._config.get("mask_names") else m.get(TEXT)

    def _word_text(self, m: Message) -> Text:
        return _masked(m.get(TEXT))[1] if self._config.get("mask_names") else _words(m)

    def train(self, training_data: TrainingData) -> Resource:
        from sklearn.feature_extraction.text import TfidfVectorizer

        examples = [m for m in training_data.training_examples if isinstance(m.get(TEXT), str)]
        chars = TfidfVectorizer(analyzer="char_wb", ngram_range=tuple(self._config["char_ngrams"]),
                                sublinear_tf=True, min_df=1)
        words = TfidfVectorizer(analyzer="word", token_pattern=r"[^ ]+", ngram_range=tuple(self._config["word_ngrams"]),
                                sublinear_tf=True, min_df=1, lowercase=True)
        chars.fit([self._char_text(m) for m in examples])
        words.fit([self._word_text(m) for m in examples])
        self.vectorizers = (chars, words)
        if self._config.get("pinyin_ngrams"):
            pinyin = TfidfVectorizer(analyzer="word", token_pattern=r"[^ ]+",
                                     ngram_range=tuple(self._config["pinyin_ngrams"]), sublinear_tf=True, min_df=1)
            pinyin.fit([_pinyin(m.get(TEXT)) for m in examples])
            self.vectorizers = (chars, words, pinyin)
        with self._model_storage.write_to(self._resource) as model_dir:
            (model_dir / "tfidf.pkl").write_bytes(pickle.dumps(self.vectorizers))
        return self._resource

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "TfidfFeaturizer":
        try:
            with model_storage.read_from(resource) as model_dir:
                vectorizers = pickle.loads((model_dir / "tfidf.pkl").read_bytes())
        except (ValueError, FileNotFoundError):
            vectorizers = None
        return cls(config, model_storage, resource, execution_context, vectorizers)

    def _featurize(self, messages: List[Message]) -> None:
        if self.vectorizers is None:
            return
        todo = [m for m in messages if isinstance(m.get(TEXT), str) and m.get(TOKENS_NAMES[TEXT])]
        if not todo:
            return
        chars, words = self.vectorizers[:2]
        blocks = [chars.transform([self._char_text(m) for m in todo]),
                  words.transform([self._word_text(m) for m in todo])]
        if len(self.vectorizers) > 2:
            blocks.append(self.vectorizers[2].transform([_pinyin(m.get(TEXT)) for m in todo]))
        sentence = scipy.sparse.hstack(blocks).tocsr() * float(self._config.get("scale", 1.0))
        width = sentence.shape[1]
        for i, m in enumerate(todo):
            n = len(m.get(TOKENS_NAMES[TEXT]))
            seq = scipy.sparse.coo_matrix((n, width), dtype=np.float32)
            self.add_features_to_message(seq, sentence[i].tocoo().astype(np.float32), TEXT, m)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._featurize(training_data.training_examples)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        self._featurize(messages)
        return messages
