"""knowledge.understand: what a message names and asks, read with the lexicon's cues."""
from __future__ import annotations

import pytest

from knowledge.understand import analyze


@pytest.mark.parametrize("text, item_id, aspects", [
    ("职业技能鉴定审核要几天", "skill_appraisal", ["deadline"]),
    ("租房补贴每个月多少", "talent_rent_subsidy", ["amount"]),          # an amount, asked without 钱
    ("博士后资助一次性给多少", "postdoc_funding", ["amount"]),
    ("工伤认定申请后多少天出结论", "work_injury_recognition", ["deadline"]),   # 多少天 is a deadline, not an amount
    ("职業技能鑒定多久", "skill_appraisal", ["deadline"]),
])
def test_item_and_aspects(kb, text, item_id, aspects):
    a = analyze(kb, text)
    assert a.items == [item_id]
    assert a.aspects == aspects


def test_same_or_not_asks_the_difference(kb):
    a = analyze(kb, "求职登记跟失业登记是不是一回事")
    assert set(a.items) == {"job_seeker_registration", "unemployment_registration"}
    assert "difference" in a.aspects


def test_a_situation_in_everyday_words_names_the_items_it_needs(kb):
    a = analyze(kb, "厂里拖了我三个月工资，去哪投诉，要准备啥")
    assert a.items == []
    assert a.situation_items == ["labor_inspection_complaint"]
    assert set(a.aspects) == {"materials", "channel"}
