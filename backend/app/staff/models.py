"""Staff tokens, the audit of personal-data reveals and of every staff view."""
from __future__ import annotations

from datetime import datetime
from enum import Enum as PyEnum

from sqlalchemy import Enum, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.app.core.db import Base, UTCDateTime
from backend.app.core.timeutil import utcnow


class StaffRole(str, PyEnum):
    worker = "worker"  # case worker: may reveal and change status
    agent = "agent"  # 12333 hotline agent: read-only


class StaffToken(Base):
    __tablename__ = "staff_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # SHA-256 of the bearer token; the token itself is shown once and never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[StaffRole] = mapped_column(
        Enum(StaffRole, name="staff_role", native_enum=False, length=16, create_constraint=True)
    )
    name: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    @property
    def staff_id(self) -> str:
        return f"staff-{self.id}"


class RevealAudit(Base):
    __tablename__ = "reveal_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    staff_id: Mapped[str] = mapped_column(String(64), index=True)
    staff_name: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StaffViewAudit(Base):
    """Every staff list or detail view: who looked at what, when.

    `case_id` is set for a detail view; `query` holds a list's filters."""

    __tablename__ = "staff_view_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    staff_id: Mapped[str] = mapped_column(String(64), index=True)
    staff_name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    # list | detail
    action: Mapped[str] = mapped_column(String(16))
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), nullable=True, index=True
    )
    query: Mapped[str | None] = mapped_column(Text, nullable=True)
    result_count: Mapped[int] = mapped_column(Integer, default=0)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class StaffAccount(Base):
    """A staff member who signs in with a user name and password (web consoles)."""

    __tablename__ = "staff_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Sign-in name, stored lower-case (unique); `name` is the display name.
    username: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    role: Mapped[StaffRole] = mapped_column(
        Enum(StaffRole, name="staff_account_role", native_enum=False, length=16, create_constraint=True)
    )
    # scrypt$<log2 n>$<r>$<p>$<salt>$<hash> (backend/app/staff/passwords.py)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    @property
    def staff_id(self) -> str:
        return f"account-{self.id}"


class StaffSession(Base):
    """A signed-in console session. Only the SHA-256 of its token is stored."""

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("staff_accounts.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Absolute end; the idle limit counts from last_seen_at (both settings).
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class StaffSignInAudit(Base):
    """Every sign-in attempt and sign-out. The user name is kept only as a hash."""

    __tablename__ = "staff_signin_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # set when the name belongs to an account
    staff_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    username_hash: Mapped[str] = mapped_column(String(64))
    # success | failed | locked | signed_out
    outcome: Mapped[str] = mapped_column(String(16))
    client_key: Mapped[str] = mapped_column(String(128))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
