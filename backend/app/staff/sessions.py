"""Staff accounts with a password and the console sessions they sign in to.

* A session token (``yjss_`` + 256 random bits) is shown once, to the web page
  server, which keeps it in an HttpOnly cookie; only its SHA-256 is stored.
* A session ends after `STAFF_SESSION_IDLE_MINUTES` without use or
  `STAFF_SESSION_ABSOLUTE_HOURS` after sign-in, on sign-out, when the account
  is disabled or its password changes.
* Failed sign-ins are limited per user name and per client (settings). Every
  attempt is counted before the password is checked, atomically (parallel
  guesses cannot pass the limit); a success takes its own attempt back.
  Wrong name, wrong password and disabled account give one and the same answer.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backend.app.core.config import Settings
from backend.app.core.crypto import hash_token
from backend.app.core.errors import ApiError
from backend.app.core.runtime import Runtime
from backend.app.core.timeutil import utcnow
from backend.app.staff import passwords
from backend.app.staff.models import StaffAccount, StaffRole, StaffSession, StaffSignInAudit
from backend.app.staff.tokens import StaffPrincipal

SESSION_PREFIX = "yjss_"
USERNAME_RE = re.compile(r"[a-z0-9][a-z0-9_.-]{1,31}")
# last_seen_at is written at most this often (not on every request)
TOUCH_INTERVAL = timedelta(seconds=60)

SIGNIN_FAILED_MESSAGE = "用户名或密码不正确，请核对后重新输入。"


class AccountError(ValueError):
    """A refused account operation; the message is Chinese (CLI output)."""


def normalize_username(raw: str) -> str | None:
    name = raw.strip().lower()
    return name if USERNAME_RE.fullmatch(name) else None


def is_session_token(token: str) -> bool:
    return token.startswith(SESSION_PREFIX)


def _username_hash(raw: str) -> str:
    return hashlib.sha256(raw.strip().lower().encode("utf-8", "replace")).hexdigest()


# -- accounts (CLI) ------------------------------------------------------------
def create_account(session: Session, username: str, name: str, role: StaffRole, password: str) -> StaffAccount:
    normalized = normalize_username(username)
    if normalized is None:
        raise AccountError("用户名只能包含小写字母、数字和 _ . -，2到32个字符，以字母或数字开头。")
    name = name.strip()
    if not name or len(name) > 64:
        raise AccountError("请提供1到64个字的工作人员姓名。")
    passwords.check_policy(password)
    if session.execute(select(StaffAccount.id).where(StaffAccount.username == normalized)).first():
        raise AccountError(f"用户名 {normalized} 已存在。")
    row = StaffAccount(username=normalized, name=name, role=role, password_hash=passwords.hash_password(password))
    session.add(row)
    session.flush()
    return row


def find_account(session: Session, username: str) -> StaffAccount | None:
    normalized = normalize_username(username)
    if normalized is None:
        return None
    return session.execute(select(StaffAccount).where(StaffAccount.username == normalized)).scalar_one_or_none()


def revoke_sessions(session: Session, account_id: int) -> None:
    session.execute(
        update(StaffSession)
        .where(StaffSession.account_id == account_id, StaffSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def set_password(session: Session, account: StaffAccount, password: str) -> None:
    """New password; every open session of the account ends."""
    passwords.check_policy(password)
    account.password_hash = passwords.hash_password(password)
    account.password_changed_at = utcnow()
    revoke_sessions(session, account.id)


def disable_account(session: Session, account: StaffAccount) -> None:
    account.disabled_at = account.disabled_at or utcnow()
    revoke_sessions(session, account.id)


# -- sign-in -------------------------------------------------------------------
@dataclass(frozen=True)
class SignedIn:
    token: str
    principal: StaffPrincipal
    created_at: datetime
    expires_at: datetime
    idle_expires_at: datetime


def _audit(runtime: Runtime, raw_username: str, outcome: str, client: str, staff_id: str | None = None) -> None:
    with runtime.sessions.begin() as session:
        session.add(
            StaffSignInAudit(
                staff_id=staff_id,
                username_hash=_username_hash(raw_username),
                outcome=outcome,
                client_key=client[:128],
                at=utcnow(),
            )
        )


def _locked(settings: Settings) -> ApiError:
    window = settings.STAFF_SIGNIN_FAILURE_WINDOW_SECONDS
    minutes = max(1, window // 60)
    return ApiError(
        429,
        "SIGNIN_LOCKED",
        f"登录失败次数过多，为保护账号安全已暂时锁定，请{minutes}分钟后再试；如忘记密码请联系系统管理员。",
        headers={"Retry-After": str(window)},
    )


def _principal(account: StaffAccount, session_id: int) -> StaffPrincipal:
    return StaffPrincipal(account.staff_id, account.name, account.role, account.username, session_id)


def sign_in(runtime: Runtime, username: str, password: str, client: str) -> SignedIn:
    s = runtime.settings
    limiter = runtime.limiter
    window = s.STAFF_SIGNIN_FAILURE_WINDOW_SECONDS
    name_key = f"signin:name:{_username_hash(username)[:32]}"
    client_key = f"signin:client:{client}"
    by_name, name_token = limiter.acquire(name_key, window)
    by_client, client_token = limiter.acquire(client_key, window)
    if by_name > s.STAFF_SIGNIN_MAX_FAILURES_PER_NAME or by_client > s.STAFF_SIGNIN_MAX_FAILURES_PER_CLIENT:
        # A refused attempt checked no password: it does not prolong the lock.
        limiter.release(name_key, name_token)
        limiter.release(client_key, client_token)
        _audit(runtime, username, "locked", client)
        raise _locked(s)

    with runtime.sessions() as session:
        account = find_account(session, username)
        stored = account.password_hash if account is not None else passwords.dummy_hash()
        valid = passwords.verify_password(password, stored)
        if account is None or account.disabled_at is not None or not valid:
            session.rollback()
            _audit(runtime, username, "failed", client, account.staff_id if account else None)
            raise ApiError(401, "SIGNIN_FAILED", SIGNIN_FAILED_MESSAGE)
        token = SESSION_PREFIX + secrets.token_urlsafe(32)
        now = utcnow()
        row = StaffSession(
            token_hash=hash_token(token),
            account_id=account.id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(hours=s.STAFF_SESSION_ABSOLUTE_HOURS),
        )
        session.add(row)
        session.commit()
        principal = _principal(account, row.id)
        signed_in = SignedIn(token, principal, now, row.expires_at, _idle_end(s, row))
    limiter.release(name_key, name_token)
    limiter.release(client_key, client_token)
    _audit(runtime, username, "success", client, principal.staff_id)
    return signed_in


def _idle_end(settings: Settings, row: StaffSession) -> datetime:
    return min(row.expires_at, row.last_seen_at + timedelta(minutes=settings.STAFF_SESSION_IDLE_MINUTES))


def _live_session(session: Session, settings: Settings, token: str) -> tuple[StaffSession, StaffAccount] | None:
    found = session.execute(
        select(StaffSession, StaffAccount)
        .join(StaffAccount, StaffAccount.id == StaffSession.account_id)
        .where(StaffSession.token_hash == hash_token(token))
    ).first()
    if found is None:
        return None
    row, account = found
    now = utcnow()
    if row.revoked_at is not None or account.disabled_at is not None:
        return None
    if now >= row.expires_at or now >= _idle_end(settings, row):
        return None
    return row, account


def authenticate_session(session: Session, settings: Settings, token: str) -> StaffPrincipal | None:
    live = _live_session(session, settings, token)
    if live is None:
        return None
    row, account = live
    now = utcnow()
    if now - row.last_seen_at >= TOUCH_INTERVAL:
        row.last_seen_at = now
        session.commit()
    return _principal(account, row.id)


def session_times(session: Session, settings: Settings, session_id: int) -> dict[str, datetime] | None:
    row = session.get(StaffSession, session_id)
    if row is None:
        return None
    return {"signed_in_at": row.created_at, "expires_at": row.expires_at, "idle_expires_at": _idle_end(settings, row)}


def sign_out(runtime: Runtime, session: Session, principal: StaffPrincipal, client: str) -> None:
    if principal.session_id is None:
        return
    row = session.get(StaffSession, principal.session_id)
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
        session.commit()
        _audit(runtime, principal.username or "", "signed_out", client, principal.staff_id)
