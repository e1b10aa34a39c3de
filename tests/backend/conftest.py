"""Fixtures of the backend tests.

Every test that takes `client` (or `db_url`) runs twice: on SQLite and on
PostgreSQL. Each DB is created fresh for the session (SQLite file in a temp
dir; PostgreSQL database `yjs_test_<random>` on 127.0.0.1:5432), migrated with
Alembic, truncated after every test, and dropped at the end. PostgreSQL tests
skip - loudly, with the reason - only when the server is unreachable.
"""
from __future__ import annotations

import hashlib
import os
import secrets
import socket
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from backend.app.app_factory import create_app
from backend.app.core.config import Settings
from backend.app.core.db import Base, normalize_db_url
from backend.app.migrations import upgrade
from tests.backend import factories

warnings.filterwarnings("ignore", message=".*httpx2.*")

PG_ADMIN_URL = os.environ.get(
    "BACKEND_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SERVICE_TOKEN = "test-service-token"
WORKER_TOKEN = "test-worker-token"
AGENT_TOKEN = "test-agent-token"


def pytest_configure(config):
    config.addinivalue_line("filterwarnings", "ignore:.*httpx2.*")


def _pg_reachable() -> str | None:
    try:
        engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # noqa: BLE001
        return f"PostgreSQL at {PG_ADMIN_URL} is unreachable: {type(exc).__name__}: {exc}"


def create_pg_database() -> str:
    name = f"yjs_test_{secrets.token_hex(4)}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{name}"


def drop_pg_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    reason = _pg_reachable()
    if reason:
        pytest.skip(reason)
    url = create_pg_database()
    try:
        upgrade(url)
        yield url
    finally:
        drop_pg_database(url)


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory) -> str:
    path = Path(tmp_path_factory.mktemp("sqlite")) / "backend.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    return url


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def db_url(request) -> str:
    if request.param == "postgresql":
        return request.getfixturevalue("pg_url")
    return request.getfixturevalue("sqlite_url")


def truncate_all(url: str) -> None:
    engine = create_engine(normalize_db_url(url))
    tables = [t.name for t in Base.metadata.sorted_tables]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(tables) + " RESTART IDENTITY CASCADE"))
        else:
            for name in reversed(tables):
                conn.execute(text(f"DELETE FROM {name}"))
    engine.dispose()


def make_settings(db_url: str, **overrides) -> Settings:
    values = dict(
        APP_ENV="test",
        DATABASE_URL=db_url,
        SERVICE_TOKEN=SERVICE_TOKEN,
        DEV_WORKER_TOKEN=WORKER_TOKEN,
        DEV_AGENT_TOKEN=AGENT_TOKEN,
        DATA_ENCRYPTION_KEY="test-data-key-" + "x" * 20,
        LOOKUP_HMAC_KEY="test-hmac-key-" + "y" * 20,
        RATE_LIMIT_REDIS_URL=None,
        DB_POOL_SIZE=5,
    )
    values.update(overrides)
    return Settings(_env_file=None, **values)


@pytest.fixture
def settings(db_url) -> Iterator[Settings]:
    yield make_settings(db_url)
    truncate_all(db_url)


@pytest.fixture
def app(settings):
    return create_app(settings)


@pytest.fixture
def client(app):
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        yield c


def client_address(name: str) -> str:
    """A stable IPv4 address per test client name (what the edge would have seen)."""
    digest = hashlib.sha256(name.encode()).digest()
    return f"10.{digest[0]}.{digest[1]}.{digest[2]}"


class Api:
    """Small helper around a client: the calls the tests make all the time."""

    def __init__(self, client) -> None:
        self.client = client

    def submit(self, body=None, key=None, **kwargs):
        body = body or factories.unemployment_body()
        headers = {"Authorization": f"Bearer {SERVICE_TOKEN}", "Idempotency-Key": key or secrets.token_hex(8)}
        headers.update(kwargs.pop("headers", {}))
        return self.client.post("/api/v1/cases", json=body, headers=headers, **kwargs)

    def create(self, body=None) -> dict:
        r = self.submit(body)
        assert r.status_code == 201, r.text
        return r.json()

    def lookup(self, id_number, last4, client_id="test-conversation"):
        headers = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
        if client_id:
            headers["X-Client-Address"] = client_address(client_id)
        return self.client.post(
            "/api/v1/lookup", json={"id_number": id_number, "phone_last4": last4}, headers=headers
        )

    def transition(self, case_number, to_status, token=WORKER_TOKEN, **body):
        return self.client.post(
            f"/api/v1/staff/cases/{case_number}/transitions",
            json={"to_status": to_status, **body},
            headers={"Authorization": f"Bearer {token}"},
        )

    def staff_get(self, path, token=WORKER_TOKEN, **kwargs):
        return self.client.get(path, headers={"Authorization": f"Bearer {token}"}, **kwargs)

    def resubmit(self, case_number, id_number, last4, **body):
        return self.client.post(
            f"/api/v1/cases/{case_number}/resubmit",
            json={"id_number": id_number, "phone_last4": last4, **body},
            headers={"Authorization": f"Bearer {SERVICE_TOKEN}", "X-Client-Address": client_address("test-conversation")},
        )


@pytest.fixture
def api(client) -> Api:
    return Api(client)


class LiveServer:
    """The app served by a real uvicorn in a background thread (loopback, free port)."""

    def __init__(self, app) -> None:
        import uvicorn

        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, log_level="warning", lifespan="on", timeout_graceful_shutdown=5)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)
        self.sock.close()


@pytest.fixture
def live_server(app) -> Iterator[LiveServer]:
    with LiveServer(app) as server:
        yield server
