"""Passage retrieval: top-1 sanity, sources, scores, unrelated questions."""
from __future__ import annotations

import pytest


@pytest.mark.parametrize("question, expected", [
    ("领失业金要带啥", "unemployment_benefit.jieyang.materials"),
    ("工伤认定要多长时间", "work_injury_recognition.jieyang.deadline"),
    ("失业登记能不能要求我交离职证明", "unemployment_registration.hunan.requirements"),
    ("湖南办就业创业证要多久", "employment_card.hunan.deadline"),
    ("职称证书补发要多久", "title_certificate_reissue.jieyang.deadline"),
    ("什么情况下会被注销失业登记", "unemployment_deregistration.hunan.deregistration"),
    ("已完结和已办结有什么区别", "diff.progress_statuses"),
    ("可以刷脸登录吗", "jieyang.login.face"),
    ("311就业服务是什么", "service.service_311"),
    ("就业形式选兼职薪酬类型有哪些", "form.job_seeker_registration"),
    ("工傷認定要多久", "work_injury_recognition.jieyang.deadline"),      # traditional
    ("劳动能力坚定要多久", "work_capacity_appraisal.jieyang.deadline"),   # typo
])
def test_top1(kb, question, expected):
    results = kb.search(question, k=5)
    assert results and results[0].id == expected, [(p.id, p.score) for p in results]


@pytest.mark.parametrize("question", ["今天天气怎么样", "你好", "我想吃火锅", "股票怎么买", "推荐一部电影",
                                      "医保报销比例是多少", "怎么考驾照"])
def test_unrelated_questions_score_low(kb, question):
    assert all(p.score < 0.2 for p in kb.search(question))


def test_borderline_questions_score_below_answers(kb):
    # share a word with the guides (办理 / 投诉) but are not about them
    for q in ("护照怎么办理", "我想投诉快递"):
        assert kb.search(q)[0].score < 0.3
    assert kb.search("老板欠了我三个月工资不给")[0].score > 0.4
    assert kb.search("失业登记能迁到常住地吗，迁入迁出怎么办")[0].id == "service.transfer_out"


def test_wage_arrears_phrasings(kb):
    assert [m.item_id for m in kb.resolve_items("老板欠了我三个月工资不给")] == ["labor_inspection_complaint"]
    assert [m.item_id for m in kb.resolve_items("公司恶意拖欠工资")] == ["wage_crime_referral"]


def test_scores_sorted_and_bounded(kb):
    results = kb.search("失业登记需要什么材料", k=10)
    assert len(results) == 10
    scores = [p.score for p in results]
    assert scores == sorted(scores, reverse=True)
    assert all(0 < s <= 1 for s in scores)
    assert kb.search("", k=5) == []


def test_every_passage_cites_a_guide(kb):
    ids = [p.id for p in kb.passages]
    assert len(ids) == len(set(ids))
    for p in kb.passages:
        assert p.source.guide.endswith(".txt") and str(p.source).endswith("》"), p.id
        assert p.topic and p.text and p.title
        if p.item_id:
            assert p.item_id in kb.items


def test_passages_cover_every_provision(kb):
    codes = {"揭阳": "jieyang", "北京": "beijing", "湖南": "hunan"}
    for item in kb.items.values():
        for prov in item.provisions:
            for topic in ("materials", "deadline", "channels"):
                p = kb.passage(f"{item.id}.{codes[prov.region]}.{topic}")
                assert p.source == prov.source and p.item_id == item.id
    # texts quote the data exactly
    assert "21 个工作日" in kb.passage("hardship_certification.jieyang.deadline").text
    assert "不得要求提供终止或解除劳动关系证明" in kb.passage("unemployment_registration.hunan.requirements").text
    assert "https://www.gdhrss.gov.cn/gdosta/#" in kb.passage("skill_appraisal.jieyang.channels").text


def test_howto_passages(kb):
    ids = {p.id for p in kb.howto}
    assert {"jieyang.login.face", "jieyang.login.password", "jieyang.upload", "jieyang.apply.unemployment",
            "jieyang.apply.talent", "jieyang.apply.labor_rights", "jieyang.progress.unemployment",
            "beijing.login", "beijing.submit"} <= ids
    face = next(p for p in kb.howto if p.id == "jieyang.login.face")
    assert "粤信签" in face.text and face.source.guide_id == "000"
    apply_steps = next(p for p in kb.howto if p.id == "jieyang.apply.labor_rights").text.split("\n")
    assert len(apply_steps) == 4 and "照相机" in apply_steps[3]


def test_howto_steps_are_quoted(kb, guide):
    import re

    from kb_guides import squash_ws

    for p in kb.howto:
        text = squash_ws(guide(p.source.guide_id))
        for step in p.text.split("\n"):
            if p.id == "beijing.submit" and step.startswith("单办事项"):
                continue      # summary line that quotes the manual inside
            # every sentence is verbatim (the manual puts screenshots between some of them)
            for sentence in re.split(r"[。：]", step):
                assert squash_ws(sentence) in text, (p.id, sentence)
