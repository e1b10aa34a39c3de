"""北京 operating manual (guide 001): form fields, choices, linked items, single items."""
from __future__ import annotations

import re

from kb_guides import squash_ws

EXPECTED_LABELS = {
    "basic_info": ["姓名", "证件类型", "身份证号", "电话", "性别", "出生日期", "户籍地行政区划",
                   "户籍地详细地址", "户籍地与常住地不一致", "常住地行政区划", "常住地详细地址"],
    "job_seeker_registration": ["工作地区", "岗位名称", "就业形式", "薪酬类型"],
    "unemployment_registration": ["失业人员类型", "特殊身份", "服务机构"],
    "unemployment_benefit": ["银行卡类型", "开户行", "银行卡号", "失业原因", "累计缴纳失业保险费时间",
                             "最后缴纳失业保险费所在单位名称", "最后缴纳失业保险费日期", "用户确认"],
    "unemployment_info_change": ["户口性质", "职业（工种）资格名称", "证书发放日期",
                                 "职业（工种）资格技术等级", "职称"],
    "unemployment_deregistration": ["注销原因"],
    "benefit_account_change": ["原银行卡类型", "原开户行", "原开户行卡号", "现银行卡类型", "现开户行",
                               "现开户行卡号", "确认银行卡号"],
    "benefit_suspension": ["已享受月数", "申领日期", "可享受月数", "停发原因", "备注", "短信验证码"],
}


def sections(kb):
    return {s.id: s for s in kb.forms}


def test_every_expected_field_exists(kb):
    secs = sections(kb)
    for sid, labels in EXPECTED_LABELS.items():
        assert [f.label for f in secs[sid].fields] == labels, sid
        for f in secs[sid].fields:
            assert re.fullmatch(r"[a-z][a-z0-9_]*", f.id)


def test_beijing_labels_are_written_in_the_guide(kb, guide):
    text = squash_ws(guide("001"))
    for sec in kb.forms:
        if sec.source.guide_id != "001":
            continue
        for f in sec.fields:
            if f.id == "user_confirmation":       # the manual says 用户认可信息后进行确认
                assert "用户认可信息后进行确认" in text
                continue
            assert squash_ws(f.label) in text, (sec.id, f.label)
            for c in f.choices:
                if f.choices_source is None and c != "其他" and f.id != "gender":
                    assert c in text, (f.id, c)


def test_lists_in_the_guide_match_sections(kb, guide):
    text = guide("001")
    secs = sections(kb)

    def listed(after: str) -> list[str]:
        m = re.search(re.escape(after) + r"([^\n]+)", text)
        return [x for x in re.split(r"[、。]", m.group(1).strip()) if x]

    assert listed("失业保险金停发包含：")[:6] == [f.label for f in secs["benefit_suspension"].fields]
    labels = [f.label for f in secs["benefit_account_change"].fields]
    assert listed("失业保险金银行账号变更主要包含：") == labels
    forms_ = listed("就业形式分为：")
    assert list(secs["job_seeker_registration"].fields[2].choices) == forms_
    single = re.search(r"可选择单办事项：\s*\n?([^\n]+)", text).group(1)
    names = [x for x in re.split(r"、|和|。", single) if x]
    assert names == ["求职登记", "失业登记信息变更", "失业登记注销", "失业保险金银行账号变更", "失业保险金停发"]
    by_name = {i.name: i for i in kb.items.values()}
    for n in names:
        assert by_name[n].kind == "single_item" and by_name[n].seq is None
        assert by_name[n].provisions[0].region == "北京"


def test_dependent_and_conditional_fields(kb):
    secs = sections(kb)
    salary = next(f for f in secs["job_seeker_registration"].fields if f.id == "salary_type")
    assert salary.depends_on == "employment_form"
    assert salary.choices_by["全职"] == ("年薪", "月薪")
    for other in ("兼职", "临时", "小时工", "新就业形态"):
        assert salary.choices_by[other] == ("时薪", "一次性劳务费", "计件")
    basic = {f.id: f for f in secs["basic_info"].fields}
    assert basic["residence_region"].show_if.field == "residence_differs"
    assert basic["residence_region"].show_if.equals is True
    assert basic["residence_address"].show_if.field == "residence_differs"
    assert basic["gender"].auto_from == "id_number" and basic["birth_date"].auto_from == "id_number"
    assert basic["id_number"].type == "id_number" and "证件号码" in basic["id_number"].alt_labels
    bank = {f.id: f for f in secs["benefit_account_change"].fields}
    assert bank["confirm_bank_card_number"].confirm_of == "new_bank_card_number"
    assert bank["new_bank_card_number"].type == "bank_card"
    benefit = {f.id: f for f in secs["unemployment_benefit"].fields}
    assert benefit["bank_card_type"].choices == ("银行储蓄卡", "银行存折")
    assert "本人" in benefit["bank_card_number"].note
    assert "联系原参保缴费单位或者原存档机构进行核实" in benefit["user_confirmation"].note
    assert benefit["contribution_period"].display_only
    susp = {f.id: f for f in secs["benefit_suspension"].fields}
    assert susp["sms_code"].type == "sms_code" and susp["months_received"].type == "months"


def test_unemployed_type_is_an_open_list(kb):
    f = sections(kb)["unemployment_registration"].fields[0]
    assert f.choices[:3] == ("企业解除人员", "进京落户人员", "初次进京的随军家属")
    assert f.choices_open and "其他" in f.choices


def test_deregistration_reasons_are_the_hunan_cases(kb):
    f = sections(kb)["unemployment_deregistration"].fields[0]
    assert f.choices == tuple(c.text for c in kb.services["unemployment_deregistration"].cases)
    assert len(f.choices) == 10
    assert f.choices_source.region == "湖南" and f.source.region == "北京"


def test_link_rules_quote_the_manual(kb, guide):
    text = squash_ws(guide("001"))
    beijing = [r for r in kb.link_rules if r.region == "北京"]
    assert {(r.item_id, tuple(r.requires)) for r in beijing} == {
        ("unemployment_registration", ("job_seeker_registration",)),
        ("unemployment_benefit", ("unemployment_registration", "job_seeker_registration")),
    }
    for r in kb.link_rules:
        assert squash_ws(r.quote) in squash_ws(guide(r.source.guide_id))
        assert r.quote.split("。")[-2] in r.reason or r.quote in r.reason
    assert "点击失业登记，求职登记自动勾选联办" in text


def test_derived_sections_are_marked(kb):
    for sec in kb.forms:
        if sec.source.guide_id in ("002", "003"):
            assert sec.derived and sec.note
            assert all(f.derived for f in sec.fields)
        if sec.derived:
            items = [kb.item(i) for i in sec.item_ids]
            assert all(i.bundle_id in ("talent", "labor_rights") for i in items)
    assert not sections(kb)["basic_info"].derived


def test_howto_beijing_steps(kb, guide):
    text = squash_ws(guide("001"))
    ids = {p.id: p for p in kb.howto}
    assert "北京市统一身份认证平台" in ids["beijing.login"].text
    assert "用户通知" in ids["beijing.login"].text and "承诺书" in ids["beijing.login"].text
    assert "上一步" in ids["beijing.submit"].text and "等待审核" in ids["beijing.submit"].text
    for step in ids["beijing.login"].text.split("\n"):
        assert squash_ws(step) in text
