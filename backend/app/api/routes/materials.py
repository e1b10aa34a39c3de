"""Materials uploaded with an application: the citizen's upload routes (upload token),
the staff views (staff token) and the upload token of a fresh submission (service token)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from pydantic import Field

from backend.app.api.deps import RuntimeDep, ServiceDep, StaffDep, WorkerDep
from backend.app.core.errors import error_responses
from backend.app.fields import CASE_NUMBER_PATTERN, TOKEN_PATTERN, RequestModel
from backend.app.materials import service

MATERIAL_ID = r"^m-[0-9a-f]{12}$"
CaseNumber = Annotated[str, Path(pattern=CASE_NUMBER_PATTERN, description="案件编号")]
MaterialId = Annotated[str, Path(pattern=MATERIAL_ID, description="材料编号（knowledge/ 的 material_id）")]
FileId = Annotated[int, Path(ge=1, le=2**31 - 1)]
UploadToken = Annotated[
    str | None,
    Header(alias="X-Upload-Token", max_length=100, description="提交申请或查询进度后获得的上传凭证"),
]
UPLOAD_PREFIX = "/api/v1/uploads/materials/"
CHUNK = 64 * 1024

router = APIRouter(tags=["materials"])


class UploadTokenRequest(RequestModel):
    idempotency_key: str = Field(pattern=TOKEN_PATTERN, max_length=128, description="提交该案件时的 Idempotency-Key")


@router.post(
    "/cases/{case_number}/upload-token",
    summary="为刚提交的案件签发材料上传凭证（动作服务器调用）",
    responses=error_responses(401, 404, 409, 422),
)
def upload_token(case_number: CaseNumber, body: UploadTokenRequest, runtime: RuntimeDep, _service: ServiceDep):
    return service.issue_for_submission(runtime, case_number, body.idempotency_key)


@router.get(
    "/uploads/checklist",
    summary="申请人：本案件的材料清单与上传情况",
    responses=error_responses(401),
)
def citizen_checklist(runtime: RuntimeDep, token: UploadToken = None):
    return service.citizen_checklist(runtime, token)


@router.put(
    "/uploads/materials/{material_id}",
    status_code=status.HTTP_201_CREATED,
    summary="申请人：上传一份材料（请求体即文件内容；类型按内容判断：JPG / PNG / PDF）",
    responses={200: {"description": "同一文件已上传过，未重复保存"}, **error_responses(401, 409, 413, 415, 422)},
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "文件内容本身（JPG / PNG / PDF，不超过 MATERIAL_MAX_BYTES）",
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def citizen_upload(
    material_id: MaterialId,
    request: Request,
    response: Response,
    runtime: RuntimeDep,
    token: UploadToken = None,
    item_id: Annotated[str | None, Query(pattern=r"^[a-z][a-z0-9_]{1,63}$")] = None,
):
    limit = runtime.settings.MATERIAL_MAX_BYTES
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise service.too_large(limit)
    body = bytearray()
    async for chunk in request.stream():  # kept in memory only, never spooled to disk
        body += chunk
        if len(body) > limit:
            raise service.too_large(limit)
    result = await run_in_threadpool(service.upload, runtime, token, material_id, bytes(body), item_id)
    if not result.created:
        response.status_code = status.HTTP_200_OK
    return result.body


@router.delete(
    "/uploads/files/{file_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="申请人：删除一份已上传的材料",
    responses=error_responses(401, 404, 409),
)
def citizen_delete(file_id: FileId, runtime: RuntimeDep, token: UploadToken = None):
    service.delete_file(runtime, token, file_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/uploads/resubmit",
    summary="申请人：补正材料已上传，已退回的案件重新提交（回到待办）",
    responses=error_responses(401, 409, 422),
)
def citizen_resubmit(runtime: RuntimeDep, token: UploadToken = None):
    return service.citizen_resubmit(runtime, token)


@router.get(
    "/staff/cases/{case_number}/materials",
    summary="工作人员：案件的材料清单（已上传 / 缺少 / 需补正）与材料记录",
    responses=error_responses(401, 404),
)
def staff_materials(case_number: CaseNumber, runtime: RuntimeDep, staff: StaffDep):
    return service.staff_materials(runtime, case_number, staff)


@router.get(
    "/staff/cases/{case_number}/materials/{file_id}/content",
    summary="办事员：查看一份材料（解密后返回，记入材料记录）",
    responses={200: {"content": {"image/jpeg": {}, "image/png": {}, "application/pdf": {}}}, **error_responses(401, 403, 404)},
)
def staff_file(case_number: CaseNumber, file_id: FileId, runtime: RuntimeDep, staff: WorkerDep):
    media_type, content = service.staff_file(runtime, case_number, file_id, staff)

    def chunks():
        for start in range(0, len(content), CHUNK):
            yield content[start:start + CHUNK]

    extension = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}[media_type]
    return StreamingResponse(
        chunks(),
        media_type=media_type,
        headers={
            "Content-Disposition": f'inline; filename="material-{file_id}.{extension}"',
            "Content-Length": str(len(content)),
        },
    )
