"""KnowledgeIntentArbiter: where the knowledge base overrules the classifier, and how the ranking then looks."""
from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.components.intent_arbiter import KnowledgeIntentArbiter, swapped


@pytest.fixture(scope="module")
def arbiter():
    return KnowledgeIntentArbiter(KnowledgeIntentArbiter.get_default_config())


def _message(text, ranking):
    m = Message(data={TEXT: text})
    m.set(INTENT, dict(ranking[0]))
    m.set(INTENT_RANKING_KEY, [dict(r) for r in ranking])
    return m


def _run(arbiter, text, ranking):
    m = arbiter.process([_message(text, ranking)])[0]
    return m.get(INTENT), m.get(INTENT_RANKING_KEY)


def test_a_story_of_a_situation_read_as_a_question_becomes_a_need(arbiter):
    intent, ranking = _run(arbiter, "被裁员了，现在怎么办",
                           [{"name": "ask_question", "confidence": 0.99}, {"name": "describe_need", "confidence": 0.005}])
    assert intent == {"name": "describe_need", "confidence": 0.99}
    # the overruled intent takes the chosen one's old place: no tie for the fallback's ambiguity threshold
    assert ranking[0]["name"] == "describe_need" and ranking[1] == {"name": "ask_question", "confidence": 0.005}


def test_an_item_and_an_aspect_read_as_a_selection_become_a_question(arbiter):
    intent, ranking = _run(arbiter, "职业介绍 办理材料",
                           [{"name": "select_items", "confidence": 0.7}, {"name": "ask_question", "confidence": 0.2},
                            {"name": "greet", "confidence": 0.1}])
    assert intent["name"] == "ask_question" and ranking[0]["confidence"] == 0.7
    assert ranking[1] == {"name": "select_items", "confidence": 0.2}


def test_a_need_read_as_a_need_is_never_turned_into_a_question(arbiter):
    # the classifier is right: nothing named, only “what do I do” asked (the bug: the question was
    # among the top guesses, so the need became a question and got the how-to answer)
    for text in ("被公司辞退了咋办啊", "老板欠薪怎么办", "没工作了咋办"):
        ranking = [{"name": "describe_need", "confidence": 0.8}, {"name": "ask_question", "confidence": 0.15},
                   {"name": "greet", "confidence": 0.05}]
        intent, out = _run(arbiter, text, ranking)
        assert intent == ranking[0] and out == ranking, text


def test_a_need_that_asks_an_aspect_becomes_a_question(arbiter):
    # “要准备啥” asks something the items of the situation answer
    ranking = [{"name": "describe_need", "confidence": 0.6}, {"name": "ask_question", "confidence": 0.35}]
    intent, _ = _run(arbiter, "厂里拖了我三个月工资，去哪投诉，要准备啥", ranking)
    assert intent["name"] == "ask_question"


@pytest.mark.parametrize("text,ranking", [
    ("我要办失业登记", [{"name": "select_items", "confidence": 0.9}, {"name": "ask_question", "confidence": 0.05}]),
    ("工伤认定要多久", [{"name": "ask_question", "confidence": 0.9}, {"name": "describe_need", "confidence": 0.05}]),
    ("/ask_question", [{"name": "ask_question", "confidence": 1.0}]),
])
def test_other_messages_are_left_as_the_classifier_read_them(arbiter, text, ranking):
    intent, out = _run(arbiter, text, ranking)
    assert intent == ranking[0] and out == ranking


def test_swapped_keeps_every_intent_once():
    ranking = [{"name": "a", "confidence": 0.6}, {"name": "b", "confidence": 0.3}, {"name": "c", "confidence": 0.1}]
    out = swapped(ranking, ranking[0], "c")
    assert [r["name"] for r in out] == ["c", "b", "a"] and [r["confidence"] for r in out] == [0.6, 0.3, 0.1]


def test_where_progress_is_shown_is_a_how_to_question_not_a_lookup(arbiter):
    ranking = [{"name": "check_progress", "confidence": 0.7}, {"name": "ask_question", "confidence": 0.25}]
    intent, _ = _run(arbiter, "进度结果查询在个人中心的哪里查看", ranking)
    assert intent["name"] == "ask_question"
    intent, _ = _run(arbiter, "我的工伤认定出结论了吗", ranking)   # one's own case: the lookup
    assert intent["name"] == "check_progress"


def test_out_of_scope_that_names_an_item_and_asks_is_a_question(arbiter):
    ranking = [{"name": "out_of_scope", "confidence": 0.5}, {"name": "ask_question", "confidence": 0.4}]
    intent, _ = _run(arbiter, "停工留薪期确认 时限", ranking)
    assert intent["name"] == "ask_question"
    intent, _ = _run(arbiter, "养老保险怎么交", ranking)   # nothing of the guides named: stays out of scope
    assert intent["name"] == "out_of_scope"


def test_a_selection_cue_inside_a_question_does_not_stop_the_question(arbiter):
    ranking = [{"name": "select_items", "confidence": 0.6}, {"name": "ask_question", "confidence": 0.3}]
    intent, _ = _run(arbiter, "失业登记要办多久", ranking)
    assert intent["name"] == "ask_question"
    intent, _ = _run(arbiter, "我要办失业登记", ranking)   # a selection, asking nothing
    assert intent["name"] == "select_items"


@pytest.mark.parametrize("text", ["我失业了，不知道要办哪些手续", "我被欠薪了，帮我看看能办啥", "我受了工伤，你看能办哪些",
                                  "失业了不知道该办什么"])
def test_a_situation_that_asks_which_items_stays_the_need_the_classifier_read(arbiter, text):
    intent, _ = _run(arbiter, text, [{"name": "describe_need", "confidence": 0.6}, {"name": "ask_question", "confidence": 0.35}])
    assert intent["name"] == "describe_need", text
    # ... and read as a question it stays a question: “失业了能领点啥补贴不” wants the bundle's answer
    intent, _ = _run(arbiter, text, [{"name": "ask_question", "confidence": 0.6}, {"name": "describe_need", "confidence": 0.35}])
    assert intent["name"] == "ask_question", text


def test_a_bundle_named_as_such_with_which_items_stays_a_question(arbiter):
    intent, _ = _run(arbiter, "劳动维权这个一件事能帮我办哪几样",
                     [{"name": "ask_question", "confidence": 0.6}, {"name": "describe_need", "confidence": 0.35}])
    assert intent["name"] == "ask_question"


@pytest.mark.parametrize("text, question", [("工伤认定申请后一般多久出结论", True), ("失业金多久能批下来", True),
                                            ("我的工伤认定出结论了吗", False), ("我申请的失业金批下来没有", False)])
def test_a_deadline_asked_in_general_is_a_question_but_ones_own_case_a_lookup(arbiter, text, question):
    intent, _ = _run(arbiter, text, [{"name": "check_progress", "confidence": 0.6}, {"name": "ask_question", "confidence": 0.35}])
    assert (intent["name"] == "ask_question") is question, text
