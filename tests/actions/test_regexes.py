"""The personal-data regexes in data/nlu/personal_data.yml (Python ``re``)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

DOC = yaml.safe_load(Path("data/nlu/personal_data.yml").read_text(encoding="utf-8"))
REGEXES = {
    entry["regex"]: [re.compile(line[2:].strip()) for line in entry["examples"].splitlines() if line.strip()]
    for entry in DOC["nlu"]
    if "regex" in entry
}


def found(name: str, text: str):
    return [m.group(0) for pattern in REGEXES[name] for m in pattern.finditer(text)]


@pytest.mark.parametrize(
    "text,expected",
    [
        ("我的手机13812345678", ["13812345678"]),
        ("电话：15912345678，谢谢", ["15912345678"]),
        ("身份证445202199001011234", []),             # not inside an ID number
        ("卡号6222021381234567890", []),                # not inside a bank card
        ("12345678901", []),                            # does not start with 1[3-9]
        ("138123456789", []),                           # 12 digits
    ],
)
def test_phone(text, expected):
    assert found("phone", text) == expected


@pytest.mark.parametrize(
    "text,expected",
    [
        ("身份证号44520219880512002X", ["44520219880512002X"]),
        ("我是430102199512120036啊", ["430102199512120036"]),
        ("手机13812345678", []),
        ("4452021988051200211", []),  # 19 digits
    ],
)
def test_id_number(text, expected):
    assert found("id_number", text) == expected


@pytest.mark.parametrize(
    "text,expected",
    [
        ("卡号6222021234567890123", ["6222021234567890123"]),
        ("银行卡6217000012345678", ["6217000012345678"]),
        ("卡号 6222 0212 3456 7890", ["6222 0212 3456 7890"]),
        ("身份证445202199001011234", []),  # an ID number is not a bank card
        ("手机13812345678", []),
    ],
)
def test_bank_card(text, expected):
    assert found("bank_card", text) == expected
