"""The probe's findings: refused with 4xx (never 500), bounded, not cached, no docs in production,
distinct secrets. Every API test runs on SQLite and PostgreSQL."""
from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from backend.app.app_factory import create_app
from backend.app.core.config import ConfigError, Settings
from tests.backend import factories
from tests.backend.conftest import SERVICE_TOKEN, WORKER_TOKEN, make_settings

SERVICE = {"Authorization": f"Bearer {SERVICE_TOKEN}"}


def submit_raw(client, body: bytes | str, key: str = "hostile-1", **headers):
    if isinstance(body, str):
        body = body.encode()
    return client.post(
        "/api/v1/cases",
        content=body,
        headers={**SERVICE, "Idempotency-Key": key, "Content-Type": "application/json", **headers},
    )


def test_lone_surrogates_are_refused_with_422_everywhere(api, client):
    body = factories.unemployment_body()
    raw = json.dumps(body, ensure_ascii=True)
    cases = [
        raw.replace('"job_title"', '"job_\\ud800title"'),  # in a form key
        raw.replace('"\\u4f1a\\u8ba1"', '"\\ud800"'),  # in a form value (会计)
        raw.replace('"\\u5f20\\u4e09"', '"\\udfff\\u5f20"'),  # in the name
    ]
    assert all(c != raw for c in cases)
    for i, text in enumerate(cases):
        r = submit_raw(client, text, key=f"sur-{i}")
        assert r.status_code == 422, r.text
        assert r.json()["error"]["code"] == "VALIDATION_ERROR"
    number = api.create(factories.unemployment_body())["case_number"]
    r = client.post(
        f"/api/v1/cases/{number}/resubmit",
        content=b'{"id_number": "x", "phone_last4": "1234", "form": {"bank_name": "\\ud800"}}',
        headers={**SERVICE, "Content-Type": "application/json"},
    )
    assert r.status_code == 422
    r = client.post(
        "/api/v1/lookup",
        content=b'{"id_number": "\\ud800", "phone_last4": "1234"}',
        headers={**SERVICE, "Content-Type": "application/json"},
    )
    assert r.status_code == 422
    r = client.post(
        f"/api/v1/staff/cases/{number}/reveal",
        content='{"reason": "核对\\udc00信息"}'.encode(),
        headers={"Authorization": f"Bearer {WORKER_TOKEN}", "Content-Type": "application/json"},
    )
    assert r.status_code == 422


@pytest.mark.parametrize(
    "value",
    [["a"], {"a": 1}, [[["x"]]], "NESTED"],
    ids=["list", "object", "nested", "deep"],
)
def test_form_values_must_be_scalars(client, value):
    if value == "NESTED":
        value = json.loads("[" * 400 + "]" * 400)
    body = factories.unemployment_body()
    body["form"]["job_title"] = value
    r = submit_raw(client, json.dumps(body), key=f"scalar-{type(value).__name__}")
    assert r.status_code == 422, r.text
    assert "form.job_title" in "".join(r.json()["error"]["fields"])


def test_very_deep_json_is_a_4xx(client):
    r = submit_raw(client, "[" * 30000 + "]" * 30000, key="deep")
    assert 400 <= r.status_code < 500


def test_body_size_and_key_count_are_capped(client):
    body = factories.unemployment_body()
    body["form"].update({f"unknown_{i}": "x" for i in range(20000)})
    text = json.dumps(body)
    assert len(text) > 64 * 1024
    r = submit_raw(client, text, key="big")
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"
    assert len(r.content) < 500
    # chunked (no Content-Length): refused as soon as the limit is passed
    chunks = (text[i : i + 4096].encode() for i in range(0, len(text), 4096))
    r = client.post(
        "/api/v1/cases",
        content=chunks,
        headers={**SERVICE, "Idempotency-Key": "big-chunked", "Content-Type": "application/json"},
    )
    assert r.status_code == 413
    # under the size limit, more form keys than any form has: refused, and the error stays small
    body = factories.unemployment_body()
    body["form"].update({f"k{i}": 1 for i in range(150)})
    r = submit_raw(client, json.dumps(body), key="many-keys")
    assert r.status_code == 422
    assert len(r.content) < 2000
    body = factories.unemployment_body()
    body.update({f"extra_{i}": 1 for i in range(3000)})
    r = submit_raw(client, json.dumps(body), key="many-extra")
    assert r.status_code == 422
    fields = r.json()["error"]["fields"]
    assert len(fields) <= 21 and len(r.content) < 4000


def test_responses_with_personal_data_are_not_cached_nor_sniffed(api):
    body = factories.unemployment_body()
    created = api.create(body)
    number = created["case_number"]
    responses = [
        api.lookup(body["applicant"]["id_number"], body["applicant"]["phone"][-4:]),
        api.staff_get(f"/api/v1/staff/cases/{number}"),
        api.staff_get("/api/v1/staff/cases"),
        api.client.post(
            f"/api/v1/staff/cases/{number}/reveal",
            json={"reason": "核对银行卡开户信息"},
            headers={"Authorization": f"Bearer {WORKER_TOKEN}"},
        ),
        api.staff_get("/api/v1/staff/cases/SY20000101-AAAAAA"),
    ]
    for r in responses:
        assert r.headers["cache-control"] == "no-store", r.request.url
        assert r.headers["x-content-type-options"] == "nosniff"


def test_docs_are_off_in_production(db_url, client):
    assert client.get("/docs").status_code == 200  # development/test: on
    settings = make_settings(
        db_url,
        APP_ENV="production",
        SECRET_KEY="s" * 40,
        SERVICE_TOKEN="t" * 40,
        DATA_ENCRYPTION_KEY="d" * 40,
        LOOKUP_HMAC_KEY="h" * 40,
    )
    with TestClient(create_app(settings)) as prod:
        for path in ("/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect"):
            r = prod.get(path)
            assert r.status_code == 404, path
            assert "swagger" not in r.text.lower()
        assert prod.get("/health").status_code == 200


def test_production_requires_distinct_secrets(monkeypatch):
    for name in Settings.model_fields:
        monkeypatch.delenv(name, raising=False)
    same = "x" * 40
    with pytest.raises(ConfigError, match="SERVICE_TOKEN is the same value as SECRET_KEY"):
        Settings(_env_file=None, APP_ENV="production", SECRET_KEY=same, SERVICE_TOKEN=same).check_safe_for_production()
    with pytest.raises(ConfigError, match="LOOKUP_HMAC_KEY is the same value as DATA_ENCRYPTION_KEY"):
        Settings(
            _env_file=None,
            APP_ENV="production",
            SECRET_KEY="a" * 40,
            SERVICE_TOKEN="b" * 40,
            DATA_ENCRYPTION_KEY="c" * 40,
            LOOKUP_HMAC_KEY="c" * 40,
        ).check_safe_for_production()
    # development keeps working with one value everywhere
    Settings(_env_file=None, SECRET_KEY=same, SERVICE_TOKEN=same).check_safe_for_production()
