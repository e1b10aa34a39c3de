"""BM25 passage retrieval (implemented here: no third-party ranking library).

Index: every passage (passages.py) is tokenised twice -- jieba words (search
mode, with the KB's own words) and character bigrams (robust to typos) -- and
the two BM25 scores are added (bigrams weighted BIGRAM_WEIGHT).
Query: normalize() (full-width, traditional), items found by resolve_items()
add their canonical names, lexicon synonyms add the guide's words, topic cue
words ("带啥" -> materials, "多久" -> deadline ...) and region names boost
matching passages.
Passage.score is in [0, 1]: the BM25 score divided by the score a passage
containing every query term would get (capped at 1), times the boosts the
passage earned, divided by the square root of the boosts the question made
possible, capped at 1. Questions that share nothing with the guides score near
0; on the benchmark plus 19 unrelated questions, 0.2 separates 165/172
answerable questions from 15/19 unrelated ones (see benchmarks/retrieval).
"""
from __future__ import annotations

import math
import re
from dataclasses import replace

from .passages import build_passages
from .text import normalize
from .vocab import REGIONS, tokenizer

K1 = 1.2
B = 0.75
BIGRAM_WEIGHT = 0.5
ITEM_BOOST = 1.0        # passage is about an item named in the question
OTHER_ITEM_PENALTY = 0.5  # passage is about another item while the question names items
TOPIC_BOOST = 0.6       # passage topic matches a cue word of the question
REGION_BOOST = 0.3      # passage region named in the question
PRIMARY_PRIOR = 0.1     # no region named: prefer the item's primary provision (bundle guide first)

_KEEP = re.compile(r"[\u4e00-\u9fff0-9a-z]")
_HAN_OR_ALNUM = re.compile(r"[\u4e00-\u9fff]|[0-9a-z]+")


class _BM25:
    def __init__(self, docs: list[list[str]]):
        self.docs = docs
        self.N = len(docs)
        self.avgdl = (sum(len(d) for d in docs) / self.N) if self.N else 0.0
        self.tf: list[dict[str, int]] = []
        df: dict[str, int] = {}
        for d in docs:
            counts: dict[str, int] = {}
            for t in d:
                counts[t] = counts.get(t, 0) + 1
            self.tf.append(counts)
            for t in counts:
                df[t] = df.get(t, 0) + 1
        self.df = df
        self.postings: dict[str, list[int]] = {}
        for i, counts in enumerate(self.tf):
            for t in counts:
                self.postings.setdefault(t, []).append(i)

    def idf(self, term: str) -> float:
        n = self.df.get(term, 0)
        return math.log(1 + (self.N - n + 0.5) / (n + 0.5))

    def scores(self, query: list[str]) -> tuple[dict[int, float], float]:
        """(doc index -> score, upper bound of the score for this query)."""
        out: dict[int, float] = {}
        upper = 0.0
        for t, qtf in _count(query).items():
            idf = self.idf(t)
            upper += idf * (K1 + 1) * qtf
            for i in self.postings.get(t, ()):
                tf = self.tf[i][t]
                dl = len(self.docs[i])
                out[i] = out.get(i, 0.0) + qtf * idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * dl / self.avgdl))
        return out, upper


def _count(tokens):
    c: dict[str, int] = {}
    for t in tokens:
        c[t] = c.get(t, 0) + 1
    return c


class SearchIndex:
    def __init__(self, kb):
        self.kb = kb
        self.passages = build_passages(kb)
        self._by_id = {p.id: p for p in self.passages}
        lex = kb.lexicon
        self.stopwords = set(lex.get("stopwords") or ())
        self.topics = {t: [normalize(w) for w in ws] for t, ws in (lex.get("topics") or {}).items()}
        self.topic_targets = {t: set(v) for t, v in (lex.get("topic_targets") or {}).items()}
        # items whose names contain each other (失业登记 / 失业登记注销) are not penalised
        # for each other: a question about one is often answered by the other
        self.related = {
            a.id: {b.id for b in kb.items.values() if a.name in b.name or b.name in a.name}
            for a in kb.items.values()}
        self.default_region = {
            i.id: (i.primary or i.provisions[0]).region for i in kb.items.values()}
        self.synonyms = [(normalize(canon), [normalize(v) for v in vs])
                         for canon, vs in (lex.get("synonyms") or {}).items()]
        self.tk = tokenizer(kb)
        words, grams = [], []
        for p in self.passages:
            text = self._index_text(p)
            words.append(self.words(text))
            grams.append(self.bigrams(text))
        self.bm_words = _BM25(words)
        self.bm_grams = _BM25(grams)

    # -- tokenising ------------------------------------------------------
    def _index_text(self, p) -> str:
        parts = [p.title, p.title, p.text]          # the title counts twice
        if p.item_id:
            item = self.kb.item(p.item_id)
            parts.append(" ".join(item.aliases))     # colloquial names find the passage too
        return normalize("\n".join(parts))

    def words(self, text: str) -> list[str]:
        out = []
        for tok in self.tk.cut_for_search(text, HMM=True):
            tok = tok.strip()
            if len(tok) < 2 and not tok.isdigit():
                continue
            if tok in self.stopwords or not _KEEP.search(tok):
                continue
            out.append(tok)
        return out

    def bigrams(self, text: str) -> list[str]:
        units = _HAN_OR_ALNUM.findall(text)
        out = []
        for a, b in zip(units, units[1:]):
            g = a + b
            if g in self.stopwords:
                continue
            out.append(g)
        return out

    # -- query -----------------------------------------------------------------
    def analyse(self, question: str) -> dict:
        norm = normalize(question)
        matches = self.kb.resolve_items(question)
        items = {m.item_id for m in matches}
        extra = [self.kb.item(i).name for i in items]
        for canon, variants in self.synonyms:
            if any(v and v in norm for v in variants):
                extra.append(canon)
        topics = {t for t, ws in self.topics.items() if any(w and w in norm for w in ws)}
        targets = set()
        for t in topics:
            targets |= self.topic_targets.get(t, {t})
        regions = {r for r, names in REGIONS.items() if any(n in norm for n in names)}
        bundle = None
        if not items:
            rb = self.kb.resolve_bundle(question)
            bundle = rb if rb in self.kb.bundles else None
        related = set()
        for i in items:
            related |= self.related.get(i, set())
        return {"norm": norm, "items": items, "bundle": bundle, "related": related, "extra": extra, "topics": targets,
                "regions": regions}

    def search(self, question: str, k: int = 5) -> list:
        if not question or not question.strip():
            return []
        a = self.analyse(question)
        text = a["norm"] + " " + " ".join(a["extra"])
        qw, qg = self.words(text), self.bigrams(text)
        sw, uw = self.bm_words.scores(qw)
        sg, ug = self.bm_grams.scores(qg)
        upper = uw + BIGRAM_WEIGHT * ug
        if upper <= 0:
            return []
        max_boost = ((1 + ITEM_BOOST) if a["items"] or a["bundle"] else 1.0) * ((1 + TOPIC_BOOST) if a["topics"] else 1.0) \
            * ((1 + REGION_BOOST) if a["regions"] else (1 + PRIMARY_PRIOR))
        ranked = []
        for i in set(sw) | set(sg):
            raw = (sw.get(i, 0.0) + BIGRAM_WEIGHT * sg.get(i, 0.0)) / upper
            p = self.passages[i]
            boost = 1.0
            if a["items"]:
                if p.item_id in a["items"]:
                    boost *= 1 + ITEM_BOOST
                elif p.item_id is not None and p.item_id not in a["related"]:
                    boost *= OTHER_ITEM_PENALTY
            elif a["bundle"] and p.item_id is None and p.bundle_id == a["bundle"]:
                boost *= 1 + ITEM_BOOST     # bundle named, no item: its bundle-level passages
            if p.topic in a["topics"]:
                boost *= 1 + TOPIC_BOOST
            if a["regions"]:
                if p.region and p.region in a["regions"]:
                    boost *= 1 + REGION_BOOST
            elif p.item_id and p.region == self.default_region[p.item_id]:
                boost *= 1 + PRIMARY_PRIOR
            ranked.append((min(1.0, raw) * boost, p.id, i))
        ranked.sort(key=lambda x: (-x[0], x[1]))
        norm = math.sqrt(max_boost)
        return [replace(self.passages[i], score=round(min(1.0, s / norm), 4)) for s, _, i in ranked[:k]]

    def passage(self, passage_id: str):
        from .errors import UnknownId

        try:
            return self._by_id[passage_id]
        except KeyError:
            raise UnknownId(f"unknown passage id {passage_id!r}") from None
