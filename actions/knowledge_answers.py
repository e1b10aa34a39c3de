"""Knowledge questions answered from ``knowledge/`` at run time (issue 5).

Each answer action picks its facts with the intent, the items / bundle /
region named in the message and, failing those, the items already selected.
Every fact is quoted with the region and guide it comes from; where the
guides of two regions differ, the answer says so. What the knowledge base
cannot answer gets an honest reply, the 12333 hotline and a hand-over offer.

None of these actions touches the selection slots: a question asked in the
middle of choosing items loses nothing, and the reply ends with buttons back
to the selection.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
from typing import Any, Dict, Iterable, List, Optional, Sequence, Text, Tuple

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import kb_support as ks

logger = logging.getLogger(__name__)

# Minimum kb.search score for a passage to count as an answer.
# kb.search scores are in [0, 1]; unrelated questions score below 0.2
# (knowledge/README.md). Open policy questions ("联办是什么意思") match the
# right passage with lower scores, and the intent already says the question is
# in scope, so they get a lower bar.
SEARCH_MIN_SCORE = float(os.environ.get("KB_SEARCH_MIN_SCORE", "0.2"))
POLICY_MIN_SCORE = float(os.environ.get("KB_POLICY_MIN_SCORE", "0.12"))
MAX_PASSAGE_CHARS = 600

Reply = Tuple[Text, List[Dict[Text, Text]], Optional[Dict[Text, Any]]]


# ---------------------------------------------------------------- helpers


def _str(value: Any) -> Text:
    return str(value).strip() if value not in (None, "") else ""


def material_display(material: Any) -> Text:
    display = getattr(material, "display", None)
    return display() if callable(display) else ks.material_text(material)


def provision_materials(provision: Any) -> Text:
    materials = list(getattr(provision, "materials", ()) or ())
    if materials:
        return "；".join(material_display(m) for m in materials)
    status = getattr(provision, "materials_status", "")
    text = _str(getattr(provision, "materials_text", None))
    system = getattr(provision, "external_system", None)
    if status == "external_system" and system is not None:
        name = _str(getattr(system, "name", None))
        url = _str(getattr(system, "url", None))
        how = _str(getattr(system, "instruction", None)) or text
        return f"通过{name or '对接系统'}（{url}）提交" + (f"，{how}" if how else "")
    if text:
        return text
    if status == "none_required":
        return "无需材料"
    return "指引未列明需要提交的材料"


def provision_deadline(provision: Any) -> Text:
    text = ks.deadline_text(getattr(provision, "deadline", None))
    condition = _str(getattr(getattr(provision, "deadline", None), "condition", None))
    if condition and condition not in text:
        text = f"{condition}，{text}"
    note = _str(getattr(provision, "deadline_note", None))
    if note and note not in text:
        text = f"{text}（{note}）" if text else note
    return text or "指引未列明办理时限"


def deadlines_differ(provisions: Sequence[Any]) -> bool:
    """Two stated deadlines that differ in kind or length (not just wording:
    “N个工作日” and “N个工作日内” are the same)."""
    stated = [p.deadline for p in provisions if getattr(p, "deadline", None) is not None]
    keys = {
        (getattr(d, "kind", None), getattr(d, "days", None), getattr(d, "max_days", None))
        if getattr(d, "kind", None) in ("working_days", "calendar_days", "immediate")
        else (getattr(d, "kind", None), _str(getattr(d, "text", "")))
        for d in stated
    }
    return len(keys) > 1


def region_head(provision: Any) -> Text:
    return f"{provision.region}（{ks.source_text(provision.source)}）"


def differ_note(values: Sequence[Text], what: Text) -> List[Text]:
    if len(values) > 1 and ks.regions_differ(list(values)):
        return [f"注意：以上不同地区指引的{what}规定不同，请以您办理地的规定为准。"]
    return []


def target_items(kb, tracker: Tracker) -> Tuple[List[Text], Text]:
    """(item ids, where they came from: 'message' | 'selection' | '')."""
    named = ks.items_in_message(kb, tracker, None)
    if named:
        return ks.order_items(kb, named), "message"
    selected = ks.selected_items(kb, tracker)
    if selected:
        return selected, "selection"
    return [], ""


def target_bundle(kb, tracker: Tracker) -> Optional[Text]:
    return ks.bundle_in_message(kb, tracker) or ks.current_bundle(kb, tracker)


def ask_which_item(kb, intent: Text, bundle_id: Optional[Text]) -> Reply:
    if bundle_id:
        bundle = kb.bundles[bundle_id]
        buttons = [
            {"title": ks.item_name(kb, i), "payload": ks.payload(intent, item=[i])}
            for i in bundle.item_ids
            if i in kb.items
        ]
        return f"请问您想了解{bundle.name}中哪个事项？", buttons, None
    buttons = [
        {"title": b.name, "payload": ks.payload(intent, bundle=b.id)} for b in kb.bundles.values()
    ]
    return "请问您想了解哪个“一件事”或哪个事项？可以直接说事项名称，比如“失业登记”。", buttons, None


def search_passages(
    kb, text: Text, topics: Iterable[Text] = (), k: int = 5, min_score: Optional[float] = None
) -> List[Any]:
    if not text:
        return []
    try:
        passages = kb.search(text, k=k)
    except Exception:
        logger.exception("kb.search failed for %r", text)
        return []
    bar = SEARCH_MIN_SCORE if min_score is None else min_score
    good = [p for p in passages if p.score >= bar]
    topics = set(topics)
    if topics:
        preferred = [p for p in good if getattr(p, "topic", "") in topics]
        if preferred:
            return preferred
    return good


def passage_text(passage: Any) -> Text:
    text = _str(passage.text)
    if len(text) > MAX_PASSAGE_CHARS:
        text = text[:MAX_PASSAGE_CHARS].rstrip() + "……"
    title = _str(getattr(passage, "title", ""))
    head = f"【{title}】\n" if title and title not in text[:40] else ""
    return f"{head}{text}\n（依据：{ks.source_text(passage.source)}）"


def unknown_reply(kb) -> Reply:
    return (
        "抱歉，这个问题我在现有的办事指引中没有找到准确答案，不想给您不准确的信息。"
        f"建议拨打人社服务热线{ks.HOTLINE}咨询，或转人工服务。需要为您转人工吗？",
        [ks.handoff_button(), {"title": "不用了", "payload": "/deny"}],
        {"type": "handoff"},
    )


def answer_from_search(kb, text: Text, topics: Iterable[Text] = ()) -> Optional[Text]:
    passages = search_passages(kb, text, topics)
    return answer_from_passages(passages) if passages else None


def answer_from_passages(passages: List[Any]) -> Text:
    best = passages[0]
    parts = [passage_text(best)]
    for other in passages[1:2]:
        if other.score >= best.score * 0.9 and other.source != best.source and other.text != best.text:
            parts.append(passage_text(other))
    return "\n\n".join(parts)


# ---------------------------------------------------------------- answers


def materials_reply(kb, tracker: Tracker) -> Reply:
    region = ks.region_of_turn(kb, tracker)
    named = ks.items_in_message(kb, tracker, None)
    named_bundle = ks.bundle_in_message(kb, tracker)
    if not named and named_bundle:
        # “劳动维权要什么材料”: the bundle asked about, whatever is selected
        return bundle_materials_reply(kb, named_bundle)
    items, origin = target_items(kb, tracker)
    bundle_id = target_bundle(kb, tracker)
    if not items and bundle_id and not ks.is_payload(tracker):
        return bundle_materials_reply(kb, bundle_id)
    if not items:
        text = ks.question_text(tracker)
        found = answer_from_search(kb, text, ("materials",)) if text else None
        if found:
            return found, [], None
        return ask_which_item(kb, "ask_materials", bundle_id)
    if len(items) > 1:
        return checklist_reply(kb, items, region, origin)
    item = kb.items[items[0]]
    provisions = ks.provisions_for(kb, item.id, region)
    lines = [f"“{item.name}”需要的材料："]
    values = []
    for p in provisions:
        value = provision_materials(p)
        values.append(value)
        lines.append(f"· {region_head(p)}：{value}")
        note = _str(getattr(p, "note", None))
        if getattr(p, "materials_status", "") == "not_stated" and note:
            lines.append(f"  说明：{note}")
    lines += differ_note(values, "材料")
    linked = [e for e in kb.expand_selection([item.id]) if e.added_by and e.item_id in kb.items]
    if linked:
        lines.append(
            f"另外，办理“{item.name}”需要联办：{ks.names(kb, [e.item_id for e in linked])}。{linked[0].reason or ''}".rstrip()
        )
    buttons = []
    if item.id not in ks.selected_items(kb, tracker):
        buttons.append({"title": f"选择办理：{item.name}", "payload": ks.payload("select_items", item=[item.id])})
    return "\n".join(lines), buttons, None


def bundle_materials_reply(kb, bundle_id: Text) -> Reply:
    bundle = kb.bundles[bundle_id]
    lines = [f"{bundle.name}的材料（不同事项的共性材料只需提供1份）："]
    common = list(getattr(bundle, "common_materials", ()) or ())
    if common:
        lines.append("共性材料：" + "；".join(material_display(m) for m in common))
    lines.append("各事项的其他材料：")
    for item_id in bundle.item_ids:
        if item_id not in kb.items:
            continue
        item = kb.items[item_id]
        p = item.primary or (item.provisions[0] if item.provisions else None)
        if p is None:
            continue
        others = [m for m in p.materials if getattr(m, "kind", "other") != "common"]
        value = "；".join(material_display(m) for m in others) if others else provision_materials(p)
        lines.append(f"{ks.numbered_name(kb, item_id)}：{value}（{p.region}）")
    lines.append(f"（依据：{ks.source_text(bundle.source)}；其他地区规定可单独问我，如“湖南办失业登记要什么材料”）")
    buttons = [{"title": "选择要办理的事项", "payload": ks.payload("choose_bundle", bundle=bundle_id)}]
    return "\n".join(lines), buttons, None


def checklist_reply(kb, items: List[Text], region: Optional[Text], origin: Text) -> Reply:
    entries = kb.materials_checklist(items, region=region)
    head = "您已选择的" if origin == "selection" else ""
    lines = [f"{head}{len(items)}个事项（{ks.names(kb, items)}）需要的材料，相同材料只需提供1份："]
    by_source: Dict[Text, List[Any]] = {}
    for entry in entries:
        by_source.setdefault(ks.source_text(entry.source), []).append(entry)
    n = 0
    for source, group in by_source.items():
        lines.append(f"【{source}】")
        for entry in group:
            n += 1
            lines.append(f"{n}. {material_display(entry.material)} —— {ks.names(kb, entry.needed_by)}")
    covered = {i for e in entries for i in e.needed_by}
    for item_id in items:
        if item_id not in covered:
            p = ks.provisions_for(kb, item_id, region)
            value = provision_materials(p[0]) if p else "指引未列明需要提交的材料"
            lines.append(f"· {ks.item_name(kb, item_id)}：{value}")
    multi = [i for i in items if len(kb.items[i].provisions) > 1]
    if multi and not region:
        lines.append(
            f"说明：{ks.names(kb, multi)}在不同地区的指引中规定不同，以上按各事项的第一份指引列出；"
            "可以问我“各地有什么区别”，或告诉我您在哪个地区办理。"
        )
    return "\n".join(lines), [], None


def deadline_reply(kb, tracker: Tracker) -> Reply:
    items, origin = target_items(kb, tracker)
    region = ks.region_of_turn(kb, tracker)
    if not items:
        text = ks.question_text(tracker)
        found = answer_from_search(kb, text, ("deadline",)) if text else None
        if found:
            return found, [], None
        return ask_which_item(kb, "ask_deadline", target_bundle(kb, tracker))
    lines = ["办理时限：" if len(items) > 1 else f"“{ks.item_name(kb, items[0])}”的办理时限："]
    any_differ = []
    for item_id in items:
        provisions = ks.provisions_for(kb, item_id, region)
        values = [provision_deadline(p) for p in provisions]
        if len(items) > 1:
            lines.append(f"{ks.item_name(kb, item_id)}：")
        for p, value in zip(provisions, values):
            lines.append(f"· {region_head(p)}：{value}")
        if deadlines_differ(provisions):
            any_differ.append(item_id)
    if any_differ:
        lines.append(f"注意：{ks.names(kb, any_differ)}在不同地区指引中的办理时限不同，请以您办理地的规定为准。")
    if len(items) == 1:
        estimate = completion_line(kb, items[0], region)
        if estimate:
            lines.append(estimate)
    return "\n".join(lines), [], None


def completion_line(kb, item_id: Text, region: Optional[Text] = None) -> Optional[Text]:
    """Expected completion date for the item's primary guide, if it applies."""
    primary = kb.items[item_id].primary
    if region and primary is not None and primary.region != region:
        return None
    try:
        completion = kb.expected_completion(item_id, dt.date.today())
    except Exception:
        logger.exception("expected_completion failed for %s", item_id)
        return None
    if completion is None or not completion.date:
        return None
    text = _str(completion.text)
    if not text:
        return None
    where = f"按{primary.region}的规定，" if primary is not None and len(kb.items[item_id].provisions) > 1 else ""
    line = f"{where}如果今天受理：{text}"
    if completion.estimated:
        line += "（估算，以实际受理日期为准）"
    return line


def eligibility_reply(kb, tracker: Tracker) -> Reply:
    items, origin = target_items(kb, tracker)
    region = ks.region_of_turn(kb, tracker)
    text = ks.question_text(tracker)
    lines: List[Text] = []
    missing: List[Text] = []
    for item_id in items:
        provisions = [p for p in ks.provisions_for(kb, item_id, region) if getattr(p, "eligibility", None)]
        if not provisions:
            missing.append(item_id)
            continue
        lines.append(f"“{ks.item_name(kb, item_id)}”的受理对象：")
        for p in provisions:
            lines.append(f"· {region_head(p)}：{_str(p.eligibility.text)}")
        other_regions = [q.region for q in kb.items[item_id].provisions if q not in provisions and not region]
        if other_regions:
            lines.append(f"  （{'、'.join(other_regions)}的指引未写明受理对象）")
    if missing and lines:
        lines.append(f"{ks.names(kb, missing)}：指引未写明受理条件。")
    if lines:
        return "\n".join(lines), [], None
    found = answer_from_search(kb, text, ("eligibility",)) if text else None
    if found:
        return found, [], None
    if items:
        return (
            f"{ks.names(kb, items)}的办事指引未写明受理条件，建议拨打人社服务热线{ks.HOTLINE}确认。",
            [ks.handoff_button()],
            {"type": "handoff"},
        )
    return ask_which_item(kb, "ask_eligibility", target_bundle(kb, tracker))


def channel_text(provision: Any) -> Text:
    parts: List[Text] = []
    agency = _str(getattr(provision, "agency", None))
    if agency:
        parts.append(f"{_str(getattr(provision, 'agency_label', None)) or '受理机构'}：{agency}")
    system = getattr(provision, "external_system", None)
    if system is not None:
        name = _str(getattr(system, "name", None))
        url = _str(getattr(system, "url", None))
        how = _str(getattr(system, "instruction", None))
        parts.append(f"对接系统：{name}{'（' + url + '）' if url else ''}" + (f"，{how}" if how else ""))
    channels = list(getattr(provision, "channels", ()) or ())
    online = [c for c in channels if getattr(c, "kind", "") == "online"]
    offline = [c for c in channels if getattr(c, "kind", "") == "offline"]

    def fmt(c):
        url = _str(getattr(c, "url", None))
        return f"{c.name}（{url}）" if url and url not in c.name else c.name

    if online:
        parts.append("线上：" + "；".join(fmt(c) for c in online))
    if offline:
        parts.append("线下：" + "；".join(fmt(c) for c in offline))
    if not parts:
        text = _str(getattr(provision, "channels_text", None))
        parts.append(text or "指引未写明办理渠道")
    return "；".join(parts)


def channel_reply(kb, tracker: Tracker) -> Reply:
    items, origin = target_items(kb, tracker)
    region = ks.region_of_turn(kb, tracker)
    text = ks.question_text(tracker)
    if not items:
        bundle_id = target_bundle(kb, tracker)
        if bundle_id:
            return bundle_channel_reply(kb, bundle_id, region)
        found = answer_from_search(kb, text, ("channel", "channels", "apply")) if text else None
        if found:
            return found, [], None
        return ask_which_item(kb, "ask_channel", None)
    lines: List[Text] = []
    for item_id in items[:4]:
        provisions = ks.provisions_for(kb, item_id, region)
        lines.append(f"“{ks.item_name(kb, item_id)}”的办理渠道：")
        values = [channel_text(p) for p in provisions]
        for p, value in zip(provisions, values):
            lines.append(f"· {region_head(p)}：{value}")
        lines += differ_note(values, "办理渠道")
    if len(items) > 4:
        lines.append(f"其余事项（{ks.names(kb, items[4:])}）可以单独问我。")
    buttons = [{"title": "怎么登录和办理", "payload": "/ask_howto"}]
    return "\n".join(lines), buttons, None


def bundle_channel_reply(kb, bundle_id: Text, region: Optional[Text]) -> Reply:
    bundle = kb.bundles[bundle_id]
    apply = [p for p in kb.howto if p.topic == "apply" and getattr(p, "bundle_id", None) in (None, bundle_id)]
    if region:
        apply = [p for p in apply if p.region == region] or apply
    lines = [f"{bundle.name}可以在线办理："]
    for p in apply:
        lines.append(passage_text(p))
    if not apply:
        lines.append(f"请参阅{ks.source_text(bundle.source)}。")
    return "\n".join(lines), [{"title": "怎么登录", "payload": "/ask_howto"}], None


HOWTO_TOPICS = (
    ("login", ("登录", "登陆", "人脸", "粤信签", "账号", "密码", "验证码", "绑定", "认证平台")),
    ("upload", ("上传", "拍照", "照相", "相机", "扫描")),
    ("progress", ("进度", "结果", "我的事项", "待办", "办理中", "已完结", "已办结", "已退回", "退回", "审核")),
    ("submit", ("提交", "确认页", "上一步", "修改", "填错")),
    ("apply", ("步骤", "流程", "操作", "怎么办理", "怎么申请", "怎么弄", "勾选", "下一步", "采集")),
)


def howto_topic(text: Text) -> Optional[Text]:
    for topic, words in HOWTO_TOPICS:
        if any(w in text for w in words):
            return topic
    return None


def howto_reply(kb, tracker: Tracker) -> Reply:
    text = ks.question_text(tracker)
    topic = howto_topic(text) if text else None
    bundle_id = target_bundle(kb, tracker)
    region = ks.region_of_turn(kb, tracker)
    if topic is None:
        if text:
            found = answer_from_search(kb, text, ("login", "apply", "upload", "progress", "submit"))
            if found:
                return found, [], None
        return "请问您想了解哪一步？", howto_menu_buttons(), None
    passages = [p for p in kb.howto if p.topic == topic]
    if bundle_id:
        passages = [p for p in passages if getattr(p, "bundle_id", None) in (None, bundle_id)] or passages
    if region:
        passages = [p for p in passages if p.region == region] or passages
    # one bundle-specific passage per region is enough when no bundle is known
    chosen: List[Any] = []
    seen_regions_bundles = set()
    for p in passages:
        if getattr(p, "bundle_id", None) is not None and not bundle_id:
            if (p.region, "bundle") in seen_regions_bundles:
                continue
            seen_regions_bundles.add((p.region, "bundle"))
        chosen.append(p)
    if not chosen:
        found = answer_from_search(kb, text, (topic,))
        return (found, [], None) if found else unknown_reply(kb)
    lines = [passage_text(p) for p in chosen]
    if topic == "progress":
        for d in getattr(kb, "differences", []) or []:
            if getattr(d, "topic", "") == "progress":
                lines.append("说明：" + _str(d.text))
    if len({p.region for p in chosen}) > 1:
        lines.append("以上是不同地区指引的操作方法，请按您办理地的平台操作。")
    return "\n\n".join(lines), [], None


def howto_menu_buttons() -> List[Dict[Text, Text]]:
    # typed questions, not payloads: the topic is read from the words
    return [
        {"title": "怎么登录", "payload": "怎么登录"},
        {"title": "怎么上传材料", "payload": "怎么上传材料"},
        {"title": "在哪里看办理进度", "payload": "在哪里看办理进度"},
        {"title": "线上办理步骤", "payload": "线上办理步骤是什么"},
    ]


def services_with(kb, predicate) -> List[Any]:
    return [s for s in getattr(kb, "services", {}).values() if predicate(s)]


def forbidden_reply(kb, tracker: Tracker) -> Reply:
    items, origin = target_items(kb, tracker)
    groups: List[Tuple[Text, Any, List[Text]]] = []  # (title, source, texts)
    for item_id in items:
        for p in kb.items[item_id].provisions:
            texts = [r.text for r in getattr(p, "requirements", ()) if getattr(r, "kind", "") == "prohibition"]
            if texts:
                groups.append((ks.item_name(kb, item_id), p.source, texts))
    if not groups:
        with_rules = services_with(kb, lambda s: any(getattr(r, "kind", "") == "prohibition" for r in s.requirements))
        as_items = [s for s in with_rules if getattr(s, "item_id", None) in kb.items]
        for service in as_items or with_rules:
            texts = [r.text for r in service.requirements if getattr(r, "kind", "") == "prohibition"]
            groups.append((service.name, service.source, texts))
    if not groups:
        found = answer_from_search(kb, ks.question_text(tracker), ("requirements",))
        return (found, [], None) if found else unknown_reply(kb)
    lines = ["根据办事指引，经办机构办理时有以下明确要求："]
    regions = set()
    for title, source, texts in groups:
        lines.append(f"【{title}】（依据：{ks.source_text(source)}）")
        lines.extend(f"· {t.rstrip('。；;')}" for t in texts)
        regions.add(getattr(source, "region", ""))
    if len(regions) == 1:
        region = next(iter(regions))
        lines.append(f"以上为{region}的规定，其他地区的指引未写明此类要求，具体以办理地为准。")
    lines.append(f"如遇到不合理的要求，可以拨打人社服务热线{ks.HOTLINE}反映，或转人工服务。")
    return "\n".join(lines), [ks.handoff_button()], None


def cases_reply(service: Any, intro: Optional[Text] = None) -> List[Text]:
    lines = [intro or f"【{service.name}】"]
    content = _str(getattr(service, "content", None))
    if content:
        lines.append(content)
    for case in getattr(service, "cases", ()) or ():
        lines.append(f"{case.number}. {case.text}")
    process = [r for r in getattr(service, "requirements", ()) if getattr(r, "kind", "") == "process"]
    if process:
        lines.append("办理要求：")
        lines.extend(f"{r.number}{r.text}" for r in process)
    lines.append(f"（依据：{ks.source_text(service.source)}）")
    return lines


def deregistration_reply(kb, tracker: Tracker) -> Reply:
    text = ks.question_text(tracker)
    employment = "就业登记" in text and "失业登记" not in text
    wanted = "employment_deregistration" if employment else "unemployment_deregistration"
    service = getattr(kb, "services", {}).get(wanted)
    if service is None:
        candidates = services_with(kb, lambda s: bool(getattr(s, "cases", ())))
        service = candidates[0] if candidates else None
    if service is None:
        found = answer_from_search(kb, text, ("deregistration",))
        return (found, [], None) if found else unknown_reply(kb)
    lines = cases_reply(service)
    buttons: List[Dict[Text, Text]] = []
    item_id = getattr(service, "item_id", None)
    if not employment and item_id in kb.items:
        item = kb.items[item_id]
        online = [p for p in item.provisions if p.source != service.source]
        for p in online:
            lines.append(f"如需主动申请注销，{p.region}可在线办理“{item.name}”（{ks.source_text(p.source)}）。")
        if online:
            buttons.append({"title": f"办理{item.name}", "payload": ks.payload("select_items", item=[item.id])})
    return "\n".join(lines), buttons, None


def service_311_reply(kb, tracker: Tracker) -> Reply:
    text = ks.question_text(tracker)
    services = getattr(kb, "services", {})
    wants_confirmation = any(w in text for w in ("动态确认", "每月", "每个月", "确认失业", "打电话", "联系我"))
    order = ["unemployment_status_confirmation", "service_311"] if wants_confirmation else ["service_311", "unemployment_status_confirmation"]
    chosen = [services[s] for s in order if s in services][: 2 if wants_confirmation else 1]
    if not chosen:
        found = answer_from_search(kb, text or "311就业服务", ("service_311",))
        return (found, [], None) if found else unknown_reply(kb)
    lines: List[Text] = []
    for service in chosen:
        lines.append(f"【{service.name}】")
        target = service.eligibility.text if getattr(service, "eligibility", None) else ""
        agency = _str(getattr(service, "agency", None))
        if target:
            lines.append(f"{service.target_label or '服务对象'}：{target}")
        if agency:
            lines.append(f"{service.agency_label or '服务机构'}：{agency}")
        for field in ("content", "schedule"):
            value = _str(getattr(service, field, None))
            if value and value not in "\n".join(lines):
                lines.append(value)
        reqs = [r for r in service.requirements if getattr(r, "kind", "") in ("process", "general")]
        if reqs:
            lines.append("具体做法：")
            lines.extend(f"{r.number}{r.text}" for r in reqs)
        lines.append(f"（依据：{ks.source_text(service.source)}）")
    return "\n".join(lines), [], None


def region_difference_reply(kb, tracker: Tracker) -> Reply:
    items, origin = target_items(kb, tracker)
    regions = ks.regions_in_message(kb, tracker)
    if not items:
        items = [i for i, item in kb.items.items() if len(item.provisions) > 1 and _differs(item)]
    lines: List[Text] = []
    for item_id in items:
        item = kb.items[item_id]
        provisions = [p for p in item.provisions if not regions or p.region in regions]
        if len(provisions) < 2:
            have = "、".join(p.region for p in item.provisions)
            if origin == "message" or len(items) <= 3:
                lines.append(f"“{item.name}”只有{have}的指引有规定（{ks.source_text(item.provisions[0].source)}等），无从比较。" if len(item.provisions) == 1 else f"“{item.name}”：{have}的指引均有规定，您问到的地区中只有一处有规定。")
            continue
        block = [f"“{item.name}”："]
        for label, fn in (("材料", provision_materials), ("办理时限", provision_deadline)):
            values = [fn(p) for p in provisions]
            differs = deadlines_differ(provisions) if label == "办理时限" else ks.regions_differ(values)
            if differs:
                block.append(f"{label}不同：" + "；".join(f"{p.region}为{v}" for p, v in zip(provisions, values)))
        if len(block) == 1:
            block.append("各地指引的材料和办理时限相同或未列明。")
        block.append("（依据：" + "；".join(ks.source_text(p.source) for p in provisions) + "）")
        lines.extend(block)
    for d in getattr(kb, "differences", []) or []:
        if not items or set(getattr(d, "item_ids", ()) or ()) & set(items) or (origin == "" and not d.item_ids):
            lines.append(f"“{d.title}”：{d.text}")
    if not lines:
        found = answer_from_search(kb, ks.question_text(tracker), ("difference",))
        return (found, [], None) if found else unknown_reply(kb)
    head = (
        "我的信息来自揭阳市人社局、北京市、湖南省发布的办事指引。各地规定不同的地方如下，"
        "请以您办理地的规定为准："
    )
    regions_known = "、".join(ks.known_regions(kb))
    if regions_known:
        head = f"我的信息来自{regions_known}的办事指引。各地规定不同的地方如下，请以您办理地的规定为准："
    return head + "\n" + "\n".join(lines), [], None


def _differs(item: Any) -> bool:
    provisions = list(item.provisions)
    return ks.regions_differ([provision_materials(p) for p in provisions]) or deadlines_differ(provisions)


ITEM_FACT_TOPICS = {"materials", "deadline", "channels", "form", "eligibility"}


def item_card(kb, item_id: Text) -> Reply:
    """What the knowledge base knows about one item, per region."""
    item = kb.items[item_id]
    bundle = kb.bundles[item.bundle_id]
    number = ks.menu_number(kb, item_id)
    kind = "单办事项" if getattr(item, "kind", "") == "single_item" else "事项"
    lines = [f"“{item.name}”是{bundle.name}中的{kind}" + (f"（第{number}项）" if number else "") + "。"]
    for p in item.provisions:
        facts = [f"材料：{provision_materials(p)}", f"办理时限：{provision_deadline(p)}"]
        if getattr(p, "eligibility", None):
            facts.insert(0, f"受理对象：{_str(p.eligibility.text)}")
        lines.append(f"· {region_head(p)}：" + "；".join(facts))
    linked = [e for e in kb.expand_selection([item_id]) if e.added_by and e.item_id in kb.items]
    if linked:
        lines.append(f"办理时需要联办：{ks.names(kb, [e.item_id for e in linked])}。{linked[0].reason or ''}".rstrip())
    buttons = [
        {"title": "在哪里办", "payload": ks.payload("ask_channel", item=[item_id])},
        {"title": f"选择办理：{item.name}", "payload": ks.payload("select_items", item=[item_id])},
    ]
    return "\n".join(lines), buttons, None


def policy_reply(kb, tracker: Tracker) -> Reply:
    text = ks.question_text(tracker)
    named = ks.items_in_message(kb, tracker, None) if text else []
    passages = search_passages(kb, text, min_score=POLICY_MIN_SCORE) if text else []
    best = passages[0] if passages else None
    if best is not None and (getattr(best, "topic", "") not in ITEM_FACT_TOPICS or not named):
        return answer_from_passages(passages), [], None
    if named:
        return item_card(kb, ks.order_items(kb, named)[0])
    return unknown_reply(kb)


# ---------------------------------------------------------------- actions


class _KnowledgeAction:
    """Runs one reply function; adds the way back to an ongoing selection.

    A mixin for ``ks.KBAction``, not an ``Action`` subclass, so the action
    server does not register it on its own."""

    action_name = ""

    def name(self) -> Text:
        return self.action_name

    def reply(self, kb, tracker: Tracker) -> Reply:  # pragma: no cover - overridden
        raise NotImplementedError

    async def respond(
        self, kb, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        try:
            text, buttons, pending = self.reply(kb, tracker)
        except Exception:
            logger.exception("%s failed", self.name())
            text, buttons, pending = unknown_reply(kb)
        back = ks.continue_selection_buttons(kb, tracker)
        titles = {b["title"] for b in buttons}
        buttons = buttons + [b for b in back if b["title"] not in titles]
        if back and pending is None:
            text += "\n\n您已选择的事项仍为您保留，可以继续选择。"
        dispatcher.utter_message(text=text, buttons=buttons)
        return [SlotSet("pending_confirmation", pending), SlotSet("pending_question", None)]


def _make(name: Text, fn) -> type:
    return type(
        "Action" + "".join(part.title() for part in name.split("_")[1:]),
        (_KnowledgeAction, ks.KBAction),
        {"__module__": __name__, "action_name": name, "reply": lambda self, kb, tracker: fn(kb, tracker)},
    )


ActionAnswerMaterials = _make("action_answer_materials", materials_reply)
ActionAnswerDeadline = _make("action_answer_deadline", deadline_reply)
ActionAnswerEligibility = _make("action_answer_eligibility", eligibility_reply)
ActionAnswerChannel = _make("action_answer_channel", channel_reply)
ActionAnswerHowto = _make("action_answer_howto", howto_reply)
ActionAnswerForbiddenDemands = _make("action_answer_forbidden_demands", forbidden_reply)
ActionAnswerDeregistration = _make("action_answer_deregistration", deregistration_reply)
ActionAnswer311 = _make("action_answer_311", service_311_reply)
ActionAnswerRegionDifference = _make("action_answer_region_difference", region_difference_reply)
ActionAnswerPolicy = _make("action_answer_policy", policy_reply)
