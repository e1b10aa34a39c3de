"""The three 揭阳 tables (guides 000, 002, 003) against the knowledge base."""
from __future__ import annotations

import pytest

from kb_guides import same, split_materials, squash_ws

EXPECTED_ROWS = {"unemployment": 8, "talent": 9, "labor_rights": 7}


def test_tables_parse(tables):
    for bid, (_, rows) in tables.items():
        assert [r["seq"] for r in rows] == list(range(1, EXPECTED_ROWS[bid] + 1)), bid


@pytest.mark.parametrize("bundle_id", ["unemployment", "talent", "labor_rights"])
def test_bundle_items_follow_table_rows(kb, tables, bundle_id):
    gid, rows = tables[bundle_id]
    bundle = kb.bundle(bundle_id)
    table_items = [kb.item(i) for i in bundle.item_ids if kb.item(i).kind == "bundle_item"]
    assert len(table_items) == len(rows)
    # table rows come first in the menu, in table order
    assert list(bundle.item_ids[: len(rows)]) == [i.id for i in table_items]
    for row, item in zip(rows, table_items):
        assert item.seq == row["seq"]
        prov = item.provisions[0]
        assert prov.source.guide_id == gid
        assert same(prov.guide_name, row["name"]), (item.id, prov.guide_name, row["name"])


@pytest.mark.parametrize("bundle_id", ["unemployment", "talent", "labor_rights"])
def test_other_materials_equal_guide_cells(kb, tables, bundle_id):
    gid, rows = tables[bundle_id]
    for row in rows:
        item = next(kb.item(i) for i in kb.bundle(bundle_id).item_ids if kb.item(i).seq == row["seq"])
        prov = item.provisions[0]
        assert same(prov.materials_text, row["other"]), (item.id, prov.materials_text, row["other"])
        other = [m.text for m in prov.other_materials]
        cell = row["other"].strip()
        if prov.materials_status == "listed":
            expected = split_materials(cell)
            assert [squash_ws(x) for x in other] == [squash_ws(x) for x in expected], item.id
        else:
            assert other == [], item.id
            if cell == "无需材料":
                assert prov.materials_status == "none_required", item.id
            elif cell.startswith("无需提供"):
                assert prov.materials_status == "provided_by_authority", item.id
            elif "网址" in cell:
                assert prov.materials_status == "external_system", item.id
                assert prov.external_system.url in cell, item.id
                if prov.external_system.name:
                    assert prov.external_system.name in cell
                assert prov.external_system.instruction in cell
            else:  # pragma: no cover - a new kind of cell needs a decision
                pytest.fail(f"unexpected materials cell for {item.id}: {cell!r}")


@pytest.mark.parametrize("bundle_id", ["unemployment", "talent", "labor_rights"])
def test_deadlines_equal_guide_cells(kb, tables, bundle_id):
    _, rows = tables[bundle_id]
    for row in rows:
        item = next(kb.item(i) for i in kb.bundle(bundle_id).item_ids if kb.item(i).seq == row["seq"])
        dl = item.provisions[0].deadline
        if row["deadline"].strip():
            assert dl is not None, item.id
            assert same(dl.text, row["deadline"]), (item.id, dl.text, row["deadline"])
        else:
            assert dl is None, item.id


@pytest.mark.parametrize("bundle_id", ["unemployment", "talent", "labor_rights"])
def test_common_materials_equal_merged_cell(kb, tables, bundle_id):
    _, rows = tables[bundle_id]
    bundle = kb.bundle(bundle_id)
    cells = {r["seq"]: r["common"] for r in rows if r["common"].strip()}
    assert sorted(cells) == list(bundle.common_materials_rows)
    for cell in cells.values():
        assert same(cell, bundle.common_materials_text)
        assert [squash_ws(m.text) for m in bundle.common_materials] == [squash_ws(x) for x in split_materials(cell)] \
            or [m.text for m in bundle.common_materials] == [cell.strip()]
    # the merged cell applies to every item of the bundle guide, except where the
    # applicant provides nothing at all (涉嫌拒不支付劳动报酬犯罪案件移送)
    for iid in bundle.item_ids:
        prov = kb.item(iid).provisions[0]
        if prov.source.guide_id != bundle.source.guide_id:
            continue
        if prov.materials_status == "provided_by_authority":
            assert prov.materials == ()
        else:
            assert prov.common_materials == bundle.common_materials, iid


def test_structured_deadlines(kb):
    def dl(iid):
        return kb.item(iid).provisions[0].deadline

    assert (dl("hardship_certification").kind, dl("hardship_certification").days) == ("working_days", 21)
    assert dl("hardship_certification").text == "21 个工作日"
    assert dl("employment_card").kind == "immediate"
    assert dl("talent_recognition").kind == "annual_notice"
    assert (dl("skill_appraisal").days, dl("skill_appraisal").condition) == (8, "个人申报材料齐全")
    wi = dl("work_injury_recognition")
    assert (wi.kind, wi.days, wi.extension_text, wi.extension_days, wi.max_days) == \
        ("calendar_days", 30, "情况复杂的延长30日", 30, 60)
    wc = dl("work_capacity_appraisal")
    assert (wc.kind, wc.days, wc.extension_text, wc.max_days) == ("calendar_days", 30, "伤情复杂的延期至60日", 60)
    lc = dl("labor_inspection_complaint")
    assert [p.text for p in lc.phases] == ["5个工作日内决定是否立案", "立案起60个工作日内完成调查"]
    assert [p.days for p in lc.phases] == [5, 60]
    assert lc.phases[1].extension_days == 30 and lc.phases[1].extension_text == "情况复杂的可延期30个工作日"


def test_material_structure(kb):
    card = kb.item("employment_card").provisions[0]
    photo = next(m for m in card.other_materials if "相片" in m.name)
    assert (photo.name, photo.quantity) == ("近期免冠二寸彩色相片", "1张")
    idcard = kb.bundle("unemployment").common_materials[0]
    assert (idcard.name, idcard.note, idcard.kind) == ("个人有效身份证件", "原件或电子证件均可", "common")
    hunan_card = kb.item("employment_card").provision("湖南")
    assert next(m for m in hunan_card.materials if "照片" in m.name).quantity == "2张"
    # name + note are taken from the entry's own text
    for item in kb.items.values():
        for p in item.provisions:
            for m in p.materials:
                assert squash_ws(m.name) in squash_ws(m.text) or m.name == m.text.replace("原件", ""), m
                if m.note:
                    assert all(squash_ws(x) in squash_ws(m.text) for x in m.note.split("；")), m


def test_wage_crime_referral_needs_nothing(kb):
    item = kb.item("wage_crime_referral")
    prov = item.provisions[0]
    assert prov.materials == () and prov.materials_status == "provided_by_authority"
    assert "公安机关移送" in prov.materials_text
    assert kb.materials_checklist(["wage_crime_referral"]) == []


def test_external_systems(kb):
    urls = {iid: kb.item(iid).provisions[0].external_system.url
            for iid in ("title_evaluation", "skill_appraisal", "title_initial_recognition",
                        "title_re_evaluation", "title_certificate_reissue")}
    assert urls["skill_appraisal"] == "https://www.gdhrss.gov.cn/gdosta/#"
    assert set(urls.values()) - {"https://www.gdhrss.gov.cn/gdosta/#"} == {"http://www.gdhrss.gov.cn/gdweb/"}
    assert kb.services["unified_platform"].external_system.url == "https://ggfw.rst.hunan.gov.cn/neaf-base/#/login"
    reg = kb.item("unemployment_registration").provision("湖南")
    assert any(c.url == "http://12333.gov.cn" for c in reg.channels)


def test_bundle_texts_are_quoted_from_guides(kb, guide):
    for b in kb.bundles.values():
        text = squash_ws(guide(b.source.guide_id))
        assert squash_ws(b.description) in text, b.id
        assert squash_ws(b.summary) in text, b.id
        assert b.name in b.description


def test_sources_cite_guides(kb):
    src = kb.item("unemployment_registration").provisions[0].source
    assert str(src) == "揭阳市人社局《失业“一件事”办事指引》"
    assert src.date == "2023-03-15" and src.guide == "000_278a0aa4d74082cc.txt"
    assert str(kb.item("job_seeker_registration").provision("湖南").source) == "湖南省《基层公共就业服务经办规程》"
    assert str(kb.item("benefit_suspension").provisions[0].source) == "北京市《失业“一件事”服务操作说明书》"
