"""Answers to questions are composed from the real knowledge base, name their
guide and region, say where guides disagree, answer every aspect asked for
every item named, and keep the selection."""
from __future__ import annotations

from actions.answers.action import ActionAnswerQuestion
from actions.answers.render import deadlines_differ
from tests.actions.conftest import all_text, make_tracker, payload_tracker, payloads, run_action, slot_events


def _run(text, fixture="empty", **kw):
    return run_action(ActionAnswerQuestion(), make_tracker(fixture, text=text, intent="ask_question", entities=[], **kw))


def test_materials_for_one_item_cover_every_region(kb):
    messages, _ = _run("就业创业证要带啥")
    text = all_text(messages)
    item = kb.items["employment_card"]
    for p in item.provisions:
        assert str(p.source) in text
        for m in p.materials:
            assert m.display() in text
    assert "不同" in text


def test_materials_for_a_region_only(kb):
    messages, _ = _run("湖南办就业创业证要什么", slots={"region": "湖南"}
    )
    text = all_text(messages)
    hunan = kb.items["employment_card"].provision("湖南")
    jieyang = kb.items["employment_card"].provision("揭阳")
    assert str(hunan.source) in text
    assert str(jieyang.source) not in text


def test_materials_mid_selection_use_selected_items_and_keep_them(kb):
    messages, events = _run("要准备什么材料", fixture="unemployment_selected")
    text = all_text(messages)
    for entry in kb.materials_checklist(["unemployment_registration", "unemployment_benefit", "job_seeker_registration"]):
        assert entry.material.display() in text
    assert "selected_items" not in slot_events(events)
    assert "/list_selection" in payloads(messages)
    assert "仍为您保留" in text


def test_materials_menu_button_without_context_asks_which(kb):
    messages, _ = run_action(ActionAnswerQuestion(), payload_tracker("empty", "ask_question", aspect=["materials"]))
    assert any(p.startswith("/ask_question{") and "materials" in p for p in payloads(messages))


def test_materials_of_a_bundle(kb):
    messages, _ = run_action(ActionAnswerQuestion(), payload_tracker("empty", "ask_question", bundle="labor_rights", aspect=["materials"]))
    text = all_text(messages)
    bundle = kb.bundles["labor_rights"]
    for m in bundle.common_materials:
        assert m.display() in text
    assert str(bundle.source) in text


def test_deadline_where_guides_disagree(kb):
    messages, _ = _run("就业创业证要几天")
    text = all_text(messages)
    for p in kb.items["employment_card"].provisions:
        assert p.deadline.text in text
        assert p.region in text
    assert "不同" in text


def test_deadline_with_extension_rule(kb):
    messages, _ = _run("工伤认定多长时间出结果")
    deadline = kb.items["work_injury_recognition"].primary.deadline
    text = all_text(messages)
    assert deadline.text in text
    if deadline.extension_text:
        assert deadline.extension_text in text


def test_eligibility_from_hunan_procedure(kb):
    messages, _ = _run("55岁还能办失业登记吗")
    text = all_text(messages)
    hunan = kb.items["unemployment_registration"].provision("湖南")
    assert hunan.eligibility.text in text
    assert str(hunan.source) in text


def test_channel_names_external_system(kb):
    messages, _ = _run("职称评审在哪个系统申报")
    provision = kb.items["title_evaluation"].primary
    assert provision.external_system.url in all_text(messages)


def test_howto_login(kb):
    messages, _ = _run("怎么登录")
    text = all_text(messages)
    login = [p for p in kb.howto if p.topic == "login"]
    assert login and any(p.title in text for p in login)


def test_howto_progress_mentions_status_wording_difference(kb):
    messages, _ = _run("在哪里看办理进度")
    text = all_text(messages)
    assert "我的事项" in text
    diffs = [d for d in kb.differences if d.topic == "progress"]
    for d in diffs:
        assert d.text in text


def test_howto_without_topic_offers_choices(kb):
    messages, _ = run_action(ActionAnswerQuestion(), payload_tracker("empty", "ask_question", aspect=["howto"]))
    assert len(payloads(messages)) >= 3


def test_forbidden_demands_quote_all_prohibitions(kb):
    messages, _ = _run("社区让我交离职证明，合理吗")
    text = all_text(messages)
    service = kb.services["unemployment_registration"]
    for r in service.requirements:
        if r.kind == "prohibition":
            assert r.text.rstrip("。；;") in text
    assert str(service.source) in text
    assert "12333" in text


def test_deregistration_lists_all_cases(kb):
    messages, _ = _run("什么情况会注销失业登记")
    text = all_text(messages)
    service = kb.services["unemployment_deregistration"]
    assert len(service.cases) == 10
    for case in service.cases:
        assert f"{case.number}. {case.text}" in text
    assert str(service.source) in text


def test_311(kb):
    messages, _ = _run("311服务是什么")
    text = all_text(messages)
    service = kb.services["service_311"]
    assert service.content in text
    assert str(service.source) in text


def test_region_difference_for_employment_card(kb):
    messages, _ = _run("揭阳和湖南办就业创业证有啥区别")
    text = all_text(messages)
    for p in kb.items["employment_card"].provisions:
        assert p.region in text
        assert p.deadline.text in text


def test_unknown_question_is_honest_and_offers_handoff(kb):
    messages, events = _run("火星上的养老金怎么领取呢")
    text = all_text(messages)
    assert "12333" in text
    assert "/human_handoff" in payloads(messages)
    assert slot_events(events)["pending_confirmation"] == {"type": "handoff"}


def test_policy_question_answered_from_search(kb):
    messages, _ = _run("失业登记能迁到常住地吗，迁入迁出怎么办")
    text = all_text(messages)
    assert "依据" in text and "没有找到准确答案" not in text
    for service_id in ("transfer_in", "transfer_out"):
        assert kb.services[service_id].content in text


def test_payload_after_clarification_uses_the_original_question(kb):
    tracker = payload_tracker(
        "empty", "ask_question", slots={"pending_question": "就业创业证那个要多久啊"}, item=["employment_card"],
        aspect=["deadline"],
    )
    messages, events = run_action(ActionAnswerQuestion(), tracker)
    assert kb.items["employment_card"].primary.deadline.text in all_text(messages)
    assert slot_events(events)["pending_question"] is None


def test_named_bundle_wins_over_the_selection(kb):
    messages, events = _run("劳动维权需要什么材料", fixture="unemployment_selected"
    )
    text = all_text(messages)
    assert kb.bundles["labor_rights"].name in text
    assert "selected_items" not in slot_events(events)


def test_deadline_in_a_region_gives_no_other_region_estimate(kb):
    messages, _ = _run("就业创业证要几天", slots={"region": "湖南"})
    text = all_text(messages)
    hunan = kb.items["employment_card"].provision("湖南")
    assert hunan.deadline.text in text
    assert str(kb.items["employment_card"].provision("揭阳").source) not in text
    assert "如果今天受理" not in text


def test_deadline_with_working_days_gives_an_expected_date(kb):
    messages, _ = _run("就业困难人员认定要多久")
    assert "如果今天受理" in all_text(messages)


def test_same_deadline_worded_differently_is_not_a_difference(kb):
    # 失业登记: 揭阳 “5个工作日”, 湖南 “5个工作日内”
    provisions = kb.items["unemployment_registration"].provisions
    assert not deadlines_differ(provisions)
    assert deadlines_differ(kb.items["employment_card"].provisions)


def test_policy_question_about_an_item_gets_its_card(kb):
    messages, _ = _run("什么是就业困难人员认定")
    text = all_text(messages)
    item = kb.items["hardship_certification"]
    assert item.name in text and kb.bundles[item.bundle_id].name in text
    assert "/select_items" in " ".join(payloads(messages))


# ---------------------------------------------------------------- several aspects, items, services, regions


def test_two_aspects_of_one_item_are_both_answered(kb):
    messages, _ = _run("工伤认定要交啥材料，多久出结果")
    text = all_text(messages)
    p = kb.items["work_injury_recognition"].primary
    assert p.deadline.text in text
    for m in p.other_materials:
        assert m.display() in text


def test_one_aspect_of_two_items_is_answered_for_each(kb):
    messages, _ = _run("工伤认定和先行支付分别多久")
    text = all_text(messages)
    for item_id in ("work_injury_recognition", "work_injury_advance_payment"):
        item = kb.items[item_id]
        assert item.name in text and item.primary.deadline.text in text


def test_traditional_characters_are_understood(kb):
    messages, _ = _run("職業技能鑒定審核要幾天")
    assert kb.items["skill_appraisal"].primary.deadline.text in all_text(messages)


def test_terse_keyword_query_answers_instead_of_selecting(kb):
    messages, events = _run("高层次人才认定 材料")
    text = all_text(messages)
    assert kb.items["talent_recognition"].name in text and "需要的材料" in text
    assert "selected_items" not in slot_events(events)


def test_situation_plus_question_answers_the_question(kb):
    messages, _ = _run("我爸在厂里被机器压伤了手，厂里不管，我能替他申请工伤认定吗，要带什么")
    text = all_text(messages)
    for m in kb.items["work_injury_recognition"].primary.other_materials:
        assert m.display() in text


def test_hunan_service_that_is_no_item_is_answered_from_its_own_record(kb):
    messages, _ = _run("湖南办就业登记要什么材料")
    text = all_text(messages)
    service = kb.services["employment_registration"]
    for m in service.materials:
        assert m.display() in text
    assert kb.items["unemployment_registration"].name not in text


def test_region_scoped_question_says_when_the_region_lacks_the_item(kb):
    messages, _ = _run("揭阳求职登记要什么材料")
    text = all_text(messages)
    assert "揭阳的指引中没有" in text
    assert text.index("揭阳的指引中没有") < text.index("北京")


def test_region_scoped_question_gets_no_other_region_rule(kb):
    messages, _ = _run("我是揭阳的，失业登记需要什么材料")
    text = all_text(messages)
    assert "联办" not in text
    jieyang = kb.items["unemployment_registration"].provision("揭阳")
    assert str(jieyang.source) in text
    assert str(kb.items["unemployment_registration"].provision("湖南").source) not in text


def test_linked_rule_is_said_once_and_attributed_to_beijing(kb):
    messages, _ = _run("失业登记需要什么材料")
    text = all_text(messages)
    assert text.count("联办") == 1
    assert "按北京的规定" in text


def test_rule_an_office_must_follow_is_quoted(kb):
    messages, _ = _run("没有档案能办失业登记吗")
    text = all_text(messages)
    service = kb.services["unemployment_registration"]
    for r in service.requirements:
        if r.kind == "prohibition":
            assert r.text.rstrip("。；;") in text


def test_items_without_materials_say_so(kb):
    messages, _ = _run("职业指导需要什么材料")
    text = all_text(messages)
    assert "无需材料" in text


def test_external_system_is_named_with_its_url_in_a_materials_answer(kb):
    messages, _ = _run("职称评审要准备什么")
    system = kb.items["title_evaluation"].primary.external_system
    assert system.name in all_text(messages) and system.url in all_text(messages)


def test_bundle_overview_keeps_the_tables_other_materials(kb):
    messages, _ = _run("失业一件事需要什么材料")
    text = all_text(messages)
    for line in text.splitlines():
        if line.startswith(("3. 职业指导", "7. 失业保险金申领")):
            assert line.endswith("无需材料"), line


def test_an_answer_about_one_unselected_item_offers_it_as_a_real_question(kb):
    messages, events = _run("失业金咋领，要带啥")
    text = all_text(messages)
    name = kb.items["unemployment_benefit"].name
    assert f"需要为您选上“{name}”吗" in text
    assert slot_events(events)["pending_confirmation"] == {
        "type": "select_suggested", "bundle": "unemployment", "items": ["unemployment_benefit"]}


def test_situation_without_an_item_name_answers_the_aspects_for_the_items_it_needs(kb):
    # no item named: the situation (lexicon ``situations``) decides which items the question is about
    messages, _ = _run("厂里拖了我三个月工资，去哪投诉，要准备啥")
    text = all_text(messages)
    item = kb.items["labor_inspection_complaint"]
    assert item.name in text
    for m in item.primary.other_materials:
        assert m.display() in text
    assert any(c.name in text for c in item.primary.channels)
    messages, _ = _run("被裁员了要带什么材料")
    text = all_text(messages)
    for item_id in ("unemployment_registration", "unemployment_benefit"):
        assert kb.items[item_id].name in text
    assert "请问您想了解哪个事项" not in text


def _prohibitions(kb, service_id):
    return [r.text.rstrip("。") for r in kb.services[service_id].requirements if r.kind == "prohibition"]


def test_can_i_question_about_what_an_office_demands_quotes_its_rules(kb):
    # a topic of the prohibitions (社保, 离职证明, 户口本) in a can/must question asks the rules
    for text in ("没交过社保能不能登记失业", "社区说要离职证明才给我办失业登记，对吗", "我没带户口本，失业登记还能办吗"):
        messages, _ = _run(text)
        reply = all_text(messages)
        assert any(p in reply for p in _prohibitions(kb, "unemployment_registration")), text


def test_rules_asked_of_an_item_whose_guides_have_none_says_so_without_other_items_rules(kb):
    messages, _ = _run("没有毕业证能评职称吗")
    reply = all_text(messages)
    assert "未写明" in reply
    assert not any(p in reply for p in _prohibitions(kb, "unemployment_registration"))
    assert kb.items["title_evaluation"].name in reply


def test_several_bundles_asked_at_once_each_get_their_items(kb):
    messages, _ = _run("人才服务一件事和劳动维权一件事分别包括哪些事项")
    text = all_text(messages)
    for bundle_id in ("talent", "labor_rights"):
        for item_id in kb.bundles[bundle_id].item_ids:
            assert kb.items[item_id].name in text
    messages, _ = _run("你们这三个一件事分别能办些什么")
    text = all_text(messages)
    assert all(kb.items[i].name in text for b in kb.bundles.values() for i in b.item_ids)


def test_rules_question_quotes_the_guides_rules_and_checks_not_only_prohibitions(kb):
    texts = [r.text.rstrip("。") for r in kb.services["employment_registration"].requirements
             if r.kind == "verification"]
    messages, _ = _run("自主创业登记和单位就业登记分别如何核验？")
    reply = all_text(messages)
    assert texts and all(t in reply for t in texts)
    rule = next(r.text for r in kb.services["employment_card"].requirements if r.kind == "rule")
    messages, _ = _run("在湖南申请就业创业扶持政策要不要出示就业创业证纸质证书")
    assert rule.rstrip("。")[:30] in all_text(messages)


def test_two_hunan_services_compared_are_each_described_not_every_region_difference(kb):
    messages, _ = _run("311服务和每个月的动态确认是一回事吗，多久一次")
    text = all_text(messages)
    assert kb.services["service_311"].content[:20] in text
    assert "各地规定不同的地方如下" not in text        # no dump of every item's region differences
    assert text.count("【“311”就业服务】") == 1


def test_an_item_other_items_require_gets_the_rules_that_bring_it_along(kb):
    messages, _ = _run("北京的求职登记能不能单独办，不跟别的事项联办")
    text = all_text(messages)
    rules = [r for r in kb.link_rules if "job_seeker_registration" in r.requires and r.region == "北京"]
    assert rules and all(kb.items[r.item_id].name in text for r in rules) and "依据" in text


def test_a_form_question_about_a_bundle_lists_its_online_form(kb):
    messages, _ = _run("北京的失业一件事表格里求职意向怎么填")
    text = all_text(messages)
    sections = [s for s in kb.form_sections(list(kb.bundles["unemployment"].item_ids)) if s.fields and not s.derived]
    assert sections and all(s.title in text for s in sections) and "依据" in text


def test_in_person_or_by_someone_else_is_answered_honestly_with_the_channels(kb):
    messages, _ = _run("劳动能力鉴定可以不去现场吗")
    text = all_text(messages)
    assert "未写明是否必须本人到场" in text
    assert any(c.name in text for c in kb.items["work_capacity_appraisal"].primary.channels)


def test_silent_eligibility_names_the_guides_it_was_looked_up_in(kb):
    messages, _ = _run("高层次人才认定下来之后才能申请租房补贴吗")
    text = all_text(messages)
    assert "未列明受理条件" in text and "依据" in text


def test_a_named_form_field_is_answered_with_that_field(kb):
    messages, _ = _run("北京求职登记的薪酬类型怎么填")
    text = all_text(messages)
    assert "“薪酬类型”" in text and "依据" in text
    messages, _ = _run("北京失业一件事要什么材料")   # the bundle's table is 揭阳's: said so
    assert "北京的指引没有" in all_text(messages)


def test_a_rules_question_naming_what_the_procedure_speaks_of_gets_that_step(kb):
    """“社区能不能凭我的退休证给我注销失业登记”: 湖南's procedure for 失业登记注销 speaks of the
    退休证明; the answer quotes that step of the guide."""
    tracker = make_tracker("empty", text="我已经领退休金了，社保系统还没更新，社区能不能凭我的退休证给我注销失业登记？",
                           intent="ask_question")
    messages, _ = run_action(ActionAnswerQuestion(), tracker)
    step = next(r.text for p in kb.items["unemployment_deregistration"].provisions for r in p.requirements
                if r.kind == "process" and "退休证明" in r.text)
    assert step.rstrip("。；;") in all_text(messages)


def test_a_near_copy_of_the_best_passage_is_not_repeated(kb):
    """揭阳's three bundles' steps differ in one line: the answer gives one of them, never each sentence twice."""
    from types import SimpleNamespace

    from actions.answers.search import answer_from_passages

    steps = [p for p in kb.howto if p.topic == "apply" and p.region == "揭阳"]
    assert len(steps) >= 2
    first, second = (SimpleNamespace(**{k: getattr(p, k) for k in ("text", "title", "region", "source")}, score=1.0)
                     for p in steps[:2])
    text = answer_from_passages([first, second])
    lines = [x for x in text.split("\n") if len(x) > 10]
    assert len(lines) == len(set(lines))


def test_a_region_whose_guide_lacks_the_item_says_so_in_form_and_deregistration_answers(kb):
    """北京's guide has no 就业困难人员认定, 揭阳's no 失业保险金停发 and no deregistration cases: the
    answer says whose guide it quotes instead of passing another region's text off as theirs."""
    form = make_tracker("empty", text="北京失业登记里那个特殊身份选了，是不是就等于认定就业困难人员了？", intent="ask_question")
    messages, _ = run_action(ActionAnswerQuestion(), form)
    assert kb.items["hardship_certification"].provision("北京") is None
    assert f"北京的指引中没有“{kb.items['hardship_certification'].name}”" in all_text(messages)
    assert "。。" not in all_text(messages)
    cases = make_tracker("empty", text="我在揭阳领失业金，找到工作了，是不是要申请失业保险金停发，失业登记是不是也要注销",
                         intent="ask_question")
    messages, _ = run_action(ActionAnswerQuestion(), cases)
    said = all_text(messages)
    source = kb.services["unemployment_deregistration"].source.region
    assert f"揭阳的指引未写明注销的情形，以下是{source}指引的规定" in said
    assert f"揭阳的指引中没有“{kb.items['benefit_suspension'].name}”" in said


def test_a_yes_no_question_after_a_situation_is_answered_with_the_items_conditions(kb):
    # “可以申请复查吗” after a story: whether the situation's item may be applied for; no guide
    # gives its conditions, so the answer says 未列明 instead of only listing the item
    for text, item_id in (("鉴定完一年伤情加重了，可以申请复查吗？", "work_capacity_review"),
                          ("我是干日结的临时工，老板不给钱，能投诉不😭", "labor_inspection_complaint")):
        messages, _ = _run(text)
        reply = all_text(messages)
        assert kb.items[item_id].name in reply
        assert "未列明" in reply
        assert "您想先了解哪一项" not in reply
    # a which-items question after a story still lists what the situation needs
    messages, _ = _run("被欠薪又受了伤，维权一件事能帮我办哪些")
    assert "未列明" not in all_text(messages)


def test_where_to_get_a_bundle_form_says_the_guide_does_not_tell(kb):
    bundle = kb.bundles["labor_rights"]
    form = next(m for m in bundle.common_materials if "申请表" in m.display())
    for text in ("劳动维权一件事 申请表在哪下载", "劳动维权服务“一件事”申请表怎么填"):
        messages, _ = _run(text)
        reply = all_text(messages)
        assert form.display() in reply and "只需提供1份" in reply
        assert "未写明" in reply and str(bundle.source) in reply


def test_a_bundle_form_question_quotes_no_form_of_another_guide(kb):
    # 北京's 失业 form (基本信息) is not the form of 人才服务“一件事”
    beijing = {s.title for s in kb.forms if s.source.region == "北京"}
    messages, _ = _run("人才服务一件事申请表怎么填")
    reply = all_text(messages)
    assert not any(title in reply for title in beijing)
    assert "北京" not in reply


def test_a_difference_question_about_an_item_of_one_guide_says_what_the_item_is(kb):
    # one item found and no region named: the other thing compared is no region, so
    # “只有揭阳的指引有规定，无从比较” answers nothing; the item's card does
    item = kb.items["title_evaluation"]
    assert len(item.provisions) == 1
    messages, _ = _run("职称评审和那个啥有啥区别")
    reply = all_text(messages)
    assert "无从比较" not in reply and item.name in reply
    assert str(item.provisions[0].source) in reply


def test_whether_each_item_needs_its_own_copy_of_the_shared_papers_is_answered_by_the_bundle_rule(kb):
    bundle = kb.bundles["labor_rights"]
    rule = next(c for c in bundle.summary.replace("。", "，").split("，") if "共性材料" in c)
    messages, _ = _run("我选了四个事项，是不是每个都要交一份劳动维权一件事申请表")
    reply = all_text(messages)
    assert rule in reply and str(bundle.source) in reply
    assert "请问您想了解哪个事项" not in reply
    # no bundle named: the rule of every bundle guide
    reply = all_text(_run("共性材料要不要每个事项都交一份")[0])
    assert all(b.name in reply for b in kb.bundles.values())
    # what the shared papers are is no question of copies
    assert rule not in all_text(_run("劳动维权一件事的共性材料是什么")[0])
