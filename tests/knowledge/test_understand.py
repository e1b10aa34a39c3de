"""knowledge.understand: what a message names and asks, read with the lexicon's cues."""
from __future__ import annotations

import pytest

from knowledge.understand import analyze


@pytest.mark.parametrize("text, item_id, aspects", [
    ("职业技能鉴定审核要几天", "skill_appraisal", ["deadline"]),
    ("租房补贴每个月多少", "talent_rent_subsidy", ["amount"]),          # an amount, asked without 钱
    ("博士后资助一次性给多少", "postdoc_funding", ["amount"]),
    ("工伤认定申请后多少天出结论", "work_injury_recognition", ["deadline"]),   # 多少天 is a deadline, not an amount
    ("职業技能鑒定多久", "skill_appraisal", ["deadline"]),
])
def test_item_and_aspects(kb, text, item_id, aspects):
    a = analyze(kb, text)
    assert a.items == [item_id]
    assert a.aspects == aspects


def test_same_or_not_asks_the_difference(kb):
    a = analyze(kb, "求职登记跟失业登记是不是一回事")
    assert set(a.items) == {"job_seeker_registration", "unemployment_registration"}
    assert "difference" in a.aspects


def test_a_situation_in_everyday_words_names_the_items_it_needs(kb):
    a = analyze(kb, "厂里拖了我三个月工资，去哪投诉，要准备啥")
    assert a.items == []
    assert a.situation_items == ["labor_inspection_complaint"]
    assert set(a.aspects) == {"materials", "channel"}


@pytest.mark.parametrize("text", [
    "湖南办失业登记要不要另外做求职登记",
    "劳动者进行失业登记时是否同步进行求职登记？",
    "辦失業登記會自動一起辦求職登記嗎",
    "北京能不能只申领失业金不办失业登记",
])
def test_done_together_or_apart_asks_the_linked_rule(kb, text):
    assert "linked" in analyze(kb, text).aspects


def test_what_the_311_service_gives_is_the_service_itself(kb):
    for text in ("311就业服务是给谁的，具体提供什么", "三一一就业服务有免费培训吗"):
        a = analyze(kb, text)
        assert "service_311" in a.aspects and "materials" not in a.aspects, text


def test_generic_service_words_do_not_make_another_named_thing_a_311_question(kb):
    for text in ("湖南省统一经办平台统一了哪些方面的公共就业服务？", "职业指导是个啥服务啊，收钱吗",
                 "根据湖南省基层公共就业服务经办规程，求职登记的受理对象是哪些人员？"):
        assert "service_311" not in analyze(kb, text).aspects, text


@pytest.mark.parametrize("text", [
    "失业登记注消 哪些情况",                       # a typo of the item's name still anchors 注销
    "北京失业登记注销怎么操作，哪些原因可以注销",
    "找到工作了 失业登记要不要销掉 咋销",
    "社区给我推了好几次工作我都没去，会不会被取消失业登记",
])
def test_when_a_registration_is_cancelled_asks_the_deregistration_cases(kb, text):
    assert "deregistration" in analyze(kb, text).aspects


def test_what_to_bring_for_deregistration_stays_materials(kb):
    assert analyze(kb, "注销失业登记要带什么").aspects == ["materials"]


def test_hunan_services_are_found_by_their_aliases(kb):
    a = analyze(kb, "在长沙开了家小饭店，自主创业登记要交什么")
    assert a.services == ["employment_registration"] and a.items == [] and a.regions == ["湖南"]


def test_a_typo_as_close_to_two_names_is_the_one_it_sounds_like(kb):
    pytest.importorskip("pypinyin", reason="pinyin tie-break needs pypinyin (in both environments' locks)")
    a = analyze(kb, "公司第一次给员工办救业登记要交营业执照吗")   # 救 jiù = 就 jiù, not 失 shī
    assert a.services == ["employment_registration"] and a.items == []


def test_a_weak_cue_counts_in_its_own_clause(kb):
    # “需要什么” alone asks the materials; another clause's deadline does not silence it
    assert analyze(kb, "劳动能力鉴定需要什么病历，要等多久").aspects == ["materials", "deadline"]
    assert analyze(kb, "工伤认定需要什么条件").aspects == ["eligibility"]


def test_a_clause_asking_can_i_asks_who_may_beside_the_other_clauses(kb):
    a = analyze(kb, "老板恶意欠薪人跑了，能移送公安吗？我要交啥材料")
    assert a.items == ["wage_crime_referral"] and set(a.aspects) == {"eligibility", "materials"}


def test_in_a_long_story_only_the_sentences_that_ask_are_read_for_aspects(kb):
    text = ("我在北京一家公司干了四年，上个月公司裁员把我们整个组都裁了，签了解除协议，现在在家待业。"
            "我打开北京的统一身份认证平台看了一下，页面上有好多选项，我点了失业登记以后求职登记也被自动勾上了。"
            "请问这两个是必须一起办的吗？分别要准备什么材料？")
    a = analyze(kb, text)
    assert set(a.items) == {"unemployment_registration", "job_seeker_registration"}
    assert set(a.aspects) == {"materials", "linked"}   # not form (选项), howto (页面) or rules (解除)


def test_a_paper_one_lacks_asks_the_rules_where_they_exist_else_the_materials(kb):
    assert analyze(kb, "没有档案能办失业登记吗").aspects == ["rules"]          # 湖南 forbids demanding 档案
    a = analyze(kb, "毕业证丢了，申领就业创业证还能办吗")
    assert "materials" in a.aspects and "rules" not in a.aspects and a.without
    assert "materials" not in analyze(kb, "没工作了，失业金能领吗").aspects   # a situation, not a paper


def test_item_names_typed_in_pinyin_are_found(kb):
    pytest.importorskip("pypinyin", reason="pinyin names need pypinyin (in both environments' locks)")
    a = analyze(kb, "jiuye chuangye zheng 去哪里办")
    assert a.items == ["employment_card"] and a.aspects == ["channel"]
    assert analyze(kb, "zhuxiao shiye dengji 在哪办").items == ["unemployment_deregistration"]


@pytest.mark.parametrize("text, aspect", [
    ("我去读研了 失业登记会咋样", "deregistration"),
    ("我连续半年没接社区电话 失业登记还有效吗", "deregistration"),
    ("社区没问过我就给我办了就业登记 这样可以吗", "rules"),
    ("办就业创业证是不是要本人去 我腿脚不好", "channel"),
    ("领失业金的同时还能领价格临时补贴吗 两个要分别申请吗", "linked"),
    ("失业登记、求职登记、就业创业证我在长沙社区一次能办完不", "channel"),
    ("劳动能力鉴定能在娄底做吗还是要回揭阳", "channel"),
    ("员工离职了，公司要去注销他的就业登记吗", "deregistration"),
    ("出国定居了失业登记还保留吗", "deregistration"),
])
def test_everyday_wording_of_aspects(kb, text, aspect):
    assert aspect in analyze(kb, text).aspects


def test_a_one_character_typo_of_a_short_name_must_sound_like_it(kb):
    pytest.importorskip("pypinyin", reason="the homophone check needs pypinyin (in both environments' locks)")
    for text, item_id in (("失也登记要什么", "unemployment_registration"), ("工伤认丁要多久", "work_injury_recognition")):
        assert analyze(kb, text).items == [item_id], text
    a = analyze(kb, "社区的人能不能不经过他本人同意就给登记了")   # 就给登记 is no 就业登记
    assert "employment_registration" not in a.services


def test_an_exact_mention_wins_over_an_earlier_fuzzy_one(kb):
    m = kb.resolve("就业创业扶持政策要不要出示就业创业证")
    assert [x.id for x in m] == ["employment_card"] and m[0].score == 1.0


def test_where_to_cancel_a_registration_is_asked_of_the_cancellation(kb):
    a = analyze(kb, "我离职了 单位给我的就业登记要注销吗 去哪注销")
    assert a.services == ["employment_deregistration"] and {"channel", "deregistration"} <= set(a.aspects)


def test_must_i_first_do_x_asks_the_linked_rule_not_the_offices_rules(kb):
    a = analyze(kb, "办失业金是不是一定要先做失业登记和求职登记")
    assert "linked" in a.aspects and "rules" not in a.aspects


def test_a_county_is_read_as_its_region(kb):
    assert analyze(kb, "宁乡的社区办就业创业证要几个工作日").regions == ["湖南"]


def test_a_told_disagreement_with_an_appraisal_is_the_review(kb):
    assert analyze(kb, "对鉴定结论不服能复查吗，多长时间内提出").situation_items == ["work_capacity_review"]


def test_when_may_i_apply_asks_who_may_and_when(kb):
    a = analyze(kb, "工伤认定下来了，什么时候可以申请劳动能力鉴定")
    assert {"eligibility", "deadline"} <= set(a.aspects)
    assert "deregistration" in analyze(kb, "我找到新工作了，失业登记要不要自己去注销").aspects


@pytest.mark.parametrize("text, item_id", [
    ("受伤以后单位不给工资的那段时间 能申请确认吗 要啥材料", "paid_leave_confirmation"),   # not 欠薪
    ("单位没交工伤保险 我受伤了 听说社保可以先垫付 要什么材料", "work_injury_advance_payment"),
    ("那个物价涨了给失业的人发的补贴一个月发多少", "price_subsidy"),
    ("我刚毕业进了事业单位，听说可以直接认定初级职称，要啥材料", "title_initial_recognition"),
])
def test_the_most_specific_situation_comes_first(kb, text, item_id):
    assert analyze(kb, text).situation_items[0] == item_id


def test_a_paper_question_naming_nothing_is_no_rules_question(kb):
    # “学历要不要” about an unnamed appraisal must not answer with 失业登记's prohibitions
    assert "rules" not in analyze(kb, "那个考电工证的鉴定 要交啥材料 学历要不要").aspects


def test_terse_policy_and_overview_words(kb):
    assert analyze(kb, "工伤先行支付 简介").aspects == ["policy"]
    assert "overview" in analyze(kb, "劳动维权一件事 事项清单").aspects


@pytest.mark.parametrize("text, alone", [
    ("工伤保险待遇先行支付", True), ("首席技师呢", True), ("湖南 失业登记", True), ("您好，职称评审", True),
    ("我要办失业登记", False), ("失业登记 材料", False), ("选择首席技师", False), ("今天天气", False),
])
def test_a_name_alone_is_told_from_a_request_or_a_question(kb, text, alone):
    assert analyze(kb, text).names_only is alone


@pytest.mark.parametrize("text, item_id", [
    ("失也金多久能批下来", "unemployment_benefit"),        # 也 for 业: a name as pinyin input writes it
    ("失业等级 多久办好", "unemployment_registration"),     # two homophones (等级 for 登记)
    ("求职等级可以在网上办吗", "job_seeker_registration"),
    ("工伤坚定要多久", "work_capacity_appraisal"),           # sounds exactly like 工伤鉴定
])
def test_a_name_written_with_homophones_is_that_name(kb, text, item_id):
    assert analyze(kb, text).items == [item_id]


@pytest.mark.parametrize("text, bundle", [("人材服务一件事 都有啥", "talent"), ("劳动为权一件事有哪些可以办的", "labor_rights"),
                                          ("人才服务“一件事”打包了哪些服务事项", "talent"), ("劳动维权一件事 7项 分别是", "labor_rights")])
def test_a_bundle_by_its_sound_and_what_it_holds(kb, text, bundle):
    a = analyze(kb, text)
    assert a.bundles == [bundle] and a.aspects == ["overview"]   # never the 311 service's text


@pytest.mark.parametrize("text", ["点了失业登记 为啥求职登记自己就打勾了", "北京申请失业金会不会连失业登记一起弄",
                                  "失业登记与求职登记是不是两项连办", "失业金申领要先失业登记吗"])
def test_done_together_in_everyday_words_asks_the_linked_rule(kb, text):
    assert "linked" in analyze(kb, text).aspects


@pytest.mark.parametrize("text, dereg", [("我儿子去当兵了，失业登记会怎么处理？", True),
                                         ("那失业登记是不是就得注销了", True), ("我的投诉会怎么处理", False)])
def test_what_becomes_of_a_registration_asks_its_cases(kb, text, dereg):
    assert ("deregistration" in analyze(kb, text).aspects) is dereg


def test_two_names_as_long_overlapping_take_the_later_one(kb):
    """“申请失业登记注销”: Chinese names end in their head, so 失业登记注销, not the alias 申请失业登记."""
    assert analyze(kb, "谁能申请失业登记注销？").items == ["unemployment_deregistration"]


@pytest.mark.parametrize("text, aspects", [("失業一件事包括啲咩", ["overview"]), ("失业登记喺边度办", ["channel"]),
                                           ("老細唔出糧 投訴要準備啲咩", ["materials"])])
def test_cantonese_words_are_read_as_their_standard_words(kb, text, aspects):
    assert analyze(kb, text).aspects == aspects


def test_a_keyword_query_of_a_cancellations_conditions_asks_its_cases_but_a_request_asks_nothing(kb):
    assert "deregistration" in analyze(kb, "常德 注销失业登记 条件").aspects
    assert analyze(kb, "我要注销失业登记").aspects == []


def test_a_title_moved_between_places_is_the_re_evaluation(kb):
    assert analyze(kb, "我从深圳调到揭阳工作，职称需要重新确认，一般什么时间办？").items == ["title_re_evaluation"]


def test_a_procedure_word_of_a_cancellation_asks_the_rules_of_the_cancellation(kb):
    a = analyze(kb, "社区联系不上他本人，能不能跟我们家属确认以后注销他的失业登记？")
    assert "rules" in a.aspects and a.items == ["unemployment_deregistration"]
    assert "rules" not in analyze(kb, "我是随军家属，失业登记里的失业人员类型该选哪个").aspects


@pytest.mark.parametrize("text, is_311", [("职业介绍要带简历吗，我外甥想让你们帮忙推荐工作", False),
                                          ("登记失业以后一年能有几次免费培训信息", True), ("311服务包括啥", True)])
def test_the_311_service_is_asked_unless_an_item_that_does_the_same_is_named(kb, text, is_311):
    assert ("service_311" in analyze(kb, text).aspects) is is_311


def test_a_platform_of_the_guides_named_with_an_item_asks_whether_it_is_done_there(kb):
    # the platform names come from the guides' channels (湖南: “湘就业”微信公众号, “掌上12333”客户端)
    for text in ("湘就业 失业登记", "湘就业能做求职登记吗", "掌上12333 能办失业登记吗"):
        assert analyze(kb, text).aspects == ["channel"], text
    # the path inside a platform (首页点击打包“一件事”) is no platform
    assert "channel" not in analyze(kb, "失业一件事要什么材料").aspects


def test_a_yes_no_question_at_the_end_of_a_story_asks_whether_its_item_may_be_applied_for(kb):
    a = analyze(kb, "鉴定完一年伤情加重了，可以申请复查吗？")
    assert a.situation_items[:1] == ["work_capacity_review"] and a.aspects == ["eligibility"]
    assert analyze(kb, "我是干日结的临时工，老板不给钱，能投诉不😭").aspects == ["eligibility"]
    # a which-items question and a story that asks nothing stay as they were
    assert "eligibility" not in analyze(kb, "被欠薪又受了伤，维权一件事能帮我办哪些").aspects
    assert analyze(kb, "我失业了，心情不好").aspects == []


@pytest.mark.parametrize("text, aspect", [
    ("员工离职了单位能不能自己去注销他的就业登记，不通知本人", "rules"),   # what an office may do
    ("注销就业登记要不要劳动者本人签字", "rules"),
    ("揭阳办就业创业证是不是一定得交学历证书", "rules"),
    ("揭东区人社局能办职称证书补换发吗", "channel"),                      # an office named: where
    ("湖南的注销失业登记由哪里经办", "channel"),
    ("高层次人才认定标准是啥", "eligibility"),
])
def test_how_an_office_proceeds_where_and_by_what_standard(kb, text, aspect):
    assert aspect in analyze(kb, text).aspects
