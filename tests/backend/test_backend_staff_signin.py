"""Staff sign-in with a password: sessions, expiry, sign-out, limits, attribution in the audit."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select, update
from sqlalchemy.orm import Session

from backend.app import cli
from backend.app.app_factory import create_app
from backend.app.case.models import CaseEvent
from backend.app.core.crypto import hash_token
from backend.app.core.db import normalize_db_url
from backend.app.core.timeutil import utcnow
from backend.app.staff import passwords
from backend.app.staff.models import (
    RevealAudit,
    StaffAccount,
    StaffSession,
    StaffSignInAudit,
    StaffViewAudit,
)
from backend.app.staff.sessions import SIGNIN_FAILED_MESSAGE
from tests.backend import factories
from tests.backend.conftest import SERVICE_TOKEN, WORKER_TOKEN, Api, make_settings, truncate_all
from tests.backend.staff_accounts import bearer, create_account, sign_in


def _rows(db_url, model):
    engine = create_engine(normalize_db_url(db_url))
    try:
        with Session(engine) as s:
            return list(s.execute(select(model)).scalars())
    finally:
        engine.dispose()


def _update(db_url, stmt):
    engine = create_engine(normalize_db_url(db_url))
    with engine.begin() as conn:
        conn.execute(stmt)
    engine.dispose()


@pytest.fixture
def limited_client(db_url):
    """A client whose sign-in limits are small enough to reach in a test."""
    settings = make_settings(db_url, STAFF_SIGNIN_MAX_FAILURES_PER_NAME=3, STAFF_SIGNIN_MAX_FAILURES_PER_CLIENT=5)
    with TestClient(create_app(settings)) as c:
        yield c
    truncate_all(db_url)


def test_sign_in_gives_a_session_that_works_as_a_staff_credential(client, db_url):
    staff_id, password = create_account(db_url, "wangban", "worker", "王办事")
    r = sign_in(client, "  WangBan ", password)  # user names are case- and space-insensitive
    assert r.status_code == 201, r.text
    body = r.json()
    token = body["token"]
    assert token.startswith("yjss_")
    assert body["staff_id"] == staff_id and body["username"] == "wangban" and body["name"] == "王办事"
    assert body["role"] == "worker" and body["role_label"] == "办事员"
    assert body["signed_in_at"] < body["idle_expires_at"] <= body["expires_at"]

    me = client.get("/api/v1/staff/session", headers=bearer(token))
    assert me.status_code == 200 and me.json()["staff_id"] == staff_id and "token" not in me.json()
    assert client.get("/api/v1/staff/cases", headers=bearer(token)).status_code == 200

    # only the token's hash is stored, the password only as a salted scrypt hash
    (row,) = _rows(db_url, StaffSession)
    assert row.token_hash == hash_token(token) and token not in row.token_hash
    (account,) = _rows(db_url, StaffAccount)
    assert account.password_hash.startswith("scrypt$") and password not in account.password_hash
    assert passwords.verify_password(password, account.password_hash)
    # the bearer tokens keep working beside sessions
    assert client.get("/api/v1/staff/session", headers=bearer(WORKER_TOKEN)).json()["staff_id"] == "dev-worker"


def test_wrong_password_unknown_name_and_disabled_account_get_one_answer(client, db_url):
    _, password = create_account(db_url, "wangban")
    create_account(db_url, "gone", password="pw-disabled-account")
    _update(db_url, update(StaffAccount).where(StaffAccount.username == "gone").values(disabled_at=utcnow()))
    answers = [
        sign_in(client, "wangban", password + "x"),
        sign_in(client, "nobody", password),
        sign_in(client, "gone", "pw-disabled-account"),
        sign_in(client, "不是用户名", password),
    ]
    for r in answers:
        assert r.status_code == 401, r.text
        assert r.json() == {"error": {"code": "SIGNIN_FAILED", "message": SIGNIN_FAILED_MESSAGE}}
    assert "用户名或密码" in SIGNIN_FAILED_MESSAGE
    outcomes = [a.outcome for a in _rows(db_url, StaffSignInAudit)]
    assert outcomes == ["failed"] * 4
    assert all("wangban" not in a.username_hash for a in _rows(db_url, StaffSignInAudit))
    # an empty field is a validation error, in Chinese
    r = client.post("/api/v1/staff/session", json={"username": "", "password": ""})
    assert r.status_code == 422 and r.json()["error"]["fields"]


def test_idle_and_absolute_expiry(client, db_url):
    _, password = create_account(db_url, "wangban")
    idle = sign_in(client, "wangban", password).json()["token"]
    absolute = sign_in(client, "wangban", password).json()["token"]
    fresh = sign_in(client, "wangban", password).json()["token"]
    minutes = make_settings(db_url).STAFF_SESSION_IDLE_MINUTES
    _update(
        db_url,
        update(StaffSession)
        .where(StaffSession.token_hash == hash_token(idle))
        .values(last_seen_at=utcnow() - timedelta(minutes=minutes, seconds=1)),
    )
    _update(
        db_url,
        update(StaffSession)
        .where(StaffSession.token_hash == hash_token(absolute))
        .values(expires_at=utcnow() - timedelta(seconds=1)),
    )
    for token in (idle, absolute):
        r = client.get("/api/v1/staff/cases", headers=bearer(token))
        assert r.status_code == 401 and r.json()["error"]["code"] == "UNAUTHORIZED"

    # use keeps a session alive: last_seen_at moves on (at most once a minute)
    _update(
        db_url,
        update(StaffSession)
        .where(StaffSession.token_hash == hash_token(fresh))
        .values(last_seen_at=utcnow() - timedelta(minutes=minutes - 1)),
    )
    assert client.get("/api/v1/staff/session", headers=bearer(fresh)).status_code == 200
    row = next(r for r in _rows(db_url, StaffSession) if r.token_hash == hash_token(fresh))
    assert utcnow() - row.last_seen_at < timedelta(minutes=1)


def test_sign_out_ends_the_session(client, db_url):
    _, password = create_account(db_url, "wangban")
    token = sign_in(client, "wangban", password).json()["token"]
    other = sign_in(client, "wangban", password).json()["token"]
    assert client.delete("/api/v1/staff/session", headers=bearer(token)).status_code == 204
    assert client.get("/api/v1/staff/session", headers=bearer(token)).status_code == 401
    assert client.delete("/api/v1/staff/session", headers=bearer(token)).status_code == 401
    assert client.get("/api/v1/staff/session", headers=bearer(other)).status_code == 200  # only that one
    assert [a.outcome for a in _rows(db_url, StaffSignInAudit)] == ["success", "success", "signed_out"]


def test_new_password_or_disabled_account_ends_every_session(client, db_url):
    _, password = create_account(db_url, "wangban")
    token = sign_in(client, "wangban", password).json()["token"]
    stdin = io.StringIO("a-brand-new-password\n")
    stdin.isatty = lambda: False
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("sys.stdin", stdin)
        assert cli.main(["--database-url", db_url, "set-password", "--username", "wangban"]) == 0
    assert client.get("/api/v1/staff/session", headers=bearer(token)).status_code == 401
    assert sign_in(client, "wangban", password).status_code == 401
    token = sign_in(client, "wangban", "a-brand-new-password").json()["token"]
    (account,) = _rows(db_url, StaffAccount)
    assert cli.main(["--database-url", db_url, "revoke-staff", account.staff_id]) == 0
    assert client.get("/api/v1/staff/session", headers=bearer(token)).status_code == 401


def test_failed_sign_ins_are_limited_per_name_and_per_client(limited_client, db_url):
    client = limited_client
    _, password = create_account(db_url, "wangban")
    _, other_password = create_account(db_url, "lisi")
    for _ in range(3):
        assert sign_in(client, "wangban", "wrong-password").status_code == 401
    locked = sign_in(client, "wangban", password)  # even the right password, while locked
    assert locked.status_code == 429
    error = locked.json()["error"]
    assert error["code"] == "SIGNIN_LOCKED" and "15分钟" in error["message"]
    assert locked.headers["Retry-After"] == "900"
    # another name from the same client still signs in (2 more failures left for this client)
    assert sign_in(client, "lisi", other_password).status_code == 201
    for name in ("a1", "a2"):
        assert sign_in(client, name, "wrong-password").status_code == 401
    assert sign_in(client, "lisi", other_password).status_code == 429  # the client's 5 failures
    # the web page server names the client it saw: another address is not locked
    proxied = {"X-Forwarded-For": "203.0.113.9"}
    assert sign_in(client, "lisi", other_password, **proxied).status_code == 429  # not a trusted proxy here


def test_the_web_servers_forwarded_address_names_the_client(db_url):
    settings = make_settings(
        db_url, STAFF_SIGNIN_MAX_FAILURES_PER_CLIENT=2, STAFF_TRUSTED_PROXIES="testclient"
    )
    _, password = create_account(db_url, "wangban")
    try:
        with TestClient(create_app(settings)) as client:
            for name in ("a1", "a2"):
                assert sign_in(client, name, "wrong", **{"X-Forwarded-For": "203.0.113.9"}).status_code == 401
            assert sign_in(client, "wangban", password, **{"X-Forwarded-For": "203.0.113.9"}).status_code == 429
            assert sign_in(client, "wangban", password, **{"X-Forwarded-For": "203.0.113.10"}).status_code == 201
        clients = {a.client_key for a in _rows(db_url, StaffSignInAudit)}
        assert clients == {"addr:203.0.113.9", "addr:203.0.113.10"}
    finally:
        truncate_all(db_url)


def test_every_action_of_a_session_is_attributed_to_its_staff_member(client, db_url):
    api = Api(client)
    submitted = factories.unemployment_body()
    case = api.create(submitted)
    number = case["case_number"]
    staff_id, password = create_account(db_url, "wangban", "worker", "王办事")
    agent_id, agent_password = create_account(db_url, "zhaozuo", "agent", "赵坐席")
    worker = bearer(sign_in(client, "wangban", password).json()["token"])
    agent = bearer(sign_in(client, "zhaozuo", agent_password).json()["token"])

    assert client.get("/api/v1/staff/cases", headers=worker).status_code == 200
    assert client.get(f"/api/v1/staff/cases/{number}", headers=agent).status_code == 200
    r = client.post(f"/api/v1/staff/cases/{number}/reveal", json={"reason": "核对银行卡开户信息"}, headers=worker)
    assert r.status_code == 200, r.text
    r = client.post(f"/api/v1/staff/cases/{number}/transitions", json={"to_status": "办理中"}, headers=worker)
    assert r.status_code == 200, r.text
    # an agent's session is read-only, as its tokens are
    r = client.post(f"/api/v1/staff/cases/{number}/transitions", json={"to_status": "已办结"}, headers=agent)
    assert r.status_code == 403
    r = client.post(f"/api/v1/staff/cases/{number}/reveal", json={"reason": "核对信息"}, headers=agent)
    assert r.status_code == 403

    views = [(v.staff_id, v.staff_name, v.role, v.action) for v in _rows(db_url, StaffViewAudit)]
    assert views == [(staff_id, "王办事", "worker", "list"), (agent_id, "赵坐席", "agent", "detail")]
    (reveal,) = _rows(db_url, RevealAudit)
    assert (reveal.staff_id, reveal.staff_name) == (staff_id, "王办事")
    moved = [e for e in _rows(db_url, CaseEvent) if e.kind.value == "transition"]
    assert moved and {(e.actor_type.value, e.actor_id) for e in moved} == {("worker", staff_id)}
    # the applicant's timeline names the kind of actor, never the staff member
    lookup = api.lookup(submitted["applicant"]["id_number"], factories.PHONE[-4:])
    assert lookup.status_code == 200 and lookup.json()["cases"]
    assert staff_id not in lookup.text


def test_session_tokens_are_not_service_tokens(client, db_url):
    _, password = create_account(db_url, "wangban")
    token = sign_in(client, "wangban", password).json()["token"]
    r = client.post("/api/v1/lookup", json={"id_number": "x", "phone_last4": "1"}, headers=bearer(token))
    assert r.status_code == 401
    assert client.get("/api/v1/staff/session", headers=bearer(SERVICE_TOKEN)).status_code == 401
    assert client.get("/api/v1/staff/session", headers=bearer("yjss_forged")).status_code == 401


def test_cli_creates_an_account_with_the_password_from_stdin(db_url, capsys):
    stdin = io.StringIO("correct-horse-battery\n")
    stdin.isatty = lambda: False
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr("sys.stdin", stdin)
            rc = cli.main(
                ["--database-url", db_url, "create-staff", "--role", "agent", "--name", "赵坐席", "--username", "ZhaoZuo"]
            )
        assert rc == 0
        out = capsys.readouterr()
        assert "zhaozuo" in out.out and "correct-horse-battery" not in out.out + out.err
        (account,) = _rows(db_url, StaffAccount)
        assert account.role.value == "agent" and passwords.verify_password("correct-horse-battery", account.password_hash)
        weak = io.StringIO("short\n")
        weak.isatty = lambda: False
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr("sys.stdin", weak)
            assert cli.main(["--database-url", db_url, "create-staff", "--role", "worker", "--name", "李四", "--username", "lisi"]) == 2
        assert "密码至少需要" in capsys.readouterr().err
    finally:
        truncate_all(db_url)


def test_the_catalog_lists_the_knowledge_bases_bundles_and_items(client, db_url):
    from knowledge import load_kb

    kb = load_kb()
    assert client.get("/api/v1/staff/catalog").status_code == 401
    _, password = create_account(db_url, "zhaozuo", "agent")
    token = sign_in(client, "zhaozuo", password).json()["token"]
    body = client.get("/api/v1/staff/catalog", headers=bearer(token)).json()
    assert [b["id"] for b in body["bundles"]] == list(kb.bundles)
    for bundle in body["bundles"]:
        assert bundle["name"] == kb.bundle(bundle["id"]).name
        assert [(i["id"], i["name"]) for i in bundle["items"]] == [
            (i, kb.item(i).name) for i in kb.bundle(bundle["id"]).item_ids
        ]
