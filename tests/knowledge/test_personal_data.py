"""GB 11643 ID numbers, mobiles, Luhn bank cards, masking and extraction (knowledge/personal_data.py)."""
from __future__ import annotations

from datetime import date

import pytest

from knowledge.personal_data import (
    CARD_IN_TEXT,
    ID_IN_TEXT,
    MOBILE_IN_TEXT,
    InvalidValue,
    age_on,
    complete_card_number,
    complete_id_number,
    id_birth_date,
    id_gender,
    luhn_ok,
    mask_bank_card,
    mask_id_number,
    mask_name,
    mask_phone,
    mask_text,
    normalize_bank_card,
    normalize_id_number,
    normalize_mobile,
    normalize_phone_last4,
)


def make_id(area: str = "445202", birth: str = "19900101", seq: str = "123") -> str:
    return complete_id_number(area + birth + seq)


with_luhn = complete_card_number


def test_known_valid_id_numbers():
    # the GB 11643 example number and a number ending in X
    assert normalize_id_number("11010519491231002X") == "11010519491231002X"
    assert normalize_id_number("11010519491231002x") == "11010519491231002X"
    assert normalize_id_number(" 1101 0519 4912 3100 2X ") == "11010519491231002X"


@pytest.mark.parametrize(
    "raw, message",
    [
        ("", "请输入"),
        ("110105194912310", "15位"),
        ("11010519491231002", "18位"),
        ("11010519491231002XX", "18位"),
        ("1101051949123100AX", "18位"),
        ("11010519491231002Y", "18位"),
        ("11010519491231003X", "校验位"),            # checksum off by one digit
        ("99010519491231002X", "地区码"),
        (make_id(birth="19900230"), "出生日期"),      # 30 February
        (make_id(birth="21990101"), "出生日期"),      # in the future
        (make_id(birth="18991231"), "出生日期"),
    ],
)
def test_invalid_id_numbers_say_why(raw, message):
    with pytest.raises(InvalidValue) as exc:
        normalize_id_number(raw)
    assert message in str(exc.value)


def test_facts_from_the_id_number():
    number = make_id(birth="20080615", seq="021")      # 17th digit 1: odd -> male
    assert id_birth_date(number) == date(2008, 6, 15)
    assert id_gender(number) == "男"
    assert id_gender(make_id(seq="022")) == "女"
    assert age_on(date(2008, 6, 15), date(2024, 6, 14)) == 15
    assert age_on(date(2008, 6, 15), date(2024, 6, 15)) == 16


@pytest.mark.parametrize("raw", ["13812345678", "138 1234 5678", "+8613812345678", "138-1234-5678", "19912345678"])
def test_valid_mobiles(raw):
    assert len(normalize_mobile(raw)) == 11


@pytest.mark.parametrize("raw", ["12812345678", "1381234567", "138123456789", "abc", "02512345678"])
def test_invalid_mobiles(raw):
    with pytest.raises(InvalidValue, match="11位"):
        normalize_mobile(raw)


def test_phone_last4():
    assert normalize_phone_last4("5678") == "5678"
    for bad in ("567", "56789", "abcd"):
        with pytest.raises(InvalidValue):
            normalize_phone_last4(bad)


def test_bank_cards_luhn_and_length():
    card = with_luhn("621700001234567")                 # 16 digits
    assert normalize_bank_card(card) == card
    assert normalize_bank_card(" ".join([card[:4], card[4:8], card[8:12], card[12:]])) == card
    long_card = with_luhn("622202020011223344")          # 19 digits
    assert normalize_bank_card(long_card) == long_card
    wrong = card[:-1] + str((int(card[-1]) + 1) % 10)
    with pytest.raises(InvalidValue, match="校验"):
        normalize_bank_card(wrong)
    with pytest.raises(InvalidValue, match="16至19位"):
        normalize_bank_card("123456789012345")
    with pytest.raises(InvalidValue, match="16至19位"):
        normalize_bank_card(with_luhn("6222020200112233445"))   # 20 digits


def test_masking():
    assert mask_id_number("445202199001011236") == "4452**********1236"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_bank_card("6222020200112233445") == "6222 **** **** 3445"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"


def test_mask_text_hides_every_kind_in_free_text():
    text = "身份证445202199001011236，手机13812345678，卡号6222 0202 0011 2233 445。"
    masked = mask_text(text)
    for secret in ("445202199001011236", "13812345678", "6222 0202 0011 2233 445", "2233"):
        assert secret not in masked
    assert "4452**********1236" in masked and "138****5678" in masked


def test_extraction_regexes_use_lookarounds():
    id_number = make_id()
    sentence = f"我的身份证是{id_number}，电话13812345678"
    assert ID_IN_TEXT.search(sentence).group(0) == id_number
    assert MOBILE_IN_TEXT.search(sentence).group(0) == "13812345678"
    # a phone number must not be found inside an ID number or a bank card
    assert MOBILE_IN_TEXT.search(f"身份证{make_id(area='113810', birth='19900101')}") is None
    assert MOBILE_IN_TEXT.search("卡号6222138123456789012") is None
    assert CARD_IN_TEXT.search("卡号是6222020200112233445谢谢").group(0) == "6222020200112233445"


def test_completion_functions_produce_valid_numbers():
    assert complete_id_number("11010519491231002") == "11010519491231002X"
    for body in ("621700001234567", "622202020011223344", "4", "79927398713"[:-1]):
        card = complete_card_number(body)
        assert card.startswith(body) and luhn_ok(card)
        # exactly one digit works
        assert sum(luhn_ok(body + d) for d in "0123456789") == 1
    assert complete_card_number("7992739871") == "79927398713"     # the classic Luhn example
