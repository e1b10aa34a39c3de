"""Deadlines per item and expected completion dates."""
from __future__ import annotations

import datetime as dt

from . import phrases
from .calendar import add_calendar_days, add_working_days
from .models import Completion, ItemDeadline

#: What is said when no guide gives a deadline (no claim of our own).
NO_DEADLINE_TEXT = phrases.not_stated("deadline")
ANNUAL_TEXT = phrases.ANNUAL_NOTICE


def fmt_date(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _extension_note(dl) -> list[str]:
    notes = []
    if dl.condition:
        notes.append(f"前提：{dl.condition}")
    if dl.starts:
        notes.append(f"时限{dl.starts}计算，此处按提交当日受理估算")
    if dl.extension_text and not dl.phases:
        notes.append(dl.extension_text)      # the guide's words only (no computed maximum)
    for ph in dl.phases[1:]:
        s = ph.text
        if ph.extension_text:
            s += f"（{ph.extension_text}）"
        notes.append(f"后续：{s}")
    return notes


def _other_regions(item, primary) -> list[str]:
    out = []
    for p in item.provisions:
        if p is primary:
            continue
        if p.deadline is not None:
            out.append(f"{p.source}：{p.deadline.text}")
    return out


def _no_deadline_note(item) -> str:
    """Which guides are silent, each by name; the 北京 manual's “等待审核” where it says so."""
    parts = []
    for p in item.provisions:
        s = phrases.not_stated("deadline", str(p.source), consult=False)
        if p.note and phrases.AWAIT_REVIEW in p.note:
            s += f"（说明书写明：提交后{phrases.AWAIT_REVIEW}）"
        parts.append(s)
    return "；".join(parts)


def deadlines(kb, item_ids) -> list[ItemDeadline]:
    out = []
    for iid in dict.fromkeys(item_ids):
        item = kb.item(iid)
        prim = item.primary
        if prim is None:
            first = item.provisions[0]
            out.append(ItemDeadline(item_id=iid, deadline=None, source=first.source,
                                    note=f"{_no_deadline_note(item)}。{phrases.CONSULT}"))
            continue
        notes = _extension_note(prim.deadline) + [f"另：{x}" for x in _other_regions(item, prim)]
        out.append(ItemDeadline(item_id=iid, deadline=prim.deadline, source=prim.source, note="；".join(notes)))
    return out


def expected_completion(kb, item_id: str, submitted: dt.date) -> Completion:
    item = kb.item(item_id)
    if isinstance(submitted, dt.datetime):
        submitted = submitted.date()
    prim = item.primary
    if prim is None:
        return Completion(date=None, text=NO_DEADLINE_TEXT, estimated=False, note=_no_deadline_note(item))
    dl = prim.deadline
    cite = f"依据{prim.source}：{dl.text}"
    others = [f"另：{x}" for x in _other_regions(item, prim)]
    notes = [cite] + _extension_note(dl) + others
    if dl.kind == "annual_notice":
        return Completion(date=None, text=ANNUAL_TEXT, estimated=False, note="；".join(notes))
    if dl.kind == "none":
        return Completion(date=None, text=NO_DEADLINE_TEXT, estimated=False, note="；".join(notes))
    if dl.kind == "immediate":
        return Completion(date=submitted, text=f"即办：提交当日（{fmt_date(submitted)}）办结",
                          estimated=False, note="；".join(notes))
    label = dl.phases[0].label if dl.phases else "办结"
    if dl.kind == "working_days":
        day, estimated = add_working_days(submitted, dl.days)
        if estimated:
            notes.append("超出节假日数据范围（chinese_calendar 仅支持到2026年），按周一至周五估算，未计法定节假日和调休")
        else:
            notes.append("按工作日计算（自提交次日起算，已跳过法定节假日并计入调休上班日）")
    else:  # calendar_days
        day, estimated = add_calendar_days(submitted, dl.days), False
        notes.append("按自然日计算（自提交次日起算）")
    return Completion(date=day, text=f"预计{fmt_date(day)}前{label}", estimated=estimated, note="；".join(notes))
