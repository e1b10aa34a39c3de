"""Progress lookup for applicants (called by the action server)."""
from __future__ import annotations

from fastapi import APIRouter

from backend.app.api.deps import ClientKeyDep, RuntimeDep, ServiceDep
from backend.app.core.errors import error_responses
from backend.app.lookup import service
from backend.app.lookup.schemas import LookupRequest, LookupResponse

router = APIRouter(tags=["lookup"])


@router.post(
    "/lookup",
    response_model=LookupResponse,
    summary="凭身份证号码和手机号后4位查询办理进度",
    description=(
        "用 POST 以免身份证号码出现在网址和日志中。返回该身份证号码下手机号后4位一致的全部案件（已脱敏），"
        "含各事项状态、预计办结日期、退回原因与需补正内容、办理时间线（不含工作人员编号）。\n\n"
        "没有案件与手机号后4位不符时，结果同为 `{\"cases\": []}`。"
        "同一身份证号码15分钟内失败5次、或同一客户端失败10次 → 429 `LOOKUP_LOCKED`；"
        "同一客户端每分钟超过30次 → 429 `RATE_LIMITED`。客户端以 `X-Client-Id` 请求头区分，缺省为来源IP。"
    ),
    responses=error_responses(401, 422, 429),
)
def lookup(body: LookupRequest, runtime: RuntimeDep, _service: ServiceDep, client: ClientKeyDep):
    return service.lookup(runtime, body, client)
