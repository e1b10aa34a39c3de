"""Selection expansion, materials checklist, deadlines, completion dates, forms."""
from __future__ import annotations

import datetime as dt

import pytest

from knowledge import phrases
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
    assert d["benefit_suspension"].deadline is None and "未列明办理时限" in d["benefit_suspension"].note
    assert phrases.CONSULT in d["benefit_suspension"].note and "无固定" not in d["benefit_suspension"].note
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
    assert c.date is None and c.text == phrases.not_stated("deadline") and "等待审核" in c.note
    c = kb.expected_completion("career_guidance", day)             # 揭阳 row without a deadline
    assert c.date is None and c.text == phrases.not_stated("deadline") and "等待审核" not in c.note
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


# ---- region attribution ------------------------------------------------------------
def test_every_link_rule_names_its_region_and_guide(kb):
    for r in kb.link_rules:
        assert r.region == r.source.region and r.source.guide_id
        assert r.summary and r.summary in r.quote
        assert r.region in kb.regions


def test_linked_items_carry_the_rule_region(kb):
    sel = kb.expand_selection(["unemployment_benefit"])
    assert not sel[0].linked and sel[0].region is None
    rule = next(r for r in kb.link_rules if r.item_id == "unemployment_benefit")
    for s in sel[1:]:
        assert s.linked and s.region == rule.region == "北京"
        assert s.source == rule.source and s.summary == rule.summary
        assert phrases.linked_note(s.region, s.summary) == f"（北京指引：{rule.summary}）"
    hn = kb.expand_selection(["unemployment_registration"], region="湖南")
    assert hn[1].region == "湖南" and hn[1].source.guide_id == "004"


def test_item_in_region(kb):
    assert kb.regions == ["揭阳", "北京", "湖南"]
    for iid, item in kb.items.items():
        for region in kb.regions:
            assert kb.item_in_region(iid, region) == (region in item.regions)
            assert (kb.provision(iid, region) is not None) == kb.item_in_region(iid, region)
    assert not kb.item_in_region("job_seeker_registration", "揭阳")
    assert kb.item_in_region("job_seeker_registration", "湖南")
    assert "job_seeker_registration" not in kb.items_in_region("揭阳")
    assert kb.service_of("unemployment_registration").id == "unemployment_registration"
    assert kb.service_of("skill_appraisal") is None
    assert kb.service_in_region("service_311", "湖南") and not kb.service_in_region("service_311", "揭阳")
    assert [r.region for r in kb.rules_for("unemployment_registration")] == ["北京", "湖南"]
    assert phrases.region_lacks("揭阳", "求职登记") == "揭阳的指引中没有“求职登记”这一事项"


# ---- nothing invented, no table jargon ---------------------------------------------
INVENTED = ("无固定办结时限", "在线填写申请信息后提交", "没有固定时限", "当场办结")
JARGON = ("合并单元格", "提取文本", "单元格", "不推定")


def _visible_texts(kb):
    import datetime as _dt
    for p in kb.passages:
        yield p.id, p.title + "\n" + p.text
        yield p.id + " (citation)", p.source.citation
    for iid in kb.items:
        c = kb.expected_completion(iid, _dt.date(2026, 6, 1))
        yield iid + " completion", c.text + "\n" + c.note
    for d in kb.deadlines(list(kb.items)):
        yield d.item_id + " deadline", d.note
    for item in kb.items.values():
        for p in item.provisions:
            yield item.id + " provision", "\n".join(filter(None, (p.note, p.deadline_note, p.materials_text,
                                                                   p.source.citation)))
    for b in kb.bundles.values():
        yield b.id, b.common_materials_source.citation


def test_no_invented_statement_or_jargon_reaches_users(kb):
    bad = [(where, w) for where, text in _visible_texts(kb) for w in INVENTED + JARGON if w in text]
    assert bad == []


def test_silence_is_said_with_the_one_phrase(kb):
    assert phrases.not_stated("deadline") == "指引未列明办理时限，可咨询12333或办理地经办机构"
    prov = kb.item("work_capacity_review").provision("揭阳")
    assert prov.deadline is None and prov.deadline_note == phrases.not_stated("deadline")
    assert "合并单元格" in prov.source_note        # kept for maintainers, never rendered
    p = kb.passage("unemployment_registration.beijing.materials")
    assert phrases.not_stated("materials", consult=False) in p.text
