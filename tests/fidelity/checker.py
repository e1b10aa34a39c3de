"""Check a reply text against the knowledge base, however the reply was made.

    problems = check_answer(kb, items=["unemployment_registration"], services=[],
                            aspects=["materials"], region="揭阳", text=reply_text)

Every statement the checker can recognise is compared with the records in
knowledge/data:

* materials: every material phrase named belongs to the item/service it is
  said for (or to its bundle's 共性材料); a 无需材料 row says 无需材料, an
  external-system row names the system and its URL, a 其他材料 line does not
  list 共性材料;
* deadlines: every deadline phrase is the item's own, verbatim; a number of
  days the item's records do not contain is an invented deadline; a deadline
  question gets the item's deadline or the “指引未列明” sentence;
* eligibility / channel questions get the item's own record or “未列明”;
* no sentence of tests/fidelity/forbidden.yml (inventions, table jargon), no
  URL the guides do not give;
* every citation (依据：…) names the region of the facts before it;
* the 联办 rule is said at most once per rule and always as 北京's;
* a region-scoped question answers that region first, and says plainly when
  that region's guide lacks the item.

The vocabulary of material and deadline phrases is built from knowledge/, so a
reply is only judged on phrases that are facts of some item (few false alarms).
A reply is split into per-item parts at lines that start with an item or
service name followed by a heading mark (“【失业登记】”, “失业登记：”,
“1. 失业登记（揭阳）”); text before the first such line belongs to every item asked.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Optional

import yaml

from knowledge import phrases

FORBIDDEN_FILE = Path(__file__).with_name("forbidden.yml")

ITEM, SERVICE, BUNDLE = "item", "service", "bundle"
_SPACES = re.compile(r"[ \t\u3000\u00a0]+")
_SENTENCE_END = re.compile(r"[。！？!?\n]")
_DAYS = re.compile(r"(?<![月\d])\d+\s*个?(?:工作日|自然日|日|天)")
_URL = re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'*+,;=%]+")
_CITATION = re.compile(r"依据[：:]?")
_HEAD_MARKS = re.compile(r"^[\s·•\-*#>]*(?:\d{1,2}[.、)）]|[一二三四五六七八九十]{1,2}、|[(（]\d{1,2}[)）])?[\s【\[“\"]*")
_HEAD_FOLLOW = ("：", ":", "】", "]", "（", "(", "”", "\"", "—", "-", "，", ",")
_LACKS_WORDS = ("没有", "无此", "未收录", "不含", "未包含", "未列", "不包括", "不办理", "无该")


def norm(text: str) -> str:
    """NFKC, no spaces (newlines kept): how guide text and replies are compared."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", text or ""))


def flat(text: str) -> str:
    return norm(text).replace("\n", "")


@dataclass(frozen=True)
class Problem:
    kind: str
    detail: str
    where: str = ""

    def __str__(self) -> str:
        return f"{self.kind}: {self.detail}" + (f" [{self.where}]" if self.where else "")


@dataclass(frozen=True)
class Owner:
    kind: str              # item | service | bundle
    id: str
    region: str
    role: str              # common | other | deadline


def load_forbidden() -> dict:
    with FORBIDDEN_FILE.open(encoding="utf-8") as fh:
        doc = yaml.safe_load(fh)
    return {"inventions": [norm(x) for x in doc["inventions"]], "jargon": [norm(x) for x in doc["jargon"]]}


# ---------------------------------------------------------------------------
# vocabulary from knowledge/
# ---------------------------------------------------------------------------
class Vocab:
    def __init__(self, kb):
        self.kb = kb
        self.materials: dict[str, set] = {}
        self.deadlines: dict[str, set] = {}
        self.names: dict[str, tuple] = {}          # name -> (kind, id)
        self.corpus: dict[tuple, str] = {}         # (kind, id) -> all its texts, flat
        self.urls: set[str] = set()
        self.guide_region: dict[str, str] = {}     # guide title (flat) -> region
        for g in kb.guides.values():
            self.guide_region[flat(g["title"])] = g["region"]
            for c in g.get("channels") or ():
                if c.get("url"):
                    self.urls.add(c["url"])
        for b in kb.bundles.values():
            for m in b.common_materials:
                self._material(m, Owner(BUNDLE, b.id, b.region, "common"))
            for t in (b.name, b.short_name) + tuple(b.aliases):
                self._name(t, (BUNDLE, b.id))
        for item in kb.items.values():
            texts = []
            for t in (item.name,) + tuple(item.aliases) + tuple(p.guide_name for p in item.provisions if p.guide_name):
                self._name(t, (ITEM, item.id))
            for p in item.provisions:
                for m in p.other_materials:
                    self._material(m, Owner(ITEM, item.id, p.region, "other"))
                if p.deadline is not None:
                    self._deadline(p.deadline, Owner(ITEM, item.id, p.region, "deadline"))
                texts += _provision_texts(p)
                self._urls(p)
            self.corpus[(ITEM, item.id)] = flat("\n".join(texts))
        for s in kb.services.values():
            for t in (s.name,) + tuple(s.aliases):
                self._name(t, (SERVICE, s.id))
            for m in s.materials:
                self._material(m, Owner(SERVICE, s.id, s.source.region, "other"))
            if s.deadline is not None:
                self._deadline(s.deadline, Owner(SERVICE, s.id, s.source.region, "deadline"))
            self.corpus[(SERVICE, s.id)] = flat("\n".join(_service_texts(s)))
            self._urls(s)
        shared = []                                # texts about every item: platform steps, bundles
        for h in kb.howto:
            self.urls.update(u.rstrip("。，；）)") for u in _URL.findall(norm(h.text)))
            shared.append(h.text)
        for b in kb.bundles.values():
            shared += [b.description, b.summary, b.common_materials_text]
        self.shared = flat("\n".join(shared))
        self.phrase_list = sorted(
            [(p, "material") for p in self.materials] + [(p, "deadline") for p in self.deadlines]
            + [(p, "name") for p in self.names],
            key=lambda x: -len(x[0]))
        self.head_names = sorted(((n, t) for n, t in self.names.items() if t[0] != BUNDLE),
                                 key=lambda x: -len(x[0]))

    # -- building -------------------------------------------------------------
    def _material(self, m, owner: Owner) -> None:
        for t in {m.text, m.name, *m.parts}:
            for v in _variants(t):
                if len(v) >= 3:
                    self.materials.setdefault(v, set()).add(owner)

    def _deadline(self, dl, owner: Owner) -> None:
        texts = [dl.text] + [p.text for p in dl.phases] + [dl.extension_text or ""] + \
            [p.extension_text or "" for p in dl.phases]
        for t in texts:
            for v in _variants(t):
                if len(v) >= 2:
                    self.deadlines.setdefault(v, set()).add(owner)

    def _name(self, text: str, target: tuple) -> None:
        for v in _variants(text):
            if len(v) >= 2:
                self.names.setdefault(v, target)

    def _urls(self, rec) -> None:
        for c in getattr(rec, "channels", ()) or ():
            if c.url:
                self.urls.add(c.url)
        es = getattr(rec, "external_system", None)
        if es is not None:
            self.urls.add(es.url)
        for t in (getattr(rec, "channels_text", None), getattr(rec, "content", None),
                  getattr(rec, "materials_text", None)):
            if t:
                self.urls.update(u.rstrip("。，；）)") for u in _URL.findall(norm(t)))

    # -- queries ----------------------------------------------------------------
    def url_known(self, url: str) -> bool:
        u = url.rstrip("/#.").lower()
        return any(k.rstrip("/#.").lower() == u or k.lower().startswith(u) and len(u) > 12
                   for k in self.urls)

    def region_of_citation(self, citation: str) -> set:
        c = flat(citation)
        found = {r for t, r in self.guide_region.items() if t in c}
        if not found:
            found = {r for r in self.kb.regions if r in c}
        return found


def _variants(text: str) -> list[str]:
    t = flat(text).strip("。；;，,、 ")
    out = [t]
    stripped = t.strip("《》")
    if stripped != t and "《" not in stripped:
        out.append(stripped)
    return [x for x in dict.fromkeys(out) if x]


def _provision_texts(p) -> list[str]:
    out = [p.materials_text or "", p.note or "", p.agency or "", p.channels_text or "", p.guide_name or ""]
    out += [m.text for m in p.materials]
    if p.deadline is not None:
        out.append(p.deadline.text)
    if p.eligibility is not None:
        out.append(p.eligibility.text)
    out += [c.name for c in p.channels] + [r.text for r in p.requirements] + [c.text for c in p.cases]
    if p.external_system is not None:
        out += [p.external_system.name or "", p.external_system.url, p.external_system.instruction or ""]
    return out


def _service_texts(s) -> list[str]:
    out = [s.name, s.agency or "", s.channels_text or "", s.materials_text or "", s.content or "",
           s.schedule or "", s.quota_period or ""]
    out += [m.text for m in s.materials] + [r.text for r in s.requirements] + [c.text for c in s.cases]
    out += [f"{q.times}次{q.what}" for q in s.quotas]
    if s.deadline is not None:
        out.append(s.deadline.text)
    if s.eligibility is not None:
        out.append(s.eligibility.text)
    if s.external_system is not None:
        out += [s.external_system.name or "", s.external_system.url]
    return out


@lru_cache(maxsize=4)
def _vocab(kb_id: int, kb) -> Vocab:
    return Vocab(kb)


def vocab(kb) -> Vocab:
    return _vocab(id(kb), kb)


# ---------------------------------------------------------------------------
# reading a reply
# ---------------------------------------------------------------------------
@dataclass
class Hit:
    start: int
    end: int
    phrase: str
    kind: str              # material | deadline | name
    owners: frozenset = frozenset()


@dataclass
class Segment:
    start: int
    end: int
    target: Optional[tuple]          # (kind, id) of the heading; None before the first heading
    text: str = ""
    hits: list = field(default_factory=list)


def _hits(v: Vocab, text: str) -> list[Hit]:
    """Longest-first, non-overlapping occurrences of known phrases (names only block)."""
    claimed = [False] * len(text)
    out = []
    for phrase, kind in v.phrase_list:
        start = text.find(phrase)
        while start != -1:
            end = start + len(phrase)
            short_false = phrase == "即办" and (text[start - 1:start] == "立" or text[end:end + 1] == "理")
            # “身份证号(码)” names a form field or a lookup factor, not a material
            short_false = short_false or (kind == "material" and text[end:end + 1] == "号")
            if not any(claimed[start:end]) and not short_false:
                for i in range(start, end):
                    claimed[i] = True
                owners = v.materials.get(phrase) if kind == "material" else v.deadlines.get(phrase) if kind == "deadline" else None
                out.append(Hit(start, end, phrase, kind, frozenset(owners or ())))
            start = text.find(phrase, start + 1)
    return sorted(out, key=lambda h: h.start)


def _segments(v: Vocab, text: str) -> list[Segment]:
    """Per-item parts; a paragraph after a blank line that opens with no item
    name (“联办：…” at the end) belongs to no single item."""
    heads = []
    pos = 0
    blank = False
    for line in text.split("\n"):
        m = _HEAD_MARKS.match(line)
        rest = line[m.end():] if m else line
        head = None
        for name, target in v.head_names:
            if rest.startswith(name):
                after = rest[len(name):len(name) + 1]
                if after == "" or after in _HEAD_FOLLOW:
                    head = target
                break
        if head is not None:
            heads.append((pos, head))
        elif blank and line.strip() and heads and heads[-1][1] is not None:
            heads.append((pos, None))
        blank = not line.strip()
        pos += len(line) + 1
    segs = []
    starts = [0] + [h[0] for h in heads]
    targets = [None] + [h[1] for h in heads]
    # a general paragraph may state facts of every item asked
    for i, (st, tg) in enumerate(zip(starts, targets)):
        en = starts[i + 1] if i + 1 < len(starts) else len(text)
        if en > st or tg is not None:
            segs.append(Segment(st, en, tg, text[st:en]))
    return [s for s in segs if s.text.strip() or s.target is not None]


def _citation_at(text: str, start: int) -> str:
    """“依据：…” up to the end of its sentence or the bracket around it."""
    depth = 0
    i = start
    while i < len(text):
        c = text[i]
        if c in "（(":
            depth += 1
        elif c in "）)":
            if depth == 0:
                break
            depth -= 1
        elif c in "\n。" and depth == 0:
            break
        i += 1
    return text[start:i]


def _sentences(text: str) -> list[str]:
    return [s for s in (x.strip() for x in _SENTENCE_END.split(text)) if s]


# ---------------------------------------------------------------------------
# the check
# ---------------------------------------------------------------------------
class _Check:
    def __init__(self, kb, items, services, aspects, region, text):
        self.kb = kb
        self.v = vocab(kb)
        self.items = [i for i in dict.fromkeys(items or ()) if i in kb.items]
        self.services = [s for s in dict.fromkeys(services or ()) if s in kb.services]
        self.aspects = set(aspects or ())
        self.region = region
        self.text = norm(text)
        self.problems: list[Problem] = []
        self.hits = _hits(self.v, self.text)
        self.segments = _segments(self.v, self.text)
        for seg in self.segments:
            seg.hits = [h for h in self.hits if seg.start <= h.start < seg.end]

    def add(self, kind: str, detail: str, where: str = "") -> None:
        p = Problem(kind, detail, where[:80])
        if p not in self.problems:
            self.problems.append(p)

    # -- what a segment may say -------------------------------------------------
    def asked_targets(self) -> list[tuple]:
        out = [(ITEM, i) for i in self.items] + [(SERVICE, s) for s in self.services]
        return out

    def allowed(self, target: Optional[tuple]) -> set:
        """(kind, id) whose facts a segment may state."""
        targets = [target] if target is not None else self.asked_targets() + \
            [s.target for s in self.segments if s.target is not None]
        out = set()
        for kind, id_ in targets:
            out.add((kind, id_))
            if kind == ITEM:
                item = self.kb.items[id_]
                svc = self.kb.service_of(id_)
                if svc is not None:
                    out.add((SERVICE, svc.id))
                if any(p.common_materials for p in item.provisions) or target is None:
                    out.add((BUNDLE, item.bundle_id))
            else:
                s = self.kb.services[id_]
                if s.item_id:
                    out.add((ITEM, s.item_id))
        return out

    def corpus(self, allowed: set) -> str:
        return "\n".join(self.v.corpus.get(t, "") for t in allowed)

    def quoted_from_shared(self, h: Hit) -> bool:
        """A platform step or bundle text quoted with its words around (“阅读…和承诺书后进入”)."""
        left = self.text[max(0, h.start - 3):h.end]
        right = self.text[h.start:h.end + 3]
        return (len(left) > len(h.phrase) and left in self.v.shared) or \
            (len(right) > len(h.phrase) and right in self.v.shared)

    # -- checks -------------------------------------------------------------------
    def run(self) -> list[Problem]:
        self.check_forbidden()
        self.check_urls()
        self.check_repeats()
        self.check_linked()
        self.check_unasked_passages()
        for seg in self.segments:
            self.check_segment(seg)
        for target in self.asked_targets():
            self.check_required(target)
        return self.problems

    def check_forbidden(self) -> None:
        f = load_forbidden()
        for w in f["inventions"]:
            if w in self.text:
                self.add("invented", f"“{w}” is said by no guide", self._around(self.text.find(w)))
        for w in f["jargon"]:
            if w in self.text:
                self.add("jargon", f"table jargon “{w}”", self._around(self.text.find(w)))

    def check_urls(self) -> None:
        for u in _URL.findall(self.text):
            u = u.rstrip("。，；）)")
            if not self.v.url_known(u):
                self.add("unknown_url", f"{u} is in no guide")

    def _repeated_in_guide(self, sentence: str) -> bool:
        """A sentence the guide itself repeats (a quoted passage says it twice)."""
        return any(flat(p.text).count(sentence) >= 2 for p in self.kb.passages)

    def check_repeats(self) -> None:
        """The same sentence twice in one item's part (two items may share a row's words)."""
        for seg in self.segments:
            seen = set()
            for s in _sentences(seg.text):
                if len(s) >= 12:
                    if s in seen and not self._repeated_in_guide(s):
                        self.add("repeated", "the same sentence twice", s)
                    seen.add(s)

    def check_linked(self) -> None:
        said = [s for s in _sentences(self.text) if "联办" in s]
        for s in said:
            # attributed in the sentence, or by the line it hangs under (“· 北京（…）：…” / “说明：…”),
            # or by the citation that closes its paragraph (a quoted passage of the 北京 manual)
            pos = self.text.find(s)
            line_start = self.text.rfind("\n", 0, pos)
            prev_start = self.text.rfind("\n", 0, max(0, line_start))
            context = self.text[prev_start + 1:pos + len(s)]
            end = self.text.find("\n\n", pos)
            paragraph_rest = self.text[pos:end if end != -1 else len(self.text)]
            cited = paragraph_rest.rfind("依据")
            if "北京" not in context and not (cited != -1 and "北京" in paragraph_rest[cited:]):
                self.add("linked_unattributed", "联办 said without naming 北京 (the rule is the 北京 manual's)", s)
        beijing = [r for r in self.kb.link_rules if r.region == "北京"]
        rules = [r for r in beijing if r.item_id in self.items] or \
            [r for r in beijing if set(r.requires) & set(self.items)]
        # a quoted guide passage (“【北京…：title】…（依据：…）”) counts once, whatever it repeats
        regions = tuple(f"【{r}" for r in self.kb.regions)
        counted = [x for p in self.text.split("\n\n") if "联办" in p
                   for x in ([p] if p.lstrip().startswith(regions) else [s for s in _sentences(p) if "联办" in s])]
        if len(counted) > max(1, len(rules)):
            self.add("linked_repeated", f"联办 said {len(counted)} times", said[-1])

    def check_unasked_passages(self) -> None:
        """No service's passage appended that the question did not ask for
        (the whole 311 text under a 就业失业动态确认 answer)."""
        asked = set(self.services) | {s.id for s in self.kb.services.values() if s.item_id in self.items}
        if "service_311" in self.aspects:
            asked.add("service_311")
        ft = flat(self.text)
        for s in self.kb.services.values():
            if s.id in asked or s.item_id is not None:
                continue
            for t in [s.content or ""] + [r.text for r in s.requirements]:
                t = flat(t).strip("。；;")
                if len(t) >= 25 and t in ft:
                    self.add("unasked_passage", f"{s.name}'s text appended, not asked for", t)
                    break

    def check_segment(self, seg: Segment) -> None:
        allowed = self.allowed(seg.target)
        corpus = self.corpus(allowed)
        own_spans = []
        for h in seg.hits:
            if h.kind == "name" or not h.owners:
                continue
            mine = {o for o in h.owners if (o.kind, o.id) in allowed}
            if mine:
                own_spans.append((h.start, h.end))
                continue
            if h.phrase in corpus or self.quoted_from_shared(h):   # quoted from a record (a rule, a note)
                continue
            who = sorted({f"{o.kind}:{o.id}" for o in h.owners})
            what = "material" if h.kind == "material" else "deadline"
            self.add(f"foreign_{what}", f"“{h.phrase}” is a {what} of {', '.join(who)}, not of "
                     f"{self._label(seg.target)}", self._around(h.start))
        # numbers of days the records do not contain
        flat_corpus = corpus.replace("\n", "")
        for m in _DAYS.finditer(seg.text):
            st, en = seg.start + m.start(), seg.start + m.end()
            if any(a <= st and en <= b for a, b in own_spans):
                continue
            if flat(m.group(0)) not in flat_corpus:
                self.add("invented_deadline", f"“{m.group(0)}” is no deadline of {self._label(seg.target)}",
                         self._around(st))
        # a 其他材料 line (or a part under an “各事项的其他材料：” line) lists no 共性材料
        if seg.target is not None and seg.target[0] == ITEM:
            item = self.kb.items[seg.target[1]]
            others = {ph for ph, ows in self.v.materials.items()
                      if any(o.kind == ITEM and o.id == item.id and o.role == "other" for o in ows)}
            under = self._under_other_header(seg)
            pos = seg.start
            for n, line in enumerate(seg.text.split("\n")):
                if "其他材料" in line or (n == 0 and under):
                    for h in seg.hits:
                        if pos <= h.start < pos + len(line) and h.kind == "material" and h.phrase not in others \
                                and any(o.role == "common" for o in h.owners) and h.start > pos + line.find("其他材料"):
                            self.add("common_as_other", f"“{h.phrase}” is a 共性材料, not a 其他材料 of {item.name}",
                                     line)
                pos += len(line) + 1
        self.check_citations(seg, allowed)

    def check_citations(self, seg: Segment, allowed: set) -> None:
        """A citation governs the facts after it on its line (“· 揭阳（依据：…）：5个工作日”),
        else the facts since the previous citation (“5个工作日（依据：…）”)."""
        prev = seg.start
        facts = [h for h in seg.hits if h.kind in ("material", "deadline") and h.owners]
        for m in _CITATION.finditer(seg.text):
            st = seg.start + m.start()
            cite = _citation_at(self.text, st)
            ce = st + len(cite)
            line_end = self.text.find("\n", ce)
            line_end = len(self.text) if line_end == -1 else line_end
            after = [h for h in facts if ce <= h.start < line_end]
            governed = after or [h for h in facts if prev <= h.start < st]
            prev = line_end if after else ce
            regions = self.v.region_of_citation(cite)
            if not regions:
                continue
            if seg.target is not None:
                have = self._regions_of(seg.target)
                if not have & regions:
                    self.add("citation_region", f"{self._label(seg.target)} cited to {'/'.join(sorted(regions))},"
                             f" whose guide lacks it", cite)
            for h in governed:
                mine = {o for o in h.owners if (o.kind, o.id) in allowed}
                if mine and not {o.region for o in mine} & regions:
                    self.add("citation_region", f"“{h.phrase}” is {'/'.join(sorted({o.region for o in mine}))}'s,"
                             f" cited to {'/'.join(sorted(regions))}", cite)

    # -- what an answer must say ------------------------------------------------------
    def text_for(self, target: tuple) -> str:
        parts = [s.text for s in self.segments if s.target == target]
        if target[0] == ITEM:
            svc = self.kb.service_of(target[1])
            if svc is not None:
                parts += [s.text for s in self.segments if s.target == (SERVICE, svc.id)]
        else:
            sid = self.kb.services[target[1]].item_id
            if sid:
                parts += [s.text for s in self.segments if s.target == (ITEM, sid)]
        return "\n".join(parts) if parts else self.text

    def scope(self, item) -> tuple:
        """The provisions an answer must give: the asked region's; for a bundle
        overview the bundle guide's row; else all (the primary first for deadlines)."""
        if self.region and item.provision(self.region) is not None:
            return (item.provision(self.region),)
        if "overview" in self.aspects:
            guide = self.kb.bundles[item.bundle_id].source.guide_id
            own = tuple(p for p in item.provisions if p.source.guide_id == guide)
            if own:
                return own
        if self.region is None and item.primary is not None and "deadline" in self.aspects:
            return (item.primary,) + tuple(p for p in item.provisions if p is not item.primary)
        return item.provisions

    def check_required(self, target: tuple) -> None:
        t = self.text_for(target)
        ft = flat(t)
        if target[0] == SERVICE:
            self.check_service(self.kb.services[target[1]], t, ft)
            return
        item = self.kb.items[target[1]]
        if self.region and item.provision(self.region) is None:
            if not self._says_lacks(self.region):
                self.add("region_lacks_unsaid", f"{self.region}'s guide has no {item.name}; the answer must say so")
        scope = self.scope(item)
        if "materials" in self.aspects:
            lead = next((p for p in scope if p.materials_status != "not_stated"), scope[0])
            self.check_materials(item, lead, scope, ft)
            # what an office may not demand belongs to a materials answer (湖南 失业登记: 不得要求提供…档案)
            bans = [r.text for p in scope for r in p.requirements if r.kind == "prohibition" and "提供" in r.text]
            if bans and not any(flat(b).strip("。") in ft for b in bans):
                self.add("missing_material_rules", f"{item.name}: the guide's 不得要求提供… rules are not given",
                         bans[0])
        if "deadline" in self.aspects:
            with_dl = [p for p in scope if p.deadline is not None]
            if with_dl:
                if not any(flat(p.deadline.text).strip("。") in ft for p in with_dl):
                    want = " / ".join(p.deadline.text for p in with_dl)
                    self.add("missing_deadline", f"{item.name}: the guide's deadline “{want}” is not given")
            elif not phrases.is_silence(ft):
                self.add("missing_silence", f"{item.name}: no guide gives a deadline; the answer must say 未列明")
        if "eligibility" in self.aspects:
            with_el = [p for p in scope if p.eligibility is not None]
            if with_el:
                if not any(flat(p.eligibility.text)[:10] in ft for p in with_el):
                    self.add("missing_eligibility", f"{item.name}: the guide's 受理对象 is not given")
            elif not phrases.is_silence(ft):
                self.add("missing_silence", f"{item.name}: no guide gives its conditions; the answer must say 未列明")
        if "channel" in self.aspects:
            names = [flat(x) for p in scope for x in
                     [c.name for c in p.channels] + [c.url or "" for c in p.channels] + [p.agency or ""]
                     + ([p.external_system.url] if p.external_system else []) if x]
            if names and not any(n in ft for n in names):
                self.add("missing_channel", f"{item.name}: none of the guide's channels/agency is given")
            elif not names and not phrases.is_silence(ft):
                self.add("missing_silence", f"{item.name}: no guide gives a channel; the answer must say 未列明")
        cases = next((p.cases for p in scope if p.cases), ())
        reqs = tuple(r for p in scope for r in p.requirements)
        self.check_cases_and_rules(item.name, cases, reqs, ft)
        if self.region and item.provision(self.region) is not None and len(item.provisions) > 1:
            self.check_region_first(item, target)

    def check_materials(self, item, lead, scope, ft: str) -> None:
        status = lead.materials_status
        if status == "none_required" and phrases.NONE_REQUIRED not in ft:
            self.add("missing_none_required", f"{item.name}: the guide says 无需材料; the answer must say so")
        if lead.external_system is not None:
            es = lead.external_system
            if flat(es.url).rstrip("#") not in ft:
                self.add("missing_external_system", f"{item.name}: the system's URL {es.url} is not given")
            if es.name and flat(es.name) not in ft:
                self.add("missing_external_system", f"{item.name}: the system {es.name} is not named")
        if status == "listed":
            names = {v for m in lead.other_materials for t in {m.text, m.name, *m.parts} for v in _variants(t)}
            if not any(n in ft for n in names):
                self.add("missing_materials", f"{item.name}: none of its materials ({lead.source}) is given")
        if status == "provided_by_authority" and "无需提供" not in ft:
            self.add("missing_none_required", f"{item.name}: the guide says 无需提供; the answer must say so")
        if status == "not_stated" and all(p.materials_status == "not_stated" for p in scope) \
                and not phrases.is_silence(ft):
            self.add("missing_silence", f"{item.name}: no guide lists its materials; the answer must say 未列明")

    def check_cases_and_rules(self, label: str, cases, requirements, ft: str) -> None:
        if "deregistration" in self.aspects and cases:
            missing = [c.text for c in cases if flat(c.text) not in ft]
            if missing:
                self.add("missing_cases", f"{label}: {len(missing)} of its {len(cases)} cases are not given",
                         missing[0])
        if "rules" in self.aspects:
            bans = [r.text for r in requirements if r.kind == "prohibition"]
            if bans and not any(flat(b).strip("。") in ft for b in bans):
                self.add("missing_rules", f"{label}: none of the guide's 不得/严禁 rules is given")

    def check_service(self, s, t: str, ft: str) -> None:
        self.check_cases_and_rules(s.name, s.cases, s.requirements, ft)
        if "materials" in self.aspects:
            if s.materials:
                names = {v for m in s.materials for tt in {m.text, m.name} for v in _variants(tt)}
                if not any(n in ft for n in names):
                    self.add("missing_materials", f"{s.name}: none of its materials is given")
            elif not phrases.is_silence(ft):
                self.add("missing_silence", f"{s.name}: the guide lists no materials; the answer must say 未列明")
        if "deadline" in self.aspects:
            if s.deadline is not None:
                if flat(s.deadline.text) not in ft:
                    self.add("missing_deadline", f"{s.name}: the guide's deadline “{s.deadline.text}” is not given")
            elif not phrases.is_silence(ft):
                self.add("missing_silence", f"{s.name}: the guide gives no deadline; the answer must say 未列明")

    def check_region_first(self, item, target: tuple) -> None:
        allowed = self.allowed(target)
        first_own, first_other = None, None
        for h in self.hits:
            if h.kind not in ("material", "deadline"):
                continue
            mine = {o for o in h.owners if (o.kind, o.id) in allowed and o.kind != BUNDLE}
            if not mine:
                continue
            regions = {o.region for o in mine}
            if self.region in regions:
                first_own = h.start if first_own is None else first_own
            else:
                first_other = h.start if first_other is None else first_other
        if first_other is None:
            return
        if first_own is None:
            # that region's guide is silent: it must say so (or name the region) first
            marks = [self.text.find(w) for w in ("未列明", self.region) if self.text.find(w) != -1]
            if marks and min(marks) < first_other:
                return
        if first_own is None or first_other < first_own:
            self.add("region_not_first", f"{item.name}: another region's facts come before {self.region}'s",
                     self._around(first_other))

    # -- small helpers --------------------------------------------------------------
    def _under_other_header(self, seg: Segment) -> bool:
        """Is this item's part one of a list under a “各事项的其他材料：” line?"""
        starts = {s.start for s in self.segments if s.target is not None}
        pos = seg.start
        while pos > 0:
            prev_end = pos - 1
            prev_start = self.text.rfind("\n", 0, prev_end) + 1
            line = self.text[prev_start:prev_end]
            if line.strip():
                if "其他材料" in line and line.rstrip().endswith(("：", ":")):
                    return True
                if prev_start not in starts:
                    return False
            pos = prev_start
        return False

    def _says_lacks(self, region: str) -> bool:
        for s in _sentences(self.text):
            if region in s and any(w in s for w in _LACKS_WORDS):
                return True
        return False

    def _regions_of(self, target: tuple) -> set:
        if target[0] == ITEM:
            return set(self.kb.items[target[1]].regions)
        if target[0] == SERVICE:
            return {self.kb.services[target[1]].source.region}
        return {self.kb.bundles[target[1]].region}

    def _label(self, target: Optional[tuple]) -> str:
        if target is None:
            return "the items asked (" + "、".join(
                [self.kb.items[i].name for i in self.items] + [self.kb.services[s].name for s in self.services]) + ")"
        kind, id_ = target
        return self.kb.items[id_].name if kind == ITEM else self.kb.services[id_].name

    def _around(self, pos: int) -> str:
        if pos < 0:
            return ""
        return self.text[max(0, pos - 15):pos + 30].replace("\n", " ")


def check_answer(kb, *, items: Iterable[str] = (), services: Iterable[str] = (), aspects: Iterable[str] = (),
                 region: Optional[str] = None, text: str) -> list[Problem]:
    """Problems of `text` as the answer to a question about `items` / `services`
    asking `aspects` (materials, deadline, eligibility, channel, overview ...),
    scoped to `region` (or None). An empty list means no wrong, invented or
    misplaced statement was found."""
    return _Check(kb, list(items), list(services), list(aspects), region, text or "").run()


__all__ = ["Problem", "check_answer", "vocab", "norm", "load_forbidden"]
