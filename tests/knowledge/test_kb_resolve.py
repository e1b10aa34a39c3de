"""resolve_items / resolve_bundle: colloquial names, typos, traditional and
full-width characters, menu numbers, and no matches on unrelated text."""
from __future__ import annotations

import pytest
import zhconv

from knowledge.resolve import _limit, levenshtein
from knowledge.vocab import key


def ids(kb, text, bundle_id=None, region=None):
    return [m.item_id for m in kb.resolve_items(text, bundle_id=bundle_id, region=region)]


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


# ---- exact before fuzzy; contrasting names; services; regions; ambiguity -------------
def services(kb, text, region=None):
    return [m.service_id for m in kb.resolve_services(text, region=region)]


@pytest.mark.parametrize("text, service_id", [
    ("湖南办就业登记要什么材料", "employment_registration"),
    ("就业登记需要什么材料", "employment_registration"),
    ("自主创业登记要带什么", "employment_registration"),
    ("就业登计多久能办好", "employment_registration"),          # typo of 就业登记, not 失业登记
    ("注销就业登记要什么", "employment_deregistration"),
    ("湖南注销就业登记多久", "employment_deregistration"),
    ("就业登记注销", "employment_deregistration"),
    ("就业失业动态确认是什么", "unemployment_status_confirmation"),
    ("“311”就业服务有几次", "service_311"),
    ("311是什么", "service_311"),
    ("迁入劳动者怎么办", "transfer_in"),
    ("迁出需要什么", "transfer_out"),
])
def test_services_named_are_not_items(kb, text, service_id):
    assert ids(kb, text) == []
    assert services(kb, text) == [service_id]


def test_every_service_alias_resolves_to_its_service(kb):
    for s in kb.services.values():
        if s.item_id is not None:
            continue
        for alias in (s.name,) + s.aliases:
            assert services(kb, alias)[:1] == [s.id], alias
            assert ids(kb, alias) == [], alias
            trad = zhconv.convert(alias, "zh-hant")
            assert services(kb, trad)[:1] == [s.id], trad


def test_services_through_their_items(kb):
    got = kb.resolve_services("湖南失业登记要什么材料")
    assert [(m.service_id, m.item_id) for m in got] == [("unemployment_registration", "unemployment_registration")]
    assert services(kb, "注销失业登记") == ["unemployment_deregistration"]
    assert services(kb, "职业技能鉴定") == []                      # no 湖南 service


def test_numbers_inside_longer_numbers_are_no_service(kb):
    assert services(kb, "13112345678") == [] and services(kb, "３１１") == ["service_311"]


@pytest.mark.parametrize("text, not_item", [
    ("注销就业", "unemployment_deregistration"),        # 就 is not a typo of 失
    ("自主创业登记", "unemployment_registration"),      # 创 is not a typo of 失
    ("失业登记注册", "unemployment_deregistration"),    # 注册 is not a typo of 注销
    ("注销就业登记", "unemployment_deregistration"),
    ("就业登记", "unemployment_registration"),
])
def test_contrasting_characters_never_fuzzy_match(kb, text, not_item):
    assert not_item not in ids(kb, text)


def _contrast_pairs(kb):
    """(name A of X, name B of Y) where B is A with one contrasting word swapped
    (失业登记 / 就业登记, 注销失业登记 / 注销就业登记, 工伤认定 / 工伤鉴定)."""
    res = kb.resolver
    pairs = []
    for k, (target, _original) in res.terms.items():
        if target is None or len(k) < 4:
            continue
        for group in res.contrasts:
            for a in group:
                for b in group:
                    if a == b or a not in k or b in k:
                        continue
                    v = k.replace(a, b, 1)
                    other = res.terms.get(v)
                    if other and other[0] is not None and other[0] != target:
                        pairs.append((k, target, v, other[0], v.index(b), len(b)))
    return pairs


def test_contrast_pairs_exist_in_the_data(kb):
    pairs = {(a, b) for a, _, b, _, _, _ in _contrast_pairs(kb)}
    assert ("失业登记", "就业登记") in pairs and ("注销失业登记", "注销就业登记") in pairs
    assert ("工伤认定", "工伤鉴定") in pairs


def test_a_typo_of_one_name_never_becomes_its_contrasting_name(kb):
    """就业登计 (a typo of 就业登记) is never read as 失业登记, for every contrast pair."""
    bad = []
    checked = 0
    for a, x, b, y, pos, length in _contrast_pairs(kb):
        typos = [b[:p] + "某" + b[p + 1:] for p in range(len(b)) if not pos <= p < pos + length]
        # cut short, keeping the contrasting word: 注销就业(登记) must not become 注销失业
        typos += [b[i:j] for i in range(0, pos + 1) for j in range(pos + length, len(b) + 1)
                  if 3 <= j - i < len(b)]
        for typo in typos:
            checked += 1
            got = [(m.kind, m.id) for m in kb.resolve(typo) if m.score < 0.95 and not m.ambiguous]
            if x in got:
                bad.append((b, typo, x))
    assert checked > 50 and bad == []


@pytest.mark.parametrize("text, expected", [
    ("职业技能鑒定需要什么", "skill_appraisal"),
    ("職業技能鑒定", "skill_appraisal"),
    ("工伤认訂要什么材料", "work_injury_recognition"),
    ("工傷認訂", "work_injury_recognition"),
    ("失业登记注消", "unemployment_deregistration"),      # typo of the longer name wins over 失业登记
    ("我想办失业登记注消", "unemployment_deregistration"),
    ("注销失业登计", "unemployment_deregistration"),
    ("ｓｈｉ失叶登记", "unemployment_registration"),
])
def test_typos_traditional_full_width(kb, text, expected):
    assert ids(kb, text) == [expected]


def test_ambiguous_words_report_both_candidates(kb):
    (m,) = kb.resolve_items("业登记")          # 失业登记 or 就业登记?
    assert m.ambiguous and m.item_id == "unemployment_registration"
    assert [(c.kind, c.id) for c in m.ambiguous_with] == [("service", "employment_registration")]
    assert m.ambiguous_with[0].name == kb.service("employment_registration").name
    (s,) = kb.resolve_services("业登记")
    assert s.ambiguous and {s.service_id} | {c.id for c in s.ambiguous_with} == \
        {"unemployment_registration", "employment_registration"}
    (m,) = kb.resolve_items("工伤审定")         # 工伤认定 or 工伤鉴定 (劳动能力鉴定)?
    assert {m.item_id} | {c.id for c in m.ambiguous_with} == {"work_injury_recognition", "work_capacity_appraisal"}
    # ... but a typo that sounds exactly like one of them is that one (pinyin input: gongshang jianding)
    (m,) = kb.resolve_items("工伤坚定")
    assert m.item_id == "work_capacity_appraisal" and not m.ambiguous
    # exact names are never ambiguous
    assert not any(x.ambiguous for x in kb.resolve("失业登记和就业登记"))


def test_a_named_region_limits_fuzzy_matches(kb):
    assert kb.regions_in("我是揭阳的，失业登记需要什么材料") == ["揭阳"]
    assert kb.regions_in("湖南省和北京市有什么不同") == ["湖南", "北京"]
    assert kb.item("benefit_suspension").regions == ("北京",)
    assert ids(kb, "失业保险金停法") == ["benefit_suspension"]        # typo, no region named
    assert ids(kb, "北京失业保险金停法") == ["benefit_suspension"]
    assert "benefit_suspension" not in ids(kb, "湖南失业保险金停法")    # 湖南 has no such item
    assert "benefit_suspension" not in ids(kb, "失业保险金停法", region="揭阳")
    # exact names are kept: the answer says that the region's guide lacks the item
    assert ids(kb, "揭阳求职登记要什么材料") == ["job_seeker_registration"]
    assert not kb.item_in_region("job_seeker_registration", "揭阳")


def test_resolve_gives_items_and_services_in_text_order(kb):
    got = [(m.kind, m.id) for m in kb.resolve("就业登记和失业登记有什么区别")]
    assert got == [("service", "employment_registration"), ("item", "unemployment_registration")]
