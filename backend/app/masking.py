"""Masking of personal data for display: 张*, 4452**********1236, 138****5678, 6222 **** **** 1234."""
from __future__ import annotations

import re


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


# Free-text masking, used by the logging filter. Longest patterns first, and
# digit runs are matched whole so that a bank card is never half-masked as a phone.
_DIGIT_RUN = re.compile(r"(?<![0-9A-Za-z])\d{11,19}[Xx]?(?![0-9A-Za-z])|(?<!\d)\d{17}[Xx](?!\w)")
_SPACED_CARD = re.compile(r"(?<!\d)\d{4}(?:[ \-]\d{4}){3}(?:[ \-]?\d{1,3})?(?!\d)")
_MOBILE_IN_TEXT = re.compile(r"(?<!\d)(?:\+?86)?1[3-9]\d{9}(?!\d)")


def _mask_run(match: re.Match[str]) -> str:
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
