"""Lookup audit and the rows of the in-database rate limiter."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.app.core.db import Base, UTCDateTime
from backend.app.core.timeutil import utcnow


class LookupAudit(Base):
    """Every progress lookup. Holds the keyed hash of the ID number, never the ID."""

    __tablename__ = "lookup_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    id_number_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    client_key: Mapped[str] = mapped_column(String(128))
    # found | empty | locked | rate_limited | invalid
    outcome: Mapped[str] = mapped_column(String(16))
    success: Mapped[bool] = mapped_column(Boolean)
    result_count: Mapped[int] = mapped_column(Integer, default=0)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class RateLimitHit(Base):
    """One row per counted event of the database rate limiter (sliding window)."""

    __tablename__ = "rate_limit_hits"
    __table_args__ = (Index("ix_rate_limit_hits_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
