"""State the WeChat channel shares between requests and, with Redis, between Rasa instances.

* message records for exactly-once handling: ``claim`` is an atomic
  set-if-absent, so of several deliveries of one MsgId (WeChat's retries, or
  the same retry reaching two instances) exactly one runs the conversation;
  the others read the record's state (``processing`` -> ``passive:<reply>`` or
  ``async``) and answer accordingly;
* the buttons last offered to each user, so that “1/2/3” map back to payloads;
* the access token and its refresh lock;
* error counters (e.g. customer-service error 45015).

``RedisStore`` is used when a Redis URL is configured, ``MemoryStore``
otherwise (one process only). Keys all start with the configured prefix.
"""
from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any, Dict, List, Optional, Tuple

PROCESSING = "processing"
ASYNC = "async"
PASSIVE_PREFIX = "passive:"

_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""


class MemoryStore:
    """In-process store; fine for one Rasa instance."""

    def __init__(self, prefix: str = "yjs:wechat:") -> None:
        self.prefix = prefix
        self._values: Dict[str, Tuple[str, float]] = {}
        self._counters: Dict[str, int] = {}
        self._lock = asyncio.Lock()

    def _get(self, key: str) -> Optional[str]:
        item = self._values.get(key)
        if item is None:
            return None
        value, expires = item
        if expires and expires < time.monotonic():
            self._values.pop(key, None)
            return None
        return value

    def _set(self, key: str, value: str, ttl: float) -> None:
        self._values[key] = (value, time.monotonic() + ttl if ttl else 0.0)
        if len(self._values) > 50_000:          # bounded: drop expired entries
            now = time.monotonic()
            for k in [k for k, (_, e) in self._values.items() if e and e < now]:
                self._values.pop(k, None)

    async def get(self, key: str) -> Optional[str]:
        return self._get(self.prefix + key)

    async def set(self, key: str, value: str, ttl: float) -> None:
        self._set(self.prefix + key, value, ttl)

    async def delete(self, key: str) -> None:
        self._values.pop(self.prefix + key, None)

    async def claim(self, key: str, value: str, ttl: float) -> bool:
        full = self.prefix + key
        if self._get(full) is not None:
            return False
        self._set(full, value, ttl)
        return True

    async def acquire_lock(self, key: str, ttl: float) -> Optional[str]:
        token = uuid.uuid4().hex
        return token if await self.claim(key, token, ttl) else None

    async def release_lock(self, key: str, token: str) -> None:
        if self._get(self.prefix + key) == token:
            self._values.pop(self.prefix + key, None)

    async def incr(self, name: str) -> int:
        self._counters[name] = self._counters.get(name, 0) + 1
        return self._counters[name]

    async def counters(self) -> Dict[str, int]:
        return dict(self._counters)

    async def close(self) -> None:
        return None


class RedisStore(MemoryStore):
    """Shared by every Rasa instance that uses the same Redis database and prefix."""

    def __init__(self, url: str, prefix: str = "yjs:wechat:") -> None:
        super().__init__(prefix)
        import redis.asyncio as aioredis

        self.url = url
        self.red = aioredis.Redis.from_url(url, decode_responses=True)
        self._release = self.red.register_script(_RELEASE)

    async def get(self, key: str) -> Optional[str]:
        return await self.red.get(self.prefix + key)

    async def set(self, key: str, value: str, ttl: float) -> None:
        await self.red.set(self.prefix + key, value, px=max(1, int(ttl * 1000)))

    async def delete(self, key: str) -> None:
        await self.red.delete(self.prefix + key)

    async def claim(self, key: str, value: str, ttl: float) -> bool:
        return bool(await self.red.set(self.prefix + key, value, nx=True, px=max(1, int(ttl * 1000))))

    async def release_lock(self, key: str, token: str) -> None:
        await self._release(keys=[self.prefix + key], args=[token])

    async def incr(self, name: str) -> int:
        return int(await self.red.hincrby(self.prefix + "counters", name, 1))

    async def counters(self) -> Dict[str, int]:
        raw = await self.red.hgetall(self.prefix + "counters")
        return {k: int(v) for k, v in raw.items()}

    async def close(self) -> None:
        await self.red.close()


def make_store(redis_url: Optional[str], prefix: str) -> MemoryStore:
    return RedisStore(redis_url, prefix) if redis_url else MemoryStore(prefix)


# ------------------------------------------------------------------ buttons offered
BUTTONS_TTL = 24 * 3600.0


async def save_buttons(store: MemoryStore, openid: str, buttons: List[Dict[str, Any]], numbered: bool = True) -> None:
    """Remembers the buttons of the last reply (or forgets them when it had none)."""
    key = f"buttons:{openid}"
    if buttons:
        slim = [{"title": b.get("title", ""), "payload": b.get("payload", "")} for b in buttons]
        await store.set(key, json.dumps({"numbered": numbered, "buttons": slim}, ensure_ascii=False), BUTTONS_TTL)
    else:
        await store.delete(key)


async def load_buttons(store: MemoryStore, openid: str) -> Tuple[List[Dict[str, str]], bool]:
    """(the buttons last offered, whether they were numbered)."""
    raw = await store.get(f"buttons:{openid}")
    if not raw:
        return [], True
    try:
        value = json.loads(raw)
    except ValueError:
        return [], True
    if not isinstance(value, dict) or not isinstance(value.get("buttons"), list):
        return [], True
    return value["buttons"], bool(value.get("numbered", True))
