"""resolve_items / resolve_bundle: colloquial names, typos, traditional and
full-width characters, menu numbers, and no matches on unrelated text."""
from __future__ import annotations

import pytest
import zhconv


def ids(kb, text, bundle_id=None):
    return [m.item_id for m in kb.resolve_items(text, bundle_id=bundle_id)]


@pytest.mark.parametrize("text, expected", [
    ("失业登记、就业创业证", ["unemployment_registration", "employment_card"]),
    ("我想领失业金", ["unemployment_benefit"]),
    ("领失业保险要什么材料", ["unemployment_benefit"]),
    ("失业补助怎么申请", ["unemployment_benefit"]),
    ("我要欠薪投诉", ["labor_inspection_complaint"]),
    ("被公司欠工资去哪投诉", ["labor_inspection_complaint"]),
    ("工伤申请要多久", ["work_injury_recognition"]),
    ("职称证补办", ["title_certificate_reissue"]),
    ("职称证丢了怎么补", ["title_certificate_reissue"]),
    ("办就业证", ["employment_card"]),
    ("创业证在哪办", ["employment_card"]),
    ("困难认定需要什么", ["hardship_certification"]),
    ("我想申请失业金和困难认定", ["unemployment_benefit", "hardship_certification"]),
    ("先办求职登记再办失业登记", ["job_seeker_registration", "unemployment_registration"]),
    ("注销失业登记", ["unemployment_deregistration"]),
    ("失业登记信息变更", ["unemployment_info_change"]),
    ("我想换失业金的银行卡", ["benefit_account_change"]),
    ("失业金停发", ["benefit_suspension"]),
    ("不想领失业金了", ["benefit_suspension"]),
    ("劳动能力复查鉴定和停工留薪期确认", ["work_capacity_review", "paid_leave_confirmation"]),
    ("伤残鉴定", ["work_capacity_appraisal"]),
    ("恶意欠薪", ["wage_crime_referral"]),
    ("高层次人才认定、租房补贴", ["talent_recognition", "talent_rent_subsidy"]),
    ("评职称", ["title_evaluation"]),
    ("考技能证", ["skill_appraisal"]),
    ("博士后资助", ["postdoc_funding"]),
    ("首席技师", ["chief_technician"]),
    ("价格补贴", ["price_subsidy"]),
    ("工伤先行支付", ["work_injury_advance_payment"]),
])
def test_colloquial_names(kb, text, expected):
    assert ids(kb, text) == expected


@pytest.mark.parametrize("text, expected", [
    ("失叶登记", "unemployment_registration"),          # wrong character
    ("工伤任定要多久", "work_injury_recognition"),
    ("就业创证", "employment_card"),                    # missing character
    ("价格临时补帖", "price_subsidy"),
    ("高层次人才认", "talent_recognition"),
    ("求职登计", "job_seeker_registration"),
    ("劳动能力坚定申请", "work_capacity_appraisal"),
    ("专业技术人才职称证书补换法", "title_certificate_reissue"),
])
def test_typos(kb, text, expected):
    got = kb.resolve_items(text)
    assert [m.item_id for m in got] == [expected]
    assert got[0].score < 1.0


@pytest.mark.parametrize("text, expected", [
    ("我想領失業金", ["unemployment_benefit"]),
    ("失業登記、就業創業證", ["unemployment_registration", "employment_card"]),
    ("職稱證書補換發", ["title_certificate_reissue"]),
    ("工傷認定", ["work_injury_recognition"]),
    ("失业登记，就业创业证", ["unemployment_registration", "employment_card"]),   # full-width comma
    ("失业登记　价格临时补贴", ["unemployment_registration", "price_subsidy"]),    # ideographic space
    ("１和３", []),                                                          # no bundle: no numbers
])
def test_traditional_and_full_width(kb, text, expected):
    assert ids(kb, text) == expected


def test_menu_numbers_only_with_bundle(kb):
    assert ids(kb, "1和3") == []
    assert ids(kb, "1和3", "unemployment") == ["unemployment_registration", "career_guidance"]
    assert ids(kb, "１、３", "talent") == ["talent_recognition", "title_evaluation"]
    assert ids(kb, "第二项", "labor_rights") == ["work_injury_recognition"]
    assert ids(kb, "选7", "unemployment") == ["unemployment_benefit"]
    assert ids(kb, "20", "unemployment") == []              # beyond the menu
    assert ids(kb, "我失业3个月了", "unemployment") == []    # a quantity, not a menu number
    assert ids(kb, "2026年9月30日", "unemployment") == []


@pytest.mark.parametrize("text", [
    "今天天气不错", "你好", "谢谢", "我要离婚", "怎么登录", "帮我查一下社保缴费", "我的身份证丢了",
    "就业登记怎么办", "住房补贴", "结婚登记", "养老保险怎么交", "劳动仲裁怎么申请", "我想学做饭",
    "失业了心情不好", "能帮我写个简历吗", "办护照要多久", "职业培训有哪些", "创业贷款", "",
])
def test_no_match_on_unrelated_text(kb, text):
    assert kb.resolve_items(text) == []


def test_every_alias_resolves_to_its_item(kb):
    for item in kb.items.values():
        for alias in (item.name,) + item.aliases:
            got = ids(kb, alias)
            assert got and got[0] == item.id, (alias, got)
            trad = zhconv.convert(alias, "zh-hant")
            assert ids(kb, trad)[:1] == [item.id], (trad,)


def test_resolve_bundle(kb):
    assert kb.resolve_bundle("失业一件事") == "unemployment"
    assert kb.resolve_bundle("我想办人才服务") == "talent"
    assert kb.resolve_bundle("勞動維權") == "labor_rights"
    assert kb.resolve_bundle("领失业金") == "unemployment"
    assert kb.resolve_bundle("职称证补办") == "talent"
    assert kb.resolve_bundle("工伤认定") == "labor_rights"
    assert kb.resolve_bundle("unemployment") == "unemployment"
    assert kb.resolve_bundle("你好") is None
    assert kb.resolve_bundle("失业金和工伤认定") is None          # two bundles: ask
