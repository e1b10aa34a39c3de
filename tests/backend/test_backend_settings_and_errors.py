"""Settings (production refuses defaults), health, and the one JSON error shape."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from backend.app.core.config import ConfigError, Settings
from tests.backend.conftest import SERVICE_TOKEN

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """These tests check defaults: the caller's environment must not leak in."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name, raising=False)


def test_development_defaults_work_out_of_the_box():
    s = Settings(_env_file=None)
    assert s.APP_ENV.value == "development"
    assert s.DATABASE_URL.startswith("sqlite:///") and s.DATABASE_URL.endswith("var/backend.db")
    assert (s.BACKEND_HOST, s.BACKEND_PORT) == ("127.0.0.1", 8000)
    s.check_safe_for_production()  # no-op outside production


def test_keys_derive_from_secret_key_unless_set():
    from backend.app.core.crypto import Cipher, Hasher

    s = Settings(_env_file=None, SECRET_KEY="k" * 40)
    assert s.data_encryption_key == s.lookup_hmac_key == "k" * 40
    # same material, different HKDF labels: the HMAC key is not the AES key
    token = Cipher(s.data_encryption_key).encrypt(b"x", "p")
    assert Cipher("k" * 40).decrypt(token, "p") == b"x"
    assert Hasher(s.lookup_hmac_key).hexdigest("a") != Hasher("other" * 8).hexdigest("a")
    t = Settings(_env_file=None, SECRET_KEY="k" * 40, DATA_ENCRYPTION_KEY="d" * 40)
    assert t.data_encryption_key == "d" * 40 and t.lookup_hmac_key == "k" * 40


def test_postgres_urls_use_psycopg3():
    s = Settings(_env_file=None, DATABASE_URL="postgresql://u@h/db")
    assert s.DATABASE_URL == "postgresql+psycopg://u@h/db"


def test_production_refuses_default_secrets():
    with pytest.raises(ConfigError) as exc:
        Settings(_env_file=None, APP_ENV="production").check_safe_for_production()
    message = str(exc.value)
    for name in ("SECRET_KEY", "SERVICE_TOKEN"):
        assert name in message
    with pytest.raises(ConfigError, match="DATA_ENCRYPTION_KEY is shorter"):
        Settings(
            _env_file=None, APP_ENV="production", SECRET_KEY="a" * 40, SERVICE_TOKEN="d" * 40, DATA_ENCRYPTION_KEY="short"
        ).check_safe_for_production()
    ok = Settings(
        _env_file=None,
        APP_ENV="production",
        SECRET_KEY="a" * 40,
        DATA_ENCRYPTION_KEY="b" * 40,
        LOOKUP_HMAC_KEY="c" * 40,
        SERVICE_TOKEN="d" * 40,
    )
    ok.check_safe_for_production()


def test_uvicorn_entry_point_refuses_production_defaults_with_a_clear_message(tmp_path):
    env = {"APP_ENV": "production", "PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}
    r = subprocess.run(
        [sys.executable, "-c", "import backend.app.main"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode != 0
    assert "Refusing to start with APP_ENV=production" in r.stderr
    assert "Traceback" not in r.stderr


def test_health(client):
    from backend.app import __version__

    assert client.get("/health").json() == {"status": "ok", "version": __version__}
    r = client.get("/ready")
    assert r.status_code == 200 and r.json()["database"] == "ok"


def test_errors_are_always_json(client):
    r = client.get("/api/v1/nothing-here")
    assert r.status_code == 404
    assert r.json() == {"error": {"code": "NOT_FOUND", "message": "请求的地址不存在。"}}
    r = client.delete("/api/v1/cases")
    assert r.status_code == 405 and r.json()["error"]["code"] == "METHOD_NOT_ALLOWED"
    auth = {"Authorization": f"Bearer {SERVICE_TOKEN}", "Idempotency-Key": "x"}
    r = client.post("/api/v1/cases", content=b"{not json", headers={**auth, "Content-Type": "application/json"})
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "VALIDATION_ERROR"
    r = client.post("/api/v1/cases", json={"bundle_id": "talent"}, headers=auth)
    fields = r.json()["error"]["fields"]
    assert fields["item_ids"] == "此项为必填项。" and fields["applicant"] == "此项为必填项。"
    r = client.post("/api/v1/cases", json={"bundle_id": "talent", "extra": 1}, headers=auth)
    assert r.json()["error"]["fields"]["extra"] == "不支持此字段。"


def test_openapi_documents_errors_and_examples(client):
    spec = client.get("/openapi.json").json()
    assert {"/api/v1/cases", "/api/v1/lookup", "/api/v1/staff/cases", "/health", "/ready"} <= set(spec["paths"])
    create = spec["paths"]["/api/v1/cases"]["post"]
    assert create["tags"] == ["cases"]
    assert {"201", "200", "401", "422"} <= set(create["responses"])
    assert "ErrorResponse" in spec["components"]["schemas"]
    assert {"ServiceToken", "StaffToken"} <= set(spec["components"]["securitySchemes"])
