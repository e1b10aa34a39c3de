"""The hotline agent's console: call notes and the queue of conversations handed over to a person."""
from __future__ import annotations

from datetime import datetime
from enum import Enum as PyEnum

from sqlalchemy import JSON, Enum, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.app.core.db import Base, UTCDateTime
from backend.app.core.timeutil import utcnow


class CallNote(Base):
    """A 小结 of one call, saved by the agent. Every save is a new row (the audit trail):
    an edited note never overwrites what was saved before."""

    __tablename__ = "call_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(128), index=True)
    staff_id: Mapped[str] = mapped_column(String(64), index=True)
    staff_name: Mapped[str] = mapped_column(String(64))
    # masked on the way in: a note never holds a full ID number, phone or bank card
    text: Mapped[str] = mapped_column(Text)
    case_numbers: Mapped[list[str]] = mapped_column(JSON, default=list)
    item_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class HandoffStatus(str, PyEnum):
    waiting = "waiting"    # queued, no agent yet
    taken = "taken"        # an agent holds the conversation: the citizen's messages go to them
    closed = "closed"      # handed back to the assistant (or given up by the citizen)


class Handoff(Base):
    """A citizen conversation queued for the agent console ("转人工")."""

    __tablename__ = "handoffs"
    __table_args__ = (Index("ix_handoffs_conversation_status", "conversation_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(128))
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[HandoffStatus] = mapped_column(
        Enum(HandoffStatus, name="handoff_status", native_enum=False, length=16, create_constraint=True),
        index=True,
    )
    # chosen items, form progress, last question, recent turns - all masked by the sender and again here
    context: Mapped[dict] = mapped_column(JSON, default=dict)
    staff_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    staff_name: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    messages: Mapped[list["HandoffMessage"]] = relationship(
        back_populates="handoff", order_by="HandoffMessage.id", cascade="all, delete-orphan"
    )


class HandoffMessage(Base):
    __tablename__ = "handoff_messages"
    __table_args__ = (Index("ix_handoff_messages_handoff_id_id", "handoff_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    handoff_id: Mapped[int] = mapped_column(ForeignKey("handoffs.id", ondelete="CASCADE"))
    # citizen | agent | system
    sender: Mapped[str] = mapped_column(String(16))
    staff_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    handoff: Mapped[Handoff] = relationship(back_populates="messages")
