"""Submission and resubmission of cases.

Idempotency: `cases.idempotency_key` is unique. A request whose key is
already stored is replayed when its body hash matches (the stored 201 body is
returned verbatim) and refused with IDEMPOTENCY_KEY_REUSED otherwise. Two
concurrent first requests race on the unique constraint: the loser's INSERT
fails, it rolls back and replays the winner's case. A collision of random case
numbers is also an IntegrityError; it is retried with a new number.
"""
from __future__ import annotations

import hmac
import json
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from backend.app import catalog
from backend.app.case import form as case_form
from backend.app.case import transitions, views
from backend.app.case.enums import ActorType, CaseStatus
from backend.app.case.models import Case, CaseItem
from backend.app.case.numbers import new_case_number, normalize_case_number
from backend.app.case.personal import (
    Personal,
    factor_hash,
    id_number_hash,
    open_form,
    seal_form,
    seal_personal,
)
from backend.app.case.schemas import CaseCreate, ResubmitRequest
from backend.app.core.errors import ApiError
from backend.app.core.runtime import Runtime
from backend.app.core.timeutil import to_local, utcnow
from knowledge.personal_data import mask_name, mask_text

logger = logging.getLogger("backend.case")

MAX_NUMBER_ATTEMPTS = 8
APPLICANT = transitions.Actor(ActorType.applicant, None)


@dataclass(frozen=True)
class SubmitResult:
    body: dict[str, Any]
    replayed: bool


def request_hash(runtime: Runtime, body: CaseCreate) -> str:
    canonical = json.dumps(body.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return runtime.hasher.hexdigest("request", canonical)


def _replay(existing: Case, body_hash: str) -> SubmitResult:
    if existing.request_hash != body_hash:
        raise ApiError(
            422,
            "IDEMPOTENCY_KEY_REUSED",
            "该幂等键已用于另一份内容不同的申请，请为新的申请使用新的 Idempotency-Key。",
        )
    return SubmitResult(json.loads(existing.create_response), replayed=True)


def _by_key(session: Session, key: str) -> Case | None:
    return session.execute(select(Case).where(Case.idempotency_key == key)).scalar_one_or_none()


def _check_selection(body: CaseCreate) -> list[catalog.ExpandedItem]:
    try:
        catalog.require_bundle(body.bundle_id)
    except catalog.UnknownBundle:
        raise ApiError(
            422,
            "UNKNOWN_BUNDLE",
            "不支持该“一件事”，请从失业、人才服务、劳动维权中选择。",
            {"bundle_id": "不支持该“一件事”。"},
        ) from None
    selected = list(dict.fromkeys(body.item_ids))
    unknown, foreign = {}, {}
    for index, item_id in enumerate(body.item_ids):
        try:
            owner = catalog.item_bundle_id(item_id)
        except catalog.UnknownItem:
            unknown[f"item_ids.{index}"] = "没有这个事项。"
            continue
        if owner != body.bundle_id:
            foreign[f"item_ids.{index}"] = (
                f"“{catalog.item_name(item_id)}”不属于{catalog.bundle_name(body.bundle_id)}。"
            )
    if unknown:
        raise ApiError(422, "UNKNOWN_ITEM", "所选事项中有系统不认识的事项，请重新选择。", unknown)
    if foreign:
        raise ApiError(
            422,
            "ITEM_NOT_IN_BUNDLE",
            f"所选事项不属于{catalog.bundle_name(body.bundle_id)}，请重新选择。",
            foreign,
        )
    expanded = catalog.expand_selection(selected)
    stray = [e.item_id for e in expanded if catalog.item_bundle_id(e.item_id) != body.bundle_id]
    if stray:  # a linked item outside the bundle would be a KB inconsistency
        raise RuntimeError(f"linked items outside bundle {body.bundle_id}: {stray}")
    return expanded


def _build_case(
    runtime: Runtime,
    body: CaseCreate,
    key: str,
    body_hash: str,
    expanded: list[catalog.ExpandedItem],
    form: dict[str, Any],
) -> tuple[Case, dict[str, Any]]:
    now = utcnow()
    submitted_on = to_local(now).date()
    person = Personal(body.applicant.name, body.applicant.id_number, body.applicant.phone)
    case = Case(
        case_number=new_case_number(body.bundle_id, submitted_on),
        bundle_id=body.bundle_id,
        channel=body.channel,
        status=CaseStatus.pending,
        applicant_name_masked=mask_name(person.name),
        personal_data_enc=seal_personal(runtime.cipher, person),
        form_data_enc=seal_form(runtime.cipher, form),
        id_number_hash=id_number_hash(runtime.hasher, person.id_number),
        phone_last4_hash=factor_hash(runtime.hasher, person.id_number, person.phone[-4:]),
        idempotency_key=key,
        request_hash=body_hash,
        create_response="",
        submitted_at=now,
        updated_at=now,
        submitted_by_staff_id=body.agent.staff_id if body.agent else None,
        submitted_by_name=body.agent.name if body.agent else None,
    )
    for position, entry in enumerate(expanded):
        deadline = catalog.expected_completion(entry.item_id, submitted_on)
        case.items.append(
            CaseItem(
                position=position,
                item_id=entry.item_id,
                status=CaseStatus.pending,
                expected_completion=deadline.date,
                expected_estimated=deadline.estimated,
                deadline_text=deadline.text,
                note=deadline.note,
                added_by=entry.added_by,
                added_reason=entry.reason,
                updated_at=now,
            )
        )
    transitions.record_creation(
        case, transitions.Actor(ActorType.agent, body.agent.staff_id) if body.agent else APPLICANT
    )
    return case, _created_body(case)


def _created_body(case: Case) -> dict[str, Any]:
    added = [i for i in case.items if i.added_by]
    return {
        "case_number": case.case_number,
        **views.status_fields(case.status),
        "bundle": views.bundle_out(case.bundle_id),
        "channel": case.channel.value,
        "submitted_at": to_local(case.submitted_at).isoformat(),
        "items": [views.item_out(i) for i in case.items],
        "added_items": [
            {
                "item_id": i.item_id,
                "name": catalog.item_name(i.item_id),
                "added_by": i.added_by,
                "reason": i.added_reason,
            }
            for i in added
        ],
        "lookup_hint": (
            f"您的案件编号为 {case.case_number}，请妥善保存。"
            "之后可凭身份证号码和本次预留手机号的后4位查询办理进度。"
        ),
    }


def submit_case(runtime: Runtime, body: CaseCreate, key: str) -> SubmitResult:
    body_hash = request_hash(runtime, body)
    with runtime.sessions() as session:
        existing = _by_key(session, key)
        if existing is not None:
            return _replay(existing, body_hash)

    expanded = _check_selection(body)
    item_ids = [e.item_id for e in expanded]
    form, errors = case_form.validate_form(item_ids, body.form)
    if errors:
        raise ApiError(422, "VALIDATION_ERROR", "申请表填写有误，请按提示修改后重新提交。", errors)

    for _attempt in range(MAX_NUMBER_ATTEMPTS):
        case, created = _build_case(runtime, body, key, body_hash, expanded, form)
        case.create_response = json.dumps(created, ensure_ascii=False)
        with runtime.sessions() as session:
            session.add(case)
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
                existing = _by_key(session, key)
                if existing is not None:  # a concurrent request with the same key won
                    return _replay(existing, body_hash)
                logger.warning("case number collision, retrying")
                continue
        logger.info("case %s created with %d items", case.case_number, len(case.items))
        return SubmitResult(created, replayed=False)
    raise RuntimeError("could not allocate a unique case number")


def load_case(session: Session, case_number: str, *, for_update: bool = False) -> Case | None:
    stmt = (
        select(Case)
        .where(Case.case_number == normalize_case_number(case_number))
        .options(selectinload(Case.items), selectinload(Case.events))
    )
    if for_update and session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=Case)
    return session.execute(stmt).scalar_one_or_none()


def _not_found_for_applicant() -> ApiError:
    return ApiError(
        404,
        "CASE_NOT_FOUND",
        "未找到符合条件的案件，请核对案件编号、身份证号码和手机号后4位。",
    )


def resubmit_case(
    runtime: Runtime, session: Session, case_number: str, body: ResubmitRequest
) -> dict[str, Any]:
    """Verify the applicant's factors, apply form corrections and put the case back to 待办.

    Returns the response body, or raises CASE_NOT_FOUND (the same for a wrong
    factor and for an unknown case number), ILLEGAL_TRANSITION, VALIDATION_ERROR.
    """
    case = load_case(session, case_number, for_update=True)
    expected = factor_hash(runtime.hasher, body.id_number, body.phone_last4)
    if case is None or not _same(case.phone_last4_hash, expected) or not _same(
        case.id_number_hash, id_number_hash(runtime.hasher, body.id_number)
    ):
        raise _not_found_for_applicant()
    if case.status is not CaseStatus.returned:
        raise ApiError(
            409,
            "ILLEGAL_TRANSITION",
            f"案件当前为“{case.status.value}”，只有“已退回”的案件才需要补正后重新提交。",
        )
    if body.form:
        item_ids = [i.item_id for i in case.items]
        updates, errors = case_form.validate_form(item_ids, body.form, partial=True)
        if errors:
            raise ApiError(422, "VALIDATION_ERROR", "申请表填写有误，请按提示修改后重新提交。", errors)
        merged = {**open_form(runtime.cipher, case.form_data_enc), **updates}
        _, missing = case_form.validate_form(item_ids, merged)
        if missing:
            raise ApiError(422, "VALIDATION_ERROR", "申请表填写有误，请按提示修改后重新提交。", missing)
        case.form_data_enc = seal_form(runtime.cipher, merged)
    note = mask_text(body.materials_note.strip()) if body.materials_note else None
    transitions.resubmit(case, APPLICANT, note or "申请人已补正并重新提交")
    session.commit()
    return {
        "case_number": case.case_number,
        **views.status_fields(case.status),
        "resubmitted_at": to_local(case.updated_at).isoformat(),
        "items": [views.item_out(i) for i in case.items],
        "message": f"已重新提交，案件编号 {case.case_number} 不变，工作人员将尽快重新审核。",
    }


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
