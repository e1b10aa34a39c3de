"""ID number, mobile and bank card validation; masking helpers. No database."""
from __future__ import annotations

import pytest

from knowledge.personal_data import (
    InvalidValue,
    luhn_ok,
    normalize_bank_card,
    normalize_id_number,
    normalize_mobile,
    normalize_phone_last4,
)
from knowledge.personal_data import mask_bank_card, mask_id_number, mask_name, mask_phone, mask_text
from tests.backend.factories import make_card, make_id


def test_valid_id_is_normalised_with_uppercase_x():
    first17 = "11010519491231002"
    from knowledge.personal_data import id_check_char

    assert id_check_char(first17) == "X"
    assert normalize_id_number(first17 + "x") == first17 + "X"
    assert normalize_id_number(" 1101 0519 4912 3100 2X ") == first17 + "X"


@pytest.mark.parametrize(
    "raw, fragment",
    [
        ("", "请输入身份证号码"),
        ("445202900101123", "15位旧版"),
        ("44520219900101123", "应为18位"),
        ("4452021990010112AB", "应为18位"),
        ("995202199001011234", "地区码"),
        ("445202199002301234", "出生日期"),
        ("445202189901011234", "出生日期"),
        ("445202299901011234", "出生日期"),
    ],
)
def test_invalid_ids_are_rejected_with_a_reason(raw, fragment):
    with pytest.raises(InvalidValue) as exc:
        normalize_id_number(raw)
    assert fragment in str(exc.value)


def test_wrong_checksum_is_rejected():
    good = make_id()
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    with pytest.raises(InvalidValue, match="校验位"):
        normalize_id_number(bad)


@pytest.mark.parametrize("raw, expected", [("13812345678", "13812345678"), ("+86 138-1234-5678", "13812345678"), ("19912345678", "19912345678")])
def test_valid_mobiles(raw, expected):
    assert normalize_mobile(raw) == expected


@pytest.mark.parametrize("raw", ["12812345678", "1381234567", "138123456789", "010-12345678", "abc"])
def test_invalid_mobiles(raw):
    with pytest.raises(InvalidValue, match="11位"):
        normalize_mobile(raw)


def test_phone_last4():
    assert normalize_phone_last4("5678") == "5678"
    for bad in ("567", "56789", "56a8", ""):
        with pytest.raises(InvalidValue):
            normalize_phone_last4(bad)


def test_bank_cards_luhn_and_length():
    for length in (16, 17, 18, 19):
        card = make_card(length=length)
        assert luhn_ok(card)
        spaced = " ".join(card[i : i + 4] for i in range(0, len(card), 4))
        assert normalize_bank_card(spaced) == card
    card = make_card()
    broken = card[:-1] + str((int(card[-1]) + 1) % 10)
    with pytest.raises(InvalidValue, match="校验不通过"):
        normalize_bank_card(broken)
    for bad in ("123456789012345", "12345678901234567890", "6222abcd12345678"):
        with pytest.raises(InvalidValue, match="16至19位"):
            normalize_bank_card(bad)


def test_masks():
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_id_number("445202199001011236") == "4452**********1236"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_bank_card("6222021234567891234") == "6222 **** **** 1234"


def test_mask_text_catches_ids_phones_and_cards_in_free_text():
    idn, card = make_id(), make_card()
    spaced = " ".join(card[i : i + 4] for i in range(0, len(card), 4))
    text = f"id={idn} tel 13812345678, card {card}; spaced {spaced}; +8613912345678; lower {idn[:17]}x"
    masked = mask_text(text)
    for raw in (idn, "13812345678", card, spaced, "13912345678", idn[:17] + "x"):
        assert raw not in masked
    assert "138****5678" in masked
    assert mask_id_number(idn) in masked
    # ordinary numbers and case numbers stay readable
    assert mask_text("SY20261122-7K3F9Q 共3项 2026-11-22") == "SY20261122-7K3F9Q 共3项 2026-11-22"
