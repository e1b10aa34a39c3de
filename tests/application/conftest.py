from __future__ import annotations

import os

import pytest

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

from knowledge import load_kb  # noqa: E402
from knowledge.personal_data import complete_card_number, complete_id_number  # noqa: E402


def make_id(area: str = "445202", birth: str = "19900101", seq: str = "123") -> str:
    return complete_id_number(area + birth + seq)


def make_card(prefix: str = "621700001234567") -> str:
    return complete_card_number(prefix)


@pytest.fixture(scope="session")
def kb():
    return load_kb()
