from __future__ import annotations

import os

import pytest

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

from knowledge import load_kb  # noqa: E402
from knowledge.personal_data import id_check_char, luhn_ok  # noqa: E402


def make_id(area: str = "445202", birth: str = "19900101", seq: str = "123") -> str:
    first17 = area + birth + seq
    return first17 + id_check_char(first17)


def make_card(prefix: str = "621700001234567") -> str:
    return next(prefix + d for d in "0123456789" if luhn_ok(prefix + d))


@pytest.fixture(scope="session")
def kb():
    return load_kb()
