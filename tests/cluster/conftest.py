"""One cluster per test session: two Rasa instances and two action servers behind HAProxy,
PostgreSQL tracker store and backend database (created here, dropped afterwards), the Redis
lock store, the web page through the balancer (scripts/cluster.py, what `make run-cluster` runs).

Skips, with the reason, when HAProxy, PostgreSQL (127.0.0.1:5432) or Redis (127.0.0.1:6379)
is missing. The model is the one ``scripts/stack.py train`` produces (trained here if missing).
"""
from __future__ import annotations

import uuid

import pytest

from scripts.cluster import ClusterStack, missing_parts
from scripts.stack import StackConfig, ensure_model, free_port

PG = "postgresql://postgres@127.0.0.1:5432"


def _psql(sql: str) -> None:
    import psycopg2  # in the bot environment (Rasa's SQL tracker store uses it)

    conn = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres")
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
    finally:
        conn.close()


@pytest.fixture(scope="session")
def cluster(tmp_path_factory):
    suffix = uuid.uuid4().hex[:10]
    tracker_db, backend_db = f"yjs_cl_tracker_{suffix}", f"yjs_cl_backend_{suffix}"
    missing = missing_parts(f"{PG}/{tracker_db}", f"{PG}/{backend_db}", "redis://127.0.0.1:6379/0")
    if missing:
        pytest.skip("the cluster cannot run here: " + "; ".join(missing))
    _psql(f'CREATE DATABASE "{tracker_db}"')
    _psql(f'CREATE DATABASE "{backend_db}"')
    cfg = StackConfig.for_tests(tmp_path_factory.mktemp("cluster"))
    cfg.tracker_store_url = f"{PG}/{tracker_db}"
    cfg.database_url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{backend_db}"
    cfg.lock_store_redis_url = "redis://127.0.0.1:6379/0"
    stack = ClusterStack(cfg, ensure_model(), instances=2, rasa_ports=[free_port(), free_port()],
                         actions_ports=[free_port(), free_port()], stats_port=free_port())
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()
        for db in (tracker_db, backend_db):
            _psql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
