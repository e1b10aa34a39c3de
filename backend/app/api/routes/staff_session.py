"""Staff sign-in: POST /staff/session (user name + password → session token),
GET (who am I), DELETE (sign out)."""
from __future__ import annotations

from fastapi import APIRouter, Response

from backend.app.api.deps import RuntimeDep, SessionDep, SignInClientDep, StaffDep
from backend.app.core.errors import error_responses
from backend.app.core.timeutil import to_local
from backend.app.staff import sessions
from backend.app.staff.models import StaffRole
from backend.app.staff.schemas import SignInRequest, SignInResponse, StaffWhoAmI
from backend.app.staff.tokens import StaffPrincipal

router = APIRouter(prefix="/staff", tags=["staff"])

ROLE_LABELS = {StaffRole.worker: "办事员", StaffRole.agent: "12333坐席"}


def _whoami(principal: StaffPrincipal, times: dict | None = None) -> dict:
    body = {
        "staff_id": principal.staff_id,
        "username": principal.username,
        "name": principal.name,
        "role": principal.role.value,
        "role_label": ROLE_LABELS[principal.role],
    }
    for key, value in (times or {}).items():
        body[key] = to_local(value).isoformat()
    return body


@router.post(
    "/session",
    status_code=201,
    response_model=SignInResponse,
    summary="工作人员登录（用户名 + 密码 → 会话令牌）",
    description=(
        "失败一律 401 `SIGNIN_FAILED`（不区分用户名还是密码有误）；同一用户名或同一来源失败过多 → 429 `SIGNIN_LOCKED`。"
        "会话闲置或到期后失效（STAFF_SESSION_IDLE_MINUTES / STAFF_SESSION_ABSOLUTE_HOURS）。"
    ),
    responses=error_responses(401, 422, 429),
)
def sign_in(body: SignInRequest, runtime: RuntimeDep, client: SignInClientDep):
    done = sessions.sign_in(runtime, body.username, body.password, client)
    times = {"signed_in_at": done.created_at, "expires_at": done.expires_at, "idle_expires_at": done.idle_expires_at}
    return {**_whoami(done.principal, times), "token": done.token}


@router.get(
    "/session",
    response_model=StaffWhoAmI,
    summary="当前登录的工作人员（会话或令牌）",
    responses=error_responses(401),
)
def who_am_i(staff: StaffDep, session: SessionDep, runtime: RuntimeDep):
    times = None
    if staff.session_id is not None:
        times = sessions.session_times(session, runtime.settings, staff.session_id)
    return _whoami(staff, times)


@router.delete(
    "/session",
    status_code=204,
    summary="退出登录（会话令牌随即失效）",
    responses=error_responses(401),
)
def sign_out(staff: StaffDep, session: SessionDep, runtime: RuntimeDep, client: SignInClientDep):
    sessions.sign_out(runtime, session, staff, client)
    return Response(status_code=204)
