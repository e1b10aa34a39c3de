"""The agent register (issue 13): the same actions, with a script for the 12333 agent when the
turn comes through the hotline channel. Expected facts are read from knowledge/."""
from __future__ import annotations

import asyncio
import copy

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.agent.handoff import handoff_context
from actions.agent.register import agent_of, is_agent
from actions.answers.action import ActionAnswerQuestion
from actions.answers.render import deadline_text
from actions.application.engine import Engine, new_state
from actions.application.form import ValidateApplicationForm
from actions.application.submission import payload_of
from actions.handoff import ActionHandoff
from knowledge.personal_data import complete_id_number, mask_id_number
from tests.actions.conftest import load_fixture, run_action

AGENT = {"staff_id": "staff-3", "name": "王坐席"}


def tracker(text, intent="ask_question", channel="hotline", metadata=None, slots=None, sender="hotline-t1",
            active_loop=None):
    data = copy.deepcopy(load_fixture("empty"))
    if metadata is None:
        metadata = {"register": "agent", "agent": AGENT} if channel == "hotline" else {}
    data["sender_id"] = sender
    data["latest_message"].update(text=text, intent={"name": intent, "confidence": 0.95},
                                  intent_ranking=[{"name": intent, "confidence": 0.95}], entities=[],
                                  metadata=metadata)
    data["events"].append({"event": "user", "text": text, "input_channel": channel, "metadata": metadata,
                           "parse_data": data["latest_message"]})
    data["slots"].update(slots or {})
    if active_loop:
        data["active_loop"] = {"name": active_loop}
    return Tracker.from_dict(data)


def agent_payloads(messages):
    return [m["custom"]["agent"] for m in messages if isinstance(m.get("custom"), dict) and "agent" in m["custom"]]


def test_register_comes_from_the_channel_not_from_the_body():
    assert is_agent(tracker("你好")) and agent_of(tracker("你好")) == AGENT
    # metadata alone (e.g. a REST caller writing it) is not the agent register
    forged = tracker("你好", channel="rest", metadata={"register": "agent", "agent": AGENT})
    assert not is_agent(forged) and agent_of(forged) is None


def test_an_answer_as_a_script_with_sources_rows_and_region_differences(kb):
    item = kb.items["employment_card"]
    messages, _ = run_action(ActionAnswerQuestion(), tracker("就业创业证多久能办好"))
    [script] = agent_payloads(messages)
    assert messages[0]["text"]                              # the citizen-worded answer is still there
    facts = [f for f in script["facts"] if f["item_id"] == item.id and f["aspect"] == "办理时限"]
    assert {f["region"] for f in facts} == {p.region for p in item.provisions}
    for p in item.provisions:
        row = next(f for f in facts if f["region"] == p.region)
        assert row["guide"] == str(p.source) and row["row"] == p.source.section
        assert p.deadline.text in row["text"]
    assert [r["region"] for r in script["differences"][0]["by_region"]] == [p.region for p in item.provisions]
    assert "办理地" in script["ask_next"]
    spoken = "".join(script["say"])
    assert "依据" not in spoken and "http" not in spoken
    assert all(deadline_text(p).rstrip("。") in spoken for p in item.provisions)


def test_a_region_named_answers_that_region_and_asks_the_next_step(kb):
    item = kb.items["employment_card"]
    hunan = item.provision("湖南")
    messages, _ = run_action(ActionAnswerQuestion(), tracker("湖南就业创业证多久能办好", slots={"region": "湖南"}))
    [script] = agent_payloads(messages)
    assert {f["region"] for f in script["facts"]} == {"湖南"} and not script["differences"]
    assert hunan.deadline.text in "".join(script["say"])
    assert item.name in script["ask_next"]                 # not selected yet: offer to select and apply


def test_the_citizen_gets_no_script(kb):
    messages, _ = run_action(ActionAnswerQuestion(), tracker("就业创业证多久能办好", channel="rest", sender="web-1"))
    assert agent_payloads(messages) == []


def test_personal_values_are_read_back_masked_and_the_next_field_asked(kb):
    eng = Engine(kb)
    state = eng.start(new_state("unemployment", ["unemployment_registration"], "k" * 20)).state
    state["answers"]["name"] = "张三"
    state["answers"]["id_type"] = "居民身份证"
    state["pending"] = "id_number"
    id_number = complete_id_number("44520219900101123")
    t = tracker(id_number, intent="inform", slots={"application": state}, active_loop="application_form")
    dispatcher = CollectingDispatcher()
    asyncio.run(ValidateApplicationForm().validate_application_input(id_number, dispatcher, t, {}))
    [script] = agent_payloads(dispatcher.messages)
    label = next(p.field.label for p in eng.plan(state) if p.id == "id_number")
    assert script["readback"] == [{"label": label, "masked": mask_id_number(id_number)}]
    assert mask_id_number(id_number) in script["say"][0]
    next_label = next(p.field.label for p in eng.plan(state) if p.id == "phone")
    assert next_label in script["ask_next"]
    assert id_number not in str(dispatcher.messages)


def test_a_case_submitted_from_the_console_names_the_agent_and_the_hotline(kb):
    state = {"bundle": "unemployment", "items": ["unemployment_registration"], "answers": {"name": "张三"}}
    payload = payload_of(state, tracker("确认提交", intent="affirm"))
    assert payload["channel"] == "hotline" and payload["agent"] == AGENT
    citizen = payload_of(state, tracker("确认提交", intent="affirm", channel="rest", sender="web-2"))
    assert citizen["channel"] == "web" and "agent" not in citizen


def test_handoff_context_is_masked_and_carries_selection_and_form(kb):
    id_number = complete_id_number("44520219900101123")
    t = tracker("转人工", intent="human_handoff", channel="rest", sender="web-3",
                slots={"selected_items": ["unemployment_registration"], "bundle": "unemployment"})
    t.events.insert(len(t.events) - 1, {"event": "user", "text": f"我身份证{id_number}，失业登记要什么材料"})
    context = handoff_context(kb, t)
    assert context["selected_items"] == [kb.items["unemployment_registration"].name]
    assert mask_id_number(id_number) in context["last_question"]
    assert id_number not in str(context)


def test_handoff_without_backend_still_answers(kb, monkeypatch):
    monkeypatch.setenv("BACKEND_URL", "http://127.0.0.1:9")   # nothing listens there
    messages, _ = run_action(ActionHandoff(), tracker("转人工", intent="human_handoff", channel="rest", sender="web-4"))
    assert "12333" in messages[0]["text"] and messages[0]["custom"]["handoff"]["queued"] is False


def test_a_keyword_query_the_classifier_is_unsure_of_gets_a_script_too(kb):
    from actions.fallback import ActionClarifyIntent

    item = kb.items["work_injury_recognition"]
    t = tracker("工伤认定 材料", intent="nlu_fallback")
    messages, _ = run_action(ActionClarifyIntent(), t)
    [script] = agent_payloads(messages)
    facts = [f for f in script["facts"] if f["item_id"] == item.id]
    assert {f["region"] for f in facts} == {p.region for p in item.provisions}
    assert all(f["aspect"] == "需要的材料" and f["guide"] for f in facts)



def test_only_web_chats_are_queued_where_the_agent_can_reply(kb, monkeypatch):
    """A recording HTTP endpoint in place of the backend's address: the web chat's handoff reaches it with a
    masked context, WeChat's does not (no reply could reach WeChat from the console)."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    seen = []

    class Recorder(BaseHTTPRequestHandler):
        def do_POST(self):
            seen.append((self.path, json.loads(self.rfile.read(int(self.headers["Content-Length"])))))
            body = b'{"id": 1, "status": "waiting", "created": true}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("BACKEND_URL", f"http://127.0.0.1:{server.server_port}")
    try:
        wechat, _ = run_action(ActionHandoff(), tracker("转人工", intent="human_handoff", channel="wechat", sender="wechat-o1"))
        assert wechat[0]["custom"]["handoff"]["queued"] is False and seen == []
        web, _ = run_action(ActionHandoff(), tracker("转人工", intent="human_handoff", channel="rest", sender="web-5"))
        assert web[0]["custom"]["handoff"]["queued"] is True
        assert [(path, body["conversation_id"], body["channel"]) for path, body in seen] == [("/api/v1/handoffs", "web-5", "web")]
    finally:
        server.shutdown()


def test_after_submission_the_case_number_is_spelled_out_for_the_caller(kb):
    from actions.agent.form import after_submission
    from actions.application.submission import expectation

    item = kb.items["employment_card"]
    result = {"case_number": "SY20261202-UQD9AY", "submitted_at": "2026-12-02T10:00:00+08:00",
              "items": [{"item_id": item.id, "name": item.name, "expected_completion": "2026-12-02",
                         "deadline_text": item.primary.deadline.text}]}
    dispatcher = CollectingDispatcher()
    after_submission(dispatcher, tracker("确认提交", intent="affirm"), result, expectation)
    [script] = agent_payloads(dispatcher.messages)
    spoken = "".join(script["say"])
    assert "S Y 2 0 2 6 1 2 0 2 杠 U Q D 9 A Y" in spoken
    assert expectation(result["items"][0], result["submitted_at"]) in spoken and item.name in spoken
    citizen = CollectingDispatcher()
    after_submission(citizen, tracker("确认提交", intent="affirm", channel="rest", sender="web-6"), result, expectation)
    assert citizen.messages == []
