"""Turning a chat message into the value of one form field.

``parse_answer(field, text, answers)`` returns the normalised value or raises
``InvalidAnswer`` with a friendly Chinese message saying what is expected.
Field definitions (type, choices, dependencies) come from knowledge/.
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from datetime import date, timedelta
from typing import Any, Callable, Dict, List, Optional, Sequence

from knowledge.personal_data import (
    CARD_IN_TEXT,
    ID_LIKE_IN_TEXT,
    MOBILE_IN_TEXT,
    InvalidValue,
    normalize_bank_card,
    normalize_id_number,
    normalize_mobile,
    today_local,
)


class InvalidAnswer(ValueError):
    """str(exc) is shown to the user."""


MAX_TEXT = 100
_PUNCT = re.compile(r"[\s，。,.!！?？、；;：:“”\"'‘’（）()【】\[\]<>《》~～…]+")
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}


def clean(text: str) -> str:
    """NFKC (full-width to half-width) and trimmed."""
    return unicodedata.normalize("NFKC", str(text or "")).strip()


def bare(text: str) -> str:
    """Without spaces and punctuation, for matching choices and commands."""
    return _PUNCT.sub("", clean(text))


def cn_int(text: str) -> Optional[int]:
    """'12', '十二', '二十五', '两' -> int; None if it is not a whole number."""
    text = bare(text)
    if text.isdigit():
        return int(text)
    if not text or any(ch not in _CN_DIGITS and ch not in "十百" for ch in text):
        return None
    if "百" in text:
        head, _, rest = text.partition("百")
        hundreds = _CN_DIGITS.get(head, 1) if head else 1
        rest_value = cn_int(rest.lstrip("零")) if rest else 0
        return None if rest_value is None else hundreds * 100 + rest_value
    if "十" in text:
        head, _, tail = text.partition("十")
        tens = _CN_DIGITS.get(head, None) if head else 1
        ones = _CN_DIGITS.get(tail, None) if tail else 0
        return None if tens is None or ones is None else tens * 10 + ones
    if len(text) == 1:
        return _CN_DIGITS[text]
    return None


# --------------------------------------------------------------------------- choices
# Everyday words for the guide's choice values. UI vocabulary only: the values
# themselves come from knowledge/.
CHOICE_SYNONYMS: Dict[str, Sequence[str]] = {
    "银行储蓄卡": ("储蓄卡", "借记卡", "银行卡", "卡"),
    "银行存折": ("存折", "折子"),
    "全职": ("全日制", "正式工", "上班族", "坐班"),
    "兼职": ("业余", "副业"),
    "临时": ("临时工", "短期"),
    "小时工": ("钟点工", "按小时干"),
    "新就业形态": ("外卖", "骑手", "快递", "网约车", "平台", "灵活就业", "主播"),
    "年薪": ("按年",),
    "月薪": ("按月", "每月", "工资按月"),
    "时薪": ("按小时", "每小时"),
    "一次性劳务费": ("一次性", "劳务费"),
    "计件": ("按件", "计件工资"),
    "男": ("男性", "男的", "先生"),
    "女": ("女性", "女的", "女士"),
    "受伤": ("工伤", "受了伤", "摔伤", "事故"),
    "职业病": ("得了职业病", "尘肺"),
    "其他": ("别的", "都不是", "其它"),
}

_ORDINAL = re.compile(r"^(?:第|选|选择)?([0-9]{1,2}|[一二三四五六七八九十]{1,3})(?:个|项|种|条|号)?$")


def parse_choice(options: Sequence[str], text: str) -> str:
    raw = bare(text)
    if not raw:
        raise InvalidAnswer("请从选项中选择一项。")
    if raw in options:
        return raw
    m = _ORDINAL.match(raw)
    if m:
        idx = cn_int(m.group(1))
        if idx is not None and 1 <= idx <= len(options):
            return options[idx - 1]
        raise InvalidAnswer(f"没有第{m.group(1)}项，请输入1到{len(options)}之间的序号，或直接点选。")
    contained = [o for o in options if bare(o) and bare(o) in raw]
    if contained:
        # "我是全职" -> 全职; prefer the longest option ("一次性劳务费" over nothing shorter)
        contained.sort(key=len, reverse=True)
        if len(contained) == 1 or len(contained[0]) > len(contained[1]):
            return contained[0]
    if len(raw) >= 2:
        inside = [o for o in options if raw in bare(o)]
        if len(inside) == 1:
            return inside[0]
    synonym_hits = {
        o for o in options for s in CHOICE_SYNONYMS.get(o, ()) if s in raw and (len(s) > 1 or raw == s)
    }
    if len(synonym_hits) == 1:
        return synonym_hits.pop()
    # typos only on longer options: two-character options differ by one character ("月薪"/"时薪")
    close = difflib.get_close_matches(raw, [bare(o) for o in options if len(bare(o)) >= 3], n=2, cutoff=0.6)
    if len(raw) >= 3 and len(close) == 1:
        return next(o for o in options if bare(o) == close[0])
    raise InvalidAnswer("没能识别您的选择。请点选下方选项，或回复序号（如“1”）。")


# --------------------------------------------------------------------------- yes / no
_YES = ("是的", "是", "对的", "对", "有", "确认", "确定", "同意", "认可", "无异议", "没有异议", "没异议",
        "没问题", "好的", "好", "嗯", "要", "需要", "可以", "行", "yes", "ok", "y")
_NO = ("不是", "不对", "没有", "没", "无", "否", "不", "不需要", "不要", "不同意", "有异议", "no", "n")
# Field-specific words where plain yes/no would be misleading.
BOOL_WORDS: Dict[str, Dict[bool, Sequence[str]]] = {
    "residence_differs": {True: ("不一致", "不一样", "不同", "不在一个地方"), False: ("一致", "一样", "相同", "同一个")},
    # "已经依法享受基本养老保险待遇？" (eligibility question of the application engine)
    "__pension__": {False: ("没有领", "没领", "未领", "还没", "没退休", "未退休"),
                    True: ("已经领取", "已领取", "已经领", "在领", "领了", "退休了", "已退休")},
}


def parse_bool(text: str, field_id: str = "") -> bool:
    raw = bare(text).lower()
    special = BOOL_WORDS.get(field_id)
    if special:
        for value in special:          # listed so that negated phrases are tested first
            if any(w in raw for w in special[value]):
                return value
    if raw in ("无异议", "没有异议", "没异议", "没问题"):
        return True
    if raw.startswith(("有异议",)):
        return False
    for word in _NO:
        if raw == word or (raw.startswith(word) and len(word) > 1):
            return False
    for word in _YES:
        if raw == word or raw.startswith(word):
            return True
    if raw.startswith(("不", "没", "否")):
        return False
    raise InvalidAnswer("请回答“是”或“否”，也可以直接点下方按钮。")


# --------------------------------------------------------------------------- dates, numbers
_DATE_PATTERNS = (
    re.compile(r"(\d{4})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})\s*[日号]?"),
    re.compile(r"(?<!\d)(\d{4})(\d{2})(\d{2})(?!\d)"),
)


def parse_date(text: str, earliest: date = date(1950, 1, 1)) -> str:
    raw = clean(text)
    today = today_local()
    relative = {"今天": 0, "今日": 0, "昨天": 1, "昨日": 1, "前天": 2}
    for word, days in relative.items():
        if word in raw:
            return (today - timedelta(days=days)).isoformat()
    for pattern in _DATE_PATTERNS:
        m = pattern.search(raw)
        if m:
            try:
                value = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                raise InvalidAnswer("这个日期不存在，请核对后重新输入，例如 2024-03-15。") from None
            if value > today:
                raise InvalidAnswer("日期不能晚于今天，请核对后重新输入。")
            if value < earliest:
                raise InvalidAnswer("日期太早了，请核对年份后重新输入。")
            return value.isoformat()
    raise InvalidAnswer("请按“年-月-日”输入日期，例如 2024-03-15 或 2024年3月15日。")


def parse_count(text: str, low: int = 0, high: int = 600) -> int:
    raw = bare(text)
    m = re.search(r"([0-9]+|[零〇一二两三四五六七八九十百]+)", raw)
    value = cn_int(m.group(1)) if m else None
    if value is None:
        raise InvalidAnswer("请输入一个整数，例如 12。")
    if not low <= value <= high:
        raise InvalidAnswer(f"请输入{low}到{high}之间的整数。")
    return value


# --------------------------------------------------------------------------- text kinds
_REGION_SUFFIX = re.compile(r"(省|市|区|县|州|旗|盟|镇|乡|村|街道|自治)")
_NAME_OK = re.compile(r"^[\u4e00-\u9fa5A-Za-z·•.\s]{2,30}$")


def parse_text(text: str, field_id: str) -> str:
    value = clean(text)
    if not bare(value):
        raise InvalidAnswer("内容不能为空，请重新输入。")
    if len(value) > MAX_TEXT:
        raise InvalidAnswer(f"内容请控制在{MAX_TEXT}字以内。")
    if field_id == "name":
        value = re.sub(r"^(我叫|我是|姓名是?|名字是?|叫)", "", value).strip()
        if not _NAME_OK.match(value):
            raise InvalidAnswer("姓名只能包含汉字、字母或“·”，长度2至30个字，请重新输入。")
    return value


def parse_region(text: str) -> str:
    value = clean(text)
    if len(bare(value)) < 2 or len(value) > 60:
        raise InvalidAnswer("请输入行政区划，写到区县一级即可，例如：揭阳市榕城区。")
    if not _REGION_SUFFIX.search(value):
        raise InvalidAnswer("请写出完整的行政区划名称（含省、市、区或县），例如：北京市海淀区。")
    return value


def _extract(pattern: "re.Pattern[str]", normalize: Callable[[str], str], text: str) -> str:
    """The first candidate the pattern finds in the message (or the whole message), normalised."""
    m = pattern.search(clean(text))
    try:
        return normalize(m.group(0) if m else bare(text))
    except InvalidValue as exc:
        raise InvalidAnswer(str(exc)) from None


def parse_id_number(text: str) -> str:
    return _extract(ID_LIKE_IN_TEXT, normalize_id_number, text)


def parse_mobile(text: str) -> str:
    return _extract(MOBILE_IN_TEXT, normalize_mobile, text)


def parse_bank_card(text: str) -> str:
    return _extract(CARD_IN_TEXT, normalize_bank_card, text)


# --------------------------------------------------------------------------- dispatch
def options_for(field: Any, answers: Dict[str, Any]) -> List[str]:
    """The valid choices now: dependent fields offer only what fits the answer they depend on."""
    if field.depends_on and field.choices_by:
        return list(field.choices_by.get(answers.get(field.depends_on), ()))
    return list(field.choices)


def parse_answer(field: Any, text: str, answers: Dict[str, Any]) -> Any:
    kind = field.type
    if kind == "id_number":
        return parse_id_number(text)
    if kind == "phone":
        return parse_mobile(text)
    if kind == "bank_card":
        value = parse_bank_card(text)
        if field.confirm_of and answers.get(field.confirm_of) not in (None, value):
            raise InvalidAnswer(
                f"与前面填写的卡号（尾号{str(answers[field.confirm_of])[-4:]}）不一致，请再输入一次。"
                "如果前面的卡号填错了，可以说“修改卡号”。"
            )
        return value
    if kind == "choice":
        options = options_for(field, answers)
        if not options:
            raise InvalidAnswer("请先填写前面的选项。")
        try:
            return parse_choice(options, text)
        except InvalidAnswer:
            other = {o for values in (field.choices_by or {}).values() for o in values} - set(options)
            if field.depends_on and any(bare(o) in bare(text) for o in other):
                raise InvalidAnswer(
                    f"您前面选择的是“{answers.get(field.depends_on)}”，"
                    f"{field.label}只能选择：{'、'.join(options)}。"
                ) from None
            raise
    if kind == "bool":
        return parse_bool(text, field.id)
    if kind == "date":
        return parse_date(text)
    if kind in ("months", "number"):
        return parse_count(text)
    if kind == "region":
        return parse_region(text)
    return parse_text(text, field.id)
