"""Staff endpoints: case workers (worker) and 12333 hotline agents (agent, read-only)."""
from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query

from backend.app import catalog
from backend.app.api.deps import RuntimeDep, SessionDep, StaffDep, WorkerDep
from backend.app.case.enums import CaseStatus
from backend.app.core.errors import ApiError, error_responses
from backend.app.fields import CASE_NUMBER_PATTERN, ID_PATTERN
from backend.app.staff import service
from backend.app.staff.schemas import (
    RevealRequest,
    RevealResponse,
    StaffCaseDetail,
    StaffCaseList,
    StaffCatalog,
    TransitionRequest,
)

router = APIRouter(prefix="/staff", tags=["staff"])

CaseNumber = Annotated[str, Path(pattern=CASE_NUMBER_PATTERN, description="案件编号，如 SY20261122-7K3F9Q")]


@router.get(
    "/catalog",
    response_model=StaffCatalog,
    summary="“一件事”及其事项（工作台的筛选项）",
    responses=error_responses(401),
)
def staff_catalog(_staff: StaffDep):
    return {
        "bundles": [
            {
                "id": bundle_id,
                "name": catalog.bundle_name(bundle_id),
                "items": [{"id": i, "name": catalog.item_name(i)} for i in catalog.bundle_item_ids(bundle_id)],
            }
            for bundle_id in catalog.bundle_ids()
        ]
    }


@router.get(
    "/cases",
    response_model=StaffCaseList,
    summary="案件列表（可筛选、分页，记入审计）",
    responses=error_responses(401, 422),
)
def list_cases(
    session: SessionDep,
    staff: StaffDep,
    status: Annotated[
        str | None, Query(description="待办 / 办理中 / 已办结 / 已退回（或 pending 等代码）", max_length=20)
    ] = None,
    bundle_id: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
    item_id: Annotated[str | None, Query(pattern=ID_PATTERN, description="包含该事项的案件")] = None,
    submitted_from: Annotated[date | None, Query(description="提交日期起（含，北京时间）")] = None,
    submitted_to: Annotated[date | None, Query(description="提交日期止（含，北京时间）")] = None,
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
):
    parsed_status = None
    if status:
        try:
            parsed_status = CaseStatus.parse(status)
        except ValueError:
            raise ApiError(
                422,
                "VALIDATION_ERROR",
                "筛选条件有误。",
                {"query.status": "状态应为 待办 / 办理中 / 已办结 / 已退回 之一。"},
            ) from None
    return service.list_cases(
        session,
        service.CaseFilter(
            status=parsed_status,
            bundle_id=bundle_id,
            item_id=item_id,
            submitted_from=submitted_from,
            submitted_to=submitted_to,
            page=page,
            page_size=page_size,
        ),
        staff,
    )


@router.get(
    "/cases/{case_number}",
    response_model=StaffCaseDetail,
    summary="案件详情（个人信息已脱敏，由身份证号码推得的出生日期、性别、户籍信息不显示；记入审计）",
    responses=error_responses(401, 404),
)
def get_case(case_number: CaseNumber, session: SessionDep, runtime: RuntimeDep, staff: StaffDep):
    return service.view_case(session, runtime.cipher, case_number, staff)


@router.post(
    "/cases/{case_number}/reveal",
    response_model=RevealResponse,
    summary="查看完整个人信息（仅办事员，记入审计）",
    responses=error_responses(401, 403, 404, 422),
)
def reveal(
    case_number: CaseNumber,
    body: RevealRequest,
    session: SessionDep,
    runtime: RuntimeDep,
    staff: WorkerDep,
):
    return service.reveal(session, runtime.cipher, case_number, staff, body.reason)


@router.post(
    "/cases/{case_number}/transitions",
    response_model=StaffCaseDetail,
    summary="变更案件或事项状态（仅办事员）",
    description=(
        "案件与事项状态机：待办 → 办理中 → 已办结；待办/办理中 → 已退回（必须填写 reason 和 resubmit）；"
        "已退回 → 待办 只能由申请人重新提交产生。不填 item_id 变更整个案件（联动各事项），"
        "填 item_id 只变更该事项（案件状态随之联动）。不合法的变更 → 409 `ILLEGAL_TRANSITION`。"
    ),
    responses=error_responses(401, 403, 404, 409, 422),
)
def transition(
    case_number: CaseNumber,
    body: TransitionRequest,
    session: SessionDep,
    runtime: RuntimeDep,
    staff: WorkerDep,
):
    return service.transition(session, runtime.cipher, case_number, staff, body)
