"""Alembic: upgrade / downgrade / upgrade on fresh SQLite and PostgreSQL databases;
the app never creates tables itself; /ready reports a database that is behind."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, inspect

from backend.app.app_factory import create_app
from backend.app.core.db import Base, normalize_db_url
from backend.app.migrations import downgrade, upgrade
from tests.backend.conftest import create_pg_database, drop_pg_database, make_settings


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_db(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    request.getfixturevalue("pg_url")  # skips with the reason when PostgreSQL is unreachable
    url = create_pg_database()
    try:
        yield url
    finally:
        drop_pg_database(url)


def tables(url: str) -> set[str]:
    engine = create_engine(normalize_db_url(url))
    with engine.connect() as conn:
        names = set(inspect(conn).get_table_names())
    engine.dispose()
    return names


def test_upgrade_downgrade_upgrade(fresh_db):
    model_tables = {t.name for t in Base.metadata.sorted_tables}
    upgrade(fresh_db)
    assert tables(fresh_db) == model_tables | {"alembic_version"}
    downgrade(fresh_db, "base")
    assert tables(fresh_db) <= {"alembic_version"}
    upgrade(fresh_db)
    assert tables(fresh_db) == model_tables | {"alembic_version"}


def test_app_does_not_create_tables_and_ready_says_why(fresh_db):
    with TestClient(create_app(make_settings(fresh_db))) as client:
        assert client.get("/health").json()["status"] == "ok"
        r = client.get("/ready")
        assert r.status_code == 503
        err = r.json()["error"]
        assert err["code"] == "NOT_READY" and "migrate" in err["fields"]["migrations"]
    assert tables(fresh_db) <= {"alembic_version"}
    upgrade(fresh_db)
    with TestClient(create_app(make_settings(fresh_db))) as client:
        r = client.get("/ready")
        assert r.status_code == 200
        assert r.json()["status"] == "ready" and r.json()["revision"] == r.json()["head"]


def test_models_match_the_migrations(fresh_db):
    """Autogenerate against the migrated DB finds nothing to do."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    upgrade(fresh_db)
    engine = create_engine(normalize_db_url(fresh_db))
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == []


def test_ready_reports_an_unreachable_database(tmp_path):
    url = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere?connect_timeout=2"
    with TestClient(create_app(make_settings(url))) as client:
        r = client.get("/ready")
    assert r.status_code == 503
    assert "database" in r.json()["error"]["fields"]
