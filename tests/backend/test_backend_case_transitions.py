"""The status machine: every legal and illegal transition, case and item level,
cascades between case and items, resubmission, events."""
from __future__ import annotations

import pytest

from tests.backend import factories
from tests.backend.conftest import AGENT_TOKEN

STATUSES = ["待办", "办理中", "已办结", "已退回"]
LEGAL = {("待办", "办理中"), ("待办", "已退回"), ("办理中", "已办结"), ("办理中", "已退回")}
RETURN = {"reason": "身份证复印件不清晰", "resubmit": ["清晰的身份证正反面复印件"]}


def body_for(target: str) -> dict:
    return dict(RETURN) if target == "已退回" else {}


def new_case(api) -> tuple[str, dict]:
    body = factories.unemployment_body()
    return api.create(body)["case_number"], body


def bring_case_to(api, number: str, state: str) -> None:
    path = {
        "待办": [],
        "办理中": ["办理中"],
        "已办结": ["办理中", "已办结"],
        "已退回": ["已退回"],
    }[state]
    for step in path:
        r = api.transition(number, step, **body_for(step))
        assert r.status_code == 200, r.text


def detail(api, number: str) -> dict:
    r = api.staff_get(f"/api/v1/staff/cases/{number}")
    assert r.status_code == 200
    return r.json()


@pytest.mark.parametrize("start", STATUSES)
def test_case_level_transition_matrix(api, start):
    for target in STATUSES:
        number, _ = new_case(api)
        bring_case_to(api, number, start)
        before = detail(api, number)
        r = api.transition(number, target, **body_for(target))
        if (start, target) in LEGAL:
            assert r.status_code == 200, (start, target, r.text)
            assert r.json()["status"] == target
        else:
            assert r.status_code == 409, (start, target, r.text)
            err = r.json()["error"]
            assert err["code"] == "ILLEGAL_TRANSITION"
            assert err["message"]
            after = detail(api, number)
            assert after["status"] == before["status"]
            assert len(after["events"]) == len(before["events"])


@pytest.mark.parametrize("start", STATUSES)
def test_item_level_transition_matrix(api, start):
    item = "job_seeker_registration"
    for target in STATUSES:
        number, _ = new_case(api)
        path = {"待办": [], "办理中": ["办理中"], "已办结": ["办理中", "已办结"], "已退回": ["已退回"]}[start]
        for step in path:
            assert api.transition(number, step, item_id=item, **body_for(step)).status_code == 200
        r = api.transition(number, target, item_id=item, **body_for(target))
        if (start, target) in LEGAL:
            assert r.status_code == 200, (start, target, r.text)
            statuses = {i["item_id"]: i["status"] for i in r.json()["items"]}
            assert statuses[item] == target
        else:
            assert r.status_code == 409, (start, target, r.text)
            assert r.json()["error"]["code"] == "ILLEGAL_TRANSITION"


def test_accepts_status_codes_as_well_as_chinese(api):
    number, _ = new_case(api)
    r = api.transition(number, "in_progress")
    assert r.status_code == 200 and r.json()["status"] == "办理中" and r.json()["status_code"] == "in_progress"
    r = api.transition(number, "finished")
    assert r.status_code == 422 and r.json()["error"]["code"] == "VALIDATION_ERROR"


def test_case_in_progress_cascades_to_pending_items_and_completion_needs_all(api):
    number, _ = new_case(api)
    d = api.transition(number, "办理中").json()
    assert {i["status"] for i in d["items"]} == {"办理中"}
    # one case-level event + one per item
    changes = [e for e in d["events"] if e["kind"] == "transition"]
    assert len(changes) == 1 + len(d["items"])
    assert all(e["actor_type"] == "worker" and e["actor_id"] == "dev-worker" for e in changes)
    d = api.transition(number, "已办结").json()
    assert d["status"] == "已办结" and {i["status"] for i in d["items"]} == {"已办结"}


def test_case_completion_refused_while_an_item_is_pending(api):
    number, _ = new_case(api)
    items = [i["item_id"] for i in detail(api, number)["items"]]
    # item-level start of one item moves the case to 办理中, the others stay 待办
    d = api.transition(number, "办理中", item_id=items[0]).json()
    assert d["status"] == "办理中"
    assert [i["status"] for i in d["items"]][1:] == ["待办"] * (len(items) - 1)
    r = api.transition(number, "已办结")
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "ILLEGAL_TRANSITION"
    assert d["items"][1]["name"] in r.json()["error"]["message"]


def test_case_completes_when_every_item_is_completed(api):
    number, _ = new_case(api)
    items = [i["item_id"] for i in detail(api, number)["items"]]
    for item in items:
        assert api.transition(number, "办理中", item_id=item).status_code == 200
    for item in items[:-1]:
        d = api.transition(number, "已办结", item_id=item).json()
        assert d["status"] == "办理中"
    d = api.transition(number, "已办结", item_id=items[-1]).json()
    assert d["status"] == "已办结"
    last = d["events"][-1]
    assert last["item_id"] is None and last["from_status"] == "办理中" and last["to_status"] == "已办结"


def test_item_return_returns_the_case_with_reason(api):
    number, body = new_case(api)
    items = [i["item_id"] for i in detail(api, number)["items"]]
    api.transition(number, "办理中")
    d = api.transition(number, "已退回", item_id=items[0], **RETURN).json()
    assert d["status"] == "已退回"
    statuses = [i["status"] for i in d["items"]]
    assert statuses[0] == "已退回" and set(statuses[1:]) == {"办理中"}
    assert d["items"][0]["return_reason"] == RETURN["reason"]
    assert d["items"][0]["resubmit"] == RETURN["resubmit"]
    # the applicant sees the reason and what to resubmit
    found = api.lookup(body["applicant"]["id_number"], body["applicant"]["phone"][-4:]).json()["cases"][0]
    assert found["returned"]["reason"] == RETURN["reason"]
    assert found["returned"]["resubmit"] == RETURN["resubmit"]
    # resubmission: returned item back to 待办, others keep their status
    r = api.resubmit(number, body["applicant"]["id_number"], body["applicant"]["phone"][-4:])
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "待办"
    assert [i["status"] for i in r.json()["items"]] == ["待办"] + ["办理中"] * (len(items) - 1)


def test_return_requires_reason_and_resubmit_list(api):
    number, _ = new_case(api)
    r = api.transition(number, "已退回")
    assert r.status_code == 422
    fields = r.json()["error"]["fields"]
    assert "reason" in fields and "resubmit" in fields
    r = api.transition(number, "已退回", reason="材料不全", resubmit=[])
    assert r.status_code == 422 and "resubmit" in r.json()["error"]["fields"]
    r = api.transition(number, "已退回", reason="   ", resubmit=["户口簿"])
    assert r.status_code == 422 and "reason" in r.json()["error"]["fields"]


def test_full_lifecycle_with_resubmission(api):
    number, body = new_case(api)
    idn, last4 = body["applicant"]["id_number"], body["applicant"]["phone"][-4:]
    assert api.transition(number, "办理中").status_code == 200
    d = api.transition(number, "已退回", **RETURN).json()
    assert d["status"] == "已退回" and {i["status"] for i in d["items"]} == {"已退回"}

    new_card = factories.make_card(prefix="621700")
    r = api.resubmit(
        number, idn, last4, materials_note="已补交清晰的身份证复印件", form={"bank_card_number": new_card}
    )
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["case_number"] == number and out["status"] == "待办"
    assert {i["status"] for i in out["items"]} == {"待办"}
    assert number in out["message"]

    d = detail(api, number)
    resub = [e for e in d["events"] if e["kind"] == "resubmitted"]
    assert len(resub) == 1 + len(d["items"])
    assert all(e["actor_type"] == "applicant" and e["actor_id"] is None for e in resub)
    assert resub[0]["reason"] == "已补交清晰的身份证复印件"
    cards = [f["value"] for f in d["form"] if f["field_id"] == "bank_card_number"]
    assert cards == [f"{new_card[:4]} **** **** {new_card[-4:]}"]

    # a second resubmission is not possible: the case is 待办 now
    r = api.resubmit(number, idn, last4)
    assert r.status_code == 409 and r.json()["error"]["code"] == "ILLEGAL_TRANSITION"
    assert api.transition(number, "办理中").status_code == 200
    assert api.transition(number, "已办结").json()["status"] == "已办结"

    kinds = [(e["kind"], e["item_id"], e["from_status"], e["to_status"]) for e in detail(api, number)["events"]]
    case_level = [k for k in kinds if k[1] is None]
    assert case_level == [
        ("created", None, None, "待办"),
        ("transition", None, "待办", "办理中"),
        ("transition", None, "办理中", "已退回"),
        ("resubmitted", None, "已退回", "待办"),
        ("transition", None, "待办", "办理中"),
        ("transition", None, "办理中", "已办结"),
    ]


def test_resubmit_checks_factors_and_form(api):
    number, body = new_case(api)
    idn, last4 = body["applicant"]["id_number"], body["applicant"]["phone"][-4:]
    api.transition(number, "已退回", **RETURN)
    wrong = "0000" if last4 != "0000" else "1111"
    r = api.resubmit(number, idn, wrong)
    assert r.status_code == 404 and r.json()["error"]["code"] == "CASE_NOT_FOUND"
    other = factories.make_id(birth="19851212")
    r = api.resubmit(number, other, last4)
    assert r.status_code == 404
    r = api.resubmit("SY20000101-AAAAAA", idn, last4)
    assert r.status_code == 404
    r = api.resubmit(number, idn, last4, form={"bank_card_number": "1234"})
    assert r.status_code == 422 and "form.bank_card_number" in r.json()["error"]["fields"]
    r = api.resubmit(number, idn, last4, form={"job_title": ""})
    assert r.status_code == 200  # an empty correction leaves the stored answer
    assert detail(api, number)["status"] == "待办"


def test_agents_read_but_cannot_write(api):
    number, _ = new_case(api)
    r = api.transition(number, "办理中", token=AGENT_TOKEN)
    assert r.status_code == 403 and r.json()["error"]["code"] == "FORBIDDEN"
    assert api.staff_get(f"/api/v1/staff/cases/{number}", token=AGENT_TOKEN).status_code == 200
    assert detail(api, number)["status"] == "待办"


def test_unknown_case_and_item(api):
    r = api.transition("SY20000101-AAAAAA", "办理中")
    assert r.status_code == 404 and r.json()["error"]["code"] == "CASE_NOT_FOUND"
    number, _ = new_case(api)
    r = api.transition(number, "办理中", item_id="talent_recognition")
    assert r.status_code == 422 and r.json()["error"]["code"] == "ITEM_NOT_IN_CASE"
    # case numbers are case-insensitive
    assert api.transition(number.lower(), "办理中").status_code == 200
