"""Application and lookup actions with trackers, against a real backend process.

The backend (uvicorn, Python 3.11 environment, throw-away SQLite database) is
started by this module; the actions run in-process with rasa-sdk trackers.
"""
from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any, Dict, List

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.application.engine import Engine, new_state
from actions.application.form import ActionFinishApplication, ActionResumeApplication, ValidateApplicationForm
from actions.progress import ActionLookupProgress, ValidateProgressForm
from scripts.stack import BACKEND_PY, Stack, StackConfig
from tests.personas import make_persona

pytestmark = pytest.mark.skipif(not BACKEND_PY.exists(), reason="the backend environment (.venv-backend) is not set up")


@pytest.fixture(scope="module")
def backend(tmp_path_factory):
    cfg = StackConfig.for_tests(tmp_path_factory.mktemp("backend"))
    stack = Stack(cfg, model=Path("unused"))
    stack.migrate()
    stack.build()
    service = stack.service("backend")
    service.start(cfg.log_dir)
    service.wait_healthy()
    old = {k: os.environ.get(k) for k in ("BACKEND_URL", "SERVICE_TOKEN")}
    os.environ["BACKEND_URL"] = cfg.backend_url
    os.environ["SERVICE_TOKEN"] = stack.secrets["SERVICE_TOKEN"]
    yield stack
    service.stop()
    for key, value in old.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def tracker(slots: Dict[str, Any], text: str = "", intent: str = "nlu_fallback", sender: str = "t-1") -> Tracker:
    return Tracker(
        sender_id=sender,
        slots=slots,
        latest_message={"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": []},
        events=[],
        paused=False,
        followup_action=None,
        active_loop={"name": "application_form"},
        latest_action_name="action_listen",
    )


def run(action, dispatcher, trk) -> List[Dict[str, Any]]:
    return asyncio.run(action.run(dispatcher, trk, {}))


def slot(events, name):
    values = [e["value"] for e in events if e.get("event") == "slot" and e.get("name") == name]
    return values[-1] if values else None


def confirmed_state(kb, seq: str) -> Dict[str, Any]:
    items = [s.item_id for s in kb.expand_selection(["unemployment_registration"])]
    state = new_state("unemployment", items, f"key-{seq}")
    engine = Engine(kb)
    engine.start(state)
    for text in applicant(seq).script(kb, ["unemployment_registration"]) + ["确认提交"]:
        engine.handle(state, text)
    assert state["stage"] == "confirmed", state
    return state


def applicant(seq: str):
    return make_persona(int(seq), name="王五")


def test_submission_creates_a_case_and_forgets_personal_data(backend, kb):
    state = confirmed_state(kb, "411")
    dispatcher = CollectingDispatcher()
    events = run(ActionFinishApplication(), dispatcher, tracker({"application": state}))
    text = dispatcher.messages[-1]["text"]
    assert "办件编号" in text and "失业登记" in text and "求职登记" in text
    after = slot(events, "application")
    assert after["stage"] == "submitted" and after["answers"] == {}
    assert slot(events, "case_number") and slot(events, "case_number") in text

    # a double tap: the same idempotency key gives the same case, not a second one
    dispatcher2 = CollectingDispatcher()
    state_again = confirmed_state(kb, "411")
    run(ActionFinishApplication(), dispatcher2, tracker({"application": state_again}))
    assert slot(events, "case_number") in dispatcher2.messages[-1]["text"]


def test_backend_down_keeps_the_form_and_resubmit_works(backend, kb):
    state = confirmed_state(kb, "412")
    service = backend.service("backend")
    service.stop()
    try:
        dispatcher = CollectingDispatcher()
        events = run(ActionFinishApplication(), dispatcher, tracker({"application": state}))
        failed = slot(events, "application")
        assert failed["stage"] == "failed" and failed["answers"]["name"] == "王五"
        assert "重新提交" in [b["title"] for b in dispatcher.messages[-1]["buttons"]]
    finally:
        backend.restart("backend")
    dispatcher = CollectingDispatcher()
    events = run(ActionResumeApplication(), dispatcher, tracker({"application": failed}))
    assert "办件编号" in dispatcher.messages[-1]["text"]
    assert slot(events, "application")["stage"] == "submitted"


def test_rejected_value_sends_the_user_back_to_the_summary(backend, kb):
    state = confirmed_state(kb, "413")
    state["answers"]["phone"] = "12345"        # e.g. a slot tampered with via a payload
    dispatcher = CollectingDispatcher()
    trk = tracker({"application": state}, text="确认提交", intent="affirm")
    trk.latest_message["message_id"] = "m-413"
    events = run(ActionFinishApplication(), dispatcher, trk)
    assert "未被受理" in dispatcher.messages[0]["text"]
    back = slot(events, "application")
    assert back["stage"] == "confirming"
    assert any(e.get("event") == "followup" for e in events)
    # the reopened form does not take the same 确认提交 again (no submit loop)
    result = asyncio.run(ValidateApplicationForm().validate_application_input(
        "确认提交", CollectingDispatcher(), trk, {}))
    assert result["application_input"] is None and result["application"]["stage"] == "confirming"


def test_lookup_finds_the_case_masked_and_clears_the_id(backend, kb):
    state = confirmed_state(kb, "414")
    run(ActionFinishApplication(), CollectingDispatcher(), tracker({"application": state}))
    # the form collects ID and last 4 digits
    validate = ValidateProgressForm()
    dispatcher = CollectingDispatcher()
    result = asyncio.run(validate.validate_lookup_input(
        applicant("414").id_number, dispatcher, tracker({"lookup": {"stage": "id"}}, text=f"身份证{applicant('414').id_number}"), {}))
    lookup_state = result["lookup"]
    assert lookup_state["stage"] == "phone" and result["lookup_input"] is None
    result = asyncio.run(validate.validate_lookup_input(
        "0414", dispatcher, tracker({"lookup": lookup_state}, text="0414"), {}))
    assert result["lookup_input"] == "done"
    dispatcher = CollectingDispatcher()
    events = run(ActionLookupProgress(), dispatcher, tracker({"lookup": result["lookup"]}))
    text = dispatcher.messages[-1]["text"]
    assert "待办" in text and applicant("414").id_number not in text and "4452**********" in text
    assert slot(events, "lookup") is None


def test_lookup_with_a_wrong_factor_reveals_nothing(backend, kb):
    dispatcher = CollectingDispatcher()
    lookup_state = {"stage": "ready", "id_number": applicant("414").id_number, "phone_last4": "9999"}
    run(ActionLookupProgress(), dispatcher, tracker({"lookup": lookup_state}, sender="t-wrong"))
    assert "没有查到" in dispatcher.messages[-1]["text"]


def test_question_in_the_middle_of_the_form_is_answered(backend, kb):
    items = [s.item_id for s in kb.expand_selection(["unemployment_benefit"])]
    state = new_state("unemployment", items, "key-q")
    Engine(kb).start(state)
    dispatcher = CollectingDispatcher()
    result = asyncio.run(ValidateApplicationForm().validate_application_input(
        "失业保险金申领要带什么材料？", dispatcher,
        tracker({"application": state, "selected_items": ["unemployment_benefit"]},
                text="失业保险金申领要带什么材料？", intent="ask_materials"), {}))
    assert result == {"application_input": None}
    assert "身份证" in dispatcher.messages[0]["text"]
    assert state["pending"] == "name"                     # nothing was taken as the name
