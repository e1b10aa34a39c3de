"""Dependencies of the routes, as Annotated aliases (SessionDep, ServiceDep, StaffDep, WorkerDep)."""
from __future__ import annotations

import hmac
import ipaddress
import re
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from backend.app.core.errors import ApiError
from backend.app.core.runtime import Runtime
from backend.app.fields import strip_control_chars
from backend.app.staff.models import StaffRole
from backend.app.staff.sessions import authenticate_session, is_session_token
from backend.app.staff.tokens import StaffPrincipal, authenticate_staff

service_bearer = HTTPBearer(
    scheme_name="ServiceToken",
    description="动作服务器（action server）使用的服务令牌 SERVICE_TOKEN",
    auto_error=False,
)
staff_bearer = HTTPBearer(
    scheme_name="StaffToken",
    description=(
        "工作人员令牌（worker 办事员 / agent 12333坐席），由 `python -m backend.app.cli create-staff` 签发；"
        "或 POST /api/v1/staff/session 登录得到的会话令牌"
    ),
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
    token = credentials.credentials
    if is_session_token(token):  # a console session (web page server, cookie)
        principal = authenticate_session(session, runtime.settings, token)
    else:
        principal = authenticate_staff(session, runtime.settings, token)
    if principal is None:
        raise _unauthorized()
    return principal


StaffDep = Annotated[StaffPrincipal, Depends(require_staff)]


def require_worker(staff: StaffDep) -> StaffPrincipal:
    if staff.role is not StaffRole.worker:
        raise ApiError(403, "FORBIDDEN", "12333坐席账号只能查看案件，不能修改或查看完整个人信息。")
    return staff


WorkerDep = Annotated[StaffPrincipal, Depends(require_worker)]


_SUBSCRIBER = re.compile(r"wechat:[0-9a-f]{32}")


def _address_key(raw: str) -> str | None:
    """`addr:<ip>` for a valid IP address (IPv6: its /64, what one subscriber gets);
    `sub:wechat:<hash>` for a WeChat subscriber: every WeChat message arrives from
    WeChat's servers, so the channel passes a keyed hash of the signed OpenID instead
    (bot/channels/wechat.py), and one subscriber's failures never lock the others."""
    if _SUBSCRIBER.fullmatch(raw.strip()):
        return "sub:" + raw.strip()
    try:
        address = ipaddress.ip_address(raw.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is None:
        return "addr:" + str(ipaddress.ip_network(f"{address}/64", strict=False))
    if isinstance(address, ipaddress.IPv6Address):
        address = address.ipv4_mapped
    return "addr:" + str(address)


def client_key(
    request: Request,
    x_client_address: Annotated[
        str | None,
        Header(
            max_length=64,
            description=(
                "终端用户的来源IP地址（由网页服务器或渠道看到后经可信的上一跳传入），用于按客户端计数与限流；"
                "只在携带服务令牌的请求中有效，缺省或无效时使用本次连接的来源IP"
            ),
        ),
    ] = None,
) -> str:
    """The per-client key of the lookup limits.

    It is the remote address the edge (web server, channel) saw, passed on by
    the action server - the trusted hop: every route using this key requires
    the service token. A sender/conversation id is never used: the caller
    picks it freely.
    """
    key = _address_key(x_client_address) if x_client_address else None
    if key:
        return key
    host = request.client.host if request.client else "unknown"
    return "ip:" + strip_control_chars(host)[:60]


ClientKeyDep = Annotated[str, Depends(client_key)]


def signin_client(request: Request, runtime: RuntimeDep) -> str:
    """The client of the sign-in limits: the address the web page server saw
    (its X-Forwarded-For, trusted only from STAFF_TRUSTED_PROXIES), else the peer."""
    host = request.client.host if request.client else "unknown"
    trusted = {p.strip() for p in runtime.settings.STAFF_TRUSTED_PROXIES.split(",") if p.strip()}
    forwarded = request.headers.get("x-forwarded-for", "")
    if host in trusted and forwarded:
        key = _address_key(forwarded.split(",")[-1])
        if key and key.startswith("addr:"):
            return key
    return "ip:" + strip_control_chars(host)[:60]


SignInClientDep = Annotated[str, Depends(signin_client)]
