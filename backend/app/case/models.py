"""Case, CaseItem and the append-only CaseEvent."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.app.case.enums import ActorType, CaseStatus, Channel, EventKind
from backend.app.core.db import Base, UTCDateTime
from backend.app.core.timeutil import utcnow


def _status_type(name: str) -> Enum:
    return Enum(CaseStatus, name=name, native_enum=False, length=16, create_constraint=True)


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_number: Mapped[str] = mapped_column(String(32), unique=True)
    bundle_id: Mapped[str] = mapped_column(String(64), index=True)
    channel: Mapped[Channel] = mapped_column(
        Enum(Channel, name="channel", native_enum=False, length=16, create_constraint=True)
    )
    status: Mapped[CaseStatus] = mapped_column(_status_type("case_status"), index=True)
    # Display-only masked name (张*); the full name is in personal_data_enc.
    applicant_name_masked: Mapped[str] = mapped_column(String(64))
    # AES-GCM encrypted JSON {"name", "id_number", "phone"}.
    personal_data_enc: Mapped[str] = mapped_column(Text)
    # AES-GCM encrypted JSON of the form answers (contains bank cards etc.).
    form_data_enc: Mapped[str] = mapped_column(Text)
    # HMAC-SHA256 of the normalised ID number, and of (ID number, phone last 4).
    id_number_hash: Mapped[str] = mapped_column(String(64), index=True)
    phone_last4_hash: Mapped[str] = mapped_column(String(64))
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    # The 201 body as first sent, replayed verbatim for a repeated request.
    # It holds no personal data (checked by the DB dump test).
    create_response: Mapped[str] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    # The 12333 agent who submitted the case on the caller's behalf (channel hotline).
    submitted_by_staff_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    submitted_by_name: Mapped[str | None] = mapped_column(String(64), nullable=True)

    items: Mapped[list["CaseItem"]] = relationship(
        back_populates="case", order_by="CaseItem.position", cascade="all, delete-orphan"
    )
    events: Mapped[list["CaseEvent"]] = relationship(
        back_populates="case", order_by="CaseEvent.id", cascade="all, delete-orphan"
    )

    # Optimistic locking: a concurrent transition fails with StaleDataError
    # instead of silently overwriting (SQLite has no SELECT ... FOR UPDATE).
    __mapper_args__ = {"version_id_col": version}

    def item(self, item_id: str) -> "CaseItem | None":
        return next((i for i in self.items if i.item_id == item_id), None)


class CaseItem(Base):
    __tablename__ = "case_items"
    __table_args__ = (UniqueConstraint("case_id", "item_id", name="uq_case_items_case_item"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[CaseStatus] = mapped_column(_status_type("case_item_status"))
    # Computed once at submission from the knowledge base (working days, holidays).
    expected_completion: Mapped[date | None] = mapped_column(Date, nullable=True)
    expected_estimated: Mapped[bool] = mapped_column(Boolean, default=False)
    deadline_text: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    added_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    added_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    case: Mapped[Case] = relationship(back_populates="items")


class CaseEvent(Base):
    """One row per status change (and per creation / resubmission). Never updated."""

    __tablename__ = "case_events"
    __table_args__ = (Index("ix_case_events_case_id_id", "case_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    item_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    kind: Mapped[EventKind] = mapped_column(
        Enum(EventKind, name="event_kind", native_enum=False, length=16, create_constraint=True)
    )
    actor_type: Mapped[ActorType] = mapped_column(
        Enum(ActorType, name="actor_type", native_enum=False, length=16, create_constraint=True)
    )
    actor_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    from_status: Mapped[CaseStatus | None] = mapped_column(
        _status_type("event_from_status"), nullable=True
    )
    to_status: Mapped[CaseStatus] = mapped_column(_status_type("event_to_status"))
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    resubmit: Mapped[list[str]] = mapped_column(JSON, default=list)

    case: Mapped[Case] = relationship(back_populates="events")


class AppendOnlyError(RuntimeError):
    pass


@event.listens_for(CaseEvent, "before_update")
def _no_event_update(_mapper, _connection, target: CaseEvent) -> None:
    raise AppendOnlyError("case events are append-only")


@event.listens_for(CaseEvent, "before_delete")
def _no_event_delete(_mapper, _connection, target: CaseEvent) -> None:
    raise AppendOnlyError("case events are append-only")
