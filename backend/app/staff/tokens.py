"""Issuing and checking staff bearer tokens."""
from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.app.core.config import Settings
from backend.app.core.crypto import hash_token
from backend.app.staff.models import StaffRole, StaffToken

TOKEN_PREFIX = "yjs_"


@dataclass(frozen=True)
class StaffPrincipal:
    staff_id: str
    name: str
    role: StaffRole
    # Set when the principal signed in with a password (a console session).
    username: str | None = None
    session_id: int | None = None


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def create_staff_token(session: Session, role: StaffRole, name: str) -> tuple[StaffToken, str]:
    """Store a new token (hashed) and return it in clear - the only time it is seen."""
    token = new_token()
    row = StaffToken(token_hash=hash_token(token), role=role, name=name)
    session.add(row)
    session.flush()
    return row, token


def _dev_principal(settings: Settings, token: str) -> StaffPrincipal | None:
    if not settings.dev_tokens_enabled:
        return None
    seeds = (
        (settings.DEV_WORKER_TOKEN, StaffPrincipal("dev-worker", "开发测试办事员", StaffRole.worker)),
        (settings.DEV_AGENT_TOKEN, StaffPrincipal("dev-agent", "开发测试坐席", StaffRole.agent)),
    )
    for seed, principal in seeds:
        if seed and hmac.compare_digest(seed.encode(), token.encode()):
            return principal
    return None


def authenticate_staff(session: Session, settings: Settings, token: str) -> StaffPrincipal | None:
    principal = _dev_principal(settings, token)
    if principal is not None:
        return principal
    row = session.execute(
        select(StaffToken).where(StaffToken.token_hash == hash_token(token))
    ).scalar_one_or_none()
    if row is None or row.revoked_at is not None:
        return None
    return StaffPrincipal(row.staff_id, row.name, row.role)
