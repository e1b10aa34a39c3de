"""Materials of a case: the checklist with what is in, uploads, deletions, views.

The checklist is knowledge/'s merged checklist of the case's items (a material
shared by several items once). A material is

* ``in`` - at least one file is there (for a returned case named in the return's
  resubmit list: a file uploaded after the return),
* ``resubmit`` - named in the last return's resubmit list and not uploaded since,
* ``missing`` - no file yet.

Every upload (a repeated one too), view and deletion is a `MaterialEvent`.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from backend.app import catalog
from backend.app.case import transitions, views
from backend.app.case.enums import ActorType, CaseStatus
from backend.app.case.models import Case
from backend.app.case.service import load_case
from backend.app.core.errors import ApiError
from backend.app.core.runtime import Runtime
from backend.app.core.timeutil import to_local, utcnow
from backend.app.materials import inspect, tokens
from backend.app.materials.blobs import BlobStore
from backend.app.materials.models import MaterialEvent, MaterialFile
from backend.app.staff.service import audit_view
from backend.app.staff.tokens import StaffPrincipal

logger = logging.getLogger("backend.materials")
APPLICANT = transitions.Actor(ActorType.applicant, None)


@lru_cache(maxsize=8)
def _store(root: str, key: str) -> BlobStore:
    return BlobStore(root, key)


def blob_store(runtime: Runtime) -> BlobStore:
    return _store(str(runtime.settings.MATERIALS_DIR), runtime.settings.data_encryption_key)


def refused(exc: inspect.Refused) -> ApiError:
    return ApiError(exc.status, exc.code, exc.message)


def too_large(max_bytes: int) -> ApiError:
    mb = max_bytes / (1024 * 1024)
    size = f"{mb:.0f}" if mb >= 1 and mb == int(mb) else f"{mb:.1f}"
    return ApiError(
        413,
        "MATERIAL_TOO_LARGE",
        f"文件超过 {size} MB，无法上传。请压缩后再试，或用手机重新拍一张清晰度适中的照片。",
    )


def case_closed(case: Case) -> ApiError:
    return ApiError(
        409,
        "CASE_CLOSED",
        f"案件当前为“{case.status.value}”，已不能再上传或删除材料。如需补充材料，请拨打12333或联系办理机构。",
    )


def not_in_case() -> ApiError:
    return ApiError(
        422,
        "MATERIAL_NOT_IN_CASE",
        "这项材料不属于本案件所办事项的材料清单，请按清单中的材料上传。",
    )


# ---------------------------------------------------------------- checklist


def live_files(session: Session, case: Case) -> list[MaterialFile]:
    return list(
        session.execute(
            select(MaterialFile)
            .where(MaterialFile.case_id == case.id, MaterialFile.deleted_at.is_(None))
            .order_by(MaterialFile.id)
        ).scalars()
    )


def _last_return(case: Case) -> tuple[datetime | None, list[str]]:
    info = views.return_info(case)
    if info is None:
        return None, []
    at = max((e.at for e in case.events if e.to_status is CaseStatus.returned), default=None)
    return at, list(info["resubmit"])


def _wanted(entries: list[catalog.MaterialEntry], wanted: list[str]) -> dict[str, set[str]]:
    """material id -> the resubmit entries naming it: the display text exactly, else the name exactly
    (a name shared by several materials names them all)."""
    out: dict[str, set[str]] = {}
    for raw in wanted:
        text = raw.strip()
        hits = [e for e in entries if e.display == text] or [e for e in entries if e.name == text]
        for e in hits:
            out.setdefault(e.id, set()).add(raw)
    return out


def file_out(f: MaterialFile, case: Case | None = None) -> dict[str, Any]:
    out = {
        "file_id": f.id,
        "item_id": f.item_id,
        "media_type": f.media_type,
        "size": f.size,
        "uploaded_at": to_local(f.uploaded_at).isoformat(),
    }
    if case is not None:
        out["url"] = f"/api/v1/staff/cases/{case.case_number}/materials/{f.id}/content"
    return out


def checklist(session: Session, case: Case, *, staff: bool = False) -> dict[str, Any]:
    item_ids = [i.item_id for i in case.items]
    files = live_files(session, case)
    returned_at, wanted = _last_return(case)
    entries = catalog.materials_checklist(item_ids)
    named_by = _wanted(entries, wanted) if returned_at is not None else {}
    matched = set().union(*named_by.values()) if named_by else set()
    materials = []
    for entry in entries:
        mine = [f for f in files if f.material_id == entry.id]
        if entry.id in named_by:
            fresh = [f for f in mine if f.uploaded_at > returned_at]
            state = "in" if fresh else "resubmit"
        else:
            state = "in" if mine else "missing"
        materials.append(
            {
                "material_id": entry.id,
                "name": entry.name,
                "display": entry.display,
                "condition": entry.condition,
                "required": entry.condition is None,
                "needed_by": [{"item_id": i, "name": catalog.item_name(i)} for i in entry.needed_by],
                "state": state,
                "files": [file_out(f, case if staff else None) for f in mine],
            }
        )
    to_resubmit = [m for m in materials if m["state"] == "resubmit"]
    return {
        **views.case_header(case),
        "materials": materials,
        # resubmit entries that are no file of the checklist (e.g. a corrected bank card number)
        "other_resubmit": [t for t in wanted if t not in matched],
        "return_reason": views.return_info(case)["reason"] if returned_at is not None else None,
        "complete": all(m["state"] == "in" for m in materials if m["required"]),
        "can_resubmit": case.status is CaseStatus.returned and not to_resubmit,
        "open": tokens.is_open(case),
    }


# ---------------------------------------------------------------- events


def _event(session: Session, case: Case, action: str, actor_type: str, actor_id: str | None = None,
           file: MaterialFile | None = None, material_id: str | None = None, item_id: str | None = None) -> None:
    session.add(
        MaterialEvent(
            case_id=case.id,
            file_id=file.id if file else None,
            material_id=file.material_id if file else material_id,
            item_id=file.item_id if file else item_id,
            action=action,
            actor_type=actor_type,
            actor_id=actor_id,
            at=utcnow(),
        )
    )


def events_out(session: Session, case: Case) -> list[dict[str, Any]]:
    rows = session.execute(
        select(MaterialEvent).where(MaterialEvent.case_id == case.id).order_by(MaterialEvent.id)
    ).scalars()
    return [
        {
            "at": to_local(e.at).isoformat(),
            "action": e.action,
            "material_id": e.material_id,
            "item_id": e.item_id,
            "file_id": e.file_id,
            "actor_type": e.actor_type,
            "actor_id": e.actor_id,
        }
        for e in rows
    ]


# ---------------------------------------------------------------- citizen


@dataclass(frozen=True)
class UploadResult:
    body: dict[str, Any]
    created: bool


def _entry(case: Case, material_id: str) -> catalog.MaterialEntry:
    for entry in catalog.materials_checklist([i.item_id for i in case.items]):
        if entry.id == material_id:
            return entry
    raise not_in_case()


def upload(runtime: Runtime, token: str | None, material_id: str, data: bytes, item_id: str | None) -> UploadResult:
    with runtime.sessions() as session:
        case = tokens.case_for(session, token)
        if not tokens.is_open(case):
            raise case_closed(case)
        entry = _entry(case, material_id)
        if item_id is not None and item_id not in entry.needed_by:
            raise not_in_case()
        item = item_id or entry.needed_by[0]
        try:
            accepted = inspect.accept(data)
        except inspect.Refused as exc:
            raise refused(exc) from None
        store = blob_store(runtime)
        name = store.name_for(case.case_number, accepted.content)
        existing = session.execute(
            select(MaterialFile).where(
                MaterialFile.case_id == case.id,
                MaterialFile.material_id == material_id,
                MaterialFile.blob_name == name,
            )
        ).scalar_one_or_none()
        store.put(name, accepted.content)
        created = True
        if existing is not None and existing.deleted_at is None:
            created = False
            _event(session, case, "duplicate", ActorType.applicant.value, file=existing)
            row = existing
        elif existing is not None:  # given again after a deletion
            existing.deleted_at = None
            existing.uploaded_at = utcnow()
            row = existing
        else:
            row = MaterialFile(
                case_id=case.id, item_id=item, material_id=material_id, blob_name=name,
                media_type=accepted.media_type, size=len(accepted.content), uploaded_at=utcnow(),
            )
            session.add(row)
        try:
            session.flush()
            if created:
                _event(session, case, "uploaded", ActorType.applicant.value, file=row)
            session.commit()
        except IntegrityError:  # the same file given twice at the same moment
            session.rollback()
            row = session.execute(
                select(MaterialFile).where(
                    MaterialFile.case_id == case.id,
                    MaterialFile.material_id == material_id,
                    MaterialFile.blob_name == name,
                )
            ).scalar_one()
            _event(session, case, "duplicate", ActorType.applicant.value, file=row)
            session.commit()
            created = False
        logger.info("material %s of case %s %s", material_id, case.case_number, "stored" if created else "already there")
        return UploadResult({**file_out(row), "material_id": material_id, "duplicate": not created}, created)


def delete_file(runtime: Runtime, token: str | None, file_id: int) -> None:
    with runtime.sessions() as session:
        case = tokens.case_for(session, token)
        if not tokens.is_open(case):
            raise case_closed(case)
        row = session.get(MaterialFile, file_id)
        if row is None or row.case_id != case.id or row.deleted_at is not None:
            raise ApiError(404, "MATERIAL_FILE_NOT_FOUND", "没有找到这个文件，可能已经删除。")
        row.deleted_at = utcnow()
        _event(session, case, "deleted", ActorType.applicant.value, file=row)
        session.flush()
        still_used = session.execute(
            select(MaterialFile.id).where(MaterialFile.blob_name == row.blob_name, MaterialFile.deleted_at.is_(None))
        ).first()
        session.commit()
        if still_used is None:
            blob_store(runtime).delete(row.blob_name)


def citizen_checklist(runtime: Runtime, token: str | None) -> dict[str, Any]:
    with runtime.sessions() as session:
        case = tokens.case_for(session, token)
        case = load_case(session, case.case_number)
        return checklist(session, case)


def citizen_resubmit(runtime: Runtime, token: str | None) -> dict[str, Any]:
    with runtime.sessions() as session:
        case = tokens.case_for(session, token)
        case = load_case(session, case.case_number, for_update=True)
        if case.status is not CaseStatus.returned:
            raise ApiError(
                409, "ILLEGAL_TRANSITION",
                f"案件当前为“{case.status.value}”，只有“已退回”的案件才需要补正后重新提交。",
            )
        current = checklist(session, case)
        pending = [m["name"] for m in current["materials"] if m["state"] == "resubmit"]
        if pending:
            raise ApiError(
                422, "MATERIALS_MISSING",
                "还有需要补正的材料没有上传：" + "、".join(pending) + "。请上传后再提交。",
            )
        names = [m["name"] for m in current["materials"] if m["state"] == "in"]
        transitions.resubmit(case, APPLICANT, "申请人已上传补正材料" + ("：" + "、".join(names) if names else ""))
        _event(session, case, "resubmitted", ActorType.applicant.value)
        try:
            session.commit()
        except StaleDataError:  # a worker changed the case at the same moment
            session.rollback()
            raise ApiError(409, "CONCURRENT_UPDATE", "案件刚刚有了新的变化，请刷新后再提交。") from None
        return {
            **checklist(session, case),
            "message": f"补正材料已提交，案件编号 {case.case_number} 不变，工作人员将尽快重新审核。",
        }


# ---------------------------------------------------------------- staff


def _staff_case(session: Session, case_number: str) -> Case:
    case = load_case(session, case_number)
    if case is None:
        raise ApiError(404, "CASE_NOT_FOUND", "没有这个案件编号，请核对后重试。")
    return case


def staff_materials(runtime: Runtime, case_number: str, staff: StaffPrincipal) -> dict[str, Any]:
    with runtime.sessions() as session:
        case = _staff_case(session, case_number)
        body = {**checklist(session, case, staff=True), "events": events_out(session, case)}
        audit_view(session, staff, "materials", case_id=case.id, result_count=len(body["materials"]))
        return body


def staff_file(runtime: Runtime, case_number: str, file_id: int, staff: StaffPrincipal) -> tuple[str, bytes]:
    with runtime.sessions() as session:
        case = _staff_case(session, case_number)
        row = session.get(MaterialFile, file_id)
        if row is None or row.case_id != case.id or row.deleted_at is not None:
            raise ApiError(404, "MATERIAL_FILE_NOT_FOUND", "没有找到这个文件，可能已被申请人删除。")
        content = blob_store(runtime).get(row.blob_name)
        _event(session, case, "viewed", staff.role.value, staff.staff_id, file=row)
        audit_view(session, staff, "material_file", case_id=case.id, query=f"file {row.id}", result_count=1)
        return row.media_type, content


def issue_for_submission(runtime: Runtime, case_number: str, idempotency_key: str) -> dict[str, Any]:
    import hmac

    with runtime.sessions() as session:
        case = load_case(session, case_number)
        if case is None or not hmac.compare_digest(case.idempotency_key.encode(), idempotency_key.encode()):
            raise ApiError(404, "CASE_NOT_FOUND", "未找到符合条件的案件。")
        if not tokens.is_open(case):
            raise case_closed(case)
        token, expires = tokens.issue(session, case, "submission", runtime.settings.MATERIAL_UPLOAD_TOKEN_HOURS)
        session.commit()
        return {"case_number": case.case_number, "upload_token": token, "expires_at": to_local(expires).isoformat()}
