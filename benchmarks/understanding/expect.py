"""What a right answer to a labelled held-out question must contain, read from knowledge/.

    facts = expected_facts(kb, message)      # [Fact(label, alternatives), ...]
    missing = [f for f in facts if not f.found_in(reply_text)]

A fact is satisfied when any one of its alternatives appears in the reply
(after removing whitespace), so wording around the facts is free but the facts
themselves are the guide's. Nothing here is typed by hand: materials,
deadlines, eligibility texts, channels, cases and names all come from the
knowledge base.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Sequence

UNKNOWN_MARKERS = ("没有找到准确答案", "我不太确定您的意思", "没有理解您的意思")
SILENT = "指引未列明"


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text or "")


@dataclass
class Fact:
    label: str
    alternatives: List[str] = field(default_factory=list)

    def found_in(self, reply: str) -> bool:
        r = _squash(reply)
        return any(_squash(a) and _squash(a) in r for a in self.alternatives)


def _regions(message: Dict) -> List[str]:
    region = message.get("region")
    if not region:
        return []
    return list(region) if isinstance(region, list) else [region]


def _provisions(kb, message: Dict, target) -> List[Any]:
    """The provisions an answer must state: the named region's, else every one."""
    regions = _regions(message)
    chosen = [p for p in target if p.region in regions] if regions else []
    return chosen or list(target)


def _targets(kb, message: Dict) -> List[tuple]:
    """(name, provisions-like records) for each labelled item and service."""
    out = []
    for item_id in message.get("items") or []:
        item = kb.items.get(item_id)
        if item is not None:
            out.append((item.name, list(item.provisions), item_id))
    for service_id in message.get("services") or []:
        service = kb.services.get(service_id)
        if service is not None:
            out.append((service.name, [_service_record(service)], service_id))
    return out


class _Record:
    def __init__(self, **kw):
        self.__dict__.update(kw)


def _service_record(service) -> Any:
    return _Record(
        region=service.source.region, materials=tuple(service.materials or ()), deadline=service.deadline,
        eligibility=service.eligibility, external_system=getattr(service, "external_system", None),
        materials_status="listed" if service.materials else "not_stated", agency=service.agency,
        channels=tuple(service.channels or ()), requirements=tuple(service.requirements or ()),
    )


def _material_facts(p) -> List[str]:
    status = getattr(p, "materials_status", "")
    system = getattr(p, "external_system", None)
    if status == "external_system" and system is not None:
        return [system.url or system.name]
    others = [m for m in p.materials if getattr(m, "kind", "other") != "common"]
    if others:
        return [m.name for m in others]
    if status == "none_required":
        return ["无需材料"]
    if status == "provided_by_authority" and getattr(p, "materials_text", ""):
        return [p.materials_text[:12]]   # “无需提供，……由……移送”: the guide's own words
    return [SILENT]


def _deadline_fact(p) -> List[str]:
    d = getattr(p, "deadline", None)
    if d is None or not getattr(d, "text", ""):
        return [SILENT]
    text = d.text
    # the guide's figure itself (“5个工作日”, “即办”, “以当年申报通知为准”)
    return [text, re.sub(r"\s+", "", text)]


def expected_facts(kb, message: Dict) -> List[Fact]:
    aspects = list(message.get("aspects") or [])
    targets = _targets(kb, message)
    facts: List[Fact] = []
    for name, records, tid in targets:
        provisions = _provisions(kb, message, records)
        if not aspects or "policy" in aspects:
            facts.append(Fact(f"{tid}: name", [name]))
        for p in provisions:
            where = f"{tid}@{p.region}"
            if "materials" in aspects:
                for m in _material_facts(p):
                    facts.append(Fact(f"{where}: material {m}", [m]))
            if "deadline" in aspects:
                facts.append(Fact(f"{where}: deadline", _deadline_fact(p)))
            if "eligibility" in aspects:
                text = getattr(getattr(p, "eligibility", None), "text", "") or ""
                facts.append(Fact(f"{where}: eligibility", [text[:30]] if text else [SILENT, "受理条件"]))
            if "channel" in aspects:
                alts = [c.name for c in getattr(p, "channels", ()) or ()]
                if getattr(p, "agency", None):
                    alts.append(p.agency)
                system = getattr(p, "external_system", None)
                if system is not None:
                    alts += [system.url or "", system.name or ""]
                facts.append(Fact(f"{where}: channel", [a for a in alts if a] or [SILENT]))
        if "linked" in aspects and tid in kb.items:
            linked = [e.item_id for e in kb.expand_selection([tid]) if e.added_by]
            if linked:   # 联办, or the guide's own words for it (湖南: 同步进行求职登记)
                said = [r.summary for r in kb.link_rules if r.item_id == tid and getattr(r, "summary", None)]
                facts.append(Fact(f"{tid}: linked", ["联办"] + [x.rstrip("。")[:20] for x in said]))
    if "rules" in aspects:
        # the rules an office must follow: prohibitions, and the guides' own rules, checks and
        # procedure (湖南's 经办规程: “与劳动者本人沟通确认后，注销”) of the target
        prohibitions = [r.text for s in kb.services.values() for r in s.requirements if r.kind == "prohibition"]
        prohibitions += [r.text for _, recs, _ in targets for p in recs for r in getattr(p, "requirements", ()) or ()
                         if getattr(r, "kind", "") in ("prohibition", "rule", "verification", "process")]
        # and the bundle guides' own rule on the shared papers (不同事项的共性材料只需提供1份)
        prohibitions += [b.common_once_rule for b in kb.bundles.values() if b.common_once_rule]
        facts.append(Fact("rules", [t.rstrip("。；;")[:20] for t in prohibitions] + [SILENT, "未写明"]))
    if "deregistration" in aspects:
        cases = [c.text for sid in ("unemployment_deregistration", "employment_deregistration")
                 if sid in kb.services for c in kb.services[sid].cases]
        facts.append(Fact("deregistration cases", cases))
    if "service_311" in aspects and "service_311" in kb.services:
        content = kb.services["service_311"].content or kb.services["service_311"].name
        facts.append(Fact("311", [content[:20]]))
    if "overview" in aspects:
        bundles = message.get("bundles") or ([message["bundle"]] if message.get("bundle") else [])
        for b in bundles:
            if b in kb.bundles:
                for item_id in kb.bundles[b].item_ids:
                    facts.append(Fact(f"{b}: item {item_id}", [kb.items[item_id].name]))
    if "difference" in aspects and targets:
        for name, records, tid in targets:
            regions = {p.region for p in records}
            if len(regions) > 1:
                for r in regions:
                    facts.append(Fact(f"{tid}: difference {r}", [r]))
    return facts


def judge(kb, message: Dict, reply: str) -> Dict:
    """{'ok': bool, 'missing': [labels], 'unknown': bool}."""
    facts = expected_facts(kb, message)
    missing = [f.label for f in facts if not f.found_in(reply)]
    unknown = any(m in reply for m in UNKNOWN_MARKERS)
    ok = not missing and (not unknown or not facts)
    if not facts:   # nothing checkable (e.g. a how-to question): a real answer with a source
        ok = not unknown and "依据" in reply
    return {"ok": ok, "missing": missing, "unknown": unknown, "facts": len(facts)}
