"""The 12333 agent console's backend: call notes, the handoff queue, caller lookup,
opening a case with a reason, a case submitted by an agent. SQLite and PostgreSQL."""
from __future__ import annotations

from sqlalchemy import create_engine, text

from backend.app.core.db import normalize_db_url
from knowledge.personal_data import mask_id_number, mask_phone
from tests.backend import factories
from tests.backend.conftest import AGENT_TOKEN, SERVICE_TOKEN, WORKER_TOKEN

AGENT = {"Authorization": f"Bearer {AGENT_TOKEN}"}
WORKER = {"Authorization": f"Bearer {WORKER_TOKEN}"}
SERVICE = {"Authorization": f"Bearer {SERVICE_TOKEN}"}


def rows(db_url, sql, **params):
    engine = create_engine(normalize_db_url(db_url))
    with engine.connect() as conn:
        out = [dict(r._mapping) for r in conn.execute(text(sql), params)]
    engine.dispose()
    return out


def test_every_console_endpoint_needs_a_staff_session(client):
    calls = [
        ("get", "/api/v1/staff/call-notes", None),
        ("post", "/api/v1/staff/call-notes", {"conversation_id": "hotline-x", "text": "小结"}),
        ("get", "/api/v1/staff/handoffs", None),
        ("post", "/api/v1/staff/handoffs/1/take", None),
        ("post", "/api/v1/staff/caller-lookup", {"id_number": factories.make_id(), "phone_last4": "5678"}),
        ("post", "/api/v1/staff/cases/SY20261122-7K3F9Q/open", {"reason": "来电人核对"}),
    ]
    for method, path, body in calls:
        for headers in ({}, SERVICE, {"Authorization": "Bearer nope"}):
            r = getattr(client, method)(path, headers=headers, **({"json": body} if body else {}))
            assert r.status_code == 401, (path, headers, r.text)
    # and the citizen side needs the service token, not a staff one
    assert client.get("/api/v1/handoffs/by-conversation/web-1", headers=AGENT).status_code == 401


def test_call_notes_are_masked_attributed_and_never_overwritten(client, db_url):
    id_number = factories.make_id()
    text_ = f"来电人咨询失业登记材料，身份证{id_number}，电话13812345678。下一步：补交材料。"
    r = client.post("/api/v1/staff/call-notes", headers=AGENT, json={
        "conversation_id": "hotline-abc", "text": text_, "case_numbers": ["SY20261122-7K3F9Q"],
        "item_ids": ["unemployment_registration"]})
    assert r.status_code == 201, r.text
    note = r.json()
    assert id_number not in note["text"] and mask_id_number(id_number) in note["text"]
    assert "13812345678" not in note["text"] and mask_phone("13812345678") in note["text"]
    assert note["staff_id"] == "dev-agent" and note["case_numbers"] == ["SY20261122-7K3F9Q"]
    r2 = client.post("/api/v1/staff/call-notes", headers=AGENT, json={"conversation_id": "hotline-abc", "text": "改过的小结"})
    assert r2.status_code == 201
    listed = client.get("/api/v1/staff/call-notes", headers=AGENT, params={"conversation_id": "hotline-abc"}).json()
    assert [n["text"] for n in listed["notes"]] == ["改过的小结", note["text"]]
    stored = rows(db_url, "SELECT text, staff_name FROM call_notes ORDER BY id")
    assert all(id_number not in r["text"] for r in stored) and stored[0]["staff_name"] == "开发测试坐席"
    audits = rows(db_url, "SELECT action, staff_id FROM staff_view_audit WHERE action = 'notes'")
    assert audits == [{"action": "notes", "staff_id": "dev-agent"}]
    bad = client.post("/api/v1/staff/call-notes", headers=AGENT, json={"conversation_id": "hotline-abc", "text": ""})
    assert bad.status_code == 422


def test_handoff_from_queue_to_agent_and_back(client, db_url):
    id_number = factories.make_id()
    context = {"selected_items": ["失业登记"], "last_question": f"我的身份证是{id_number}，材料要什么"}
    r = client.post("/api/v1/handoffs", headers=SERVICE, json={"conversation_id": "web-42", "channel": "web", "context": context})
    assert r.status_code == 200, r.text
    queued = r.json()
    assert queued["created"] and queued["status"] == "waiting"
    assert id_number not in str(queued) and mask_id_number(id_number) in queued["context"]["last_question"]
    again = client.post("/api/v1/handoffs", headers=SERVICE, json={"conversation_id": "web-42", "context": {"x": 1}}).json()
    assert again["id"] == queued["id"] and not again["created"]       # one open handoff per conversation

    # before an agent takes it the citizen's messages stay with the assistant
    early = client.post("/api/v1/handoffs/by-conversation/web-42/messages", headers=SERVICE, json={"text": "有人吗"})
    assert early.status_code == 409 and early.json()["error"]["code"] == "NOT_HELD"

    queue = client.get("/api/v1/staff/handoffs", headers=AGENT).json()["handoffs"]
    assert [h["conversation_id"] for h in queue] == ["web-42"]
    taken = client.post(f"/api/v1/staff/handoffs/{queued['id']}/take", headers=AGENT)
    assert taken.status_code == 200 and taken.json()["status"] == "taken"
    assert taken.json()["staff_name"] == "开发测试坐席"
    other = client.post(f"/api/v1/staff/handoffs/{queued['id']}/take", headers=WORKER)
    assert other.status_code == 409 and other.json()["error"]["code"] == "HANDOFF_TAKEN"
    assert client.post(f"/api/v1/staff/handoffs/{queued['id']}/messages", headers=WORKER, json={"text": "x"}).status_code == 409

    said = client.post(f"/api/v1/staff/handoffs/{queued['id']}/messages", headers=AGENT, json={"text": "您好，请问还有什么需要？"})
    assert said.status_code == 201
    mine = client.post("/api/v1/handoffs/by-conversation/web-42/messages", headers=SERVICE,
                       json={"text": f"我的手机13812345678"})
    assert mine.status_code == 201 and "13812345678" not in mine.json()["text"]

    polled = client.get("/api/v1/handoffs/by-conversation/web-42", headers=SERVICE).json()
    assert polled["status"] == "taken"
    assert [m["sender"] for m in polled["messages"]] == ["system", "agent"]     # the citizen's own are not echoed
    last = polled["messages"][-1]["id"]
    assert client.get("/api/v1/handoffs/by-conversation/web-42", headers=SERVICE, params={"after": last}).json()["messages"] == []

    detail = client.get(f"/api/v1/staff/handoffs/{queued['id']}", headers=AGENT).json()
    assert [m["sender"] for m in detail["messages"]] == ["system", "agent", "citizen"]

    back = client.post(f"/api/v1/staff/handoffs/{queued['id']}/release", headers=AGENT)
    assert back.status_code == 200 and back.json()["status"] == "closed"
    polled = client.get("/api/v1/handoffs/by-conversation/web-42", headers=SERVICE, params={"after": last}).json()
    assert polled["status"] == "closed" and polled["messages"][0]["sender"] == "system"
    assert client.post("/api/v1/handoffs/by-conversation/web-42/messages", headers=SERVICE, json={"text": "还在吗"}).status_code == 409
    assert client.get("/api/v1/staff/handoffs", headers=AGENT).json()["handoffs"] == []
    stored = rows(db_url, "SELECT text FROM handoff_messages")
    assert all("13812345678" not in r["text"] for r in stored)
    assert client.get("/api/v1/handoffs/by-conversation/web-none", headers=SERVICE).json() == {"status": "none", "messages": []}


def test_caller_lookup_and_opening_a_case_with_a_reason(api, client, db_url):
    id_number = factories.make_id()
    case = api.create(factories.unemployment_body(id_number=id_number))
    found = client.post("/api/v1/staff/caller-lookup", headers=AGENT, json={"id_number": id_number, "phone_last4": "5678"})
    assert found.status_code == 200, found.text
    cases = found.json()["cases"]
    assert [c["case_number"] for c in cases] == [case["case_number"]]
    assert cases[0]["applicant"]["id_number"] == mask_id_number(id_number) and id_number not in found.text
    wrong = client.post("/api/v1/staff/caller-lookup", headers=AGENT, json={"id_number": id_number, "phone_last4": "0000"})
    assert wrong.json() == {"cases": []}
    assert len(rows(db_url, "SELECT id FROM staff_view_audit WHERE action = 'lookup' AND staff_id = 'dev-agent'")) == 2

    no_reason = client.post(f"/api/v1/staff/cases/{case['case_number']}/open", headers=AGENT, json={"reason": " "})
    assert no_reason.status_code == 422
    opened = client.post(f"/api/v1/staff/cases/{case['case_number']}/open", headers=AGENT, json={"reason": "来电人询问退回原因"})
    assert opened.status_code == 200, opened.text
    body = opened.json()
    assert body["applicant"]["name"] == "张三" and body["applicant"]["id_number"] == mask_id_number(id_number)
    assert id_number not in opened.text and "13812345678" not in opened.text
    audit = rows(db_url, "SELECT staff_id, reason FROM reveal_audit")
    assert audit == [{"staff_id": "dev-agent", "reason": "来电人询问退回原因"}]


def test_a_case_submitted_by_an_agent_names_them(api, client, db_url):
    agent = {"staff_id": "staff-7", "name": "李坐席"}
    case = api.create(factories.unemployment_body(channel="hotline", agent=agent))
    stored = rows(db_url, "SELECT id, channel, submitted_by_staff_id, submitted_by_name FROM cases")
    assert stored[0]["channel"] == "hotline" and stored[0]["submitted_by_staff_id"] == "staff-7"
    assert stored[0]["submitted_by_name"] == "李坐席"
    events = rows(db_url, "SELECT kind, actor_type, actor_id FROM case_events WHERE case_id = :c", c=stored[0]["id"])
    assert events == [{"kind": "created", "actor_type": "agent", "actor_id": "staff-7"}]
    opened = client.post(f"/api/v1/staff/cases/{case['case_number']}/open", headers=WORKER, json={"reason": "核对代办坐席"}).json()
    assert opened["submitted_by"] == agent
    refused = api.submit(factories.unemployment_body(channel="web", agent=agent))
    assert refused.status_code == 422
