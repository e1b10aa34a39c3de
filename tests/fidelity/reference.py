"""A plain, correct answer built straight from the knowledge records.

Used only to test the checker: every generated case answered this way must
pass (the checker gives no false alarms on faithful text), and each known
kind of mistake spliced into it must be flagged. It is not the bot's answer.
"""
from __future__ import annotations

from knowledge import phrases


def _materials(kb, item, p) -> list[str]:
    lines = []
    common = p.common_materials
    if common:
        lines.append("共性材料（只需提供1份）：" + "；".join(m.display() for m in common))
    status = p.materials_status
    if status == "listed":
        label = "其他材料：" if common else "材料："
        lines.append(label + "；".join(m.display() for m in p.other_materials))
    elif status == "none_required":
        lines.append(f"其他材料：{phrases.NONE_REQUIRED}")
    elif status == "external_system":
        es = p.external_system
        lines.append(f"其他材料：对接{es.name or '系统'}，网址：{es.url}，{es.instruction or ''}")
    elif status == "provided_by_authority":
        lines.append(p.materials_text)
    else:
        lines.append(phrases.not_stated("materials", str(p.source)))
    lines += [r.text for r in p.requirements if r.kind == "prohibition" and "提供" in r.text]
    return lines


def _deadline(p) -> list[str]:
    if p.deadline is not None:
        return [f"办理时限：{p.deadline.text}"]
    return [phrases.not_stated("deadline", str(p.source))]


def _eligibility(p) -> list[str]:
    if p.eligibility is not None:
        return [f"受理对象：{p.eligibility.text}"]
    return [phrases.not_stated("eligibility", str(p.source))]


def _channel(p) -> list[str]:
    out = []
    if p.agency:
        out.append(f"{p.agency_label or '受理机构'}：{p.agency}")
    for c in p.channels:
        out.append(f"{'线上' if c.kind == 'online' else '线下'}：{c.name}" + (f"（网址：{c.url}）" if c.url else ""))
    if p.external_system is not None:
        out.append(f"对接系统网址：{p.external_system.url}")
    return out or [phrases.not_stated("channel", str(p.source))]


ASPECT_LINES = {"materials": _materials, "deadline": _deadline, "eligibility": _eligibility, "channel": _channel}


def provision_lines(kb, item, p, aspects) -> list[str]:
    lines = [f"{p.region}："]
    for aspect in aspects:
        fn = ASPECT_LINES.get(aspect)
        if fn is None:
            continue
        lines += fn(kb, item, p) if fn is _materials else fn(p)
    lines += _cases_and_rules(p.cases, p.requirements, aspects)
    lines.append(f"（依据：{p.source.citation}）")
    return lines


def _cases_and_rules(cases, requirements, aspects) -> list[str]:
    lines = []
    if "deregistration" in aspects and cases:
        lines += [f"{c.number}. {c.text}" for c in cases]
    if "rules" in aspects:
        lines += [r.text for r in requirements if r.kind == "prohibition"]
    return lines


def service_lines(s, aspects) -> list[str]:
    lines = [f"【{s.name}】"] + _cases_and_rules(s.cases, s.requirements, aspects)
    if "materials" in aspects:
        lines.append("受理材料：" + "、".join(m.text for m in s.materials) if s.materials
                     else phrases.not_stated("materials", str(s.source)))
    if "deadline" in aspects:
        lines.append(f"办结时限：{s.deadline.text}" if s.deadline else phrases.not_stated("deadline", str(s.source)))
    lines.append(f"（依据：{s.source.citation}）")
    return lines


def reference_answer(kb, case) -> str:
    lines = []
    for iid in case.items:
        item = kb.item(iid)
        lines.append(f"【{item.name}】")
        provisions = list(item.provisions)
        if case.region:
            mine = item.provision(case.region)
            if mine is None:
                lines.append(phrases.region_lacks(case.region, item.name) + "，其他地区的指引规定如下")
            else:
                provisions = [mine] + [p for p in provisions if p is not mine]
        elif "deadline" in case.aspects and item.primary is not None:
            provisions = [item.primary] + [p for p in provisions if p is not item.primary]
        for p in provisions:
            lines += provision_lines(kb, item, p, case.aspects)
    for sid in case.services:
        s = kb.service(sid)
        if s.item_id and s.item_id in case.items:
            continue
        lines += service_lines(s, case.aspects)
    return "\n".join(lines)
