"""Reusable constrained string types for request bodies and parameters.

Identifiers are plain ASCII; free text may not contain control characters
(PostgreSQL rejects NUL in text, and nobody types the others on purpose).
"""
from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, StringConstraints

from knowledge.personal_data import InvalidValue

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

ID_PATTERN = r"^[A-Za-z0-9_\-]{1,64}$"
CASE_NUMBER_PATTERN = r"^[A-Za-z0-9\-]{1,40}$"
TOKEN_PATTERN = r"^[\x21-\x7e]{1,128}$"  # printable ASCII, no spaces (idempotency keys)


def no_control_chars(value: str) -> str:
    if _CONTROL.search(value):
        raise InvalidValue("内容包含无法识别的控制字符，请删除后重新输入。")
    return value


def strip_control_chars(value: str) -> str:
    return _CONTROL.sub("", value)


Identifier = Annotated[str, StringConstraints(pattern=ID_PATTERN)]


def FreeText(max_length: int, min_length: int = 0):  # noqa: N802 - reads like a type
    return Annotated[
        str,
        StringConstraints(max_length=max_length, min_length=min_length),
        AfterValidator(no_control_chars),
    ]
