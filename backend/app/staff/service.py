"""Staff operations: list and view cases (masked), reveal (audited), transitions."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from backend.app import catalog
from backend.app.case import transitions, views
from backend.app.case.enums import ActorType, CaseStatus
from backend.app.case.models import Case, CaseItem
from backend.app.case.service import load_case
from backend.app.core.crypto import Cipher
from backend.app.core.errors import ApiError
from backend.app.core.timeutil import CHINA_TZ, to_local, utcnow
from backend.app.staff.models import RevealAudit, StaffRole, StaffViewAudit
from backend.app.staff.schemas import TransitionRequest
from backend.app.staff.tokens import StaffPrincipal


@dataclass(frozen=True)
class CaseFilter:
    status: CaseStatus | None = None
    bundle_id: str | None = None
    item_id: str | None = None
    submitted_from: date | None = None
    submitted_to: date | None = None
    page: int = 1
    page_size: int = 20


def _local_midnight_utc(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=CHINA_TZ)


def audit_view(
    session: Session,
    staff: StaffPrincipal,
    action: str,
    *,
    case_id: int | None = None,
    query: str | None = None,
    result_count: int = 0,
) -> None:
    """Record a staff view in its own commit (the view is answered only once recorded)."""
    session.add(
        StaffViewAudit(
            staff_id=staff.staff_id,
            staff_name=staff.name[:64],
            role=staff.role.value,
            action=action,
            case_id=case_id,
            query=query,
            result_count=result_count,
            at=utcnow(),
        )
    )
    session.commit()


def _describe_filter(f: CaseFilter) -> str:
    parts = {
        "status": f.status.name if f.status else None,
        "bundle_id": f.bundle_id,
        "item_id": f.item_id,
        "submitted_from": f.submitted_from.isoformat() if f.submitted_from else None,
        "submitted_to": f.submitted_to.isoformat() if f.submitted_to else None,
        "page": f.page,
        "page_size": f.page_size,
    }
    return "&".join(f"{k}={v}" for k, v in parts.items() if v is not None)


def list_cases(session: Session, f: CaseFilter, staff: StaffPrincipal) -> dict[str, Any]:
    conditions = []
    if f.status is not None:
        conditions.append(Case.status == f.status)
    if f.bundle_id:
        conditions.append(Case.bundle_id == f.bundle_id)
    if f.item_id:
        conditions.append(
            exists().where(CaseItem.case_id == Case.id, CaseItem.item_id == f.item_id)
        )
    if f.submitted_from:
        conditions.append(Case.submitted_at >= _local_midnight_utc(f.submitted_from))
    if f.submitted_to:
        conditions.append(Case.submitted_at < _local_midnight_utc(f.submitted_to + timedelta(days=1)))
    total = session.execute(select(func.count()).select_from(Case).where(*conditions)).scalar_one()
    rows = session.execute(
        select(Case)
        .where(*conditions)
        .options(selectinload(Case.items))
        .order_by(Case.submitted_at.desc(), Case.id.desc())
        .offset((f.page - 1) * f.page_size)
        .limit(f.page_size)
    ).scalars()
    cases = [views.staff_summary(c) for c in rows]
    audit_view(session, staff, "list", query=_describe_filter(f), result_count=len(cases))
    return {
        "total": int(total),
        "page": f.page,
        "page_size": f.page_size,
        "cases": cases,
    }


def view_case(session: Session, cipher: Cipher, case_number: str, staff: StaffPrincipal) -> dict[str, Any]:
    case = get_case(session, case_number)
    body = views.staff_detail(case, cipher)
    audit_view(session, staff, "detail", case_id=case.id, result_count=1)
    return body


def case_not_found() -> ApiError:
    return ApiError(404, "CASE_NOT_FOUND", "未找到该案件，请核对案件编号。")


def get_case(session: Session, case_number: str, *, for_update: bool = False) -> Case:
    case = load_case(session, case_number, for_update=for_update)
    if case is None:
        raise case_not_found()
    return case


def reveal(session: Session, cipher: Cipher, case_number: str, staff: StaffPrincipal, reason: str) -> dict[str, Any]:
    case = get_case(session, case_number)
    audit = RevealAudit(
        case_id=case.id, staff_id=staff.staff_id, staff_name=staff.name, reason=reason, at=utcnow()
    )
    session.add(audit)
    session.commit()
    body = views.revealed(case, cipher)
    body.update(revealed_at=to_local(audit.at).isoformat(), audit_id=audit.id)
    return body


def transition(
    session: Session, cipher: Cipher, case_number: str, staff: StaffPrincipal, req: TransitionRequest
) -> dict[str, Any]:
    if req.to_status is CaseStatus.returned:
        missing = {}
        if not req.reason:
            missing["reason"] = "退回时必须填写退回原因。"
        if not req.resubmit:
            missing["resubmit"] = "退回时必须列出需要申请人补正的材料或信息。"
        if missing:
            raise ApiError(422, "VALIDATION_ERROR", "退回案件需要填写原因和需补正的内容。", missing)
    case = get_case(session, case_number, for_update=True)
    actor = transitions.Actor(
        ActorType.worker if staff.role is StaffRole.worker else ActorType.agent, staff.staff_id
    )
    try:
        if req.item_id:
            if case.item(req.item_id) is None:
                raise ApiError(
                    422,
                    "ITEM_NOT_IN_CASE",
                    "该案件不包含这个事项。",
                    {"item_id": f"本案件不包含“{catalog.item_name(req.item_id)}”。"},
                )
            transitions.transition_item(case, req.item_id, req.to_status, actor, req.reason, req.resubmit)
        else:
            transitions.transition_case(case, req.to_status, actor, req.reason, req.resubmit)
    except transitions.IllegalTransition as exc:
        session.rollback()
        raise ApiError(409, "ILLEGAL_TRANSITION", exc.message) from None
    try:
        session.commit()
    except StaleDataError:
        session.rollback()
        raise ApiError(409, "CONCURRENT_UPDATE", "案件刚刚被其他工作人员更新，请刷新后重试。") from None
    return views.staff_detail(case, cipher)
