"""Vocabulary derived from the KB: item/bundle terms, distractors, jieba words.

Shared by resolve.py, search.py and generate.py so the bot's jieba dictionary,
the NLU lookup tables and the library's own matching use the same words.
"""
from __future__ import annotations

import re
from functools import lru_cache

from .text import normalize

_PUNCT = re.compile(r"[\s“”\"'‘’《》<>()（）\[\]【】,，。.、;；:：!！?？·\-—_~…/]+")
# characters jieba keeps inside one token (jieba.re_han_default)
_JIEBA_WORD = re.compile(r"^[\u4E00-\u9FD5a-zA-Z0-9+#&._%\-]+$")

REGIONS = {"揭阳": ["揭阳", "揭阳市"], "北京": ["北京", "北京市"], "湖南": ["湖南", "湖南省"]}

ITEM_FREQ = 3000
BUNDLE_FREQ = 2000
TERM_FREQ = 1000


def key(text: str) -> str:
    """Matching key: normalize() without whitespace and punctuation."""
    return _PUNCT.sub("", normalize(text))


def item_terms(item) -> list[str]:
    """Canonical name, per-guide names and aliases (original spelling, deduplicated)."""
    terms = [item.name] + [p.guide_name for p in item.provisions if p.guide_name] + list(item.aliases)
    return list(dict.fromkeys(terms))


def bundle_terms(bundle) -> list[str]:
    return list(dict.fromkeys([bundle.name, bundle.short_name] + list(bundle.aliases)))


def distractors(kb) -> list[str]:
    """Phrases that are not items: lexicon distractors + 湖南 services without an item."""
    out = list(kb.lexicon.get("distractors") or ())
    out += [s.name for s in kb.services.values() if s.item_id is None]
    return list(dict.fromkeys(out))


def jieba_words(kb) -> list[tuple[str, int, str]]:
    """(word, freq, tag) for the jieba user dictionary; only words jieba can keep whole."""
    words: dict[str, tuple[int, str]] = {}

    def add(w: str, freq: int, tag: str) -> None:
        w = w.strip()
        if len(w) >= 2 and _JIEBA_WORD.match(w) and w not in words:
            words[w] = (freq, tag)

    for item in kb.items.values():
        for t in item_terms(item):
            add(t, ITEM_FREQ, "n")
            add(_PUNCT.sub("", t), ITEM_FREQ, "n")
    for b in kb.bundles.values():
        for t in bundle_terms(b):
            add(t, BUNDLE_FREQ, "n")
            add(_PUNCT.sub("", t), BUNDLE_FREQ, "n")
    for names in REGIONS.values():
        for n in names:
            add(n, BUNDLE_FREQ, "ns")
    for d in distractors(kb):
        add(d, TERM_FREQ, "n")
    # guide terms users ask about (materials, services, systems)
    for item in kb.items.values():
        for p in item.provisions:
            for m in p.materials:
                add(m.name, TERM_FREQ, "n")
                for part in m.parts:
                    add(part, TERM_FREQ, "n")
    for s in kb.services.values():
        add(s.name, TERM_FREQ, "n")
    for canon, variants in (kb.lexicon.get("synonyms") or {}).items():
        add(canon, TERM_FREQ, "n")
    return sorted(((w, f, t) for w, (f, t) in words.items()), key=lambda x: x[0])


@lru_cache(maxsize=4)
def _tokenizer_for(words: tuple):
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    tk = jieba.Tokenizer()
    tk.initialize()
    for w, f, t in words:
        tk.add_word(w, f, t)
    return tk


_BY_KB: dict[int, tuple] = {}


def tokenizer(kb):
    """A private jieba.Tokenizer with the KB words (does not touch jieba's global one).

    Remembered per knowledge base: listing the words costs milliseconds, and
    resolve asks for the tokenizer on every message."""
    known = _BY_KB.get(id(kb))
    if known is not None and known[0] is kb:
        return known[1]
    tk = _tokenizer_for(tuple(jieba_words(kb)))
    _BY_KB[id(kb)] = (kb, tk)
    return tk
