"""A Redis lock store that is safe when several Rasa instances share a tracker store.

Rasa Open Source's ``RedisLockStore`` issues tickets with a read-modify-write
of one JSON value (get lock, add ticket, save lock). Two instances receiving
messages of the same conversation at the same moment can both take the same
ticket and process concurrently; the SQL tracker store then keeps only one of
their turns (RasaHQ/rasa#9213; the concurrent variant was reverted from Rasa
Open Source in #11428). tests/e2e/test_shared_tracker.py shows the lost
messages.

This store keeps Rasa's interface but makes the critical section a real
mutex: ``SET key token NX PX lifetime`` to acquire, a compare-and-delete Lua
script to release (only the owner can release; a crashed instance's lock
expires after the lifetime). Configure it in endpoints.yml:

    lock_store:
      type: bot.lock_store.AtomicRedisLockStore
      url: 127.0.0.1
      port: 6379
      db: 0
      key_prefix: yjs
"""
from __future__ import annotations

import asyncio
import logging
import time
import uuid
from contextlib import asynccontextmanager
from typing import Any, AsyncGenerator, Optional, Text

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.02
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""


class AtomicRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: Any = None, **kwargs: Any) -> None:
        if endpoint_config is not None:
            options = dict(endpoint_config.kwargs or {})
            options.pop("type", None)
            kwargs = {"host": endpoint_config.url or "127.0.0.1", **options, **kwargs}
        super().__init__(**kwargs)
        self._release = self.red.register_script(_RELEASE)

    def _mutex_key(self, conversation_id: Text) -> Text:
        return f"{self.key_prefix}mutex:{conversation_id}"

    def acquire(self, conversation_id: Text, lock_lifetime: float) -> Optional[Text]:
        token = uuid.uuid4().hex
        ok = self.red.set(self._mutex_key(conversation_id), token, nx=True, px=int(lock_lifetime * 1000))
        return token if ok else None

    def release(self, conversation_id: Text, token: Text) -> bool:
        return bool(self._release(keys=[self._mutex_key(conversation_id)], args=[token]))

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: Text,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = 1,
    ) -> AsyncGenerator[TicketLock, None]:
        deadline = time.monotonic() + lock_lifetime
        token = self.acquire(conversation_id, lock_lifetime)
        while token is None:
            if time.monotonic() > deadline:
                raise LockError(f"Could not acquire the lock for a conversation within {lock_lifetime} s.")
            await asyncio.sleep(POLL_SECONDS)
            token = self.acquire(conversation_id, lock_lifetime)
        try:
            yield TicketLock(conversation_id)
        finally:
            if not self.release(conversation_id, token):
                logger.warning("A conversation lock expired before its message was processed.")
