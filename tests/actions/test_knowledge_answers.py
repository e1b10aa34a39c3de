"""Knowledge answers are composed from the real knowledge base, name their
guide and region, say where guides disagree, and keep the selection."""
from __future__ import annotations

from actions import knowledge_answers as ka
from tests.actions.conftest import all_text, make_tracker, payload_tracker, payloads, run_action, slot_events


def _run(action_cls, text, intent, fixture="empty", **kw):
    return run_action(action_cls(), make_tracker(fixture, text=text, intent=intent, entities=[], **kw))


def test_materials_for_one_item_cover_every_region(kb):
    messages, _ = _run(ka.ActionAnswerMaterials, "就业创业证要带啥", "ask_materials")
    text = all_text(messages)
    item = kb.items["employment_card"]
    for p in item.provisions:
        assert str(p.source) in text
        for m in p.materials:
            assert m.display() in text
    assert "不同" in text


def test_materials_for_a_region_only(kb):
    messages, _ = _run(
        ka.ActionAnswerMaterials, "湖南办就业创业证要什么", "ask_materials", slots={"region": "湖南"}
    )
    text = all_text(messages)
    hunan = kb.items["employment_card"].provision("湖南")
    jieyang = kb.items["employment_card"].provision("揭阳")
    assert str(hunan.source) in text
    assert str(jieyang.source) not in text


def test_materials_mid_selection_use_selected_items_and_keep_them(kb):
    messages, events = _run(ka.ActionAnswerMaterials, "要准备什么材料", "ask_materials", fixture="unemployment_selected")
    text = all_text(messages)
    for entry in kb.materials_checklist(["unemployment_registration", "unemployment_benefit", "job_seeker_registration"]):
        assert entry.material.display() in text
    assert "selected_items" not in slot_events(events)
    assert "/list_selection" in payloads(messages)
    assert "仍为您保留" in text


def test_materials_menu_button_without_context_asks_which(kb):
    messages, _ = run_action(ka.ActionAnswerMaterials(), payload_tracker("empty", "ask_materials"))
    assert any(p.startswith("/ask_materials{") for p in payloads(messages))


def test_materials_of_a_bundle(kb):
    messages, _ = run_action(ka.ActionAnswerMaterials(), payload_tracker("empty", "ask_materials", bundle="labor_rights"))
    text = all_text(messages)
    bundle = kb.bundles["labor_rights"]
    for m in bundle.common_materials:
        assert m.display() in text
    assert str(bundle.source) in text


def test_deadline_where_guides_disagree(kb):
    messages, _ = _run(ka.ActionAnswerDeadline, "就业创业证要几天", "ask_deadline")
    text = all_text(messages)
    for p in kb.items["employment_card"].provisions:
        assert p.deadline.text in text
        assert p.region in text
    assert "不同" in text


def test_deadline_with_extension_rule(kb):
    messages, _ = _run(ka.ActionAnswerDeadline, "工伤认定多长时间出结果", "ask_deadline")
    deadline = kb.items["work_injury_recognition"].primary.deadline
    text = all_text(messages)
    assert deadline.text in text
    if deadline.extension_text:
        assert deadline.extension_text in text


def test_eligibility_from_hunan_procedure(kb):
    messages, _ = _run(ka.ActionAnswerEligibility, "55岁还能办失业登记吗", "ask_eligibility")
    text = all_text(messages)
    hunan = kb.items["unemployment_registration"].provision("湖南")
    assert hunan.eligibility.text in text
    assert str(hunan.source) in text


def test_channel_names_external_system(kb):
    messages, _ = _run(ka.ActionAnswerChannel, "职称评审在哪个系统申报", "ask_channel")
    provision = kb.items["title_evaluation"].primary
    assert provision.external_system.url in all_text(messages)


def test_howto_login(kb):
    messages, _ = _run(ka.ActionAnswerHowto, "怎么登录", "ask_howto")
    text = all_text(messages)
    login = [p for p in kb.howto if p.topic == "login"]
    assert login and any(p.title in text for p in login)


def test_howto_progress_mentions_status_wording_difference(kb):
    messages, _ = _run(ka.ActionAnswerHowto, "在哪里看办理进度", "ask_howto")
    text = all_text(messages)
    assert "我的事项" in text
    diffs = [d for d in kb.differences if d.topic == "progress"]
    for d in diffs:
        assert d.text in text


def test_howto_without_topic_offers_choices(kb):
    messages, _ = run_action(ka.ActionAnswerHowto(), payload_tracker("empty", "ask_howto"))
    assert len(payloads(messages)) >= 3


def test_forbidden_demands_quote_all_prohibitions(kb):
    messages, _ = _run(ka.ActionAnswerForbiddenDemands, "社区让我交离职证明，合理吗", "ask_forbidden_demands")
    text = all_text(messages)
    service = kb.services["unemployment_registration"]
    for r in service.requirements:
        if r.kind == "prohibition":
            assert r.text.rstrip("。；;") in text
    assert str(service.source) in text
    assert "12333" in text


def test_deregistration_lists_all_cases(kb):
    messages, _ = _run(ka.ActionAnswerDeregistration, "什么情况会注销失业登记", "ask_deregistration")
    text = all_text(messages)
    service = kb.services["unemployment_deregistration"]
    assert len(service.cases) == 10
    for case in service.cases:
        assert f"{case.number}. {case.text}" in text
    assert str(service.source) in text


def test_311(kb):
    messages, _ = _run(ka.ActionAnswer311, "311服务是什么", "ask_311")
    text = all_text(messages)
    service = kb.services["service_311"]
    assert service.content in text
    assert str(service.source) in text


def test_region_difference_for_employment_card(kb):
    messages, _ = _run(ka.ActionAnswerRegionDifference, "揭阳和湖南办就业创业证有啥区别", "ask_region_difference")
    text = all_text(messages)
    for p in kb.items["employment_card"].provisions:
        assert p.region in text
        assert p.deadline.text in text


def test_unknown_question_is_honest_and_offers_handoff(kb):
    messages, events = _run(ka.ActionAnswerPolicy, "火星上的养老金怎么领取呢", "ask_policy")
    text = all_text(messages)
    assert "12333" in text
    assert "/human_handoff" in payloads(messages)
    assert slot_events(events)["pending_confirmation"] == {"type": "handoff"}


def test_policy_question_answered_from_search(kb):
    messages, _ = _run(ka.ActionAnswerPolicy, "失业登记能迁到常住地吗，迁入迁出怎么办", "ask_policy")
    text = all_text(messages)
    assert "依据" in text and "12333" not in text


def test_payload_after_clarification_uses_the_original_question(kb):
    tracker = payload_tracker(
        "empty", "ask_deadline", slots={"pending_question": "就业创业证那个要多久啊"}, item=["employment_card"]
    )
    messages, events = run_action(ka.ActionAnswerDeadline(), tracker)
    assert kb.items["employment_card"].primary.deadline.text in all_text(messages)
    assert slot_events(events)["pending_question"] is None


def test_named_bundle_wins_over_the_selection(kb):
    messages, events = _run(
        ka.ActionAnswerMaterials, "劳动维权需要什么材料", "ask_materials", fixture="unemployment_selected"
    )
    text = all_text(messages)
    assert kb.bundles["labor_rights"].name in text
    assert "selected_items" not in slot_events(events)


def test_deadline_in_a_region_gives_no_other_region_estimate(kb):
    messages, _ = _run(ka.ActionAnswerDeadline, "就业创业证要几天", "ask_deadline", slots={"region": "湖南"})
    text = all_text(messages)
    hunan = kb.items["employment_card"].provision("湖南")
    assert hunan.deadline.text in text
    assert str(kb.items["employment_card"].provision("揭阳").source) not in text
    assert "如果今天受理" not in text


def test_deadline_with_working_days_gives_an_expected_date(kb):
    messages, _ = _run(ka.ActionAnswerDeadline, "就业困难人员认定要多久", "ask_deadline")
    assert "如果今天受理" in all_text(messages)


def test_same_deadline_worded_differently_is_not_a_difference(kb):
    # 失业登记: 揭阳 “5个工作日”, 湖南 “5个工作日内”
    provisions = kb.items["unemployment_registration"].provisions
    assert not ka.deadlines_differ(provisions)
    assert ka.deadlines_differ(kb.items["employment_card"].provisions)


def test_policy_question_about_an_item_gets_its_card(kb):
    messages, _ = _run(ka.ActionAnswerPolicy, "什么是就业困难人员认定", "ask_policy")
    text = all_text(messages)
    item = kb.items["hardship_certification"]
    assert item.name in text and kb.bundles[item.bundle_id].name in text
    assert "/select_items" in " ".join(payloads(messages))
