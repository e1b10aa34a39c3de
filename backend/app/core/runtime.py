"""Everything a request needs that lives as long as the application."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from backend.app.core.config import Settings
from backend.app.core.crypto import Cipher, Hasher
from backend.app.core.db import make_engine, make_session_factory
from backend.app.lookup.ratelimit import RateLimiter, build_rate_limiter


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker
    cipher: Cipher
    hasher: Hasher
    limiter: RateLimiter

    @classmethod
    def build(cls, settings: Settings) -> "Runtime":
        engine = make_engine(settings.DATABASE_URL, pool_size=settings.DB_POOL_SIZE)
        sessions = make_session_factory(engine)
        return cls(
            settings=settings,
            engine=engine,
            sessions=sessions,
            cipher=Cipher(settings.data_encryption_key),
            hasher=Hasher(settings.lookup_hmac_key),
            limiter=build_rate_limiter(
                settings.RATE_LIMIT_REDIS_URL, settings.RATE_LIMIT_KEY_PREFIX, sessions
            ),
        )

    def close(self) -> None:
        self.limiter.close()
        self.engine.dispose()
