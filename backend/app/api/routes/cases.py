"""Case submission and resubmission (called by the action server)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Response, status

from backend.app.api.deps import ClientKeyDep, RuntimeDep, ServiceDep, SessionDep
from backend.app.case import service
from backend.app.case.personal import id_number_hash
from backend.app.case.schemas import CaseCreate, CaseCreated, ResubmitRequest, ResubmitResponse
from backend.app.core.errors import ApiError, error_responses
from backend.app.fields import CASE_NUMBER_PATTERN, TOKEN_PATTERN
from backend.app.lookup.service import LookupGuard

router = APIRouter(prefix="/cases", tags=["cases"])

CaseNumber = Annotated[str, Path(pattern=CASE_NUMBER_PATTERN, description="案件编号，如 SY20261122-7K3F9Q")]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=CaseCreated,
    summary="提交“一件事”申请",
    description=(
        "校验“一件事”与事项（事项须属于该“一件事”），按关联规则自动补充事项，校验身份证号码、"
        "手机号与申请表（银行卡号等），生成案件。\n\n"
        "幂等：相同 `Idempotency-Key` 且内容相同 → 返回同一案件（200，响应头 "
        "`Idempotent-Replayed: true`）；相同键但内容不同 → 422 `IDEMPOTENCY_KEY_REUSED`。"
    ),
    responses={
        200: {"description": "重复请求：返回首次提交的同一结果", "model": CaseCreated},
        **error_responses(400, 401, 422),
    },
)
def create_case(
    body: CaseCreate,
    response: Response,
    runtime: RuntimeDep,
    _service: ServiceDep,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            pattern=TOKEN_PATTERN,
            description="每次新申请使用新的唯一值（如 UUID）；重试时使用同一个值",
        ),
    ] = None,
):
    key = (idempotency_key or "").strip()
    if not key:
        raise ApiError(
            400,
            "IDEMPOTENCY_KEY_REQUIRED",
            "缺少 Idempotency-Key 请求头，请为每次申请生成唯一的幂等键。",
            {"header.idempotency-key": "此项为必填项。"},
        )
    result = service.submit_case(runtime, body, key)
    if result.replayed:
        response.status_code = status.HTTP_200_OK
        response.headers["Idempotent-Replayed"] = "true"
    return result.body


@router.post(
    "/{case_number}/resubmit",
    response_model=ResubmitResponse,
    summary="补正后重新提交已退回的案件",
    description=(
        "只适用于“已退回”的案件：核对身份证号码和手机号后4位，保存更正的申请表字段，案件回到“待办”，"
        "案件编号不变。核对不通过与案件不存在返回同样的 404；错误次数计入查询锁定。"
    ),
    responses=error_responses(401, 404, 409, 422, 429),
)
def resubmit_case(
    case_number: CaseNumber,
    body: ResubmitRequest,
    runtime: RuntimeDep,
    session: SessionDep,
    _service: ServiceDep,
    client: ClientKeyDep,
):
    guard = LookupGuard(runtime, client)
    guard.check_flood()
    id_hash = id_number_hash(runtime.hasher, body.id_number)
    attempt = guard.reserve(id_hash)
    try:
        result = service.resubmit_case(runtime, session, case_number, body)
    except ApiError as exc:
        if exc.code == "CASE_NOT_FOUND":
            attempt.failed("resubmit_failed")
        else:
            attempt.release()  # refused for another reason: not a wrong factor
        raise
    attempt.succeeded(1, "resubmitted")
    return result
