"""Staff endpoints: tokens and roles, list filters, masked detail, audited reveal."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import create_engine, text, update

from backend.app import cli
from backend.app.app_factory import create_app
from backend.app.case.models import Case
from backend.app.core.db import normalize_db_url
from backend.app.core.timeutil import today_local, utcnow
from knowledge.personal_data import mask_bank_card
from tests.backend import factories
from tests.backend.conftest import AGENT_TOKEN, SERVICE_TOKEN, WORKER_TOKEN, make_settings


def test_staff_endpoints_need_a_staff_token(client):
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": f"Bearer {SERVICE_TOKEN}"}):
        r = client.get("/api/v1/staff/cases", headers=headers)
        assert r.status_code == 401
        assert r.json()["error"]["code"] == "UNAUTHORIZED"


def test_list_filters_and_pagination(api, db_url):
    a = api.create(factories.unemployment_body())
    b = api.create(factories.talent_body())
    c = api.create(factories.labor_body())
    api.transition(b["case_number"], "办理中")

    def numbers(**params):
        r = api.staff_get("/api/v1/staff/cases", params=params)
        assert r.status_code == 200, r.text
        return [x["case_number"] for x in r.json()["cases"]]

    assert numbers() == [c["case_number"], b["case_number"], a["case_number"]]
    assert numbers(status="办理中") == [b["case_number"]]
    assert numbers(status="pending") == [c["case_number"], a["case_number"]]
    assert numbers(bundle_id="labor_rights") == [c["case_number"]]
    assert numbers(item_id="job_seeker_registration") == [a["case_number"]]  # a linked item
    today = today_local().isoformat()
    assert len(numbers(submitted_from=today, submitted_to=today)) == 3

    # move one case to last week and filter by date
    engine = create_engine(normalize_db_url(db_url))
    with engine.begin() as conn:
        conn.execute(
            update(Case).where(Case.case_number == a["case_number"]).values(submitted_at=utcnow() - timedelta(days=7))
        )
    engine.dispose()
    assert numbers(submitted_from=today) == [c["case_number"], b["case_number"]]
    week_ago = (today_local() - timedelta(days=7)).isoformat()
    assert numbers(submitted_to=week_ago) == [a["case_number"]]

    page = api.staff_get("/api/v1/staff/cases", params={"page": 2, "page_size": 2}).json()
    assert page["total"] == 3 and page["page"] == 2 and page["page_size"] == 2
    assert [x["case_number"] for x in page["cases"]] == [a["case_number"]]

    r = api.staff_get("/api/v1/staff/cases", params={"status": "whatever"})
    assert r.status_code == 422 and "query.status" in r.json()["error"]["fields"]
    r = api.staff_get("/api/v1/staff/cases", params={"page_size": 1000})
    assert r.status_code == 422 and r.json()["error"]["code"] == "VALIDATION_ERROR"
    summary = api.staff_get("/api/v1/staff/cases", token=AGENT_TOKEN).json()["cases"][0]
    assert summary["applicant_name"] == "王**"


def test_detail_is_masked_for_everyone(api):
    card = factories.make_card()
    body = factories.unemployment_body(card=card)
    idn, phone = body["applicant"]["id_number"], body["applicant"]["phone"]
    number = api.create(body)["case_number"]
    for token in (WORKER_TOKEN, AGENT_TOKEN):
        r = api.staff_get(f"/api/v1/staff/cases/{number}", token=token)
        assert r.status_code == 200
        d = r.json()
        assert d["applicant"]["id_number"] == idn[:4] + "*" * 10 + idn[-4:]
        assert d["applicant"]["phone"] == "138****5678"
        form = {f["field_id"]: f["value"] for f in d["form"]}
        assert form["bank_card_number"] == mask_bank_card(card)
        assert form["job_title"] == body["form"]["job_title"]
        for raw in (idn, phone, card, "张三"):
            assert raw not in r.text
    r = api.staff_get("/api/v1/staff/cases/SY20000101-AAAAAA")
    assert r.status_code == 404 and r.json()["error"]["code"] == "CASE_NOT_FOUND"


def test_reveal_is_for_workers_only_and_audited(api, db_url):
    card = factories.make_card()
    body = factories.unemployment_body(card=card)
    number = api.create(body)["case_number"]
    url = f"/api/v1/staff/cases/{number}/reveal"

    r = api.client.post(url, json={"reason": "核对"}, headers={"Authorization": f"Bearer {AGENT_TOKEN}"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "FORBIDDEN"
    r = api.client.post(url, json={}, headers={"Authorization": f"Bearer {WORKER_TOKEN}"})
    assert r.status_code == 422 and "reason" in r.json()["error"]["fields"]

    r = api.client.post(url, json={"reason": "核对银行卡开户信息"}, headers={"Authorization": f"Bearer {WORKER_TOKEN}"})
    assert r.status_code == 200
    out = r.json()
    assert out["applicant"] == body["applicant"]
    assert {f["field_id"]: f["value"] for f in out["form"]}["bank_card_number"] == card

    engine = create_engine(normalize_db_url(db_url))
    with engine.connect() as conn:
        audits = [dict(x) for x in conn.execute(text("SELECT * FROM reveal_audit")).mappings()]
    engine.dispose()
    assert len(audits) == 1
    assert audits[0]["staff_id"] == "dev-worker"
    assert audits[0]["reason"] == "核对银行卡开户信息"
    assert audits[0]["id"] == out["audit_id"]


def test_cli_created_tokens_work_and_can_be_revoked(db_url, settings, capsys):
    assert cli.main(["--database-url", db_url, "create-staff", "--role", "worker", "--name", "张三"]) == 0
    out = capsys.readouterr().out
    token = out.strip().splitlines()[-1]
    assert token.startswith("yjs_") and "staff-1" in out
    assert cli.main(["--database-url", db_url, "create-staff", "--role", "agent", "--name", "李坐席"]) == 0
    agent_token = capsys.readouterr().out.strip().splitlines()[-1]

    engine = create_engine(normalize_db_url(db_url))
    with engine.connect() as conn:
        stored = [dict(x) for x in conn.execute(text("SELECT token_hash, role, name FROM staff_tokens")).mappings()]
    engine.dispose()
    assert {s["role"] for s in stored} == {"worker", "agent"}
    assert token not in str(stored) and agent_token not in str(stored)

    from fastapi.testclient import TestClient

    from tests.backend.conftest import Api

    with TestClient(create_app(settings)) as client:
        api = Api(client)
        number = api.create(factories.talent_body())["case_number"]
        d = api.transition(number, "办理中", token=token).json()
        assert d["events"][-1]["actor_id"] == "staff-1"
        assert api.transition(number, "已办结", token=agent_token).status_code == 403
        assert cli.main(["--database-url", db_url, "revoke-staff", "staff-1"]) == 0
        assert api.transition(number, "已办结", token=token).status_code == 401


def test_dev_tokens_are_ignored_in_production(db_url):
    from fastapi.testclient import TestClient

    settings = make_settings(
        db_url,
        APP_ENV="production",
        SECRET_KEY="s" * 40,
        SERVICE_TOKEN="p" * 40,
        DATA_ENCRYPTION_KEY="d" * 40,
        LOOKUP_HMAC_KEY="h" * 40,
    )
    with TestClient(create_app(settings)) as client:
        r = client.get("/api/v1/staff/cases", headers={"Authorization": f"Bearer {WORKER_TOKEN}"})
        assert r.status_code == 401


def test_masked_views_show_nothing_derived_from_the_id_number(api):
    """Birth date, gender and the 户籍 answers would rebuild the masked ID's hidden digits."""
    from knowledge.personal_data import id_birth_date, id_gender

    body = factories.unemployment_body()
    idn = body["applicant"]["id_number"]
    body["form"].update(
        birth_date=id_birth_date(idn).isoformat(), gender=id_gender(idn), hukou_address="榕城区榕华街道1号"
    )
    number = api.create(body)["case_number"]
    for token in (WORKER_TOKEN, AGENT_TOKEN):
        d = api.staff_get(f"/api/v1/staff/cases/{number}", token=token).json()
        form = {f["field_id"]: f["value"] for f in d["form"]}
        for field_id in ("birth_date", "gender", "hukou_region", "hukou_address"):
            assert form[field_id] == "（已隐藏）", field_id
        text = str(d)
        for derived in (idn[6:14], id_birth_date(idn).isoformat(), body["form"]["hukou_region"], "榕城区榕华街道1号"):
            assert derived not in text
    revealed = api.client.post(
        f"/api/v1/staff/cases/{number}/reveal",
        json={"reason": "核对户籍信息"},
        headers={"Authorization": f"Bearer {WORKER_TOKEN}"},
    ).json()
    full = {f["field_id"]: f["value"] for f in revealed["form"]}
    assert full["hukou_region"] == body["form"]["hukou_region"]
    assert full["birth_date"] == id_birth_date(idn).isoformat()


def test_every_staff_list_and_detail_view_is_audited(api, db_url):
    from sqlalchemy import create_engine, text

    from backend.app.core.db import normalize_db_url

    number = api.create(factories.talent_body())["case_number"]
    assert api.staff_get("/api/v1/staff/cases", token=AGENT_TOKEN, params={"bundle_id": "talent"}).status_code == 200
    assert api.staff_get(f"/api/v1/staff/cases/{number}", token=AGENT_TOKEN).status_code == 200
    assert api.staff_get(f"/api/v1/staff/cases/{number}", token=WORKER_TOKEN).status_code == 200
    assert api.staff_get("/api/v1/staff/cases/SY20000101-AAAAAA").status_code == 404
    engine = create_engine(normalize_db_url(db_url))
    with engine.connect() as conn:
        audit = [dict(r) for r in conn.execute(text(
            "SELECT a.staff_id, a.role, a.action, c.case_number, a.query, a.result_count "
            "FROM staff_view_audit a LEFT JOIN cases c ON c.id = a.case_id ORDER BY a.id"
        )).mappings()]
    engine.dispose()
    assert audit == [
        {"staff_id": "dev-agent", "role": "agent", "action": "list", "case_number": None,
         "query": "bundle_id=talent&page=1&page_size=20", "result_count": 1},
        {"staff_id": "dev-agent", "role": "agent", "action": "detail", "case_number": number,
         "query": None, "result_count": 1},
        {"staff_id": "dev-worker", "role": "worker", "action": "detail", "case_number": number,
         "query": None, "result_count": 1},
    ]
