"""Selection expansion, materials checklist, deadlines, completion dates, forms."""
from __future__ import annotations

import datetime as dt

import pytest

from knowledge.calendar import add_working_days
from knowledge.errors import UnknownId


# ---- selection --------------------------------------------------------------
def test_benefit_pulls_in_registration_and_job_seeking(kb):
    sel = kb.expand_selection(["unemployment_benefit"])
    assert [s.item_id for s in sel] == ["unemployment_benefit", "unemployment_registration", "job_seeker_registration"]
    assert sel[0].added_by is None and sel[0].reason is None
    assert sel[1].added_by == "unemployment_benefit" and "自动勾选联办" in sel[1].reason


def test_user_order_first_dedup_and_transitive(kb):
    sel = kb.expand_selection(["employment_card", "unemployment_registration", "employment_card"])
    assert [s.item_id for s in sel] == ["employment_card", "unemployment_registration", "job_seeker_registration"]
    assert sel[2].added_by == "unemployment_registration"
    sel = kb.expand_selection(["job_seeker_registration", "unemployment_benefit"])
    assert [s.item_id for s in sel] == ["job_seeker_registration", "unemployment_benefit", "unemployment_registration"]
    assert sel[0].added_by is None          # chosen by the user, not added
    assert kb.expand_selection([]) == []


def test_region_filter(kb):
    assert [s.item_id for s in kb.expand_selection(["unemployment_registration"], region="揭阳")] == \
        ["unemployment_registration"]
    hn = kb.expand_selection(["unemployment_registration"], region="湖南")
    assert hn[1].item_id == "job_seeker_registration" and "同步进行求职登记" in hn[1].reason


def test_required_by(kb):
    sel = ["unemployment_benefit", "unemployment_registration", "job_seeker_registration", "employment_card"]
    assert kb.required_by("job_seeker_registration", sel) == ["unemployment_benefit", "unemployment_registration"]
    assert kb.required_by("unemployment_registration", sel) == ["unemployment_benefit"]
    assert kb.required_by("employment_card", sel) == []
    assert kb.required_by("unemployment_benefit", sel) == []


def test_unknown_ids(kb):
    with pytest.raises(UnknownId):
        kb.expand_selection(["失业金"])
    with pytest.raises(UnknownId):
        kb.materials_checklist(["nope"])


# ---- materials ----------------------------------------------------------------
def test_common_materials_listed_once(kb):
    cl = kb.materials_checklist(["unemployment_registration", "employment_card", "career_guidance"])
    names = [e.material.name for e in cl]
    assert names.count("个人有效身份证件") == 1
    idc = cl[0]
    assert idc.material.kind == "common"
    assert idc.needed_by == ["unemployment_registration", "employment_card", "career_guidance"]
    assert names == ["个人有效身份证件", "承诺书", "本人学历证书", "近期免冠二寸彩色相片"]
    assert all(str(e.source) == "揭阳市人社局《失业“一件事”办事指引》" for e in cl)


def test_identical_materials_across_items_once(kb):
    cl = kb.materials_checklist(["work_capacity_appraisal", "work_capacity_review", "paid_leave_confirmation"])
    assert len(cl) == 4        # 2 common + 2 shared other materials
    form = next(e for e in cl if e.material.name == "劳动能力鉴定（确认）申请表")
    assert form.needed_by == ["work_capacity_appraisal", "work_capacity_review", "paid_leave_confirmation"]


def test_checklist_across_bundles_keeps_different_id_documents(kb):
    cl = kb.materials_checklist(["talent_recognition", "labor_inspection_complaint"])
    ids = [e for e in cl if e.material.name.startswith("本人身份证/社保卡")]
    assert len(ids) == 2                         # note 境外人员提供护照 differs
    assert {str(e.source) for e in ids} == {"揭阳市人社局《人才服务“一件事”办事指引》",
                                             "揭阳市人社局《劳动维权服务“一件事”办事指引》"}


def test_checklist_by_region(kb):
    hn = kb.materials_checklist(["unemployment_registration", "employment_card", "job_seeker_registration"], region="湖南")
    names = [e.material.name for e in hn]
    assert names == ["身份证", "就业失业求职登记表", "申办人员免冠彩色照片"]
    assert hn[0].needed_by == ["unemployment_registration", "employment_card", "job_seeker_registration"]
    assert all(e.source.region == "湖南" for e in hn)
    # default: 北京-only items list no materials; 求职登记 falls back to 湖南 and says so
    cl = kb.materials_checklist(["job_seeker_registration", "benefit_suspension"])
    assert [e.material.name for e in cl] == ["身份证", "就业失业求职登记表"]
    assert cl[0].source.region == "湖南"


def test_items_without_materials_say_why(kb):
    from knowledge.materials import items_without_materials

    why = dict(items_without_materials(kb, ["wage_crime_referral", "benefit_suspension", "employment_card"]))
    assert set(why) == {"wage_crime_referral", "benefit_suspension"}
    assert "公安机关移送" in why["wage_crime_referral"]
    assert "北京市" in why["benefit_suspension"]


def test_conditional_material(kb):
    cl = kb.materials_checklist(["work_injury_advance_payment"])
    last = cl[-1].material
    assert last.name == "裁定终结执行书" and last.condition == "法院裁定终结执行的"


# ---- deadlines ------------------------------------------------------------------
def test_deadlines(kb):
    d = {x.item_id: x for x in kb.deadlines(["hardship_certification", "job_seeker_registration",
                                              "benefit_suspension", "work_injury_recognition", "employment_card"])}
    assert d["hardship_certification"].deadline.text == "21 个工作日"
    assert d["job_seeker_registration"].deadline.text == "5个工作日内"
    assert d["job_seeker_registration"].source.region == "湖南"
    assert d["benefit_suspension"].deadline is None and "无固定办结时限" in d["benefit_suspension"].note
    assert "等待审核" in d["benefit_suspension"].note
    assert "情况复杂的延长30日" in d["work_injury_recognition"].note
    assert "7个工作日内" in d["employment_card"].note and d["employment_card"].deadline.text == "即办"


def test_primary_provision(kb):
    assert kb.item("unemployment_registration").primary.region == "揭阳"
    assert kb.item("job_seeker_registration").primary.region == "湖南"
    assert kb.item("unemployment_info_change").primary is None
    assert kb.item("career_guidance").primary is None


# ---- expected completion ------------------------------------------------------------
def test_working_days_skip_national_day(kb):
    c = kb.expected_completion("unemployment_registration", dt.date(2026, 9, 30))
    # 10-01..10-07 holiday; 10-10 (Saturday) is an adjusted working day
    assert c.date == dt.date(2026, 10, 13) and not c.estimated
    assert "5个工作日" in c.note and "2026年10月13日" in c.text


def test_plain_weekdays_would_give_another_date():
    d, est = add_working_days(dt.date(2026, 9, 30), 5)
    assert d != dt.date(2026, 10, 7) and not est


def test_spring_festival_and_adjusted_workday():
    # 2026 春节: 2-15..2-23 off, 2-14 (Saturday) and 2-28 (Saturday) are working days
    assert add_working_days(dt.date(2026, 2, 13), 1) == (dt.date(2026, 2, 14), False)
    assert add_working_days(dt.date(2026, 2, 14), 1) == (dt.date(2026, 2, 24), False)


def test_beyond_calendar_data_is_estimated(kb):
    c = kb.expected_completion("hardship_certification", dt.date(2026, 12, 25))
    assert c.estimated and c.date is not None and "估算" in c.note
    d, est = add_working_days(dt.date(2027, 3, 5), 1)     # Friday -> Monday
    assert (d, est) == (dt.date(2027, 3, 8), True)
    assert add_working_days(dt.date(2026, 9, 30), 0) == (dt.date(2026, 9, 30), False)


def test_other_kinds(kb):
    day = dt.date(2026, 6, 1)
    c = kb.expected_completion("employment_card", day)
    assert c.date == day and "即办" in c.text
    c = kb.expected_completion("talent_recognition", day)
    assert c.date is None and c.text == "以当年申报通知为准"
    c = kb.expected_completion("work_injury_recognition", day)     # 30日 = calendar days
    assert c.date == dt.date(2026, 7, 1) and "情况复杂的延长30日" in c.note
    c = kb.expected_completion("benefit_account_change", day)
    assert c.date is None and c.text == "无固定办结时限" and "等待审核" in c.note
    c = kb.expected_completion("labor_inspection_complaint", day)
    assert "决定是否立案" in c.text and "立案起60个工作日内完成调查" in c.note
    c = kb.expected_completion("job_seeker_registration", day)
    assert c.date == add_working_days(day, 5)[0] and "湖南" in c.note


# ---- forms -----------------------------------------------------------------------------
def test_form_sections_for_linked_selection(kb):
    ids = [s.item_id for s in kb.expand_selection(["unemployment_benefit"])]
    secs = kb.form_sections(ids)
    assert [s.id for s in secs] == ["basic_info", "job_seeker_registration", "unemployment_registration",
                                    "unemployment_benefit"]
    assert "residence_differs" in [f.id for f in secs[0].fields]


def test_basic_info_only_minimal_for_single_items(kb):
    secs = kb.form_sections(["benefit_suspension"])
    assert [s.id for s in secs] == ["basic_info", "benefit_suspension"]
    assert [f.label for f in secs[0].fields] == ["姓名", "证件类型", "身份证号", "电话"]


def test_items_without_form_get_basic_info_only(kb):
    secs = kb.form_sections(["career_guidance", "talent_rent_subsidy"])
    assert [s.id for s in secs] == ["basic_info"]
    secs = kb.form_sections(["work_injury_recognition"])
    assert secs[1].derived and secs[1].fields[0].label == "用人单位名称"
