"""Parsing chat answers into form values, over many ways people type them."""
from __future__ import annotations

from datetime import timedelta

import pytest

from actions.application.answers import (
    InvalidAnswer,
    cn_int,
    options_for,
    parse_answer,
    parse_bool,
    parse_choice,
    parse_count,
    parse_date,
    parse_region,
    parse_text,
)
from knowledge.personal_data import today_local
from tests.application.conftest import make_card, make_id

EMPLOYMENT = ["全职", "兼职", "临时", "小时工", "新就业形态"]
CARD_TYPES = ["银行储蓄卡", "银行存折"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("全职", "全职"), ("全职。", "全职"), (" 兼职 ", "兼职"), ("1", "全职"), ("第2个", "兼职"),
        ("选3", "临时"), ("四", "小时工"), ("第五项", "新就业形态"), ("我是全职的", "全职"),
        ("钟点工", "小时工"), ("我送外卖", "新就业形态"), ("新就业型态", "新就业形态"), ("５", "新就业形态"),
    ],
)
def test_employment_form_choices(text, expected):
    assert parse_choice(EMPLOYMENT, text) == expected


@pytest.mark.parametrize("text, expected", [("储蓄卡", "银行储蓄卡"), ("存折", "银行存折"), ("借记卡", "银行储蓄卡"), ("2", "银行存折")])
def test_card_type_synonyms(text, expected):
    assert parse_choice(CARD_TYPES, text) == expected


@pytest.mark.parametrize("text", ["第9个", "0", "随便", "我不知道", ""])
def test_unrecognised_choices_are_refused(text):
    with pytest.raises(InvalidAnswer):
        parse_choice(EMPLOYMENT, text)


def test_dependent_choice_offers_only_valid_options(kb):
    salary = next(f for s in kb.form_sections(["job_seeker_registration"]) for f in s.fields if f.id == "salary_type")
    assert options_for(salary, {"employment_form": "全职"}) == ["年薪", "月薪"]
    assert options_for(salary, {"employment_form": "兼职"}) == ["时薪", "一次性劳务费", "计件"]
    assert parse_answer(salary, "月薪", {"employment_form": "全职"}) == "月薪"
    with pytest.raises(InvalidAnswer, match="只能选择：时薪、一次性劳务费、计件"):
        parse_answer(salary, "月薪", {"employment_form": "小时工"})
    assert parse_answer(salary, "按小时", {"employment_form": "小时工"}) == "时薪"


@pytest.mark.parametrize(
    "text, expected",
    [("是", True), ("是的", True), ("对", True), ("认可", True), ("无异议", True), ("没问题", True), ("嗯", True),
     ("否", False), ("不是", False), ("没有", False), ("有异议", False), ("不", False), ("没", False), ("NO", False)],
)
def test_yes_no(text, expected):
    assert parse_bool(text) is expected


def test_residence_question_reads_consistent_and_different():
    assert parse_bool("不一致", "residence_differs") is True
    assert parse_bool("户籍地和常住地一样", "residence_differs") is False
    with pytest.raises(InvalidAnswer):
        parse_bool("也许吧")


@pytest.mark.parametrize(
    "text, expected",
    [("2024-03-15", "2024-03-15"), ("2024/3/5", "2024-03-05"), ("2024年3月5日", "2024-03-05"),
     ("2024.03.05", "2024-03-05"), ("20240305", "2024-03-05"), ("我是2023年12月1号受伤的", "2023-12-01")],
)
def test_dates(text, expected):
    assert parse_date(text) == expected


def test_relative_and_invalid_dates():
    assert parse_date("昨天") == (today_local() - timedelta(days=1)).isoformat()
    for bad, message in (("2024-02-30", "不存在"), ("上个月", "年-月-日"), ("1900-01-01", "太早")):
        with pytest.raises(InvalidAnswer, match=message):
            parse_date(bad)
    tomorrow = today_local() + timedelta(days=1)
    with pytest.raises(InvalidAnswer, match="晚于今天"):
        parse_date(tomorrow.isoformat())


@pytest.mark.parametrize("text, expected", [("12", 12), ("十二", 12), ("二十五个月", 25), ("6个月", 6), ("两", 2), ("一百", 100)])
def test_counts(text, expected):
    assert parse_count(text) == expected


def test_cn_int_and_bad_counts():
    assert cn_int("十") == 10 and cn_int("九十九") == 99 and cn_int("abc") is None
    with pytest.raises(InvalidAnswer):
        parse_count("很多")
    with pytest.raises(InvalidAnswer):
        parse_count("700")


def test_regions_and_names():
    assert parse_region("广东省揭阳市榕城区") == "广东省揭阳市榕城区"
    with pytest.raises(InvalidAnswer, match="行政区划"):
        parse_region("榕城")
    assert parse_text("我叫张三", "name") == "张三"
    assert parse_text("阿卜杜·热合曼", "name") == "阿卜杜·热合曼"
    for bad in ("张3", "1", "@@"):
        with pytest.raises(InvalidAnswer):
            parse_text(bad, "name")


class _Field:
    def __init__(self, type_, id_="x", confirm_of=None):
        self.type, self.id, self.confirm_of = type_, id_, confirm_of
        self.choices, self.choices_by, self.depends_on = (), {}, None


def test_id_phone_and_card_found_inside_sentences():
    number = make_id()
    assert parse_answer(_Field("id_number"), f"我的身份证号是{number.lower()}", {}) == number
    assert parse_answer(_Field("phone"), "手机：138 1234 5678，谢谢", {}) == "13812345678"
    card = make_card()
    assert parse_answer(_Field("bank_card"), f"卡号 {card[:4]} {card[4:8]} {card[8:12]} {card[12:]}", {}) == card


@pytest.mark.parametrize(
    "type_, text, message",
    [("id_number", "12345", "18位"), ("id_number", make_id()[:-1] + ("0" if make_id()[-1] != "0" else "1"), "校验位"),
     ("phone", "1381234567", "11位"), ("phone", make_id(), "11位"), ("bank_card", "6222020200112233440", "校验")],
)
def test_invalid_structured_answers(type_, text, message):
    with pytest.raises(InvalidAnswer, match=message):
        parse_answer(_Field(type_), text, {})


def test_card_confirmation_must_match():
    card, other = make_card(), make_card("621700001234568")
    confirm = _Field("bank_card", "confirm_bank_card_number", confirm_of="new_bank_card_number")
    assert parse_answer(confirm, card, {"new_bank_card_number": card}) == card
    with pytest.raises(InvalidAnswer, match="不一致"):
        parse_answer(confirm, other, {"new_bank_card_number": card})
