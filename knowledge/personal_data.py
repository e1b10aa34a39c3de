"""Personal data rules shared by the action server and the backend.

Validation of resident ID numbers (GB 11643-1999), mobile numbers and bank
cards (16-19 digits, Luhn), facts derived from an ID number (birth date,
gender, age), and masking for display and logs (4452**********1236,
138****5678, 6222 **** **** 1234, 张*).

Every ``normalize_*`` function returns the normalised value or raises
``InvalidValue`` whose text is shown to the applicant (Simplified Chinese).
Standard library only: imported from Python 3.10 (bot) and 3.11 (backend).
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from typing import Optional

CHINA_TZ = timezone(timedelta(hours=8))   # Asia/Shanghai has had no DST since 1991


class InvalidValue(ValueError):
    """A value the applicant typed is not acceptable; str(exc) is the user message."""


def today_local() -> date:
    return datetime.now(CHINA_TZ).date()


# --------------------------------------------------------------------------- ID numbers
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


def complete_id_number(first17: str) -> str:
    """The 18-character ID number whose first 17 digits are given (appends the check character)."""
    return first17 + id_check_char(first17)


def normalize_id_number(raw: str) -> str:
    """Validate a resident ID number (GB 11643-1999) and return it with an uppercase X."""
    value = _SEPARATORS.sub("", str(raw or "")).upper().replace("Ｘ", "X")
    if not value:
        raise InvalidValue("请输入身份证号码。")
    if len(value) == 15 and value.isdigit():
        raise InvalidValue("暂不支持15位旧版身份证号码，请使用18位第二代居民身份证号码。")
    if len(value) != 18 or not re.fullmatch(r"\d{17}[\dX]", value):
        raise InvalidValue(
            f"身份证号码应为18位（您输入了{len(value)}位），前17位为数字，最后一位为数字或字母X。"
        )
    if value[:2] not in _PROVINCES:
        raise InvalidValue("身份证号码的地区码不正确，请核对后重新输入。")
    try:
        birth = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise InvalidValue("身份证号码中的出生日期不正确，请核对后重新输入。") from None
    if birth < date(1900, 1, 1) or birth > today_local():
        raise InvalidValue("身份证号码中的出生日期不正确，请核对后重新输入。")
    if id_check_char(value[:17]) != value[17]:
        raise InvalidValue("身份证号码校验位不正确，可能有一位输错了，请核对后重新输入。")
    return value


def id_birth_date(id_number: str) -> date:
    return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def id_gender(id_number: str) -> str:
    """男 or 女, from the parity of the 17th digit (GB 11643)."""
    return "男" if int(id_number[16]) % 2 == 1 else "女"


def age_on(birth: date, on: Optional[date] = None) -> int:
    on = on or today_local()
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


# --------------------------------------------------------------------------- phones, cards
def normalize_mobile(raw: str) -> str:
    value = _SEPARATORS.sub("", str(raw or ""))
    if value.startswith("+86"):
        value = value[3:]
    if not re.fullmatch(r"1[3-9]\d{9}", value):
        raise InvalidValue("手机号码应为11位数字，以13至19开头，请核对后重新输入。")
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


def luhn_digit(body: str) -> str:
    """The check digit that makes ``body + digit`` pass the Luhn test."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:           # doubled once the check digit is appended
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def complete_card_number(body: str) -> str:
    """A card number made of ``body`` plus its Luhn check digit."""
    return body + luhn_digit(body)


def normalize_bank_card(raw: str) -> str:
    value = _SEPARATORS.sub("", str(raw or ""))
    if not re.fullmatch(r"\d{16,19}", value):
        raise InvalidValue("银行卡号应为16至19位数字，请核对后重新输入。")
    if not luhn_ok(value):
        raise InvalidValue("银行卡号校验不通过，可能有一位输错了，请核对卡号后重新输入。")
    return value


# --------------------------------------------------------------------------- masking
def mask_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


def mask_id_number(value: str) -> str:
    if len(value) < 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str) -> str:
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_bank_card(value: str) -> str:
    digits = re.sub(r"\D", "", value)
    if len(digits) < 8:
        return "*" * len(digits)
    return f"{digits[:4]} **** **** {digits[-4:]}"


# Free-text masking, for logs. Longest patterns first, and digit runs are matched
# whole so that a bank card is never half-masked as a phone number.
_DIGIT_RUN = re.compile(r"(?<![0-9A-Za-z])\d{11,19}[Xx]?(?![0-9A-Za-z])|(?<!\d)\d{17}[Xx](?!\w)")
_SPACED_CARD = re.compile(r"(?<!\d)\d{4}(?:[ \-]\d{4}){3}(?:[ \-]?\d{1,3})?(?!\d)")
_MOBILE_IN_TEXT = re.compile(r"(?<!\d)(?:\+?86)?1[3-9]\d{9}(?!\d)")


def _mask_run(match: "re.Match[str]") -> str:
    run = match.group(0)
    if len(run) == 18 or (len(run) == 15 and run.isdigit()):
        return mask_id_number(run)
    if len(run) == 11 and run.isdigit():
        return mask_phone(run)
    return mask_bank_card(run)


def mask_text(text: str) -> str:
    """Mask anything in free text that looks like an ID number, mobile or bank card."""
    text = _SPACED_CARD.sub(lambda m: mask_bank_card(m.group(0)), text)
    text = _DIGIT_RUN.sub(_mask_run, text)
    text = _MOBILE_IN_TEXT.sub(lambda m: mask_phone(m.group(0)[-11:]), text)
    return text


# --------------------------------------------------------------------------- extraction
# Candidates inside a chat message. Lookarounds, not \b: \b does not separate
# Chinese characters from digits, and a phone number must not match inside an
# ID number or a bank card.
ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])\d{17}[0-9Xx](?![0-9A-Za-z])")
ID_LIKE_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])\d{14,20}[Xx]?(?![0-9A-Za-z])")
MOBILE_IN_TEXT = re.compile(r"(?<![0-9])(?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d){8}(?![0-9])")
CARD_IN_TEXT = re.compile(r"(?<![0-9])\d{4}(?:[ -]?\d){12,15}(?![0-9])")


# --------------------------------------------------------------------------- log masking
# What a log line may hold besides plain digit runs: an ID number written in
# its 6-8-4 groups, a card or mobile with separators, full-width digits.
_SPACED_ID = re.compile(r"(?<![0-9A-Za-z])\d{6}[ \-]\d{8}[ \-]\d{3}[0-9Xx](?![0-9A-Za-z])")
_SPACED_MOBILE = re.compile(r"(?<!\d)(?:\+?86[ \-]?)?1[3-9]\d[ \-]\d{4}[ \-]\d{4}(?!\d)")
_SEPARATED_DIGITS = re.compile(r"(?<![0-9A-Za-z])\d(?:[ \-]?\d){14,18}[Xx]?(?![0-9A-Za-z])")
_WIDE_DIGITS = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789Xx")


def mask_log_text(text: str) -> str:
    """`mask_text`, plus numbers written with spaces/dashes or full-width digits.

    For logs: anything that could be a full ID number, mobile or bank card is
    masked, even when the writer split it into groups."""
    if not text:
        return text
    if any("０" <= ch <= "９" for ch in text):
        text = text.translate(_WIDE_DIGITS)
    text = _SPACED_ID.sub(lambda m: mask_id_number(re.sub(r"[ \-]", "", m.group(0))), text)
    text = _SPACED_MOBILE.sub(lambda m: mask_phone(re.sub(r"\D", "", m.group(0))[-11:]), text)
    text = mask_text(text)
    text = _SEPARATED_DIGITS.sub(lambda m: _mask_run_digits(re.sub(r"[ \-]", "", m.group(0))), text)
    return text


def _mask_run_digits(run: str) -> str:
    if len(run) == 18 and run[:17].isdigit():
        return mask_id_number(run)
    return mask_bank_card(run)
