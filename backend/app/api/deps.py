"""Dependencies of the routes, as Annotated aliases (SessionDep, ServiceDep, StaffDep, WorkerDep)."""
from __future__ import annotations

import hmac
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from backend.app.core.errors import ApiError
from backend.app.core.runtime import Runtime
from backend.app.fields import strip_control_chars
from backend.app.staff.models import StaffRole
from backend.app.staff.tokens import StaffPrincipal, authenticate_staff

service_bearer = HTTPBearer(
    scheme_name="ServiceToken",
    description="动作服务器（action server）使用的服务令牌 SERVICE_TOKEN",
    auto_error=False,
)
staff_bearer = HTTPBearer(
    scheme_name="StaffToken",
    description="工作人员令牌（worker 办事员 / agent 12333坐席），由 `python -m backend.app.cli create-staff` 签发",
    auto_error=False,
)


def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_session(runtime: RuntimeDep) -> Iterator[Session]:
    with runtime.sessions() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def _unauthorized() -> ApiError:
    return ApiError(
        401,
        "UNAUTHORIZED",
        "身份验证失败，请提供有效的访问令牌。",
        headers={"WWW-Authenticate": "Bearer"},
    )


def require_service(
    runtime: RuntimeDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(service_bearer)],
) -> None:
    expected = runtime.settings.SERVICE_TOKEN.encode()
    if credentials is None or not hmac.compare_digest(credentials.credentials.encode(), expected):
        raise _unauthorized()


ServiceDep = Annotated[None, Depends(require_service)]


def require_staff(
    runtime: RuntimeDep,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(staff_bearer)],
) -> StaffPrincipal:
    if credentials is None:
        raise _unauthorized()
    principal = authenticate_staff(session, runtime.settings, credentials.credentials)
    if principal is None:
        raise _unauthorized()
    return principal


StaffDep = Annotated[StaffPrincipal, Depends(require_staff)]


def require_worker(staff: StaffDep) -> StaffPrincipal:
    if staff.role is not StaffRole.worker:
        raise ApiError(403, "FORBIDDEN", "12333坐席账号只能查看案件，不能修改或查看完整个人信息。")
    return staff


WorkerDep = Annotated[StaffPrincipal, Depends(require_worker)]


def client_key(
    request: Request,
    x_client_id: Annotated[
        str | None,
        Header(
            max_length=128,
            description="调用方标识（如会话ID），用于按客户端限流；缺省时使用来源IP",
        ),
    ] = None,
) -> str:
    cleaned = strip_control_chars(x_client_id or "").strip()
    if cleaned:
        return "cid:" + cleaned[:120]
    host = request.client.host if request.client else "unknown"
    return "ip:" + host


ClientKeyDep = Annotated[str, Depends(client_key)]
