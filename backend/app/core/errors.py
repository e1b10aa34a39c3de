"""One error shape for every failure:

    {"error": {"code": "STABLE_CODE", "message": "中文说明", "fields": {...}}}

`ApiError` is raised by the application; the handlers below also translate
FastAPI's validation errors, Starlette's 404/405 and unexpected exceptions.
"""
from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

logger = logging.getLogger("backend.errors")


class ApiError(Exception):
    def __init__(
        self,
        status_code: int,
        code: str,
        message: str,
        fields: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(code)
        self.status_code = status_code
        self.code = code
        self.message = message
        self.fields = fields
        self.headers = headers


class ErrorBody(BaseModel):
    code: str = Field(examples=["VALIDATION_ERROR"])
    message: str = Field(examples=["提交的信息有误，请按提示修改后重新提交。"])
    fields: dict[str, str] | None = Field(
        default=None, examples=[{"applicant.id_number": "身份证号码校验位不正确，请核对后重新输入。"}]
    )


class ErrorResponse(BaseModel):
    error: ErrorBody


def error_json(
    status_code: int,
    code: str,
    message: str,
    fields: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return JSONResponse({"error": body}, status_code=status_code, headers=headers)


_HTTP_DEFAULTS = {
    400: ("BAD_REQUEST", "请求格式不正确。"),
    401: ("UNAUTHORIZED", "身份验证失败，请提供有效的访问令牌。"),
    403: ("FORBIDDEN", "您没有执行此操作的权限。"),
    404: ("NOT_FOUND", "请求的地址不存在。"),
    405: ("METHOD_NOT_ALLOWED", "不支持该请求方法。"),
    406: ("NOT_ACCEPTABLE", "无法提供所请求的格式。"),
    413: ("PAYLOAD_TOO_LARGE", "提交的内容过大，请精简后重新提交。"),
    415: ("UNSUPPORTED_MEDIA_TYPE", "请以JSON格式提交。"),
    429: ("RATE_LIMITED", "请求过于频繁，请稍后再试。"),
}

_PYDANTIC_MESSAGES = {
    "missing": "此项为必填项。",
    "json_invalid": "请求内容不是有效的JSON。",
    "json_type": "请求内容不是有效的JSON。",
    "string_too_short": "内容过短或为空。",
    "string_too_long": "内容过长。",
    "string_pattern_mismatch": "格式不正确。",
    "string_type": "应为文本。",
    "list_type": "应为列表。",
    "dict_type": "应为对象。",
    "model_type": "应为对象。",
    "model_attributes_type": "应为对象。",
    "enum": "取值不在允许范围内。",
    "literal_error": "取值不在允许范围内。",
    "int_parsing": "应为整数。",
    "int_type": "应为整数。",
    "greater_than_equal": "数值过小。",
    "less_than_equal": "数值过大。",
    "too_short": "至少需要填写一项。",
    "too_long": "项目过多。",
    "date_parsing": "日期格式应为YYYY-MM-DD。",
    "date_from_datetime_parsing": "日期格式应为YYYY-MM-DD。",
    "date_type": "日期格式应为YYYY-MM-DD。",
    "extra_forbidden": "不支持此字段。",
    "bool_type": "应为是或否（true/false）。",
    "bool_parsing": "应为是或否（true/false）。",
}


def _field_path(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        where, rest = parts[0], parts[1:]
        if where != "body":
            return ".".join([where, *rest]) if rest else where
        parts = rest
    return ".".join(parts) or "body"


def _message(err: dict[str, Any]) -> str:
    ctx = err.get("ctx") or {}
    if err.get("type") == "value_error" and "error" in ctx:
        return str(ctx["error"])
    return _PYDANTIC_MESSAGES.get(err.get("type", ""), "格式不正确。")


# An error body names at most this many fields, each path cut to this length:
# a body with thousands of unknown keys must not get them all echoed back.
MAX_ERROR_FIELDS = 20
MAX_FIELD_PATH = 80


def validation_fields(errors: list[dict[str, Any]]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for err in errors:
        if len(fields) >= MAX_ERROR_FIELDS:
            fields["…"] = "其余问题未一一列出，请先修改以上各项。"
            break
        path = _field_path(tuple(err.get("loc", ())))
        if len(path) > MAX_FIELD_PATH:
            path = path[:MAX_FIELD_PATH] + "…"
        fields.setdefault(path, _message(err))
    return fields


async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
    return error_json(exc.status_code, exc.code, exc.message, exc.fields, exc.headers)


async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
    return error_json(
        422,
        "VALIDATION_ERROR",
        "提交的信息有误，请按提示修改后重新提交。",
        validation_fields(list(exc.errors())),
    )


async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
    code, message = _HTTP_DEFAULTS.get(exc.status_code, ("HTTP_ERROR", "请求未能完成。"))
    return error_json(exc.status_code, code, message, headers=getattr(exc, "headers", None))


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_json(500, "INTERNAL_ERROR", "系统繁忙，请稍后再试。")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)


# OpenAPI helper: `responses=error_responses(401, 422)` on a route.
_DESCRIPTIONS = {
    400: "请求格式不正确（如缺少 Idempotency-Key）",
    401: "缺少或无效的访问令牌（UNAUTHORIZED）",
    403: "角色无权执行此操作（FORBIDDEN）",
    404: "案件不存在（CASE_NOT_FOUND）",
    409: "状态流转不合法（ILLEGAL_TRANSITION）或并发修改（CONCURRENT_UPDATE）",
    422: "参数校验失败（VALIDATION_ERROR 等）",
    429: "请求过于频繁或已被临时锁定（RATE_LIMITED / LOOKUP_LOCKED）",
    503: "服务未就绪（NOT_READY）",
}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {c: {"model": ErrorResponse, "description": _DESCRIPTIONS.get(c, "错误")} for c in codes}
