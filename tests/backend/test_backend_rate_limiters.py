"""The three rate limiter implementations behave alike (memory, database, Redis)."""
from __future__ import annotations

import secrets

import pytest

from backend.app.core.db import make_engine, make_session_factory
from backend.app.lookup.ratelimit import DatabaseRateLimiter, MemoryRateLimiter, RedisRateLimiter
from tests.backend.conftest import truncate_all

REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
def redis_limiter():
    import redis

    prefix = f"yjs:test:{secrets.token_hex(4)}:"
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"Redis at {REDIS_URL} is unreachable: {exc}")
    limiter = RedisRateLimiter(REDIS_URL, prefix)
    yield limiter
    client = redis.Redis.from_url(REDIS_URL)
    leftovers = list(client.scan_iter(match=prefix + "*"))
    if leftovers:
        client.delete(*leftovers)
    client.close()
    limiter.close()


@pytest.fixture(params=["memory", "database-sqlite", "database-postgresql", "redis"])
def limiter(request):
    if request.param == "memory":
        yield MemoryRateLimiter()
    elif request.param == "redis":
        yield request.getfixturevalue("redis_limiter")
    else:
        url = request.getfixturevalue("pg_url" if request.param.endswith("postgresql") else "sqlite_url")
        engine = make_engine(url, pool_size=2)
        yield DatabaseRateLimiter(make_session_factory(engine))
        engine.dispose()
        truncate_all(url)


def test_hit_count_reset(limiter):
    assert limiter.count("a", 60) == 0
    assert [limiter.hit("a", 60) for _ in range(3)] == [1, 2, 3]
    assert limiter.count("a", 60) == 3
    assert limiter.count("b", 60) == 0
    limiter.reset("a")
    assert limiter.count("a", 60) == 0
    assert limiter.hit("a", 60) == 1


def test_events_leave_the_window(limiter, monkeypatch):
    """Time is moved, not waited for."""
    import backend.app.lookup.ratelimit as rl

    limiter.hit("w", 60)
    limiter.hit("w", 60)
    later_wall = rl.time.time() + 61
    later_mono = rl.time.monotonic() + 61
    real_utcnow = rl.utcnow
    from datetime import timedelta

    monkeypatch.setattr(rl.time, "time", lambda: later_wall)
    monkeypatch.setattr(rl.time, "monotonic", lambda: later_mono)
    monkeypatch.setattr(rl, "utcnow", lambda: real_utcnow() + timedelta(seconds=61))
    assert limiter.count("w", 60) == 0
    assert limiter.hit("w", 60) == 1


def test_app_uses_redis_when_configured(redis_limiter, db_url):
    """RATE_LIMIT_REDIS_URL selects the Redis limiter, and the lookup limits work through it."""
    from fastapi.testclient import TestClient

    from backend.app.app_factory import create_app
    from tests.backend import factories
    from tests.backend.conftest import Api, make_settings

    prefix = redis_limiter._prefix
    settings = make_settings(db_url, RATE_LIMIT_REDIS_URL=REDIS_URL, RATE_LIMIT_KEY_PREFIX=prefix)
    app = create_app(settings)
    assert isinstance(app.state.runtime.limiter, RedisRateLimiter)
    try:
        with TestClient(app) as client:
            api = Api(client)
            idn = factories.make_id(birth="19991231")
            for attempt in range(5):
                assert api.lookup(idn, "1234", client_id=f"r{attempt}").status_code == 200
            assert api.lookup(idn, "1234", client_id="r9").json()["error"]["code"] == "LOOKUP_LOCKED"
        import redis

        assert list(redis.Redis.from_url(REDIS_URL).scan_iter(match=prefix + "lookup:fail:id:*"))
    finally:
        truncate_all(db_url)


def test_acquire_release_take_back_one_event(limiter):
    first, token = limiter.acquire("r", 60)
    second, _ = limiter.acquire("r", 60)
    assert (first, second) == (1, 2)
    limiter.release("r", token)
    assert limiter.count("r", 60) == 1
    limiter.release("r", token)  # twice is harmless
    assert limiter.count("r", 60) == 1


def test_parallel_hits_are_counted_atomically(limiter):
    """Each of 12 simultaneous hits sees a different count: none can slip under a limit."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    n = 12
    barrier = threading.Barrier(n)

    def hit(_):
        barrier.wait()
        return limiter.hit("parallel", 60)

    with ThreadPoolExecutor(max_workers=n) as pool:
        counts = sorted(pool.map(hit, range(n)))
    assert counts == list(range(1, n + 1))
