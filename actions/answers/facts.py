"""One block of facts per aspect and target, each line naming its region and guide.

A block is ``(title, lines)``; ``compose`` puts the blocks of one target
together. A question scoped to a region gets that region's guide first and
says plainly when that guide lacks the target; other regions follow in one
short line.
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Any, Dict, List, Optional, Text, Tuple

from actions import kb_support as ks
from actions.answers.ask import Ask
from actions.answers.render import (
    common_materials, cite, deadline_text, deadlines_differ, not_stated, other_materials_text,
    region_head, join_materials, s,
)
from actions.answers.targets import Target
from knowledge.text import normalize
from knowledge.understand import procedure_topics

logger = logging.getLogger(__name__)

Block = Tuple[Text, List[Text]]


def scoped(target: Target, ask: Ask) -> Tuple[List[Any], List[Text], List[Text]]:
    """(provisions to state, lines before them, lines after them) for the asked region(s)."""
    provisions = list(target.provisions)
    wanted = list(dict.fromkeys(ask.regions or ([ask.region] if ask.region else [])))
    if not wanted:
        return provisions, [], []
    own = [p for p in provisions if p.region in wanted]
    lacking = [r for r in wanted if not target.in_region(r)]
    others = [p.region for p in provisions if p.region not in wanted]
    if own:
        before = [f"{'、'.join(lacking)}的指引中没有“{target.name}”。"] if lacking else []
        after = [f"（{'、'.join(dict.fromkeys(others))}的指引另有规定，需要可以问我。）"] if others else []
        return own, before, after
    return provisions, [f"{'、'.join(wanted)}的指引中没有“{target.name}”，以下是其他地区指引的规定："], []


def differ_line(values: List[Text], what: Text) -> List[Text]:
    if len(values) > 1 and ks.regions_differ(values):
        return [f"注意：不同地区指引的{what}规定不同，请以您办理地的规定为准。"]
    return []


# ---------------------------------------------------------------- per aspect


def materials_block(kb, target: Target, ask: Ask) -> Block:
    provisions, before, after = scoped(target, ask)
    lines = list(before)
    values = []
    for p in provisions:
        common = common_materials(p)
        other = other_materials_text(p)
        if common:
            value = f"共性材料：{join_materials(common)}；其他材料：{other}"
        else:
            value = other
        values.append(value)
        lines.append(f"· {region_head(p)}：{value}")
        rules = [r.text.rstrip("。；;") for r in getattr(p, "requirements", ()) or () if getattr(r, "kind", "") == "prohibition"]
        if rules:
            lines.append(f"  {region_head(p)}还规定：" + "；".join(rules) + "。")
    lines += differ_line(values, "材料")
    if any(common_materials(p) for p in provisions):
        lines.append("（共性材料在同一“一件事”的多个事项间只需提供1份。）")
    return "需要的材料", lines + after


def deadline_block(kb, target: Target, ask: Ask) -> Block:
    provisions, before, after = scoped(target, ask)
    lines = list(before)
    for p in provisions:
        lines.append(f"· {region_head(p)}：{deadline_text(p)}")
    if deadlines_differ(provisions):
        lines.append("注意：不同地区指引的办理时限不同，请以您办理地的规定为准。")
    if target.kind == "item":
        estimate = completion_line(kb, target.id, provisions)
        if estimate:
            lines.append(estimate)
    return "办理时限", lines + after


def completion_line(kb, item_id: Text, shown: List[Any]) -> Optional[Text]:
    """Expected completion date from the primary guide's working days, if shown."""
    primary = kb.items[item_id].primary
    if primary is None or primary not in shown:
        return None
    try:
        completion = kb.expected_completion(item_id, dt.date.today())
    except Exception:
        logger.exception("expected_completion failed for %s", item_id)
        return None
    if completion is None or not getattr(completion, "date", None) or not s(getattr(completion, "text", "")):
        return None
    where = f"按{primary.region}的规定，" if len(shown) > 1 else ""
    line = f"{where}如果今天受理：{s(completion.text)}"
    if getattr(completion, "estimated", False):
        line += "（估算，以实际受理日期为准）"
    return line


def eligibility_block(kb, target: Target, ask: Ask) -> Block:
    provisions, before, after = scoped(target, ask)
    lines = list(before)
    stated = [p for p in provisions if getattr(p, "eligibility", None) and s(p.eligibility.text)]
    for p in stated:
        lines.append(f"· {region_head(p)}：{s(p.eligibility.text)}")
    silent = [p for p in provisions if p not in stated]
    if silent:
        where = "、".join(dict.fromkeys(p.region for p in silent))
        cites = "；".join(dict.fromkeys(cite(p.source) for p in silent if getattr(p, "source", None)))
        lines.append(f"· {where}{'（依据：' + cites + '）' if cites else ''}：{not_stated('受理条件')}")
    return "受理对象和条件", lines + after


def channel_text(provision: Any) -> Text:
    parts: List[Text] = []
    agency = s(getattr(provision, "agency", None))
    if agency:
        parts.append(f"{s(getattr(provision, 'agency_label', None)) or '受理机构'}：{agency}")
    system = getattr(provision, "external_system", None)
    if system is not None:
        name, url = s(getattr(system, "name", None)), s(getattr(system, "url", None))
        how = s(getattr(system, "instruction", None))
        parts.append(f"对接系统：{name}{'（网址：' + url + '）' if url else ''}" + (f"，{how}" if how else ""))
    channels = list(getattr(provision, "channels", ()) or ())

    def fmt(c):
        url = s(getattr(c, "url", None))
        return f"{c.name}（{url}）" if url and url not in c.name else c.name

    online = [fmt(c) for c in channels if getattr(c, "kind", "") == "online"]
    offline = [fmt(c) for c in channels if getattr(c, "kind", "") == "offline"]
    if online:
        parts.append("线上：" + "；".join(online))
    if offline:
        parts.append("线下：" + "；".join(offline))
    if not parts:
        parts.append(s(getattr(provision, "channels_text", None)) or not_stated("办理渠道"))
    return "；".join(parts)


def channel_block(kb, target: Target, ask: Ask) -> Block:
    provisions, before, after = scoped(target, ask)
    lines = list(before)
    values = [channel_text(p) for p in provisions]
    lines += [f"· {region_head(p)}：{v}" for p, v in zip(provisions, values)]
    return "办理渠道", lines + after


def rules_block(kb, target: Target, ask: Ask) -> Optional[Block]:
    """What an office must not demand (湖南), for this target; None when its guides say nothing."""
    lines: List[Text] = []
    prohibited = False
    said = normalize(ask.text or "")
    asked = [guide for guide, words in procedure_topics(kb.lexicon or {}) if any(w in said for w in words)]
    for p in target.provisions:
        requirements = list(getattr(p, "requirements", ()) or ())
        for kinds in (RULE_KINDS[:1], RULE_KINDS[1:]):   # what it must not do first, then how it works
            texts = [r.text for r in requirements if getattr(r, "kind", "") in kinds]
            if texts:
                prohibited = prohibited or kinds == RULE_KINDS[:1]
                lines.append(f"· {region_head(p)}：" + "；".join(t.rstrip("。；;") for t in texts) + "。")
        # the guide's procedure where the question names what it speaks of (家属, 退休证明, 常住地)
        steps = [r.text for r in requirements if getattr(r, "kind", "") == "process" and any(w in r.text for w in asked)]
        if steps:
            lines.append(f"· {region_head(p)}（办理规定）：" + "；".join(t.rstrip("。；;") for t in steps) + "。")
    if not lines:
        return None
    if prohibited:
        lines.append(f"如遇到不合理的要求，可以拨打人社服务热线{ks.HOTLINE}反映。")
    return "经办机构的明确要求", lines


#: Requirement kinds a rules question is answered with: prohibitions, then the guide's rules and checks
#: (and the guide's procedure steps that speak of what the question names: rules_block).
RULE_KINDS = ("prohibition", "rule", "verification")


def linked_line(kb, item_ids: List[Text], region: Optional[Text]) -> Optional[Text]:
    """The linked-item rules of these items, one sentence per region's guide (北京: 联办;
    湖南: 同步进行求职登记), each attributed; None when none applies or the question is
    scoped to a region whose guide has no such rule."""
    by_region: Dict[Text, List[Any]] = {}
    # the items' own rules; failing those, the rules that make them go along with another
    # (“北京的求职登记能不能单独办”: 失业登记 and 失业金 bring it along)
    own = any(r.item_id in item_ids for r in kb.link_rules)
    for r in kb.link_rules:
        about = r.item_id in item_ids if own else bool(set(item_ids) & set(r.requires or ()))
        if about and r.item_id in kb.items and (not region or r.region == region):
            by_region.setdefault(r.region or "北京", []).append(r)
    if not by_region:
        return None
    sentences = []
    for rule_region, rules in by_region.items():
        if not any("联办" in (r.summary or "") for r in rules):
            # the guide's own words where it does not call it 联办 (湖南: 同步进行求职登记)
            said = "；".join(dict.fromkeys(s(r.summary) for r in rules if s(r.summary)))
            sentences.append(f"按{rule_region}的规定（依据：{cite(rules[0].source)}）：{said}。")
            continue
        parts = [f"办理“{kb.items[r.item_id].name}”需同时办理{ks.names(kb, [i for i in r.requires if i in kb.items])}"
                 for r in rules]
        sentences.append(f"按{rule_region}的规定须联办（依据：{cite(rules[0].source)}）：" + "；".join(parts) + "。")
    return "\n".join(sentences)


def linked_block(kb, target: Target, ask: Ask) -> Block:
    """Per target only the silence; the rules themselves are said once per reply (compose)."""
    sources = "；".join(dict.fromkeys(cite(p.source) for p in target.provisions if getattr(p, "source", None)))
    where = f"（依据：{sources}）" if sources else ""
    return "需要同时办理的事项", [f"· 办事指引未规定办理此事项时须同时办理其他事项，可以按需单独选择{where}。"]


def field_lines(sections, text: Text) -> List[Text]:
    """The fields of the form a message names (“户口性质那栏咋填”), with their choices as the guide gives them."""
    from knowledge.text import normalize

    norm = normalize(text or "")
    lines = []
    for sec in sections:
        for f in sec.fields:
            labels = [f.label, *(getattr(f, "alt_labels", ()) or ())]
            if not any(len(lab) >= 3 and normalize(lab) in norm for lab in labels):
                continue
            choices = list(getattr(f, "choices", ()) or ())
            what = [f"可选：{'、'.join(map(str, choices))}{'等' if getattr(f, 'choices_open', False) else ''}"] if choices else []
            what.append("必填" if getattr(f, "required", False) else "选填")
            note = getattr(f, "note", None)
            if note:
                what.append(str(note))
            lines.append(f"“{f.label}”（{sec.title}，依据：{cite(sec.source)}）：" + "；".join(what).rstrip("。") + "。")
    return lines


def form_block(kb, target: Target, ask: Ask) -> Block:
    title, lines = _form_block(kb, target, ask)
    _, before, _ = scoped(target, ask)   # “北京…就业困难人员认定”: 北京's guide has no such item
    return title, [b for b in before if "的指引中没有" in b] + lines


def _form_block(kb, target: Target, ask: Ask) -> Block:
    title = "在线申请需要填写的信息"
    # no online form in the guides: the forms among its papers (申请表, 登记表) are what one fills in
    papers = [(p, m) for p in target.provisions for m in getattr(p, "materials", ()) or ()
              if "表" in str(getattr(m, "name", ""))]
    silent = (title, [f"· {not_stated('在线申请需要填写的信息')}"]
              + [f"· 需要填写的表格（{region_head(p)}）：{getattr(m, 'name', '')}" for p, m in papers])
    if target.kind != "item":
        return silent
    try:
        expanded = [e.item_id for e in kb.expand_selection([target.id])]
        sections = [sec for sec in kb.form_sections(expanded) if sec.fields]
    except Exception:
        logger.exception("form_sections failed for %s", target.id)
        sections = []
    guides = {getattr(p.source, "guide_id", None) for p in target.provisions}
    own = [sec for sec in sections if getattr(getattr(sec, "source", None), "guide_id", None) in guides]
    if not own:   # the online form (北京 manual) does not cover this item
        return silent
    named = field_lines(own, ask.text)
    if named:   # “求职登记的薪酬类型怎么填”: that field
        return title, [f"· {line}" for line in named]
    lines = []
    for sec in own:
        labels = "、".join(f.label for f in sec.fields)
        where = f"（依据：{cite(sec.source)}）" if getattr(sec, "source", None) else ""
        lines.append(f"· {sec.title}{where}：{labels}")
    return title, lines


def card_block(kb, target: Target, ask: Ask) -> Block:
    """What the knowledge base knows about one target, per region."""
    lines: List[Text] = []
    if target.kind == "item":
        item = kb.items[target.id]
        bundle = kb.bundles[item.bundle_id]
        number = ks.menu_number(kb, item.id)
        kind = "单办事项" if getattr(item, "kind", "") == "single_item" else "事项"
        lines.append(f"“{item.name}”是{bundle.name}中的{kind}" + (f"（第{number}项）" if number else "") + "。")
    else:
        from actions.answers.topics import service_lines  # the service as its guide describes it

        return "", service_lines(kb.services[target.id])
    provisions, before, after = scoped(target, ask)
    lines += before
    for p in provisions:
        facts = []
        if getattr(p, "eligibility", None) and s(p.eligibility.text):
            facts.append(f"受理对象：{s(p.eligibility.text)}")
        common = common_materials(p)
        facts.append("材料：" + (f"共性材料{join_materials(common)}，其他材料{other_materials_text(p)}"
                                  if common else other_materials_text(p)))
        facts.append(f"办理时限：{deadline_text(p)}")
        lines.append(f"· {region_head(p)}：" + "；".join(facts))
    return "", lines + after


def amount_block(kb, target: Target, ask: Ask) -> Block:
    """No guide states amounts or fees: say so for the regions that have the item, and where to ask."""
    provisions, before, after = scoped(target, ask)
    regions = "、".join(dict.fromkeys(p.region for p in provisions)) or "各地"
    return "金额和收费", list(before) + [f"· {regions}：{not_stated('amount')}"] + list(after)


ITEM_BLOCKS = {
    "materials": materials_block,
    "deadline": deadline_block,
    "eligibility": eligibility_block,
    "channel": channel_block,
    "form": form_block,
    "linked": linked_block,
    "policy": card_block,
    "amount": amount_block,
}
