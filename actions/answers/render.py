"""Formatting shared by every answer. States no fact of its own."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Text

from actions import kb_support as ks
from knowledge import phrases



@dataclass
class Reply:
    text: Text
    buttons: List[Dict[Text, Text]] = field(default_factory=list)
    pending: Optional[Dict[Text, Any]] = None   # what a plain 好的/不用 answers next


def s(value: Any) -> Text:
    return str(value).strip() if value not in (None, "") else ""


def not_stated(what: Text) -> Text:
    """What we say where a guide is silent (knowledge/phrases.py keeps the wording)."""
    return phrases.not_stated(what)


def cite(source: Any) -> Text:
    return ks.source_text(source)


def region_head(provision: Any) -> Text:
    return f"{provision.region}（依据：{cite(provision.source)}）"


def material_display(material: Any) -> Text:
    display = getattr(material, "display", None)
    return display() if callable(display) else ks.material_text(material)


def join_materials(materials: Sequence[Any]) -> Text:
    """Materials in guide order; grouped by who submits them where the guide says so
    (湖南 就业登记: 用人单位 / 劳动者)."""
    by_applicant: Dict[Text, List[Text]] = {}
    for m in materials:
        by_applicant.setdefault(s(getattr(m, "applicant", None)), []).append(material_display(m))
    if len(by_applicant) == 1:
        return "；".join(next(iter(by_applicant.values())))
    return "；".join(f"{who or '其他'}提供：" + "、".join(names) for who, names in by_applicant.items())


def external_system_text(system: Any, fallback: Text = "") -> Text:
    name = s(getattr(system, "name", None))
    url = s(getattr(system, "url", None))
    how = s(getattr(system, "instruction", None)) or fallback
    text = f"对接{name or '系统'}" + (f"（网址：{url}）" if url else "")
    return text + (f"，{how}" if how else "")


def other_materials_text(provision: Any) -> Text:
    """The guide's 其他材料 of one provision, as the guide gives it."""
    status = getattr(provision, "materials_status", "")
    system = getattr(provision, "external_system", None)
    if status == "external_system" and system is not None:
        return external_system_text(system)
    others = [m for m in getattr(provision, "materials", ()) or () if getattr(m, "kind", "other") != "common"]
    if others:
        return join_materials(others)
    if status == "none_required":
        return "无需材料"
    text = s(getattr(provision, "materials_text", None))
    if status == "provided_by_authority" and text:
        return text   # the guide's own words (“无需提供，……由……移送”)
    return not_stated("需要提交的材料")


def common_materials(provision: Any) -> List[Any]:
    return [m for m in getattr(provision, "materials", ()) or () if getattr(m, "kind", "other") == "common"]


def deadline_text(provision: Any) -> Text:
    deadline = getattr(provision, "deadline", None)
    text = ks.deadline_text(deadline)
    condition = s(getattr(deadline, "condition", None))
    if condition and condition not in text:
        text = f"{condition}，{text}"
    note = s(getattr(provision, "deadline_note", None))
    if note and note not in text:
        text = f"{text}（{note}）" if text else note
    return text or not_stated("办理时限")


def deadlines_differ(provisions: Sequence[Any]) -> bool:
    """Two stated deadlines that differ in kind or length (not just wording)."""
    stated = [p.deadline for p in provisions if getattr(p, "deadline", None) is not None]
    keys = {
        (getattr(d, "kind", None), getattr(d, "days", None), getattr(d, "max_days", None))
        if getattr(d, "kind", None) in ("working_days", "calendar_days", "immediate")
        else (getattr(d, "kind", None), s(getattr(d, "text", "")))
        for d in stated
    }
    return len(keys) > 1


def handoff_reply() -> Reply:
    return Reply(
        "抱歉，这个问题我在现有的办事指引中没有找到准确答案，不想给您不准确的信息。"
        f"建议拨打人社服务热线{ks.HOTLINE}咨询，或转人工服务。需要为您转人工吗？",
        [ks.handoff_button(), {"title": "不用了", "payload": "/deny"}],
        {"type": "handoff"},
    )
