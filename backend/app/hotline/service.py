"""Call notes, the handoff queue, and the agent's caller lookup.

Everything an agent does here is attributed to them: a call note row names its
author, taking / answering / handing back a conversation names the agent on the
handoff and its messages, a caller lookup is a staff view audit row and opening
a case with its full data is a reveal audit row with the stated reason.
Texts are masked on the way in (ID numbers, phones, bank cards).
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from backend.app.case import views
from backend.app.case.personal import open_personal
from backend.app.core.errors import ApiError
from backend.app.core.runtime import Runtime
from backend.app.core.timeutil import to_local, utcnow
from backend.app.hotline.models import CallNote, Handoff, HandoffMessage, HandoffStatus
from backend.app.hotline.schemas import CallNoteIn, CallerLookupIn, HandoffIn
from backend.app.lookup import service as lookup_service
from backend.app.lookup.schemas import LookupRequest
from backend.app.staff.models import RevealAudit
from backend.app.staff.service import audit_view, get_case
from backend.app.staff.tokens import StaffPrincipal
from knowledge.personal_data import mask_text

MAX_CONTEXT_CHARS = 8000
OPEN = (HandoffStatus.waiting, HandoffStatus.taken)


def _iso(value) -> str | None:
    return to_local(value).isoformat() if value else None


def _mask_deep(value: Any, depth: int = 0) -> Any:
    """The context comes masked from the action server; masked again here (defence in depth)."""
    if isinstance(value, str):
        return mask_text(value)[:1000]
    if depth > 6:
        return None
    if isinstance(value, dict):
        return {str(k)[:64]: _mask_deep(v, depth + 1) for k, v in list(value.items())[:50]}
    if isinstance(value, (list, tuple)):
        return [_mask_deep(v, depth + 1) for v in list(value)[:50]]
    if isinstance(value, (int, float, bool)) or value is None:
        return value
    return None


# ---------------------------------------------------------------- call notes


def save_note(session: Session, staff: StaffPrincipal, body: CallNoteIn) -> dict[str, Any]:
    note = CallNote(
        conversation_id=body.conversation_id,
        staff_id=staff.staff_id,
        staff_name=staff.name[:64],
        text=body.text,
        case_numbers=list(dict.fromkeys(body.case_numbers)),
        item_ids=list(dict.fromkeys(body.item_ids)),
        created_at=utcnow(),
    )
    session.add(note)
    session.commit()
    return note_out(note)


def note_out(note: CallNote) -> dict[str, Any]:
    return {
        "id": note.id,
        "conversation_id": note.conversation_id,
        "staff_id": note.staff_id,
        "staff_name": note.staff_name,
        "text": note.text,
        "case_numbers": list(note.case_numbers or []),
        "item_ids": list(note.item_ids or []),
        "created_at": _iso(note.created_at),
    }


def list_notes(session: Session, staff: StaffPrincipal, conversation_id: str | None, limit: int) -> dict[str, Any]:
    stmt = select(CallNote).order_by(CallNote.created_at.desc(), CallNote.id.desc()).limit(limit)
    if conversation_id:
        stmt = stmt.where(CallNote.conversation_id == conversation_id)
    notes = [note_out(n) for n in session.execute(stmt).scalars()]
    audit_view(session, staff, "notes", query=f"conversation_id={conversation_id or ''}", result_count=len(notes))
    return {"notes": notes}


# ---------------------------------------------------------------- handoff queue


def _open_handoff(session: Session, conversation_id: str) -> Handoff | None:
    return session.execute(
        select(Handoff)
        .where(Handoff.conversation_id == conversation_id, Handoff.status.in_(OPEN))
        .order_by(Handoff.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def handoff_out(h: Handoff, with_messages: bool = False, after: int = 0) -> dict[str, Any]:
    out = {
        "id": h.id,
        "conversation_id": h.conversation_id,
        "channel": h.channel,
        "status": h.status.value,
        "context": h.context or {},
        "staff_id": h.staff_id,
        "staff_name": h.staff_name,
        "created_at": _iso(h.created_at),
        "taken_at": _iso(h.taken_at),
        "closed_at": _iso(h.closed_at),
    }
    if with_messages:
        out["messages"] = [message_out(m) for m in h.messages if m.id > after]
    return out


def message_out(m: HandoffMessage) -> dict[str, Any]:
    return {"id": m.id, "sender": m.sender, "text": m.text, "at": _iso(m.at)}


def enqueue(session: Session, body: HandoffIn) -> tuple[dict[str, Any], bool]:
    """Queue a conversation; a second request while it is queued or held updates its context."""
    context = _mask_deep(body.context)
    if len(str(context)) > MAX_CONTEXT_CHARS:
        context = {k: v for k, v in context.items() if k != "recent"}
    existing = _open_handoff(session, body.conversation_id)
    if existing is not None:
        existing.context = context
        session.commit()
        return handoff_out(existing), False
    h = Handoff(
        conversation_id=body.conversation_id,
        channel=body.channel,
        status=HandoffStatus.waiting,
        context=context,
        created_at=utcnow(),
    )
    session.add(h)
    session.commit()
    return handoff_out(h), True


def citizen_state(session: Session, conversation_id: str, after: int) -> dict[str, Any]:
    """What the citizen's chat page polls: the open handoff (if any) and the agent's messages after `after`;
    the last closed one too, so the page learns it was handed back."""
    h = _open_handoff(session, conversation_id)
    if h is None:
        h = session.execute(
            select(Handoff)
            .where(Handoff.conversation_id == conversation_id)
            .order_by(Handoff.id.desc())
            .limit(1)
        ).scalar_one_or_none()
    if h is None:
        return {"status": "none", "messages": []}
    messages = [message_out(m) for m in h.messages if m.id > after and m.sender != "citizen"]
    return {"id": h.id, "status": h.status.value, "staff_name": h.staff_name, "messages": messages}


def citizen_message(session: Session, conversation_id: str, text: str) -> dict[str, Any]:
    h = _open_handoff(session, conversation_id)
    if h is None or h.status is not HandoffStatus.taken:
        raise ApiError(409, "NOT_HELD", "人工客服尚未接入，您的消息将由智能助手回答。")
    m = HandoffMessage(handoff_id=h.id, sender="citizen", text=text, at=utcnow())
    session.add(m)
    session.commit()
    return message_out(m)


def queue(session: Session, staff: StaffPrincipal, status: str | None) -> dict[str, Any]:
    stmt = select(Handoff).order_by(Handoff.created_at, Handoff.id).limit(100)
    if status in ("waiting", "taken", "closed"):
        stmt = stmt.where(Handoff.status == HandoffStatus(status))
    else:
        stmt = stmt.where(Handoff.status.in_(OPEN))
    # polled every few seconds by each console: the queue (masked context) is not audited per poll;
    # opening a conversation's history is (detail)
    return {"handoffs": [handoff_out(h) for h in session.execute(stmt).scalars()]}


def _get(session: Session, handoff_id: int) -> Handoff:
    h = session.execute(
        select(Handoff).where(Handoff.id == handoff_id).options(selectinload(Handoff.messages))
    ).scalar_one_or_none()
    if h is None:
        raise ApiError(404, "HANDOFF_NOT_FOUND", "未找到该转人工会话。")
    return h


def _system(h: Handoff, text: str) -> None:
    h.messages.append(HandoffMessage(sender="system", text=text, at=utcnow()))


def detail(session: Session, staff: StaffPrincipal, handoff_id: int, after: int = 0) -> dict[str, Any]:
    h = _get(session, handoff_id)
    out = handoff_out(h, with_messages=True, after=after)
    if after == 0:
        audit_view(session, staff, "handoff", query=f"handoff_id={h.id}", result_count=1)
    return out


def take(session: Session, staff: StaffPrincipal, handoff_id: int) -> dict[str, Any]:
    h = _get(session, handoff_id)
    if h.status is HandoffStatus.closed:
        raise ApiError(409, "HANDOFF_CLOSED", "该会话已结束，无法接入。")
    if h.status is HandoffStatus.taken and h.staff_id != staff.staff_id:
        raise ApiError(409, "HANDOFF_TAKEN", f"该会话已由{h.staff_name}接入。")
    if h.status is HandoffStatus.waiting:
        h.status = HandoffStatus.taken
        h.staff_id, h.staff_name, h.taken_at = staff.staff_id, staff.name[:64], utcnow()
        _system(h, f"人工客服{staff.name}已接入，正在为您服务。")
        session.commit()
    return handoff_out(h, with_messages=True)


def _held(session: Session, staff: StaffPrincipal, handoff_id: int) -> Handoff:
    h = _get(session, handoff_id)
    if h.status is not HandoffStatus.taken or h.staff_id != staff.staff_id:
        raise ApiError(409, "NOT_HELD", "请先接入该会话。")
    return h


def agent_message(session: Session, staff: StaffPrincipal, handoff_id: int, text: str) -> dict[str, Any]:
    h = _held(session, staff, handoff_id)
    m = HandoffMessage(sender="agent", staff_id=staff.staff_id, text=text, at=utcnow())
    h.messages.append(m)
    session.commit()
    return message_out(m)


def release(session: Session, staff: StaffPrincipal, handoff_id: int) -> dict[str, Any]:
    """Hand the conversation back to the assistant."""
    h = _held(session, staff, handoff_id)
    h.status, h.closed_at = HandoffStatus.closed, utcnow()
    _system(h, "人工客服已结束服务，接下来由智能助手继续为您解答。")
    session.commit()
    return handoff_out(h, with_messages=True)


# ---------------------------------------------------------------- caller's cases


def caller_lookup(runtime: Runtime, staff: StaffPrincipal, body: CallerLookupIn) -> dict[str, Any]:
    """The citizen lookup (same limits, counted per agent), plus a staff view audit row."""
    result = lookup_service.lookup(
        runtime, LookupRequest(id_number=body.id_number, phone_last4=body.phone_last4), f"staff:{staff.staff_id}"
    )
    with runtime.sessions() as session:
        audit_view(session, staff, "lookup", result_count=len(result["cases"]))
    return result


def open_case(session: Session, runtime: Runtime, staff: StaffPrincipal, case_number: str, reason: str) -> dict[str, Any]:
    """A case in full for the agent: masked form and history, plus the applicant's full name
    (to address the caller). Never the full ID number, phone or bank card. A reveal audit row."""
    case = get_case(session, case_number)
    audit = RevealAudit(case_id=case.id, staff_id=staff.staff_id, staff_name=staff.name[:64], reason=reason, at=utcnow())
    session.add(audit)
    session.commit()
    body = views.staff_detail(case, runtime.cipher)
    body["applicant"]["name"] = open_personal(runtime.cipher, case.personal_data_enc).name
    body.update(
        submitted_by=({"staff_id": case.submitted_by_staff_id, "name": case.submitted_by_name}
                      if case.submitted_by_staff_id else None),
        opened_at=_iso(audit.at),
        audit_id=audit.id,
    )
    return body
