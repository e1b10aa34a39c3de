"""湖南 procedures (guide 004) against the guide text."""
from __future__ import annotations

import re

import pytest

from kb_guides import same, squash_ws


@pytest.fixture(scope="module")
def sections(guide):
    """number -> (heading, body) of the numbered sections of guide 004."""
    text = guide("004")
    parts = re.split(r"^\s*(\d+)、\s*(.+?)\s*$", text, flags=re.M)
    out = {}
    for i in range(1, len(parts) - 2, 3):
        out[parts[i]] = (parts[i + 1], parts[i + 2])
    return out


def field(body: str, label: str) -> str | None:
    m = re.search(rf"^{label}：(.+)$", body, flags=re.M)
    return m.group(1).strip() if m else None


def test_every_section_is_a_service(kb, sections):
    assert sorted(sections, key=int) == [str(n) for n in range(1, 12)]
    by_number = {s.number: s for s in kb.services.values()}
    for num, (heading, _) in sections.items():
        assert same(by_number[num].name, heading), (num, heading)
    assert set(kb.services) >= {
        "unemployment_registration", "job_seeker_registration", "unemployment_status_confirmation",
        "service_311", "employment_registration", "unemployment_deregistration",
        "employment_deregistration", "transfer_in", "transfer_out", "employment_card", "unified_platform"}


def test_service_fields_equal_guide(kb, sections):
    for s in kb.services.values():
        _, body = sections[s.number]
        if s.agency_label:
            assert same(field(body, s.agency_label), s.agency), (s.id, s.agency_label)
        if s.target_label:
            assert same(field(body, s.target_label), s.eligibility.text), (s.id, s.target_label)
        for label, value in (("受理渠道", s.channels_text), ("受理材料", s.materials_text),
                             ("办结时限", s.deadline.text if s.deadline else None)):
            assert same(field(body, label), value), (s.id, label)
        if field(body, "服务内容") and not s.cases:
            assert same(field(body, "服务内容"), s.content), s.id
        for r in s.requirements:
            assert squash_ws(r.text).rstrip("。；：") in squash_ws(body), (s.id, r.text)
        for m in s.materials:
            assert squash_ws(m.text) in squash_ws(body), (s.id, m.text)
        for c in s.channels:
            assert c.name in body and (c.url is None or c.url in body)


def test_deregistration_cases(kb, sections):
    for sid, num, count in (("unemployment_deregistration", "7", 10), ("employment_deregistration", "8", 3)):
        content = field(sections[num][1], "服务内容")
        listed = re.findall(r"(\d+)\.(.+?)(?=；\d+\.|。$)", content)
        svc = kb.services[sid]
        assert len(svc.cases) == count == len(listed)
        assert [(c.number, c.text) for c in svc.cases] == [(int(n), t) for n, t in listed]
        assert content.startswith(svc.content)


def test_prohibitions_are_separate_records(kb):
    reqs = kb.services["unemployment_registration"].requirements
    prohibitions = [r.text for r in reqs if r.kind == "prohibition"]
    for expected in ("不得要求提供终止或解除劳动关系证明",
                     "不得要求提供毕业证书、学历证书、技能等级证书、档案等材料",
                     "不得要求失业人员提供除本人身份证件以外其他证明原身份的有关证明",
                     "不得与是否在当地参加社会保险挂钩",
                     "不得与是否符合领取失业保险金条件关联"):
        assert expected in prohibitions
    assert any(t.startswith("严禁以资料（材料）不全") for t in prohibitions)
    assert any(t.startswith("严禁未经劳动者本人同意") for t in prohibitions)
    # also visible on the 失业登记 item as its 湖南 provision
    assert kb.item("unemployment_registration").provision("湖南").requirements == reqs


def test_eligibility_structure(kb):
    for sid in ("unemployment_registration", "job_seeker_registration"):
        e = kb.services[sid].eligibility
        assert e.age_min == 16 and e.age_max_text == "依法享受基本养老保险待遇"
        assert "有劳动能力" in e.conditions and "处于无业状态" in e.conditions
    assert kb.services["unemployment_registration"].eligibility.age_min_inclusive is True


def test_specific_services(kb):
    assert kb.services["unemployment_status_confirmation"].schedule == "每月28日前"
    s311 = kb.services["service_311"]
    assert [(q.what, q.times) for q in s311.quotas] == [("岗位信息", 3), ("免费职业培训信息", 1), ("职业指导", 1)]
    assert s311.quota_period == "1年内"
    card = kb.services["employment_card"]
    assert card.deadline.text == "7个工作日内" and card.deadline.days == 7
    assert any("无需提供《就业创业证》纸质证书" in r.text for r in card.requirements)
    assert kb.services["transfer_out"].agency == "失业登记经办地社区（行政村）"
    assert kb.services["transfer_in"].agency == "服务地社区（行政村）"


def test_hunan_provisions_attached_to_items(kb):
    expected = {"unemployment_registration", "job_seeker_registration", "employment_card",
                "unemployment_deregistration"}
    attached = {i.id for i in kb.items.values() if i.provision("湖南")}
    assert attached == expected
    for iid in expected:
        p = kb.item(iid).provision("湖南")
        assert p.source.guide_id == "004" and p.service_id == iid
    assert len(kb.item("unemployment_deregistration").provision("湖南").cases) == 10


def test_employment_card_regions_disagree_and_both_are_kept(kb):
    item = kb.item("employment_card")
    jy, hn = item.provision("揭阳"), item.provision("湖南")
    assert jy.deadline.text == "即办" and hn.deadline.text == "7个工作日内"
    assert any(m.quantity == "1张" for m in jy.materials) and any(m.quantity == "2张" for m in hn.materials)
    assert any("学历证书" in m.name for m in jy.materials)
    assert not any("学历证书" in m.name for m in hn.materials)


def test_progress_status_difference_recorded(kb, guide):
    d = next(x for x in kb.differences if x.id == "progress_statuses")
    assert "已完结" in d.quotes[0] and "已办结" in d.quotes[1]
    for src, quote in zip(d.sources, d.quotes):
        assert quote in guide(src.guide_id)
