"""Sliding-window counters behind one small interface.

`hit(key, window)` records one event and returns how many events the key has
in the last `window` seconds (this one included); `acquire` does the same and
also returns a token naming that one event, which `release(key, token)` takes
back (an attempt that turned out not to count); `count` only reads; `reset`
forgets the key. Recording and counting are one atomic step in every
implementation, so parallel requests cannot all see a count below the limit:
a lock (memory), a per-key transaction lock (database: `pg_advisory_xact_lock`
on PostgreSQL, SQLite's single writer), a MULTI/EXEC pipeline (Redis).
Implementations:

* `DatabaseRateLimiter` - rows in `rate_limit_hits` (default; shared by every
  worker process using the same database);
* `MemoryRateLimiter` - per process, for tools and tests;
* `RedisRateLimiter` - sorted sets, selected by `RATE_LIMIT_REDIS_URL`.
"""
from __future__ import annotations

import threading
import time
import uuid
from collections import defaultdict, deque
from datetime import timedelta
from typing import Protocol

from sqlalchemy import delete, func, select
from sqlalchemy.orm import sessionmaker

from backend.app.core.timeutil import utcnow
from backend.app.lookup.models import RateLimitHit


class RateLimiter(Protocol):
    def hit(self, key: str, window_seconds: int) -> int: ...

    def acquire(self, key: str, window_seconds: int) -> tuple[int, str]: ...

    def release(self, key: str, token: str) -> None: ...

    def count(self, key: str, window_seconds: int) -> int: ...

    def reset(self, key: str) -> None: ...

    def close(self) -> None: ...


class MemoryRateLimiter:
    def __init__(self) -> None:
        self._events: dict[str, deque[tuple[float, str]]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _trim(self, key: str, window_seconds: int, now: float) -> deque[tuple[float, str]]:
        events = self._events[key]
        while events and events[0][0] <= now - window_seconds:
            events.popleft()
        return events

    def acquire(self, key: str, window_seconds: int) -> tuple[int, str]:
        now = time.monotonic()
        token = uuid.uuid4().hex
        with self._lock:
            events = self._trim(key, window_seconds, now)
            events.append((now, token))
            return len(events), token

    def hit(self, key: str, window_seconds: int) -> int:
        return self.acquire(key, window_seconds)[0]

    def release(self, key: str, token: str) -> None:
        with self._lock:
            events = self._events.get(key)
            if events:
                for event in list(events):
                    if event[1] == token:
                        events.remove(event)
                        break

    def count(self, key: str, window_seconds: int) -> int:
        with self._lock:
            return len(self._trim(key, window_seconds, time.monotonic()))

    def reset(self, key: str) -> None:
        with self._lock:
            self._events.pop(key, None)

    def close(self) -> None:
        pass


class DatabaseRateLimiter:
    """Each call runs in its own short transaction, independent of the request's."""

    def __init__(self, sessions: sessionmaker) -> None:
        self._sessions = sessions

    def acquire(self, key: str, window_seconds: int) -> tuple[int, str]:
        now = utcnow()
        cutoff = now - timedelta(seconds=window_seconds)
        with self._sessions.begin() as session:
            if session.get_bind().dialect.name == "postgresql":
                # Serialise the hits of one key until commit: without it two
                # transactions each count their own row and not the other's.
                session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(key, 0))))
            # SQLite: the DELETE takes the database's single write lock first.
            session.execute(delete(RateLimitHit).where(RateLimitHit.key == key, RateLimitHit.at <= cutoff))
            row = RateLimitHit(key=key, at=now)
            session.add(row)
            session.flush()
            return self._count(session, key, cutoff), str(row.id)

    def hit(self, key: str, window_seconds: int) -> int:
        return self.acquire(key, window_seconds)[0]

    def release(self, key: str, token: str) -> None:
        with self._sessions.begin() as session:
            session.execute(delete(RateLimitHit).where(RateLimitHit.key == key, RateLimitHit.id == int(token)))

    def count(self, key: str, window_seconds: int) -> int:
        cutoff = utcnow() - timedelta(seconds=window_seconds)
        with self._sessions() as session:
            return self._count(session, key, cutoff)

    @staticmethod
    def _count(session, key: str, cutoff) -> int:
        stmt = select(func.count()).select_from(RateLimitHit).where(
            RateLimitHit.key == key, RateLimitHit.at > cutoff
        )
        return int(session.execute(stmt).scalar_one())

    def reset(self, key: str) -> None:
        with self._sessions.begin() as session:
            session.execute(delete(RateLimitHit).where(RateLimitHit.key == key))

    def close(self) -> None:
        pass


class RedisRateLimiter:
    def __init__(self, url: str, prefix: str = "yjs:rl:") -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._prefix = prefix

    def _key(self, key: str) -> str:
        return self._prefix + key

    def acquire(self, key: str, window_seconds: int) -> tuple[int, str]:
        now = time.time()
        k = self._key(key)
        token = f"{now:.6f}:{uuid.uuid4().hex[:12]}"
        pipe = self._redis.pipeline(transaction=True)
        pipe.zremrangebyscore(k, 0, now - window_seconds)
        pipe.zadd(k, {token: now})
        pipe.zcard(k)
        pipe.expire(k, window_seconds + 1)
        return int(pipe.execute()[2]), token

    def hit(self, key: str, window_seconds: int) -> int:
        return self.acquire(key, window_seconds)[0]

    def release(self, key: str, token: str) -> None:
        self._redis.zrem(self._key(key), token)

    def count(self, key: str, window_seconds: int) -> int:
        now = time.time()
        return int(self._redis.zcount(self._key(key), f"({now - window_seconds}", "+inf"))

    def reset(self, key: str) -> None:
        self._redis.delete(self._key(key))

    def close(self) -> None:
        self._redis.close()


def build_rate_limiter(redis_url: str | None, prefix: str, sessions: sessionmaker) -> RateLimiter:
    if redis_url:
        return RedisRateLimiter(redis_url, prefix)
    return DatabaseRateLimiter(sessions)
