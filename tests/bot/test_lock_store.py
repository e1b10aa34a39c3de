"""The Redis lock store used when several Rasa instances share a tracker store (real Redis)."""
from __future__ import annotations

import asyncio
import socket
import uuid

import pytest

from bot.lock_store import AtomicRedisLockStore


def redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=2):
            return True
    except OSError:
        return False


pytestmark = pytest.mark.skipif(not redis_up(), reason="Redis is not reachable at 127.0.0.1:6379")


class _Endpoint:
    def __init__(self, **kwargs):
        self.url = "127.0.0.1"
        self.kwargs = kwargs


@pytest.fixture
def store():
    prefix = "yjstest" + uuid.uuid4().hex[:8]
    s = AtomicRedisLockStore(endpoint_config=_Endpoint(type="bot.lock_store.AtomicRedisLockStore", port=6379, db=0, key_prefix=prefix))
    yield s
    for key in s.red.scan_iter(f"{prefix}*"):
        s.red.delete(key)


def test_two_stores_exclude_each_other(store):
    """Two instances (two stores, two connections) never hold one conversation's lock together."""
    other = AtomicRedisLockStore(endpoint_config=_Endpoint(port=6379, db=0, key_prefix=store.key_prefix.split(":")[0]))
    inside = []
    overlap = []

    async def turn(s, name):
        async with s.lock("conv-1", lock_lifetime=10):
            if inside:
                overlap.append(name)
            inside.append(name)
            await asyncio.sleep(0.05)
            inside.remove(name)

    async def main():
        await asyncio.gather(*(turn(store if i % 2 else other, f"m{i}") for i in range(10)))

    asyncio.run(main())
    assert overlap == []


def test_different_conversations_do_not_wait_for_each_other(store):
    async def main():
        async with store.lock("conv-a", lock_lifetime=10):
            async with store.lock("conv-b", lock_lifetime=10):
                return True

    assert asyncio.run(asyncio.wait_for(main(), timeout=2))


def test_only_the_owner_releases_and_a_crashed_lock_expires(store):
    token = store.acquire("conv-2", lock_lifetime=0.3)
    assert token and store.acquire("conv-2", lock_lifetime=0.3) is None
    assert store.release("conv-2", "someone-else") is False
    assert store.acquire("conv-2", lock_lifetime=0.3) is None

    async def later():
        async with store.lock("conv-2", lock_lifetime=5):     # waits for the expiry
            return True

    assert asyncio.run(asyncio.wait_for(later(), timeout=3))
