"""Validation and normalisation of ID numbers, mobile numbers and bank cards.

Every function returns the normalised value or raises `InvalidValue` whose
message is shown to the applicant (Simplified Chinese).
"""
from __future__ import annotations

import re
from datetime import date

from backend.app.core.timeutil import today_local


class InvalidValue(ValueError):
    """A value the applicant typed is not acceptable; str(exc) is the user message."""


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
# GB/T 2260 province-level codes (first two digits of the address code).
_PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 "
    "50 51 52 53 54 61 62 63 64 65 71 81 82 83".split()
)
_SEPARATORS = re.compile(r"[\s\-]+")


def id_check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS))
    return _ID_CHECK[total % 11]


def normalize_id_number(raw: str) -> str:
    """Validate a resident ID number (GB 11643-1999) and return it with an uppercase X."""
    value = _SEPARATORS.sub("", str(raw or "")).upper()
    if not value:
        raise InvalidValue("请输入身份证号码。")
    if len(value) == 15 and value.isdigit():
        raise InvalidValue("暂不支持15位旧版身份证号码，请使用18位第二代居民身份证号码。")
    if len(value) != 18 or not re.fullmatch(r"\d{17}[\dX]", value):
        raise InvalidValue("身份证号码应为18位，前17位为数字，最后一位为数字或字母X。")
    if value[:2] not in _PROVINCES:
        raise InvalidValue("身份证号码的地区码不正确，请核对后重新输入。")
    try:
        birth = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise InvalidValue("身份证号码中的出生日期不正确，请核对后重新输入。") from None
    if birth < date(1900, 1, 1) or birth > today_local():
        raise InvalidValue("身份证号码中的出生日期不正确，请核对后重新输入。")
    if id_check_char(value[:17]) != value[17]:
        raise InvalidValue("身份证号码校验位不正确，请核对后重新输入。")
    return value


def normalize_mobile(raw: str) -> str:
    value = _SEPARATORS.sub("", str(raw or ""))
    if value.startswith("+86"):
        value = value[3:]
    if not re.fullmatch(r"1[3-9]\d{9}", value):
        raise InvalidValue("手机号码应为11位，以13至19开头，请核对后重新输入。")
    return value


def normalize_phone_last4(raw: str) -> str:
    value = str(raw or "").strip()
    if not re.fullmatch(r"\d{4}", value):
        raise InvalidValue("请输入手机号码的后4位数字。")
    return value


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def normalize_bank_card(raw: str) -> str:
    value = _SEPARATORS.sub("", str(raw or ""))
    if not re.fullmatch(r"\d{16,19}", value):
        raise InvalidValue("银行卡号应为16至19位数字，请核对后重新输入。")
    if not luhn_ok(value):
        raise InvalidValue("银行卡号校验不通过，请核对卡号是否输入有误。")
    return value
