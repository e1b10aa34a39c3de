"""The fidelity checker itself: faithful answers pass, known mistakes are flagged.

The faithful answers are built from the knowledge records (reference.py); each
mistake is spliced in with facts taken from knowledge/ as well.
"""
from __future__ import annotations

import pytest

from knowledge import load_kb, phrases
from tests.fidelity.cases import Case, all_cases, bundle_cases
from tests.fidelity.checker import check_answer, load_forbidden, norm, vocab
from tests.fidelity.reference import reference_answer

KB = load_kb()
CASES = all_cases(KB)


def problems(case: Case, text: str) -> list:
    return check_answer(KB, items=case.items, services=case.services, aspects=case.aspects,
                        region=case.region, text=text)


def kinds(case: Case, text: str) -> set:
    return {p.kind for p in problems(case, text)}


def case_for(item_id: str, aspect: str, region=None) -> Case:
    return next(c for c in CASES if c.items == (item_id,) and c.aspects == (aspect,) and c.region == region
                and not c.services)


# ---- the question set -----------------------------------------------------------------
def test_the_question_set_covers_the_knowledge_base():
    items = {i for c in CASES for i in c.items}
    services = {s for c in CASES for s in c.services}
    assert items == set(KB.items) and services == set(KB.services)
    for iid in KB.items:
        for aspect in ("materials", "deadline", "eligibility", "channel"):
            assert case_for(iid, aspect)
        for region in KB.regions:
            assert case_for(iid, "materials", region) and case_for(iid, "deadline", region)
    assert len(list(bundle_cases(KB))) == len(KB.bundles)
    texts = {c.text for c in CASES}
    assert "我是揭阳的，失业登记需要什么材料" in texts and "湖南办就业登记要什么材料" in texts
    assert any(c.region == "揭阳" and c.items == ("job_seeker_registration",) for c in CASES)


# ---- faithful answers pass ------------------------------------------------------------
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_a_faithful_answer_passes(case):
    assert problems(case, reference_answer(KB, case)) == []


# ---- mistakes are flagged ---------------------------------------------------------------
def _material_of_another_item(item_id: str):
    mine = {m.text for p in KB.item(item_id).provisions for m in p.materials}
    for other in KB.items.values():
        for p in other.provisions:
            for m in p.other_materials:
                if other.id != item_id and m.text not in mine and len(m.text) >= 4:
                    return m.text, other.id
    raise AssertionError("no foreign material")


def test_another_items_material_is_flagged():
    case = case_for("work_injury_recognition", "materials")
    text, owner = _material_of_another_item("work_injury_recognition")
    bad = reference_answer(KB, case) + f"\n另需：{text}"
    got = problems(case, bad)
    assert any(p.kind == "foreign_material" and owner in p.detail for p in got)


def test_a_service_answered_with_the_wrong_service_is_flagged():
    """湖南 就业登记 answered from 揭阳 失业登记 (the old one-character fuzzy match)."""
    case = next(c for c in CASES if c.services == ("employment_registration",) and c.aspects == ("materials",))
    wrong = KB.item("unemployment_registration").provision("揭阳")
    text = "【就业登记】\n材料：" + "；".join(m.display() for m in wrong.other_materials) + \
        f"\n办理时限：{wrong.deadline.text}"
    assert {"foreign_material", "missing_materials"} <= kinds(case, text)


def test_a_made_up_deadline_is_flagged():
    case = case_for("hardship_certification", "deadline")
    corpus = vocab(KB).corpus[("item", "hardship_certification")]
    n = next(n for n in range(2, 100) if f"{n}个工作日" not in corpus)
    assert "invented_deadline" in kinds(case, reference_answer(KB, case) + f"\n最快{n}个工作日办结")
    # another item's deadline, verbatim
    other = KB.item("employment_card").provision("揭阳").deadline.text
    assert "foreign_deadline" in kinds(case, reference_answer(KB, case) + f"\n也可以{other}")


def test_a_missing_deadline_is_flagged():
    case = case_for("work_injury_recognition", "deadline")
    dl = KB.item("work_injury_recognition").primary.deadline.text
    text = reference_answer(KB, case).replace(dl, phrases.not_stated("deadline"))
    assert "missing_deadline" in kinds(case, text)


@pytest.mark.parametrize("sentence", load_forbidden()["inventions"])
def test_forbidden_inventions_are_flagged(sentence):
    case = case_for("benefit_suspension", "deadline")
    assert "invented" in kinds(case, reference_answer(KB, case) + f"\n{sentence}。")


def test_table_jargon_is_flagged():
    case = case_for("work_capacity_review", "deadline")
    note = KB.item("work_capacity_review").provision("揭阳").source_note
    assert "jargon" in kinds(case, reference_answer(KB, case) + f"\n（{note}）")


def test_none_required_must_be_said():
    case = case_for("career_guidance", "materials")
    good = reference_answer(KB, case)
    assert phrases.NONE_REQUIRED in good
    bad = good.replace(phrases.NONE_REQUIRED, phrases.not_stated("materials"))
    assert "missing_none_required" in kinds(case, bad)


def test_external_system_must_be_named_with_its_url():
    case = case_for("title_evaluation", "materials")
    es = KB.item("title_evaluation").provision("揭阳").external_system
    bad = reference_answer(KB, case).replace(es.url, "").replace(es.name, "系统")
    got = [p for p in problems(case, bad) if p.kind == "missing_external_system"]
    assert len(got) == 2


def test_common_material_listed_as_other_material_is_flagged():
    """失业“一件事”: 职业指导's 其他材料 is 无需材料, not 个人有效身份证件."""
    b = KB.bundle("unemployment")
    case = next(c for c in bundle_cases(KB) if set(c.items) <= set(b.item_ids))
    common = b.common_materials[0].display()
    lines = [f"{b.name}的材料：", "共性材料：" + common, "各事项的其他材料："]
    for n, iid in enumerate(case.items, 1):
        p = KB.item(iid).provision("揭阳")
        other = "；".join(m.display() for m in p.other_materials) or common   # the old mistake
        lines.append(f"{n}. {KB.item(iid).name}：{other}")
    got = problems(case, "\n".join(lines))
    flagged = {p.detail.split(" of ")[-1] for p in got if p.kind == "common_as_other"}
    none_required = {KB.item(i).name for i in case.items if KB.item(i).provision("揭阳").materials_status == "none_required"}
    assert none_required and none_required <= flagged
    assert "missing_none_required" in {p.kind for p in got}


def test_a_citation_must_name_the_region_of_its_facts():
    case = case_for("unemployment_registration", "materials")
    hunan = KB.item("unemployment_registration").provision("湖南")
    jieyang = KB.item("unemployment_registration").provision("揭阳")
    text = "【失业登记】\n材料：" + "；".join(m.text for m in hunan.materials) + f"（依据：{jieyang.source.citation}）"
    assert "citation_region" in kinds(case, text)
    # the same facts cited to their own guide, before or after them, pass that check
    for ok in ("【失业登记】\n材料：" + "；".join(m.text for m in hunan.materials) + f"（依据：{hunan.source.citation}）",
               f"【失业登记】\n· 湖南（依据：{hunan.source.citation}）：" + "；".join(m.text for m in hunan.materials)):
        assert "citation_region" not in kinds(case, ok)


def test_an_item_cited_to_a_guide_that_lacks_it_is_flagged():
    case = next(c for c in bundle_cases(KB) if "unemployment_registration" in c.items)
    single = KB.item("benefit_suspension")
    text = reference_answer(KB, case) + f"\n{single.name}：" + \
        phrases.not_stated("materials") + f"（依据：{KB.bundle('unemployment').source}）"
    assert "citation_region" in kinds(case, text)


def test_link_rule_said_once_and_attributed_to_beijing():
    case = case_for("unemployment_registration", "materials")
    rule = KB.rules_for("unemployment_registration", "北京")[0]
    good = reference_answer(KB, case) + "\n" + phrases.linked_note(rule.region, rule.summary)
    assert problems(case, good) == []
    unattributed = reference_answer(KB, case) + f"\n另外，办理失业登记需要联办：{KB.item(rule.requires[0]).name}。"
    assert "linked_unattributed" in kinds(case, unattributed)
    twice = good + f"\n{rule.reason}"
    assert "linked_repeated" in kinds(case, twice)


def test_region_lacking_the_item_must_be_said():
    case = case_for("job_seeker_registration", "materials", "揭阳")
    good = reference_answer(KB, case)
    lacks = phrases.region_lacks("揭阳", KB.item("job_seeker_registration").name)
    assert lacks in good
    assert "region_lacks_unsaid" in kinds(case, good.replace(lacks, ""))


def test_the_asked_region_comes_first():
    case = case_for("unemployment_registration", "materials", "湖南")
    item = KB.item("unemployment_registration")
    from tests.fidelity.reference import provision_lines
    wrong_order = [f"【{item.name}】"]
    for p in item.provisions:                    # 揭阳 first, 湖南 last
        wrong_order += provision_lines(KB, item, p, case.aspects)
    assert "region_not_first" in kinds(case, "\n".join(wrong_order))


def test_unknown_urls_and_repeats_are_flagged():
    case = case_for("title_evaluation", "channel")
    good = reference_answer(KB, case)
    assert "unknown_url" in kinds(case, good + "\n网址：http://www.example.gov.cn/apply")
    line = next(x for x in good.split("\n") if len(norm(x)) >= 12 and not x.startswith("【"))
    assert "repeated" in kinds(case, good + "\n" + line)


def test_silent_service_must_say_so():
    case = next(c for c in CASES if c.services == ("service_311",) and c.aspects == ("deadline",))
    s = KB.service("service_311")
    assert s.deadline is None
    assert "missing_silence" in kinds(case, f"【{s.name}】\n{s.content}")
    assert problems(case, f"【{s.name}】\n{phrases.not_stated('deadline', str(s.source))}") == []


def test_vocabulary_comes_from_the_records():
    v = vocab(KB)
    for item in KB.items.values():
        for p in item.provisions:
            for m in p.other_materials:
                assert any(o.id == item.id for o in v.materials[norm(m.text).replace("\n", "").strip("。；;，,、 ")])
            if p.deadline is not None:
                assert any(o.id == item.id for o in v.deadlines[norm(p.deadline.text).strip("。；;，,、 ")])
    for b in KB.bundles.values():
        for m in b.common_materials:
            assert any(o.role == "common" and o.id == b.id for o in v.materials[norm(m.text).strip("。；;，,、 ")])


def test_all_cases_of_deregistration_must_be_given():
    case = next(c for c in CASES if c.aspects == ("deregistration",) and c.items == ("unemployment_deregistration",))
    s = KB.service("unemployment_deregistration")
    good = reference_answer(KB, case)
    assert all(c.text in good for c in s.cases)
    bad = good.replace(s.cases[-1].text, "")
    assert "missing_cases" in kinds(case, bad)


def test_the_prohibitions_must_be_given_for_a_rules_question():
    case = next(c for c in CASES if c.aspects == ("rules",) and c.items == ("unemployment_registration",))
    good = reference_answer(KB, case)
    bans = [r.text for r in KB.service("unemployment_registration").requirements if r.kind == "prohibition"]
    bad = good
    for b in bans:
        bad = bad.replace(b, "")
    assert "missing_rules" in kinds(case, bad) and "missing_rules" not in kinds(case, good)


def test_an_unasked_passage_is_flagged():
    """The whole 311 text appended to a 就业失业动态确认 answer."""
    case = Case("就业失业动态确认是什么", (), ("unemployment_status_confirmation",), ("policy",), None)
    s311 = KB.service("service_311")
    own = KB.service("unemployment_status_confirmation")
    assert problems(case, f"【{own.name}】\n{own.content}") == []
    assert "unasked_passage" in kinds(case, f"【{own.name}】\n{own.content}\n{s311.content}")


def test_a_materials_answer_says_what_may_not_be_demanded():
    """湖南 失业登记: 不得要求提供毕业证书、学历证书、技能等级证书、档案等材料."""
    case = case_for("unemployment_registration", "materials")
    good = reference_answer(KB, case)
    bans = [r.text for r in KB.item("unemployment_registration").provision("湖南").requirements
            if r.kind == "prohibition" and "提供" in r.text]
    assert bans and all(b in good for b in bans)
    bad = good
    for b in bans:
        bad = bad.replace(b, "")
    assert "missing_material_rules" in kinds(case, bad)
    # 揭阳's row has no such rule: a 揭阳-scoped answer need not say it
    assert "missing_material_rules" not in kinds(case_for("unemployment_registration", "materials", "揭阳"),
                                                 reference_answer(KB, case_for("unemployment_registration",
                                                                               "materials", "揭阳")))


def test_a_closing_paragraph_belongs_to_no_single_item():
    """“联办：…（依据：北京…）” after a blank line is not the last item's (价格临时补贴申领 has no 北京 row)."""
    case = next(c for c in CASES if c.items == ("unemployment_benefit", "price_subsidy") and c.aspects == ("materials",))
    rule = KB.rules_for("unemployment_benefit", "北京")[0]
    closing = f"联办：{phrases.linked_note(rule.region, rule.summary)}（依据：{rule.source}）"
    body = reference_answer(KB, case)
    assert problems(case, body + "\n\n" + closing) == []
    assert "citation_region" in kinds(case, body + "\n" + closing)
