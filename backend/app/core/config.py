"""Typed settings, read from the environment.

Development defaults work out of the box; `Settings.check_safe_for_production`
refuses a production start while any secret still has its development default.
"""
from __future__ import annotations

import os
from enum import Enum
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from backend.app.core.db import normalize_db_url

REPO_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_SQLITE_PATH = REPO_ROOT / "var" / "backend.db"


def default_materials_dir() -> Path:
    """var/materials of the checkout, or of VAR_DIR when the stack runs with its own var/ (tests)."""
    return Path(os.environ.get("VAR_DIR") or REPO_ROOT / "var") / "materials"


# Development defaults. They are public (they are in this file), so production
# must override every one of them.
DEV_SECRET_KEY = "dev-secret-key-change-me"
DEV_SERVICE_TOKEN = "dev-service-token"
DEV_WORKER_TOKEN = "dev-worker-token"
DEV_AGENT_TOKEN = "dev-agent-token"


class AppEnv(str, Enum):
    development = "development"
    production = "production"
    test = "test"


class ConfigError(RuntimeError):
    """The configuration is unsafe or inconsistent; the service must not start."""


class Settings(BaseSettings):
    # Read from the process environment only (the stack exports var/secrets.env).
    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False)

    APP_ENV: AppEnv = AppEnv.development
    DATABASE_URL: str = f"sqlite:///{DEFAULT_SQLITE_PATH}"

    # Master secret. The data-encryption and lookup-HMAC keys are derived from it
    # (HKDF, distinct labels) unless DATA_ENCRYPTION_KEY / LOOKUP_HMAC_KEY are set.
    # Changing any of them makes existing personal data unreadable: keep them
    # with the database backups.
    SECRET_KEY: str = DEV_SECRET_KEY
    DATA_ENCRYPTION_KEY: str | None = None
    LOOKUP_HMAC_KEY: str | None = None
    SERVICE_TOKEN: str = DEV_SERVICE_TOKEN
    # Seed staff tokens, honoured only when APP_ENV is development or test.
    DEV_WORKER_TOKEN: str | None = DEV_WORKER_TOKEN
    DEV_AGENT_TOKEN: str | None = DEV_AGENT_TOKEN

    RATE_LIMIT_REDIS_URL: str | None = None
    RATE_LIMIT_KEY_PREFIX: str = "yjs:rl:"
    # Lookup abuse limits (see backend/README.md, "Lookup").
    LOOKUP_MAX_FAILURES_PER_ID: int = Field(default=5, ge=1)
    LOOKUP_MAX_FAILURES_PER_CLIENT: int = Field(default=10, ge=1)
    LOOKUP_FAILURE_WINDOW_SECONDS: int = Field(default=15 * 60, ge=1)
    LOOKUP_MAX_PER_CLIENT: int = Field(default=30, ge=1)
    LOOKUP_CLIENT_WINDOW_SECONDS: int = Field(default=60, ge=1)

    # Staff console sessions (POST /api/v1/staff/session): idle and absolute
    # lifetime; failed sign-ins per user name / per client within the window.
    STAFF_SESSION_IDLE_MINUTES: int = Field(default=8 * 60, ge=1)
    STAFF_SESSION_ABSOLUTE_HOURS: int = Field(default=12, ge=1)
    STAFF_SIGNIN_MAX_FAILURES_PER_NAME: int = Field(default=5, ge=1)
    STAFF_SIGNIN_MAX_FAILURES_PER_CLIENT: int = Field(default=20, ge=1)
    STAFF_SIGNIN_FAILURE_WINDOW_SECONDS: int = Field(default=15 * 60, ge=1)
    # Peers (the web page server) whose X-Forwarded-For names the signing-in client.
    STAFF_TRUSTED_PROXIES: str = "127.0.0.1,::1"

    # Largest request body accepted (413 above); a submission is a few kB.
    MAX_BODY_BYTES: int = Field(default=64 * 1024, ge=1024)

    # Materials uploaded with an application (backend/app/materials): where the
    # encrypted files are kept, the largest file, how long an upload token works.
    MATERIALS_DIR: Path = Field(default_factory=default_materials_dir)
    MATERIAL_MAX_BYTES: int = Field(default=10 * 1024 * 1024, ge=1024)
    MATERIAL_UPLOAD_TOKEN_HOURS: int = Field(default=72, ge=1)

    BACKEND_HOST: str = "127.0.0.1"
    BACKEND_PORT: int = 8000
    LOG_LEVEL: str = "INFO"
    DB_POOL_SIZE: int = Field(default=10, ge=1)

    @field_validator("DATABASE_URL")
    @classmethod
    def _normalise_db_url(cls, value: str) -> str:
        return normalize_db_url(value)

    @field_validator("LOG_LEVEL")
    @classmethod
    def _upper_level(cls, value: str) -> str:
        return value.upper()

    @property
    def is_sqlite(self) -> bool:
        return self.DATABASE_URL.startswith("sqlite")

    @property
    def data_encryption_key(self) -> str:
        return self.DATA_ENCRYPTION_KEY or self.SECRET_KEY

    @property
    def lookup_hmac_key(self) -> str:
        return self.LOOKUP_HMAC_KEY or self.SECRET_KEY

    @property
    def dev_tokens_enabled(self) -> bool:
        return self.APP_ENV in (AppEnv.development, AppEnv.test)

    def check_safe_for_production(self) -> None:
        """Raise ConfigError when production would run with public defaults."""
        if self.APP_ENV is not AppEnv.production:
            return
        problems = []
        for name, default in (("SECRET_KEY", DEV_SECRET_KEY), ("SERVICE_TOKEN", DEV_SERVICE_TOKEN)):
            value = getattr(self, name)
            if value == default:
                problems.append(f"{name} still has its development default")
            elif len(value) < 32:
                problems.append(f"{name} is shorter than 32 characters")
        for name in ("DATA_ENCRYPTION_KEY", "LOOKUP_HMAC_KEY"):
            value = getattr(self, name)
            if value is not None and len(value) < 32:
                problems.append(f"{name} is shorter than 32 characters")
        secrets = {
            "SECRET_KEY": self.SECRET_KEY,
            "SERVICE_TOKEN": self.SERVICE_TOKEN,
            "DATA_ENCRYPTION_KEY": self.DATA_ENCRYPTION_KEY,
            "LOOKUP_HMAC_KEY": self.LOOKUP_HMAC_KEY,
        }
        seen: dict[str, str] = {}
        for name, value in secrets.items():
            if value is None:
                continue
            if value in seen:
                problems.append(f"{name} is the same value as {seen[value]} (each secret must be distinct)")
            else:
                seen[value] = name
        if problems:
            raise ConfigError(
                "Refusing to start with APP_ENV=production: "
                + "; ".join(problems)
                + ". Set these environment variables to long random values "
                "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)."
            )


@lru_cache
def get_settings() -> Settings:
    return Settings()
