"""Fixed sentences for what the guides do NOT say, in one place.

Where a guide is silent the assistant says so and where to ask; it never fills
the gap with a claim of its own (no “无固定办结时限”, no “在线填写后提交”).
The answer layer, knowledge/ and the application flow all use these, and the
fidelity checker (tests/fidelity) accepts exactly these sentences as
“silence”, so keep the wording here.
"""
from __future__ import annotations

#: Where to ask when a guide is silent.
CONSULT = "可咨询12333或办理地经办机构"

#: What a guide may leave out, as it is named in “指引未列明……”.
SILENT_ON = {
    "materials": "需要提交的材料",
    "deadline": "办理时限",
    "channel": "办理渠道",
    "eligibility": "受理条件",
    "agency": "受理机构",
    "amount": "金额或收费标准",
}

#: Verbatim guide words that answer a question about materials or deadlines.
NONE_REQUIRED = "无需材料"                 # 揭阳 tables: the 其他材料 cell
ANNUAL_NOTICE = "以当年申报通知为准"        # 人才服务 deadlines
AWAIT_REVIEW = "等待审核"                   # 北京 manual: “点击提交，等待审核”


def not_stated(aspect: str, who: str = "指引", consult: bool = True) -> str:
    """“指引未列明办理时限，可咨询12333或办理地经办机构”.

    `who` names the silent guide (e.g. ``str(provision.source)``:
    北京市《失业“一件事”服务操作说明书》) or stays the generic 指引.
    """
    what = SILENT_ON.get(aspect, aspect)
    text = f"{who}未列明{what}"
    return f"{text}，{CONSULT}" if consult else text


def region_lacks(region: str, name: str) -> str:
    """A region's guides have no such item: “揭阳的指引中没有“求职登记”这一事项”."""
    return f"{region}的指引中没有“{name}”这一事项"


def linked_note(region: str, summary: str) -> str:
    """A link rule, always attributed: “（北京指引：失业登记和求职登记两项联办）”."""
    return f"（{region}指引：{summary}）"


def is_silence(text: str) -> bool:
    """True for a sentence built by not_stated()."""
    return "未列明" in text


__all__ = ["CONSULT", "SILENT_ON", "NONE_REQUIRED", "ANNUAL_NOTICE", "AWAIT_REVIEW", "not_stated",
           "region_lacks", "linked_note", "is_silence"]
