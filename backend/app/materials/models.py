"""Uploaded material files, their append-only audit events and the citizen's upload tokens."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from backend.app.core.db import Base, UTCDateTime
from backend.app.core.timeutil import utcnow


class MaterialFile(Base):
    """One file given for one material of a case. The bytes are in the blob store,
    encrypted, under `blob_name` (a keyed hash of the stored content)."""

    __tablename__ = "case_material_files"
    __table_args__ = (
        UniqueConstraint("case_id", "material_id", "blob_name", name="uq_case_material_files_content"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[str] = mapped_column(String(64))
    material_id: Mapped[str] = mapped_column(String(32))
    blob_name: Mapped[str] = mapped_column(String(64), index=True)
    media_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class MaterialEvent(Base):
    """Every upload (or repeated upload), view and deletion of a material file. Never updated."""

    __tablename__ = "case_material_events"
    __table_args__ = (Index("ix_case_material_events_case_id_id", "case_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    file_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    item_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    material_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    action: Mapped[str] = mapped_column(String(16))  # uploaded | duplicate | viewed | deleted | resubmitted
    actor_type: Mapped[str] = mapped_column(String(16))  # applicant | worker | agent
    actor_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class UploadToken(Base):
    """A case-scoped upload capability: only its SHA-256 is stored."""

    __tablename__ = "material_upload_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_via: Mapped[str] = mapped_column(String(16))  # submission | lookup
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AppendOnlyError(RuntimeError):
    pass


@event.listens_for(MaterialEvent, "before_update")
def _no_update(_mapper, _connection, _target) -> None:
    raise AppendOnlyError("material events are append-only")


@event.listens_for(MaterialEvent, "before_delete")
def _no_delete(_mapper, _connection, _target) -> None:
    raise AppendOnlyError("material events are append-only")
