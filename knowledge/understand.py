"""What a question is about: items, 湖南 services, aspects and region, read from the words.

The NLU intent says what the user does (asks, selects, looks up ...); this
module says what a question asks about, so that one message can ask several
things (“工伤认定要什么材料、多久出结果”) about several items (“工伤认定和先行
支付分别多久”) and every part gets answered.

    analyze(kb, "職業技能鑒定審核要幾天")
    -> Analysis(items=['skill_appraisal'], aspects=['deadline'], ...)

Cue words and patterns live in ``knowledge/data/lexicon.yml`` (``aspects``,
``aspect_patterns``, ``howto_topics``); item names come from the items'
names and aliases through ``kb.resolve_items``. Cues are matched longest
first without overlap on the normalised text, and never inside an item or
service name (“失业登记注销” asks nothing about 注销 cases).
"""
from __future__ import annotations

import re
import copy
from dataclasses import dataclass, field, replace
from functools import lru_cache

from .text import compact, normalize
from .vocab import key

#: Aspects an answer can have, in the order an answer gives them.
ASPECTS = (
    "overview", "policy", "eligibility", "materials", "deadline", "amount", "channel", "howto", "form",
    "linked", "rules", "deregistration", "service_311", "difference",
)
#: Lexicon cue groups that are not aspects of their own.
_CUE_ALIASES = {"howto_steps": "howto"}

# How far the understanding looks into a message. Longer texts are cut by the
# NLU's normalising step already; this keeps direct callers bounded too.
MAX_CHARS = 600


@dataclass
class Analysis:
    text: str                                   # normalised text
    items: list[str] = field(default_factory=list)
    services: list[str] = field(default_factory=list)   # 湖南 services that are not items
    bundle: str | None = None
    bundles: list[str] = field(default_factory=list)     # every bundle named (“人才服务和劳动维权分别…”)
    regions: list[str] = field(default_factory=list)
    aspects: list[str] = field(default_factory=list)
    howto_topic: str | None = None
    apply: bool = False                                  # asks how to apply / how it works
    question: bool = False                               # worded as a question (吗, 怎么, ？ ...)
    question_at_end: bool = False                        # ... in its last clause
    acts: list[str] = field(default_factory=list)       # act cues found (own_case, select, remove, situation)
    situation_items: list[str] = field(default_factory=list)   # items the life situation described usually needs
    in_person: bool = False                              # “要本人去吗”: in person or by someone else
    common_once: bool = False                            # “共性材料要每个事项都交吗”: one copy for all items
    without: bool = False                                # “没有X能办吗” about something whose guides set no such rule
    masked: str = ""                                    # the text with item and service names as □
    names_only: bool = False                             # nothing but names (and a region, fillers): “先行支付”
    cues: list[str] = field(default_factory=list)       # the cue words found (for debugging)

    @property
    def is_question(self) -> bool:
        return bool(self.aspects)


class Understanding:
    """Per knowledge base: compiled cue tables."""

    def __init__(self, kb):
        self.kb = kb
        lex = kb.lexicon or {}
        cues: list[tuple[str, str]] = []
        for group, words in (lex.get("aspects") or {}).items():
            aspect = _CUE_ALIASES.get(group, group)
            for w in words or ():
                w = normalize(str(w))
                if w:
                    cues.append((w, aspect))
        # longest first; ties keep the data file's order
        self.cues = sorted(cues, key=lambda c: -len(c[0]))
        self.patterns = [
            (_CUE_ALIASES.get(group, group), re.compile(p))
            for group, ps in (lex.get("aspect_patterns") or {}).items()
            for p in ps or ()
        ]
        self.fallback_patterns = [
            (_CUE_ALIASES.get(group, group), re.compile(p))
            for group, ps in (lex.get("fallback_patterns") or {}).items()
            for p in ps or ()
        ]
        self.anchors = {
            aspect: ([normalize(str(w)) for w in spec.get("anchors") or ()], spec.get("otherwise"))
            for aspect, spec in (lex.get("aspect_anchors") or {}).items()
        }
        self.howto_topics = [
            (topic, [normalize(str(w)) for w in words or ()])
            for topic, words in (lex.get("howto_topics") or {}).items()
        ]
        self.weak = {normalize(str(w)) for w in lex.get("weak_cues") or ()}
        self.markers = [normalize(str(w)) for w in lex.get("question_markers") or ()]
        self.act_cues = {act: [normalize(str(w)) for w in ws or ()] for act, ws in (lex.get("act_cues") or {}).items()}
        self.regions = _regions(kb)
        self.places = [
            (region, [normalize(str(w)) for w in words or ()])
            for region, words in (lex.get("places") or {}).items() if region in self.regions
        ]
        self.situations = [
            (item_id, [normalize(str(w)) for w in words or ()])
            for item_id, words in (lex.get("situations") or {}).items()
            if item_id in kb.items
        ]
        self.in_person_words = [normalize(str(w)) for w in lex.get("in_person") or ()]
        self.common_once_words = [normalize(str(w)) for w in lex.get("common_once") or ()]
        self.name_fillers = [normalize(str(w)) for w in lex.get("name_fillers") or ()]
        self.all_bundles_words = [normalize(str(w)) for w in lex.get("all_bundles") or ()]
        self.rule_topics = [normalize(str(w)) for w in lex.get("rule_topics") or ()]
        self.dialect = sorted(((normalize(str(k)), normalize(str(v))) for k, v in (lex.get("dialect") or {}).items()),
                              key=lambda kv: -len(kv[0]))
        self.procedure_topics = procedure_topics(lex)
        self.prohibited, self.rule_texts = _ruled_targets(kb)
        # the guides' own titles (《基层公共就业服务经办规程》) ask nothing: their words are no cues
        self.titles = sorted({normalize(t) for t in _guide_titles(kb) if len(t) >= 6}, key=len, reverse=True)
        self.service_terms = _service_terms(kb)
        self._pinyin_terms = None
        self.cancellations = _cancellations(kb)
        self.field_labels = _field_labels(kb)
        self.material_terms = _material_terms(kb)
        self.channel_names = _channel_names(kb)
        self.words_311 = {w for w, aspect in self.cues if aspect == "service_311"}
        # what may stand beside a name alone (“揭阳 失业登记呢”), longest first
        beside = list(self.regions) + [w for _, ws in self.places for w in ws] + self.name_fillers
        self.beside_names = sorted((w for w in beside if w), key=len, reverse=True)

    def _is_311_word(self, item_id: str) -> bool:
        """Is one of the item's names also a word of the 311 service (职业指导, 介绍工作)?"""
        return any(t in self.words_311 for t in self._terms_of("item", item_id))

    def _standard(self, norm: str) -> str:
        """Dialect words as their standard words (啲咩 -> 什么, 点样 -> 怎么), longest first."""
        for word, standard in self.dialect:
            if word in norm:
                norm = norm.replace(word, standard)
        return norm

    def _names_only(self, masked: str) -> bool:
        """Is the text, its names blanked, empty but for regions, places, fillers and signs?"""
        rest = masked.replace("□", "")
        for w in self.beside_names:
            rest = rest.replace(w, "")
        return not re.sub(r"[\W_]+", "", rest)

    def _bundles_named(self, norm: str, matches) -> list[str]:
        """Bundles named outright, outside item names, in text order; all of them for “三个一件事”."""
        if any(w and w in norm for w in self.all_bundles_words):
            return list(self.kb.bundles)
        rest = key(norm)
        for m in sorted(matches, key=lambda m: -len(m.matched or "")):
            if m.matched:
                rest = rest.replace(key(m.matched), "|")
        return [bid for _, bid in sorted(self.kb.resolver.bundles_at(rest))]

    def _plausible_typo(self, match) -> bool:
        """A fuzzy match of a short name by one wrong character is kept only when that character
        sounds like the right one (pinyin input writes homophones: 失也登记, 工伤认丁);
        “就给登记了” is no 就业登记."""
        if match.score >= 1.0 or not match.matched:
            return True
        said = _pinyin(match.matched)
        if said is None:
            return True
        for term in self._terms_of(match.kind, match.id):
            if len(term) != len(match.matched) or len(term) > SHORT_NAME:
                continue
            diff = [i for i, (a, b) in enumerate(zip(term, match.matched)) if a != b]
            if len(diff) == 1:
                heard = _pinyin(term[diff[0]]) or [""]
                return heard[0] == said[diff[0]]
        return True

    def _terms_of(self, kind: str, target_id: str) -> list[str]:
        from .vocab import item_terms

        if kind == "item" and target_id in self.kb.items:
            return [normalize(t) for t in item_terms(self.kb.items[target_id])]
        return [t for t, sid in self.service_terms if sid == target_id]

    def _romanized(self, norm: str) -> list[tuple[str, str, str]]:
        """(kind, id, span) of item and service names written in toneless pinyin."""
        if len(re.findall("[a-z]", norm)) < ROMAN_MIN:
            return []
        if self._pinyin_terms is None:
            self._pinyin_terms = _pinyin_terms(self.kb)
        out, taken = [], set()
        for span in re.findall(r"[a-z][a-z ]{%d,}[a-z]" % (ROMAN_MIN - 2), norm):
            letters = span.replace(" ", "")
            for spelled, kind, target_id in self._pinyin_terms:
                if spelled in letters and target_id not in taken:   # names of 3+ syllables: few false hits
                    out.append((kind, target_id, span))
                    taken.add(target_id)
                    letters = letters.replace(spelled, "|")
        return out

    def _question_part(self, masked: str) -> str:
        """In a long story, only the sentences that ask something are read for aspects
        (“…页面上有好多选项…请问这两个是必须一起办的吗？分别要准备什么材料？”)."""
        if len(masked) < STORY_CHARS:
            return masked
        sentences = [(m.start(), m.end()) for m in _SENTENCE.finditer(masked)]
        asking = [any(w and w in masked[a:b] for w in self.markers) for a, b in sentences]
        if not any(asking) or all(asking):
            return masked
        out = list(masked)
        for (a, b), asks in zip(sentences, asking):
            if not asks:
                out[a:b] = "■" * (b - a)
        return "".join(out)

    def _target_name(self, target_id: str) -> str:
        thing = self.kb.items.get(target_id) or getattr(self.kb, "services", {}).get(target_id)
        return normalize(getattr(thing, "name", "") or "")

    def _names_material(self, masked: str) -> bool:
        return "材料" in masked or any(term in masked for term in self.material_terms)

    def analyze(self, text: str, bundle_id: str | None = None) -> Analysis:
        norm = self._standard(normalize(text or "")[:MAX_CHARS])
        out = Analysis(text=norm)
        if not norm:
            return out
        try:
            matches = [_homophone_choice(self.kb, m) for m in self.kb.resolve(norm, bundle_id=bundle_id)]
            matches = [m for m in matches if self._plausible_typo(m)]
        except Exception:  # resolution is best effort
            matches = []
        out.items = list(dict.fromkeys(m.id for m in matches if m.kind == "item" and m.id in self.kb.items))
        romanized = self._romanized(norm)   # “jiuye chuangye zheng 去哪里办”: names typed in pinyin
        for kind, target_id, span in romanized:
            (out.items if kind == "item" else out.services).append(target_id)
        out.items = list(dict.fromkeys(out.items))
        # 湖南 services that are no item, by their names and aliases (自主创业登记 -> 就业登记)
        out.services = list(dict.fromkeys(
            m.id for m in matches if m.kind == "service" and m.id in getattr(self.kb, "services", {})
            and not getattr(self.kb.services[m.id], "item_id", None)))
        try:
            out.bundle = self.kb.resolve_bundle(norm)
        except Exception:
            out.bundle = None
        out.bundles = self._bundles_named(norm, matches)
        if out.bundle and out.bundle not in out.bundles and not out.items:
            out.bundles.insert(0, out.bundle)
        out.regions = [r for r in self.regions if r in norm]
        out.regions += [r for r, words in self.places
                        if r not in out.regions and any(w and w in norm for w in words)]
        out.question = any(m and m in norm for m in self.markers)
        last = re.split(r"[。.!！;；,，]", norm.rstrip("。.!！ "))[-1] if norm else ""
        out.question_at_end = any(m and m in last for m in self.markers)
        out.acts = [act for act, words in self.act_cues.items() if any(w and w in norm for w in words)]
        # the most specific situation first (“受伤以后单位不给工资的那段时间”: 停工留薪期, not 欠薪)
        told = [(max(len(w) for w in words if w and w in norm), k, i)
                for k, (i, words) in enumerate(self.situations) if any(w and w in norm for w in words)]
        out.situation_items = [i for _, _, i in sorted(told, key=lambda t: (-t[0], t[1]))]

        # blank out item and service names so that their words are no cues
        masked = norm
        for m in sorted(matches, key=lambda m: -len(m.matched or "")):
            if m.matched:
                masked = masked.replace(m.matched, "□" * len(m.matched))
        for term, service_id in self.service_terms:
            if term in masked:
                if service_id not in out.services:
                    out.services.append(service_id)
                masked = masked.replace(term, "□" * len(term))
        for _, _, span in romanized:
            masked = masked.replace(span, "□" * len(span))
        out.masked = masked
        out.names_only = bool(out.items or out.services) and self._names_only(masked)
        for title in self.titles:
            masked = masked.replace(title, "■" * len(title))
        scoped = self._question_part(masked)
        story = scoped != masked
        masked = scoped

        found: list[str] = []
        weak: list[tuple[int, str]] = []      # (position, aspect)
        strong_at: list[int] = []
        claimed = [False] * len(masked)
        for word, aspect in self.cues:
            start = masked.find(word)
            while start != -1:
                end = start + len(word)
                if not any(claimed[start:end]):
                    for i in range(start, end):
                        claimed[i] = True
                    if word in self.weak:
                        weak.append((start, aspect))
                    else:
                        found.append(aspect)
                        strong_at.append(start)
                    out.cues.append(word)
                start = masked.find(word, end)
        for aspect, rx in self.patterns:
            m = rx.search(masked)
            if m:
                found.append(aspect)
                strong_at.append(m.start())
            elif not story and rx.search(norm):
                found.append(aspect)
        # a weak cue counts in a clause that asks nothing else (“劳动能力鉴定需要什么病历，要等多久”)
        clauses = _clauses(masked)
        asked_in = {_clause_of(clauses, i) for i in strong_at}
        aspects = set(found) | {a for i, a in weak if _clause_of(clauses, i) not in asked_in}
        if (out.items or out.services) and aspects and len(clauses) > 1:
            # “能移送公安吗？我要交啥材料”: a clause that asks nothing by its cues may still ask who may
            for k, (start, end) in enumerate(clauses):
                if k in asked_in or any(_clause_of(clauses, i) == k for i, _ in weak):
                    continue
                clause = masked[start:end]
                aspects.update(a for a, rx in self.fallback_patterns if a == "eligibility" and rx.search(clause))
        named_terms = [self._target_name(t) for t in out.items + out.services]
        for aspect, (anchors, otherwise) in self.anchors.items():
            # a named target whose name holds the anchor (失业登记注销) anchors it too
            anchored = any(w and (w in norm or any(w in n for n in named_terms)) for w in anchors)
            if aspect not in aspects and anchored and aspect == "deregistration" and any(
                    "注销" in n for n in named_terms) and (out.question or (len(norm) <= TERSE_CHARS and aspects)) and (
                    aspects <= {"eligibility", "policy"} or re.search("会不会|会被|要不要|是不是要", norm)):
                aspects.add(aspect)   # “失业登记注销 哪些情况”, “会不会被取消失业登记”: its cases
                aspects.discard("policy")
            if aspect in aspects and not anchored:
                aspects.discard(aspect)
                if otherwise:
                    aspects.add(otherwise)
        if not aspects and (out.items or out.services):
            aspects.update(a for a, rx in self.fallback_patterns if rx.search(masked))
        elif not aspects and out.situation_items:
            # “鉴定完一年伤情加重了，可以申请复查吗”, “能投诉不😭”: whether the situation's item may be
            # applied for (the patterns are anchored at the end: the question is the last thing said)
            tail = re.sub(r"[^\w？?]+$", "", masked)
            last_clause = re.split(r"[。.!！;；,，]", tail)[-1]
            if re.search(r"(吗|么|不)[？?]?$", tail) and not re.search("哪|什么|啥|怎么|咋|多久|多少|几", last_clause):
                aspects.update(a for a, rx in self.fallback_patterns if a == "eligibility" and rx.search(tail))
        if (out.items or out.services) and aspects <= {"eligibility", "policy"} and any(
                c in norm for c in self.channel_names):
            # “湘就业 失业登记”, “湘就业能做求职登记吗”: whether it is done on that platform
            aspects = {"channel"}
        if (not aspects or out.question) and any(term in masked and not any(term in n for n in named_terms)
                                                 for term in self.material_terms):
            aspects.add("materials")   # “需要学历证书吗”: a material named in a question
        # “没有档案能办失业登记吗”: a can/must question about what an office may demand
        # is answered by the rules it must follow, where the guides give such rules
        named = out.items + out.services
        if "without" in aspects:
            aspects.discard("without")
            forbidden = any(t in self.prohibited for t in named)
            aspects.add("rules" if forbidden else "materials")
            out.without = not forbidden   # the guides list its papers but say nothing of doing without
        topics = [w for w in self.rule_topics if w and w in masked]
        steps = [guide for guide, words in self.procedure_topics if any(w in norm for w in words)]
        # “社区能不能跟家属确认后注销他的失业登记”: the step is in the cancellation's guide text
        cancelled = [self.cancellations[t][1] for t in named if t in self.cancellations] if "deregistration" in aspects else []
        stepped = [t for t in named + cancelled if any(w in self.rule_texts.get(t, "") for w in steps)]
        if out.question and named and ((topics and any(
                t in self.prohibited or any(w in self.rule_texts.get(t, "") for w in topics) for t in named))
                or stepped):
            if not aspects and named:
                aspects.add("materials")   # “失业登级需要毕业证吗”: what it takes, and what may not be asked
            aspects.add("rules")
        elif "linked" in aspects and "rules" in aspects and not topics:
            aspects.discard("rules")   # “是不是一定要先做失业登记”: 一定要 asks the linked rule
        # “就业登记要注销吗 去哪注销”: where/what/how long is asked of the cancellation itself
        if "deregistration" in aspects and (aspects & {"channel", "materials", "deadline"}
                                            or (len(cancelled) == 1 and cancelled[0] in stepped)):
            for kind_list in (out.items, out.services):
                for k, t in enumerate(kind_list):
                    if t in self.cancellations:
                        kind, other = self.cancellations[t]
                        kind_list[k] = None
                        (out.items if kind == "item" else out.services).append(other)
            out.items = list(dict.fromkeys(t for t in out.items if t))
            out.services = list(dict.fromkeys(t for t in out.services if t))
        if "form" not in aspects and any(label in masked for label in self.field_labels):
            aspects.add("form")   # “户口性质那栏咋填”: a field of the online form named
        if any(w and w in masked for w in self.in_person_words) and (out.items or out.services):
            out.in_person = True
            aspects.add("channel")
        out.common_once = out.question and any(w and w in norm for w in self.common_once_words)
        if "apply" in aspects:
            out.apply = True
            aspects.discard("apply")
            aspects.add("channel" if (out.items or out.services) else "howto")
        # the platform step the words name (also when its difference is asked)
        out.howto_topic = next(
            (topic for topic, words in self.howto_topics if any(w and w in masked for w in words)), None)
        # a service named for its own sake (“311”, 就业失业动态确认) is its own aspect
        if "service_311" in out.services and (not aspects - {"policy"} or "policy" in aspects):
            aspects.add("service_311")   # “311是什么”: the service itself
        if "service_311" in out.services and re.search("内容|包括|有啥|有什么|都有|哪些服务", masked):
            aspects.add("service_311")   # “311就业服务具体包括哪些内容”
        if "service_311" in out.services and aspects and aspects <= {"eligibility", "policy", "channel"}:
            aspects.add("service_311")   # “311就业服务 服务对象”: the service's own text answers it
        gives = {"amount"} | ({"materials"} if not self._names_material(masked) else set())
        if "service_311" in out.services and aspects & gives:
            # “311服务具体提供什么”, “311有免费培训吗”: what the service gives, not papers or money
            aspects -= gives
            aspects.add("service_311")
        if ("service_311" in aspects and "service_311" not in out.services
                and any(s != "service_311" for s in out.services)):
            aspects.discard("service_311")   # “统一经办平台统一了哪些就业服务”: that service's own answer
        if ("service_311" in aspects and "service_311" not in out.services and out.bundles
                and not (out.items or out.services)):
            aspects.discard("service_311")   # “人才服务一件事打包了哪些服务事项”: the bundle's items
            aspects.add("overview")
        if ("service_311" in aspects and "service_311" not in out.services
                and any(self._is_311_word(t) for t in out.items)):
            aspects.discard("service_311")   # “职业介绍能帮我推荐岗位吗”: the item that does it answers
        if "service_311" in aspects:
            aspects.discard("policy")
        if not aspects and out.question and (out.items or out.services):
            aspects.add("policy")      # a question about a named thing, no aspect: what it is
        if not aspects and out.question and out.bundles and not (out.items or out.services):
            aspects.add("overview")    # “劳动维权这个一件事能帮我办哪几样”: what the bundle holds
        out.aspects = [a for a in ASPECTS if a in aspects]
        return out


def procedure_topics(lex) -> list[tuple[str, list[str]]]:
    """(the guide's word, the everyday words for it) of lexicon.yml procedure_topics."""
    return [(normalize(str(g)), [normalize(str(w)) for w in ws or () if str(w).strip()])
            for g, ws in (lex.get("procedure_topics") or {}).items()]


def _regions(kb) -> list[str]:
    seen: list[str] = []
    for item in kb.items.values():
        for p in item.provisions:
            if p.region not in seen:
                seen.append(p.region)
    for s in getattr(kb, "services", {}).values():
        region = getattr(getattr(s, "source", None), "region", None)
        if region and region not in seen:
            seen.append(region)
    return seen


#: From this length on a message is read as a story with questions in it.
STORY_CHARS = 80
_SENTENCE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;\n]*")

_CLAUSE_END = re.compile(r"[，。？！?!；;,]+|\s+")


def _clauses(text: str) -> list[tuple[int, int]]:
    """(start, end) of each clause, punctuation and spaces separating them."""
    out, start = [], 0
    for m in _CLAUSE_END.finditer(text):
        if m.start() > start:
            out.append((start, m.start()))
        start = m.end()
    if start < len(text):
        out.append((start, len(text)))
    return out or [(0, len(text))]


def _clause_of(clauses: list[tuple[int, int]], position: int) -> int:
    return next((k for k, (s, e) in enumerate(clauses) if s <= position < e), -1)


#: Names up to this long accept a one-character typo only when it is a homophone.
SHORT_NAME = 5

#: Messages this short are keyword queries (“常德 注销失业登记 条件”): no question mark needed.
TERSE_CHARS = 20

#: Latin letters from this many on may be a name typed in pinyin.
ROMAN_MIN = 6


def _pinyin_terms(kb) -> list[tuple[str, str, str]]:
    """(toneless pinyin, kind, id) of every item name and alias and every 湖南 service name, longest first."""
    from .vocab import item_terms

    terms = [(t, "item", i.id) for i in kb.items.values() for t in item_terms(i)]
    terms += [(t, "service", sid) for t, sid in _service_terms(kb)]
    out = []
    for term, kind, target_id in terms:
        said = _pinyin(re.sub(r"[^\u4e00-\u9fff]", "", normalize(term)))
        if said and len(said) >= 3:
            out.append(("".join(said), kind, target_id))
    return sorted(set(out), key=lambda t: -len(t[0]))


def _pinyin(text: str) -> list[str] | None:
    try:
        from pypinyin import lazy_pinyin
    except ImportError:   # the bot's environment has it; elsewhere no tie is broken
        return None
    return lazy_pinyin(text)


def _homophone_choice(kb, match):
    """A typo as close to two names (“救业登记”: 失业登记 or 就业登记) is the one it sounds like:
    pinyin input writes homophones. Otherwise the match stays as the resolver made it."""
    if not match.ambiguous_with or match.score >= 1.0:
        return match
    heard = _pinyin(match.matched)
    if heard is None:
        return match
    def sounds_like(name: str) -> bool:
        said = _pinyin(normalize(name)) or []
        n = len(said)
        return any(heard[i:i + n] == said for i in range(len(heard) - n + 1))
    if sounds_like(match.name):
        return match
    for c in match.ambiguous_with:
        if sounds_like(c.name):
            return replace(match, kind=c.kind, id=c.id, name=c.name, ambiguous_with=())
    return match


def _field_labels(kb) -> list[str]:
    """Labels of the online form's fields (户口性质, 薪酬类型 ...), 3+ characters and no item's name."""
    try:
        sections = kb.form_sections(list(kb.items))
    except Exception:
        return []
    labels = {normalize(lab) for sec in sections if not getattr(sec, "derived", False)
              for f in sec.fields for lab in [f.label, *(getattr(f, "alt_labels", ()) or ())]}
    names = {normalize(i.name) for i in kb.items.values()}
    return sorted((lab for lab in labels if len(lab) >= 3 and lab not in names), key=len, reverse=True)


def _cancellations(kb) -> dict[str, tuple[str, str]]:
    """registration id -> (kind, id) of its cancellation (失业登记 -> 失业登记注销, 就业登记 -> 注销就业登记)."""
    things = [("item", i.id, normalize(i.name)) for i in kb.items.values()]
    things += [("service", s.id, normalize(s.name)) for s in getattr(kb, "services", {}).values()
               if not getattr(s, "item_id", None)]
    by_name = {name: (kind, tid) for kind, tid, name in things}
    out = {}
    for kind, tid, name in things:
        for other in (name + "注销", "注销" + name):
            if other in by_name and by_name[other][1] != tid:
                out[tid] = by_name[other]
    return out


def _guide_titles(kb) -> list[str]:
    out = []
    for guide in (getattr(kb, "guides", None) or {}).values():
        title = str(guide.get("title", "") if isinstance(guide, dict) else getattr(guide, "title", "") or "")
        out += [title, title.replace("“", "").replace("”", "")]
    return [t for t in out if t]


def _ruled_targets(kb) -> tuple[set[str], dict[str, str]]:
    """Items and services whose guides say what an office must not demand (prohibitions),
    and the text of every other rule, check or procedure their guides give, per target."""
    def texts(records, kinds) -> list[str]:
        return [normalize(r.text) for rec in records for r in getattr(rec, "requirements", ()) or ()
                if getattr(r, "kind", "") in kinds]
    things = [(i.id, i.provisions) for i in kb.items.values()]
    things += [(s.id, [s]) for s in getattr(kb, "services", {}).values()]
    prohibited = {tid for tid, recs in things if texts(recs, ("prohibition",))}
    # how the office proceeds counts too (湖南's 经办规程: “与劳动者本人沟通确认后，注销”)
    rules = {tid: "".join(texts(recs, ("rule", "verification", "process"))) for tid, recs in things}
    return prohibited, {tid: t for tid, t in rules.items() if t}


def _material_terms(kb) -> list[str]:
    """Names of the materials the guides list (学历证书, 户口簿 ...), for “需要X吗”."""
    names: set[str] = set()
    materials = [m for b in kb.bundles.values() for m in getattr(b, "common_materials", ()) or ()]
    for item in kb.items.values():
        for p in item.provisions:
            materials += list(getattr(p, "materials", ()) or ())
    for s in getattr(kb, "services", {}).values():
        materials += list(getattr(s, "materials", ()) or ())
    for m in materials:
        name = normalize(str(getattr(m, "name", "") or ""))
        for part in re.split(r"[（）()、/或，,；;]", name):
            part = part.strip("《》“”\" ")
            if 3 <= len(part) <= 12:
                names.add(part)
    return sorted(names, key=len, reverse=True)


def _channel_names(kb) -> list[str]:
    """Names of the platforms the guides give as channels (“湘就业”, “智慧人社”,
    北京市统一身份认证平台): a question naming one asks whether it is done there."""
    channels = [c for item in kb.items.values() for p in item.provisions for c in getattr(p, "channels", ()) or ()]
    channels += [c for s in getattr(kb, "services", {}).values() for c in getattr(s, "channels", ()) or ()]
    names: set[str] = set()
    for c in channels:
        if getattr(c, "kind", "") != "online":
            continue
        # the platform, not the path inside it (“首页点击打包“一件事””)
        name = re.sub(r"[（(][^）)]*[）)]", "", normalize(str(getattr(c, "name", "") or "")))
        quoted = re.findall(r"“([^”]{2,12})”", name)
        names.update(q for q in quoted if len(q) >= 3)
        if not quoted and 5 <= len(name) <= 20:
            names.add(name)
    return sorted(names, key=len, reverse=True)


def _service_terms(kb) -> list[tuple[str, str]]:
    """Names of 湖南 services that are not items, with the lexicon's variants."""
    synonyms = (kb.lexicon or {}).get("synonyms") or {}
    terms: dict[str, str] = {}
    for s in getattr(kb, "services", {}).values():
        if getattr(s, "item_id", None):
            continue
        names = [s.name, compact(s.name)]
        for canon, variants in synonyms.items():
            if compact(canon) == compact(s.name) or compact(canon) in compact(s.name) and len(compact(canon)) >= 4:
                names += list(variants or ())
        for n in names:
            n = normalize(str(n))
            if len(n) >= 2:
                terms.setdefault(n, s.id)
    return sorted(terms.items(), key=lambda t: -len(t[0]))


@lru_cache(maxsize=4)
def _understanding(kb_id: int, kb) -> Understanding:
    return Understanding(kb)


@lru_cache(maxsize=8192)
def _analyze_cached(kb_id: int, kb, text: str, bundle_id: str | None) -> Analysis:
    return _understanding(kb_id, kb).analyze(text, bundle_id)


def analyze(kb, text: str, bundle_id: str | None = None) -> Analysis:
    """What the text names and asks. The NLU components and the actions read the
    same message several times: the reading is remembered, each caller gets its own copy."""
    return copy.deepcopy(_analyze_cached(id(kb), kb, text or "", bundle_id))
