"""Find the items (and the bundle) a user's message talks about.

Order of evidence, longest first and without overlaps:
  1. exact item terms (name, guide name, aliases) and item regex patterns,
     distractor phrases (就业登记, 住房补贴 ...) block their span;
  2. menu numbers ("1和3", "第2项") when a bundle is given;
  3. fuzzy: one wrong/missing/extra character (two for terms of 8+ characters)
     on the still unclaimed text, only at jieba token boundaries.
All text goes through normalize(): full-width, traditional characters, case.
"""
from __future__ import annotations

import re

from .models import ItemMatch
from .text import normalize
from .vocab import bundle_terms, distractors, item_terms, key, tokenizer

_CN_NUM = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
           "十一": 11, "十二": 12, "十三": 13}
_NUMBER = re.compile(r"(?<![\d.])(\d{1,2})(?![\d.])(?!\s*(?:个|天|日|月|年|岁|元|块|号|张|次|周|%|小时|分|点|万|千|百))")
_CN_ORDINAL = re.compile(r"第(十[一二三]?|[一二两三四五六七八九])(?:项|个|条|号)?")
_PUNCT = re.compile(r"[\s“”\"'‘’《》<>()（）\[\]【】,，。.、;；:：!！?？·\-—_~…/]+")


def levenshtein(a: str, b: str, limit: int) -> int:
    """Edit distance, stopping early once it exceeds `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        best = cur[0]
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            best = min(best, cur[j])
        if best > limit:
            return limit + 1
        prev = cur
    return prev[-1]


class Resolver:
    def __init__(self, kb):
        self.kb = kb
        terms: dict[str, tuple] = {}
        for item in kb.items.values():
            for t in item_terms(item):
                k = key(t)
                if len(k) >= 2:
                    terms.setdefault(k, (item.id, t))
        for d in distractors(kb):
            k = key(d)
            if k not in terms:
                terms[k] = (None, d)
        self.terms = terms
        self.patterns = [(item.id, re.compile(p)) for item in kb.items.values() for p in item.patterns]
        self.fuzzy_terms = [(k, v[0], set(k)) for k, v in terms.items() if v[0] and len(k) >= 4]
        self.bundle_terms = sorted(
            ((key(t), b.id) for b in kb.bundles.values() for t in bundle_terms(b)),
            key=lambda x: -len(x[0]))

    # -- public -------------------------------------------------------------
    def resolve_items(self, text: str, bundle_id: str | None = None) -> list[ItemMatch]:
        if not text or not text.strip():
            return []
        norm = normalize(text)
        s = _PUNCT.sub("", norm)
        claimed = [False] * len(s)
        found: list[ItemMatch] = []

        # 1. exact terms + patterns, longest first
        cands = []
        for k, (iid, original) in self.terms.items():
            start = s.find(k)
            while start != -1:
                cands.append((len(k), start, iid, k, 1.0))
                start = s.find(k, start + 1)
        for iid, rx in self.patterns:
            for m in rx.finditer(s):
                if m.end() > m.start():
                    cands.append((m.end() - m.start(), m.start(), iid, m.group(0), 0.95))
        cands.sort(key=lambda c: (-c[0], c[1]))
        for length, start, iid, matched, score in cands:
            if any(claimed[start:start + length]):
                continue
            for i in range(start, start + length):
                claimed[i] = True
            if iid is not None:
                found.append(ItemMatch(item_id=iid, score=score, matched=matched, start=start))

        # 2. menu numbers (only inside a bundle's menu)
        if bundle_id is not None:
            found += self._numbers(norm, s, bundle_id)

        # 3. fuzzy on unclaimed stretches
        found += self._fuzzy(s, claimed)

        best: dict[str, ItemMatch] = {}
        for m in sorted(found, key=lambda m: (m.start, -m.score)):
            if m.item_id not in best:
                best[m.item_id] = m
        return sorted(best.values(), key=lambda m: m.start)

    def resolve_bundle(self, text: str) -> str | None:
        """The bundle named outright (outside any item name), else the single
        bundle of the items mentioned; None when absent or ambiguous."""
        if not text or not text.strip():
            return None
        s = _PUNCT.sub("", normalize(text))
        if s in self.kb.bundles:
            return s
        matches = self.resolve_items(text)
        rest = s
        for m in sorted(matches, key=lambda m: -len(m.matched)):
            rest = rest.replace(m.matched, "|")
        for k, bid in self.bundle_terms:
            if k and k in rest:
                return bid
        bundles = list(dict.fromkeys(self.kb.item(m.item_id).bundle_id for m in matches))
        return bundles[0] if len(bundles) == 1 else None

    # -- helpers ----------------------------------------------------------------
    def _numbers(self, norm: str, s: str, bundle_id: str) -> list[ItemMatch]:
        ids = self.kb.bundle(bundle_id).item_ids
        out = []
        # digits: position mapped roughly onto s by searching the number there
        for m in _NUMBER.finditer(norm):
            n = int(m.group(1))
            if 1 <= n <= len(ids):
                pos = s.find(m.group(1))
                out.append(ItemMatch(item_id=ids[n - 1], score=1.0, matched=m.group(1),
                                     start=pos if pos >= 0 else len(s)))
        for m in _CN_ORDINAL.finditer(s):
            n = _CN_NUM.get(m.group(1))
            if n and 1 <= n <= len(ids):
                out.append(ItemMatch(item_id=ids[n - 1], score=1.0, matched=m.group(0), start=m.start()))
        return out

    def _fuzzy(self, s: str, claimed: list) -> list[ItemMatch]:
        segments = []
        i = 0
        while i < len(s):
            if claimed[i]:
                i += 1
                continue
            j = i
            while j < len(s) and not claimed[j]:
                j += 1
            if j - i >= 3:
                segments.append((i, s[i:j]))
            i = j
        if not segments:
            return []
        tk = tokenizer(self.kb)
        out = []
        for offset, seg in segments:
            seg_chars = set(seg)
            bounds = {0, len(seg)}
            pos = 0
            for tok in tk.cut(seg, HMM=False):
                pos += len(tok)
                bounds.add(pos)
            cands = []
            for k, iid, kchars in self.fuzzy_terms:
                limit = 2 if len(k) >= 8 else 1
                if len(kchars & seg_chars) < len(kchars) - limit:
                    continue
                L = len(k)
                for wl in range(max(3, L - limit), L + limit + 1):
                    for st in range(0, len(seg) - wl + 1):
                        if st not in bounds and st + wl not in bounds:
                            continue
                        w = seg[st:st + wl]
                        if w[0] != k[0] and w[-1] != k[-1]:
                            continue
                        d = levenshtein(w, k, limit)
                        if d <= limit:
                            score = round(0.9 * (1 - d / L), 3)
                            cands.append((score, wl, offset + st, iid, w))
            cands.sort(key=lambda c: (-c[0], -c[1], c[2]))
            taken = [False] * len(s)
            for score, wl, st, iid, w in cands:
                if any(taken[st:st + wl]):
                    continue
                for x in range(st, st + wl):
                    taken[x] = True
                out.append(ItemMatch(item_id=iid, score=score, matched=w, start=st))
        return out
