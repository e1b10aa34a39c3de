"""Custom Rasa graph components (normaliser, knowledge entities and features,
TF-IDF features, intent arbiter)."""

#: Size of the components' per-text caches of compact results (masked text,
#: pinyin, knowledge feature vector): larger than the training data, so that a
#: component's second pass over it (``train`` then ``process_training_data``)
#: hits the cache; an LRU smaller than the data misses on every sequential pass
#: (with 8,192 entries and 11,700 examples every training example was read by
#: ``knowledge.understand.analyze`` six times).
TEXT_CACHE_SIZE = 1 << 15
