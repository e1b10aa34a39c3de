"""Answers that are not about one item: bundles, how-to steps, rules an office must
follow, deregistration cases, “311”, region differences."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from actions import kb_support as ks
from actions.answers.ask import Ask
from actions.answers.facts import field_lines, linked_line
from actions.answers.render import (
    Reply, cite, common_materials, deadline_text, deadlines_differ, join_materials, material_display,
    other_materials_text, s,
)
from actions.answers.search import answer_from_search, passages_text


# ---------------------------------------------------------------- bundles


def bundle_overview(kb, bundle_id: Text) -> Reply:
    bundle = kb.bundles[bundle_id]
    items = [i for i in bundle.item_ids if i in kb.items]
    lines = [f"{bundle.name}包括以下事项（依据：{cite(bundle.source)}）："]
    lines += [ks.numbered_name(kb, i) for i in items]
    singles = [i.id for i in kb.items.values() if i.bundle_id == bundle_id and i.id not in items]
    if singles:
        srcs = {cite(kb.items[i].provisions[0].source) for i in singles}
        lines.append(f"另有单办事项：{ks.names(kb, singles)}（依据：{'；'.join(sorted(srcs))}）。")
    buttons = [{"title": "选择要办理的事项", "payload": ks.payload("choose_bundle", bundle=bundle_id)}]
    return Reply("\n".join(lines), buttons)


def situation_suggestions(kb, item_ids: List[Text]) -> Reply:
    """A life situation asked about without naming an item: what people in it usually apply for."""
    bundle_id = kb.items[item_ids[0]].bundle_id
    items = [i for i in item_ids if kb.items[i].bundle_id == bundle_id][:4]
    lines = ["根据您说的情况，通常可以办理以下事项（" + kb.bundles[bundle_id].name + "）："]
    lines += [ks.numbered_name(kb, i) for i in items]
    sources = sorted({cite(kb.items[i].provisions[0].source) for i in items if kb.items[i].provisions})
    if sources:
        lines.append(f"（依据：{'；'.join(sources)}）")
    lines.append("您想先了解哪一项的材料或办理时限？")
    buttons = [{"title": f"{kb.items[i].name}需要什么材料",
                "payload": ks.payload("ask_question", item=[i], aspect=["materials"])} for i in items]
    buttons.append({"title": "选择要办理的事项", "payload": ks.payload("choose_bundle", bundle=bundle_id)})
    return Reply("\n".join(lines), buttons)


def bundle_materials(kb, bundle_id: Text) -> Reply:
    """The bundle's table as the guide gives it: 共性材料 once, then each row's 其他材料."""
    bundle = kb.bundles[bundle_id]
    lines = [f"{bundle.name}的材料（依据：{cite(bundle.source)}）："]
    common = list(getattr(bundle, "common_materials", ()) or ())
    if common:
        lines.append(f"共性材料（各事项只需提供1份）：{join_materials(common)}")
    lines.append("各事项的其他材料：")
    for item_id in bundle.item_ids:
        if item_id not in kb.items:
            continue
        item = kb.items[item_id]
        p = next((q for q in item.provisions if q.source.guide_id == bundle.source.guide_id), None)
        if p is None:
            continue
        lines.append(f"{ks.numbered_name(kb, item_id)}：{other_materials_text(p)}")
    lines.append("其他地区的规定可以单独问我，比如“湖南办失业登记要什么材料”。")
    buttons = [{"title": "选择要办理的事项", "payload": ks.payload("choose_bundle", bundle=bundle_id)}]
    return Reply("\n".join(lines), buttons)


def bundle_deadlines(kb, bundle_id: Text) -> Reply:
    bundle = kb.bundles[bundle_id]
    lines = [f"{bundle.name}各事项的办理时限（依据：{cite(bundle.source)}）："]
    for item_id in bundle.item_ids:
        if item_id not in kb.items:
            continue
        p = next((q for q in kb.items[item_id].provisions if q.source.guide_id == bundle.source.guide_id), None)
        if p is not None:
            lines.append(f"{ks.numbered_name(kb, item_id)}：{deadline_text(p)}")
    return Reply("\n".join(lines))


def checklist(kb, items: List[Text], region: Optional[Text], origin: Text) -> Reply:
    """The merged materials of several items: shared materials once."""
    entries = kb.materials_checklist(items, region=region)
    head = "您已选择的" if origin == "selection" else ""
    lines = [f"{head}{len(items)}个事项（{ks.names(kb, items)}）需要的材料，相同材料只需提供1份："]
    by_source: Dict[Text, List[Any]] = {}
    for entry in entries:
        by_source.setdefault(cite(entry.source), []).append(entry)
    n = 0
    for source, group in by_source.items():
        lines.append(f"【{source}】")
        for entry in group:
            n += 1
            lines.append(f"{n}. {material_display(entry.material)} —— {ks.names(kb, entry.needed_by)}")
    covered = {i for e in entries for i in e.needed_by}
    for item_id in items:
        if item_id in covered:
            continue
        provisions = ks.provisions_for(kb, item_id, region)
        if provisions:
            lines.append(f"· {ks.item_name(kb, item_id)}（{provisions[0].region}）：{other_materials_text(provisions[0])}")
    multi = [i for i in items if len(kb.items[i].provisions) > 1]
    if multi and not region:
        lines.append(
            f"说明：{ks.names(kb, multi)}在不同地区的指引中规定不同，以上按各事项的第一份指引列出；"
            "可以告诉我您在哪个地区办理。")
    link = linked_line(kb, items, region)
    if link:
        lines.append(link)
    return Reply("\n".join(lines))


def all_link_rules(kb) -> Reply:
    """Which items are applied for together, each rule with its region's guide."""
    line = linked_line(kb, [r.item_id for r in kb.link_rules], None)
    if not line:
        return Reply("各地指引未规定须同时办理的事项，可以按需单独选择。")
    return Reply(line + "\n其他事项可以按需单独选择。")


# ---------------------------------------------------------------- how-to


def howto(kb, ask: Ask) -> Optional[Reply]:
    """The online platform's steps; None when the words name no step the guides describe."""
    topic = ask.howto_topic
    bundle_id = ask.bundle or ask.current_bundle
    if topic is None:
        found = answer_from_search(kb, ask.text, ("login", "apply", "upload", "progress", "submit")) if ask.text else None
        if found:
            return Reply(found)
        if ask.payload or not ask.text:
            return Reply("请问您想了解线上办理的哪一步？", howto_menu_buttons())
        return None
    passages = [p for p in kb.howto if p.topic == topic]
    if bundle_id:
        passages = [p for p in passages if getattr(p, "bundle_id", None) in (None, bundle_id)] or passages
    if ask.region:
        passages = [p for p in passages if p.region == ask.region] or passages
    chosen: List[Any] = []
    seen = set()
    for p in passages:
        if getattr(p, "bundle_id", None) is not None and not bundle_id:
            if p.region in seen:
                continue
            seen.add(p.region)
        chosen.append(p)
    if not chosen:
        found = answer_from_search(kb, ask.text, (topic,))
        return Reply(found) if found else Reply("请问您想了解线上办理的哪一步？", howto_menu_buttons())
    lines = [passages_text(chosen)]
    if topic == "progress":
        for d in getattr(kb, "differences", []) or []:
            if getattr(d, "topic", "") == "progress":
                lines.append("说明：" + s(d.text))
    if len({p.region for p in chosen}) > 1:
        lines.append("以上是不同地区指引的操作方法，请按您办理地的平台操作。")
    return Reply("\n\n".join(lines))


def howto_menu_buttons() -> List[Dict[Text, Text]]:
    # typed questions, not payloads: the topic is read from the words
    return [
        {"title": "怎么登录", "payload": "怎么登录"},
        {"title": "怎么上传材料", "payload": "怎么上传材料"},
        {"title": "在哪里看办理进度", "payload": "在哪里看办理进度"},
        {"title": "线上办理步骤", "payload": "线上办理步骤是什么"},
    ]


# ---------------------------------------------------------------- rules, services


def general_rules(kb, ask: Ask) -> Reply:
    """What an office must not demand, where no target of the question has such a rule."""
    groups = []
    for service in getattr(kb, "services", {}).values():
        texts = [r.text for r in service.requirements if getattr(r, "kind", "") == "prohibition"]
        if texts:
            groups.append((service.name, service.source, texts))
    if not groups:
        found = answer_from_search(kb, ask.text, ("requirements",))
        return Reply(found) if found else Reply(_not_found_rules())
    lines = ["根据办事指引，经办机构办理时有以下明确要求："]
    regions = set()
    for title, source, texts in groups:
        lines.append(f"【{title}】（依据：{cite(source)}）")
        lines.extend(f"· {t.rstrip('。；;')}" for t in texts)
        regions.add(getattr(source, "region", ""))
    if len(regions) == 1:
        lines.append(f"以上为{next(iter(regions))}的规定，其他地区的指引未写明此类要求，具体以办理地为准。")
    lines.append(f"如遇到不合理的要求，可以拨打人社服务热线{ks.HOTLINE}反映，或转人工服务。")
    return Reply("\n".join(lines), [ks.handoff_button()])


def _not_found_rules() -> Text:
    return f"办事指引未写明这方面的要求，建议拨打人社服务热线{ks.HOTLINE}咨询。"


def service_lines(service: Any) -> List[Text]:
    lines = [f"【{service.name}】"]
    target = service.eligibility.text if getattr(service, "eligibility", None) else ""
    agency = s(getattr(service, "agency", None))
    if target:
        lines.append(f"{service.target_label or '服务对象'}：{target}")
    if agency:
        lines.append(f"{service.agency_label or '服务机构'}：{agency}")
    for attr in ("content", "schedule"):
        value = s(getattr(service, attr, None))
        if value and value not in "\n".join(lines):
            lines.append(value)
    cases = list(getattr(service, "cases", ()) or ())
    if cases and not any(c.text in "\n".join(lines) for c in cases):
        lines.extend(f"{c.number}. {c.text}" for c in cases)
    reqs = [r for r in service.requirements if getattr(r, "kind", "") in ("process", "general")]
    if reqs:
        lines.append("具体做法：")
        lines.extend(f"{r.number}{r.text}" for r in reqs)
    lines.append(f"（依据：{cite(service.source)}）")
    return lines


def service_311(kb, ask: Ask) -> Reply:
    service = getattr(kb, "services", {}).get("service_311")
    if service is None:
        found = answer_from_search(kb, ask.text or "311就业服务", ("service_311",))
        return Reply(found) if found else Reply(_not_found_rules())
    return Reply("\n".join(service_lines(service)))


def deregistration(kb, ask: Ask) -> Reply:
    employment = "employment_deregistration" in ask.services or "employment_registration" in ask.services
    wanted = "employment_deregistration" if employment else "unemployment_deregistration"
    service = getattr(kb, "services", {}).get(wanted)
    if service is None:
        found = answer_from_search(kb, ask.text, ("deregistration",))
        return Reply(found) if found else Reply(_not_found_rules())
    lines = [f"【{service.name}】"]
    region = ask.region
    if region and region != getattr(service.source, "region", region):
        # “去年我在揭阳领失业金…失业登记是不是也要注销”: the cases are 湖南's; say whose
        lacking = [kb.items[i].name for i in ask.items if i in kb.items and kb.items[i].provision(region) is None]
        if lacking:
            lines.insert(0, f"{region}的指引中没有" + "、".join(f"“{n}”" for n in lacking) + "。")
        lines.append(f"{region}的指引未写明注销的情形，以下是{service.source.region}指引的规定，供参考：")
    content = s(getattr(service, "content", None))
    if content:
        lines.append(content)
    for case in getattr(service, "cases", ()) or ():
        lines.append(f"{case.number}. {case.text}")
    lines.append(f"（依据：{cite(service.source)}）")
    buttons: List[Dict[Text, Text]] = []
    item_id = getattr(service, "item_id", None)
    if not employment and item_id in kb.items:
        item = kb.items[item_id]
        online = [p for p in item.provisions if p.source != service.source]
        for p in online:
            lines.append(f"如需主动申请注销，{p.region}可在线办理“{item.name}”（依据：{cite(p.source)}）。")
        if online:
            buttons.append({"title": f"办理{item.name}", "payload": ks.payload("select_items", item=[item.id])})
    return Reply("\n".join(lines), buttons)


# ---------------------------------------------------------------- differences


def differences(kb, ask: Ask) -> Reply:
    topical = [d for d in getattr(kb, "differences", []) or []
               if ask.howto_topic and getattr(d, "topic", "") == ask.howto_topic]
    if topical and not ask.items:   # “已完结和已办结有区别吗”: the difference of that step only
        return Reply("\n".join(f"“{d.title}”：{d.text}" for d in topical))
    if ask.services and not ask.items:
        # “311服务和动态确认是一回事吗”: 湖南 services have one guide, no region differences;
        # what each of them is answers it (compose)
        return Reply("")
    items = ask.items or [i for i, item in kb.items.items() if len(item.provisions) > 1 and _differs(item)]
    regions = ask.regions
    if len(ask.items) == 1 and not regions and len(kb.items[ask.items[0]].provisions) == 1:
        # “评残跟复查啥区别”: one guide only, so the other thing compared is no region;
        # what the item is answers it (compose)
        return Reply("")
    lines: List[Text] = []
    for item_id in items:
        item = kb.items[item_id]
        provisions = [p for p in item.provisions if not regions or p.region in regions]
        if len(provisions) < 2:
            if ask.items:
                have = "、".join(p.region for p in item.provisions)
                lines.append(f"“{item.name}”只有{have}的指引有规定，无从比较。" if len(item.provisions) == 1
                             else f"“{item.name}”：您问到的地区中只有一处指引有规定（有规定的地区：{have}）。")
            continue
        block = [f"“{item.name}”："]
        materials = [other_materials_text(p) for p in provisions]
        if ks.regions_differ(materials):
            block.append("材料不同：" + "；".join(f"{p.region}为{v}" for p, v in zip(provisions, materials)))
        if deadlines_differ(provisions):
            block.append("办理时限不同：" + "；".join(f"{p.region}为{deadline_text(p)}" for p in provisions))
        if len(block) == 1:
            block.append("各地指引的材料和办理时限相同或未列明。")
        block.append("（依据：" + "；".join(cite(p.source) for p in provisions) + "）")
        lines.extend(block)
    for d in getattr(kb, "differences", []) or []:
        d_items = set(getattr(d, "item_ids", ()) or ())
        if (ask.items and d_items & set(ask.items)) or (not ask.items and not d_items):
            lines.append(f"“{d.title}”：{d.text}")
    if not lines:
        found = answer_from_search(kb, ask.text, ("difference",))
        return Reply(found) if found else Reply(_not_found_rules())
    known = "、".join(ks.known_regions(kb))
    head = f"我的信息来自{known}的办事指引。各地规定不同的地方如下，请以您办理地的规定为准："
    return Reply(head + "\n" + "\n".join(lines))


def _differs(item: Any) -> bool:
    provisions = list(item.provisions)
    return ks.regions_differ([other_materials_text(p) for p in provisions]) or deadlines_differ(provisions)


def bundle_forms(kb, bundle_id: Text, region: Optional[Text] = None, text: Text = "") -> Optional[Reply]:
    """What the online form of a bundle asks, section by section (“北京的失业一件事表格怎么填”)."""
    bundle = kb.bundles[bundle_id]
    # only the forms of the bundle's own guides: 北京's 失业 form is not 人才服务's
    guides = {p.source.guide_id for i in bundle.item_ids if i in kb.items for p in kb.items[i].provisions}
    sections = [sec for sec in kb.form_sections(list(bundle.item_ids))
                if sec.fields and not sec.derived and sec.source.guide_id in guides]
    if region:
        sections = [sec for sec in sections if getattr(sec.source, "region", None) == region] or sections
    if not sections:
        return None
    named = field_lines(sections, text)
    if named:
        return Reply("\n".join(named + ["具体填写时以页面提示为准。"]))
    lines = [f"{bundle.name}在线申请需要填写的信息："]
    for sec in sections:
        labels = "、".join(f.label for f in sec.fields)
        lines.append(f"· {sec.title}（依据：{cite(sec.source)}）：{labels}")
    lines.append("具体填写时以页面提示为准；想了解某一项怎么填，可以告诉我它的名称。")
    return Reply("\n".join(lines))


def bundle_form_unstated(kb, bundle_id: Text) -> Optional[Reply]:
    """“劳动维权一件事申请表在哪下载”: the guide lists the form among the 共性材料 but says
    nothing of where to get it or how to fill it in; say so, and how the guide's own
    online steps take the bundle's information."""
    bundle = kb.bundles[bundle_id]
    common = list(getattr(bundle, "common_materials", ()) or ())
    forms = [m for m in common if "申请表" in material_display(m)]
    if not forms:
        return None
    rule = f"，{bundle.common_once_rule}" if bundle.common_once_rule else ""
    lines = [f"{join_materials(forms)}是{bundle.name}的共性材料{rule}（依据：{cite(bundle.source)}）。",
             "指引未写明申请表的下载地址和填写说明。"]
    steps = [p for p in kb.howto if p.topic == "apply" and getattr(p, "bundle_id", None) == bundle_id]
    if steps:
        lines.append("线上办理时，按指引的步骤填写事项信息、上传材料：")
        lines.append(passages_text(steps))
    lines.append(f"需要纸质表格或填写帮助，可拨打人社服务热线{ks.HOTLINE}，或咨询办理地经办机构。")
    return Reply("\n".join(lines))


def common_once(kb, bundle_ids: List[Text]) -> Optional[Reply]:
    """“共性材料要不要每个事项都交一份”: the bundle guides' own rule, in their words."""
    lines = []
    for bundle_id in bundle_ids:
        bundle = kb.bundles[bundle_id]
        if bundle.common_once_rule:
            lines.append(f"{bundle.name}：{bundle.common_once_rule}（依据：{cite(bundle.source)}）。")
    if not lines:
        return None
    if len(lines) > 1:
        lines.insert(0, "各“一件事”的办事指引规定：")
    return Reply("\n".join(lines))
