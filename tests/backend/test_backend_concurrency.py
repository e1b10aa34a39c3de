"""Real concurrency against a real uvicorn server (threads, loopback, both databases)."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import create_engine, func, select

from backend.app.case.models import Case
from backend.app.core.db import normalize_db_url
from tests.backend import factories
from tests.backend.conftest import SERVICE_TOKEN, WORKER_TOKEN

THREADS = 8


def run_together(n: int, fn):
    """Run fn(i) in n threads released at the same moment by a barrier."""
    barrier = threading.Barrier(n)

    def task(i):
        barrier.wait()
        return fn(i)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(task, range(n)))


def case_count(db_url: str, **where) -> int:
    engine = create_engine(normalize_db_url(db_url))
    stmt = select(func.count()).select_from(Case)
    for key, value in where.items():
        stmt = stmt.where(getattr(Case, key) == value)
    with engine.connect() as conn:
        n = conn.execute(stmt).scalar_one()
    engine.dispose()
    return n


def test_concurrent_identical_submissions_create_exactly_one_case(live_server, db_url):
    body = factories.unemployment_body()
    headers = {"Authorization": f"Bearer {SERVICE_TOKEN}", "Idempotency-Key": "concurrent-key-1"}

    def submit(_):
        with httpx.Client(base_url=live_server.url, timeout=60) as c:
            return c.post("/api/v1/cases", json=body, headers=headers)

    responses = run_together(THREADS, submit)
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] * (THREADS - 1) + [201], [r.text for r in responses]
    assert len({r.json()["case_number"] for r in responses}) == 1
    assert all(r.headers.get("Idempotent-Replayed") == "true" for r in responses if r.status_code == 200)
    assert len({r.text for r in responses}) == 1  # byte-identical bodies
    assert case_count(db_url, idempotency_key="concurrent-key-1") == 1
    assert case_count(db_url) == 1


def test_concurrent_distinct_submissions_all_succeed(live_server, db_url):
    def submit(i):
        with httpx.Client(base_url=live_server.url, timeout=60) as c:
            return c.post(
                "/api/v1/cases",
                json=factories.talent_body(),
                headers={"Authorization": f"Bearer {SERVICE_TOKEN}", "Idempotency-Key": f"distinct-{i}"},
            )

    responses = run_together(THREADS, submit)
    assert [r.status_code for r in responses] == [201] * THREADS, [r.text for r in responses]
    assert len({r.json()["case_number"] for r in responses}) == THREADS
    assert case_count(db_url) == THREADS


def test_concurrent_transitions_apply_once(live_server, db_url):
    with httpx.Client(base_url=live_server.url, timeout=60) as c:
        number = c.post(
            "/api/v1/cases",
            json=factories.talent_body(),
            headers={"Authorization": f"Bearer {SERVICE_TOKEN}", "Idempotency-Key": "t-1"},
        ).json()["case_number"]

    def start(_):
        with httpx.Client(base_url=live_server.url, timeout=60) as c:
            return c.post(
                f"/api/v1/staff/cases/{number}/transitions",
                json={"to_status": "办理中"},
                headers={"Authorization": f"Bearer {WORKER_TOKEN}"},
            )

    responses = run_together(4, start)
    codes = sorted(r.status_code for r in responses)
    assert codes == [200, 409, 409, 409], [r.text for r in responses]
    assert {r.json()["error"]["code"] for r in responses if r.status_code == 409} <= {
        "ILLEGAL_TRANSITION",
        "CONCURRENT_UPDATE",
    }
    with httpx.Client(base_url=live_server.url, timeout=60) as c:
        d = c.get(f"/api/v1/staff/cases/{number}", headers={"Authorization": f"Bearer {WORKER_TOKEN}"}).json()
    case_moves = [e for e in d["events"] if e["item_id"] is None and e["to_status"] == "办理中"]
    assert len(case_moves) == 1


def test_a_burst_of_wrong_guesses_cannot_pass_the_lock(live_server, db_url):
    """20 wrong guesses at once for one ID (limit 5): exactly 5 are answered, the rest locked."""
    body = factories.talent_body()
    idn = body["applicant"]["id_number"]
    with httpx.Client(base_url=live_server.url, timeout=60) as c:
        assert c.post(
            "/api/v1/cases", json=body, headers={"Authorization": f"Bearer {SERVICE_TOKEN}", "Idempotency-Key": "burst"}
        ).status_code == 201

    def guess(i):
        with httpx.Client(base_url=live_server.url, timeout=60) as c:
            return c.post(
                "/api/v1/lookup",
                json={"id_number": idn, "phone_last4": f"{i:04d}"},
                headers={"Authorization": f"Bearer {SERVICE_TOKEN}", "X-Client-Address": f"198.51.100.{i + 1}"},
            )

    responses = run_together(20, guess)
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] * 5 + [429] * 15, [r.text for r in responses]
    # and the owner's right factors are refused too while the lock lasts
    assert guess(5678).status_code == 429
