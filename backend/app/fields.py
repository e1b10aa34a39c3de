"""Reusable constrained string types for request bodies and parameters.

Identifiers are plain ASCII; free text may not contain control characters
(PostgreSQL rejects NUL in text, and nobody types the others on purpose).
"""
from __future__ import annotations

import re
from typing import Annotated, Any, Union

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints, model_validator

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


SURROGATE_MESSAGE = "内容包含无法识别的字符，请删除后重新输入。"


def has_lone_surrogate(value: str) -> bool:
    """JSON's "\ud800" escapes decode to a str that cannot be UTF-8 encoded."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _find_surrogate(value: Any, depth: int = 0) -> bool:
    if isinstance(value, str):
        return has_lone_surrogate(value)
    if depth > 32:
        return False  # deeper structures are refused by the models' types anyway
    if isinstance(value, dict):
        return any(_find_surrogate(k, depth + 1) or _find_surrogate(v, depth + 1) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(_find_surrogate(v, depth + 1) for v in value)
    return False


class RequestModel(BaseModel):
    """Base of every request body: unknown keys refused, lone surrogates refused (422)."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _no_lone_surrogates(cls, data: Any) -> Any:
        if _find_surrogate(data):
            raise ValueError(SURROGATE_MESSAGE)
        return data


# A form answer is one JSON scalar: text, number, true/false (or null = not answered).
FormValue = Union[Annotated[str, StringConstraints(max_length=2000)], bool, int, float, None]
MAX_FORM_KEYS = 100
