"""Find the items, 湖南 services (and the bundle) a user's message talks about.

Order of evidence, exact before fuzzy, longest first and without overlaps:
  1. exact terms: item names, guide names, aliases and regex patterns; 湖南
     service names and aliases (services.yml); distractor phrases (住房补贴 ...)
     only block their span;
  2. menu numbers ("1和3", "第2项") when a bundle is given;
  3. fuzzy (typos): one wrong/missing/extra character (two for terms of 8+
     characters) on the still unclaimed text, only at jieba token boundaries,
     and never between names that differ by a contrasting word
     (contrasts.yml: 就/失, 注销/登记 ...): 就业登记 never becomes 失业登记.
     When the message names exactly one region, fuzzy matching only considers
     that region's items and services. Words as close to two names are
     reported as ambiguous (`ambiguous_with`), never silently decided;
  3b. (before 3) homophones: a stretch that sounds exactly like a name of 3+
     characters in toneless pinyin (失也金 -> 失业金, 失业等级 -> 失业登记), as
     pinyin input writes them; a sound shared by two things decides nothing;
  4. a same-length typo of a longer name (“失业登记注消”) replaces the exact
     shorter name inside it (“失业登记”) unless the two contrast.
All text goes through normalize(): full-width, traditional characters, case.
"""
from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache

from .models import Candidate, ItemMatch, Match, ServiceMatch
from .text import normalize
from .vocab import REGIONS, bundle_terms, distractors, item_terms, key, tokenizer

_CN_NUM = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
           "十一": 11, "十二": 12, "十三": 13}
_NUMBER = re.compile(r"(?<![\d.])(\d{1,2})(?![\d.])(?!\s*(?:个|天|日|月|年|岁|元|块|号|张|次|周|%|小时|分|点|万|千|百))")
_CN_ORDINAL = re.compile(r"第(十[一二三]?|[一二两三四五六七八九])(?:项|个|条|号)?")
_PUNCT = re.compile(r"[\s“”\"'‘’《》<>()（）\[\]【】,，。.、;；:：!！?？·\-—_~…/]+")

ITEM, SERVICE = "item", "service"
_HAN = re.compile(r"^[\u4e00-\u9fff]+$")
#: names this long and longer are matched by their sound (shorter ones sound like too many words)
SOUND_MIN = 3


def syllables(text: str) -> list[str] | None:
    """Toneless pinyin, one syllable per character (other characters as they are); None without pypinyin."""
    try:
        import pypinyin  # noqa: F401
    except ImportError:
        return None
    return [_syllable(c) for c in text]


@lru_cache(maxsize=None)
def _syllable(char: str) -> str:
    from pypinyin import lazy_pinyin

    return (lazy_pinyin(char) or [char])[0]
#: step 4 only for names this long (“失业登记注消” -> 失业登记注销, not “的失业登记”)
SUPERSEDE_MIN = 6


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


def contrasting(words: str, name: str, groups) -> bool:
    """True when `words` contain a word of a contrast group that `name` lacks
    while `name` contains another word of that group that `words` lack."""
    for group in groups:
        mine = [w for w in group if w in words and w not in name]
        if not mine:
            continue
        if any(w in name and w not in words for w in group if w not in mine):
            return True
    return False


def _limit(term: str) -> int:
    return 2 if len(term) >= 8 else 1

class Resolver:
    def __init__(self, kb):
        self.kb = kb
        self.contrasts = tuple(tuple(key(w) for w in g) for g in getattr(kb, "contrasts", ()) or ())
        # how far around a fuzzy window a contrasting word is looked for
        self.reach = max((len(w) for g in self.contrasts for w in g), default=1)
        terms: dict[str, tuple] = {}          # key -> ((kind, id) or None, original spelling)
        for item in kb.items.values():
            for t in item_terms(item):
                k = key(t)
                if len(k) >= 2:
                    terms.setdefault(k, ((ITEM, item.id), t))
        for svc in kb.services.values():
            if svc.item_id is not None:
                # the same thing as an item: its name is one of the item's terms
                k = key(svc.name)
                if len(k) >= 2:
                    terms.setdefault(k, ((ITEM, svc.item_id), svc.name))
                continue
            for t in (svc.name,) + tuple(svc.aliases):
                k = key(t)
                if len(k) >= 2:
                    terms.setdefault(k, ((SERVICE, svc.id), t))
        for d in distractors(kb):
            k = key(d)
            if k not in terms:
                terms[k] = (None, d)
        self.terms = terms
        self.patterns = [((ITEM, item.id), re.compile(p)) for item in kb.items.values() for p in item.patterns]
        self.fuzzy_terms = [(k, v[0], set(k)) for k, v in terms.items() if v[0] and len(k) >= 4]
        self.bundle_terms = sorted(
            ((key(t), b.id) for b in kb.bundles.values() for t in bundle_terms(b)),
            key=lambda x: -len(x[0]))
        self._sounds: dict | None = None
        self._bundle_sounds: dict = {}
        self.region_names = sorted(((key(n), r) for r, names in REGIONS.items() for n in names),
                                   key=lambda x: -len(x[0]))

    # -- public -------------------------------------------------------------
    def resolve(self, text: str, bundle_id: str | None = None, region: str | None = None) -> list[Match]:
        """Items and services named in `text`, in text order, one Match per thing.

        `region` (or, when None, the one region the text names) limits the
        fuzzy step to that region's items and services."""
        if not text or not text.strip():
            return []
        norm = normalize(text)
        s = _PUNCT.sub("", norm)
        if region is None:
            named = self.regions_in(text)
            region = named[0] if len(named) == 1 else None
        claimed = [False] * len(s)
        found: list[Match] = []

        # 1. exact terms + patterns, longest first
        exact = self._exact(s)
        for length, start, target, matched, score in exact:
            if any(claimed[start:start + length]):
                continue
            for i in range(start, start + length):
                claimed[i] = True
            if target is not None:
                found.append(Match(kind=target[0], id=target[1], score=score, matched=matched, start=start))

        # 2. menu numbers (only inside a bundle's menu)
        if bundle_id is not None:
            found += [Match(kind=ITEM, id=m.item_id, score=m.score, matched=m.matched, start=m.start)
                      for m in self._numbers(norm, s, bundle_id)]

        # 3. homophones, then fuzzy, on unclaimed stretches
        found += self._homophones(s, claimed, region)
        found += self._fuzzy(s, claimed, region)

        # 4. a typo of a longer name that contains an exact shorter name
        found = self._supersede(s, found, region)

        best: dict[tuple, Match] = {}
        # one Match per thing: an exact mention before a fuzzy one (“就业创业扶持…出示就业创业证”), else the first
        for m in sorted(found, key=lambda m: (m.score < 1.0, m.start, -m.score)):
            if (m.kind, m.id) not in best:
                best[(m.kind, m.id)] = replace(m, name=self._name(m.kind, m.id))
        return sorted(best.values(), key=lambda m: m.start)

    def resolve_items(self, text: str, bundle_id: str | None = None, region: str | None = None) -> list[ItemMatch]:
        """Items named in `text` (see resolve). Words that may also mean another
        item or a service give an ItemMatch whose `ambiguous_with` lists them."""
        out: dict[str, ItemMatch] = {}
        for m in self.resolve(text, bundle_id, region):
            cands = m.candidates
            first = next((c for c in cands if c.kind == ITEM), None)
            if first is None or first.id in out:
                continue
            others = tuple(c for c in cands if c != first)
            out[first.id] = ItemMatch(item_id=first.id, score=m.score, matched=m.matched, start=m.start,
                                      ambiguous_with=others)
        return sorted(out.values(), key=lambda m: m.start)

    def resolve_services(self, text: str, region: str | None = None) -> list[ServiceMatch]:
        """湖南 services named in `text`: by their own names (就业登记, “311”,
        迁入 ...) or through the item they are (失业登记 -> unemployment_registration
        with item_id set). Ambiguous words list the other candidates."""
        out: dict[str, ServiceMatch] = {}
        for m in self.resolve(text, None, region):
            cands = m.candidates
            for c in cands:
                sid, iid = self._service_id(c)
                if sid is None:
                    continue
                if sid not in out:
                    others = tuple(x for x in cands if x != c)
                    out[sid] = ServiceMatch(service_id=sid, score=m.score, matched=m.matched, start=m.start,
                                            item_id=iid, ambiguous_with=others)
                break
        return sorted(out.values(), key=lambda m: m.start)

    def regions_in(self, text: str) -> list[str]:
        if not text:
            return []
        s = _PUNCT.sub("", normalize(text))
        hits = []
        for k, r in self.region_names:
            pos = s.find(k)
            if pos != -1:
                hits.append((pos, r))
        return list(dict.fromkeys(r for _, r in sorted(hits)))

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
        named = self.bundles_at(rest)
        if named:
            return named[0][1]
        bundles = list(dict.fromkeys(self.kb.item(m.item_id).bundle_id for m in matches))
        return bundles[0] if len(bundles) == 1 else None

    def bundles_at(self, rest: str) -> list[tuple[int, str]]:
        """(position, bundle id) of every bundle named in `rest`, outright or by its sound
        (人材服务, 劳动为权), longest term first."""
        found: list[tuple[int, str]] = []
        heard = None
        for k, bid in self.bundle_terms:
            if not k or bid in [b for _, b in found]:
                continue
            at = rest.find(k)
            if at == -1 and len(k) >= SOUND_MIN + 1 and _HAN.match(k):
                heard = syllables(rest) if heard is None else heard
                said = self._bundle_sounds.setdefault(k, syllables(k))
                if heard and said:
                    n = len(said)
                    at = next((i for i in range(len(heard) - n + 1) if heard[i:i + n] == said), -1)
            if at != -1:
                found.append((at, bid))
        return found

    # -- helpers ----------------------------------------------------------------
    def _sound_table(self) -> dict:
        """{length: {syllables: target or None (two things sound alike)}} of names of SOUND_MIN+ characters."""
        if self._sounds is None:
            table: dict = {}
            for k, (target, _original) in self.terms.items():
                if target is None or len(k) < SOUND_MIN or not _HAN.match(k):
                    continue
                said = syllables(k)
                if said is None:
                    break
                row = table.setdefault(len(k), {})
                key_ = tuple(said)
                row[key_] = target if row.get(key_, target) == target else None
            self._sounds = table
        return self._sounds

    def _homophones(self, s: str, claimed: list, region: str | None) -> list[Match]:
        table = self._sound_table()
        if not table or all(claimed):
            return []
        heard = syllables(s)
        if heard is None:
            return []
        out = []
        for n in sorted(table, reverse=True):
            row = table[n]
            for st in range(0, len(s) - n + 1):
                if any(claimed[st:st + n]):
                    continue
                target = row.get(tuple(heard[st:st + n]))
                if target is None or not self._in_region(target, region):
                    continue
                for i in range(st, st + n):
                    claimed[i] = True
                out.append(Match(kind=target[0], id=target[1], score=0.9, matched=s[st:st + n], start=st))
        return out

    def _name(self, kind: str, id_: str) -> str:
        return self.kb.items[id_].name if kind == ITEM else self.kb.services[id_].name

    def _service_id(self, c: Candidate):
        if c.kind == SERVICE:
            return c.id, None
        for p in self.kb.items[c.id].provisions:
            if p.service_id:
                return p.service_id, c.id
        return None, None

    def _in_region(self, target: tuple, region: str | None) -> bool:
        if region is None:
            return True
        kind, id_ = target
        if kind == ITEM:
            return self.kb.items[id_].provision(region) is not None
        return self.kb.services[id_].source.region == region

    def _exact(self, s: str) -> list[tuple]:
        cands = []
        for k, (target, original) in self.terms.items():
            start = s.find(k)
            while start != -1:
                end = start + len(k)
                # a number (“311”) only stands alone, never inside a longer number
                if not (k.isdigit() and ((start > 0 and s[start - 1].isdigit())
                                         or (end < len(s) and s[end].isdigit()))):
                    cands.append((len(k), start, target, k, 1.0))
                start = s.find(k, start + 1)
        for target, rx in self.patterns:
            for m in rx.finditer(s):
                if m.end() > m.start():
                    cands.append((m.end() - m.start(), m.start(), target, m.group(0), 0.95))
        # longest first; of two as long that overlap, the later one: Chinese names end in their head
        # (“申请失业登记注销”: 失业登记注销, not the alias 申请失业登记)
        cands.sort(key=lambda c: (-c[0], -c[1]))
        return cands

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

    def _candidates(self, seg: str, offset: int, bounds: set, region: str | None, same_length: bool = False,
                    terms=None):
        """(distance, score, length, start, target, window) of every fuzzy hit in `seg`."""
        seg_chars = set(seg)
        cands = []
        for k, target, kchars in self.fuzzy_terms if terms is None else terms:
            limit = _limit(k)
            if len(kchars & seg_chars) < len(kchars) - limit:
                continue
            if not self._in_region(target, region):
                continue
            L = len(k)
            lengths = [L] if same_length else range(max(3, L - limit), L + limit + 1)
            for wl in lengths:
                for st in range(0, len(seg) - wl + 1):
                    if bounds is not None and st not in bounds and st + wl not in bounds:
                        continue
                    w = seg[st:st + wl]
                    if w[0] != k[0] and w[-1] != k[-1]:
                        continue
                    d = levenshtein(w, k, limit)
                    if d > limit or d == 0:
                        continue
                    # the neighbours count too: “创|业登记” is not a typo of 失业登记
                    if contrasting(seg[max(0, st - self.reach):st + wl + self.reach], k, self.contrasts):
                        continue
                    score = round(0.9 * (1 - d / L), 3)
                    cands.append((d, score, wl, offset + st, target, w))
        return cands

    def _fuzzy(self, s: str, claimed: list, region: str | None) -> list[Match]:
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
            bounds = {0, len(seg)}
            pos = 0
            for tok in tk.cut(seg, HMM=False):
                pos += len(tok)
                bounds.add(pos)
            cands = self._candidates(seg, offset, bounds, region)
            out += self._pick(cands, len(s))
        return out

    def _pick(self, cands: list, n: int) -> list[Match]:
        """Best non-overlapping hits; hits of other targets that overlap the chosen
        one at the same distance make it ambiguous."""
        cands.sort(key=lambda c: (c[0], -c[1], -c[2], c[3], c[4][0] != ITEM))
        taken = [False] * n
        out = []
        for d, score, wl, st, target, w in cands:
            if any(taken[st:st + wl]):
                continue
            rivals = []
            for d2, _s2, wl2, st2, t2, _w2 in cands:
                if t2 != target and d2 <= d and st2 < st + wl and st < st2 + wl2 and t2 not in rivals:
                    rivals.append(t2)
            lo = min([st] + [c[3] for c in cands if c[4] in rivals and c[0] <= d and c[3] < st + wl and st < c[3] + c[2]])
            hi = max([st + wl] + [c[3] + c[2] for c in cands if c[4] in rivals and c[0] <= d and c[3] < st + wl and st < c[3] + c[2]])
            for x in range(lo, hi):
                taken[x] = True
            out.append(Match(kind=target[0], id=target[1], score=score, matched=w, start=st,
                             ambiguous_with=tuple(Candidate(k, i, self._name(k, i)) for k, i in rivals)))
        return out

    def _supersede(self, s: str, found: list[Match], region: str | None) -> list[Match]:
        exact = [m for m in found if m.score >= 0.95 and not m.ambiguous_with]
        if not exact:
            return found
        # the typo lies outside the exact name, so the longer name contains (most of) it
        pieces = {m.matched[i:i + min(4, len(m.matched))] for m in exact
                  for i in range(len(m.matched) - min(4, len(m.matched)) + 1)}
        longer = [t for t in self.fuzzy_terms if len(t[0]) >= SUPERSEDE_MIN and any(p in t[0] for p in pieces)]
        if not longer:
            return found
        cands = [c for c in self._candidates(s, 0, None, region, same_length=True, terms=longer) if c[0] == 1]
        out = list(found)
        for d, score, wl, st, target, w in sorted(cands, key=lambda c: (-c[2], c[3])):
            inner = [m for m in out if m.start < st + wl and st < m.start + len(m.matched)]
            if not inner:
                continue
            # only exact shorter names of other things, mostly inside the window (办|失业登记|注消)
            if any(m.score < 0.95 or m.ambiguous_with or len(m.matched) >= wl or (m.kind, m.id) == target
                   or min(st + wl, m.start + len(m.matched)) - max(st, m.start) < min(4, len(m.matched))
                   for m in inner):
                continue
            if any((m.kind, m.id) != target and contrasting(w, key(m.matched), self.contrasts) for m in inner):
                continue
            out = [m for m in out if m not in inner]
            out.append(Match(kind=target[0], id=target[1], score=score, matched=w, start=st))
        return out
