"""Sliding-window counters behind one small interface.

`hit(key, window)` records one event and returns how many events the key has
in the last `window` seconds (this one included); `count` only reads;
`reset` forgets the key. Implementations:

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

    def count(self, key: str, window_seconds: int) -> int: ...

    def reset(self, key: str) -> None: ...

    def close(self) -> None: ...


class MemoryRateLimiter:
    def __init__(self) -> None:
        self._events: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _trim(self, key: str, window_seconds: int, now: float) -> deque[float]:
        events = self._events[key]
        while events and events[0] <= now - window_seconds:
            events.popleft()
        return events

    def hit(self, key: str, window_seconds: int) -> int:
        now = time.monotonic()
        with self._lock:
            events = self._trim(key, window_seconds, now)
            events.append(now)
            return len(events)

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

    def hit(self, key: str, window_seconds: int) -> int:
        now = utcnow()
        cutoff = now - timedelta(seconds=window_seconds)
        with self._sessions.begin() as session:
            session.execute(delete(RateLimitHit).where(RateLimitHit.key == key, RateLimitHit.at <= cutoff))
            session.add(RateLimitHit(key=key, at=now))
            session.flush()
            return self._count(session, key, cutoff)

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

    def hit(self, key: str, window_seconds: int) -> int:
        now = time.time()
        k = self._key(key)
        pipe = self._redis.pipeline(transaction=True)
        pipe.zremrangebyscore(k, 0, now - window_seconds)
        pipe.zadd(k, {f"{now:.6f}:{uuid.uuid4().hex[:8]}": now})
        pipe.zcard(k)
        pipe.expire(k, window_seconds + 1)
        return int(pipe.execute()[2])

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
