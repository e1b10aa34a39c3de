"""The 12333 agent console: call notes, the handoff queue, the caller's cases.

Staff endpoints (`/staff/...`, agent or worker) are attributed to the signed-in
staff member; the citizen side of a handoff (`/handoffs/...`) is called by the
action server and the web page server with the service token."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from backend.app.api.deps import RuntimeDep, ServiceDep, SessionDep, StaffDep
from backend.app.core.errors import error_responses
from backend.app.fields import CASE_NUMBER_PATTERN
from backend.app.hotline import service
from backend.app.hotline.schemas import CallerLookupIn, CallNoteIn, HandoffIn, MessageIn, OpenCaseIn

router = APIRouter(tags=["hotline"])

ConversationPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9_.:\-]{1,128}$", description="会话编号")]
HandoffId = Annotated[int, Path(ge=1, le=2**31 - 1)]
After = Annotated[int, Query(ge=0, le=2**31 - 1, description="只返回编号大于此值的消息")]


# ------------------------------------------------------------------ staff side


@router.post("/staff/call-notes", status_code=status.HTTP_201_CREATED, summary="保存通话小结（每次保存一条记录）",
             responses=error_responses(401, 422))
def save_note(body: CallNoteIn, session: SessionDep, staff: StaffDep):
    return service.save_note(session, staff, body)


@router.get("/staff/call-notes", summary="通话小结列表（记入审计）", responses=error_responses(401, 422))
def list_notes(
    session: SessionDep,
    staff: StaffDep,
    conversation_id: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9_.:\-]{1,128}$")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
):
    return service.list_notes(session, staff, conversation_id, limit)


@router.get("/staff/handoffs", summary="转人工队列（默认：等待中和已接入）", responses=error_responses(401, 422))
def handoff_queue(
    session: SessionDep,
    staff: StaffDep,
    status: Annotated[str | None, Query(pattern=r"^(waiting|taken|closed|open)$")] = None,
):
    return service.queue(session, staff, status)


@router.get("/staff/handoffs/{handoff_id}", summary="转人工会话详情与消息", responses=error_responses(401, 404))
def handoff_detail(handoff_id: HandoffId, session: SessionDep, staff: StaffDep, after: After = 0):
    return service.detail(session, staff, handoff_id, after)


@router.post("/staff/handoffs/{handoff_id}/take", summary="接入会话", responses=error_responses(401, 404, 409))
def take(handoff_id: HandoffId, session: SessionDep, staff: StaffDep):
    return service.take(session, staff, handoff_id)


@router.post("/staff/handoffs/{handoff_id}/messages", status_code=status.HTTP_201_CREATED,
             summary="回复来访者（需先接入）", responses=error_responses(401, 404, 409, 422))
def agent_message(handoff_id: HandoffId, body: MessageIn, session: SessionDep, staff: StaffDep):
    return service.agent_message(session, staff, handoff_id, body.text)


@router.post("/staff/handoffs/{handoff_id}/release", summary="交还智能助手", responses=error_responses(401, 404, 409))
def release(handoff_id: HandoffId, session: SessionDep, staff: StaffDep):
    return service.release(session, staff, handoff_id)


@router.post("/staff/caller-lookup", summary="凭来电人身份证号码和手机号后4位查询其案件（已脱敏，记入审计）",
             responses=error_responses(401, 422, 429))
def caller_lookup(body: CallerLookupIn, runtime: RuntimeDep, staff: StaffDep):
    return service.caller_lookup(runtime, staff, body)


@router.post("/staff/cases/{case_number}/open", summary="说明事由后查看案件完整信息（姓名、申请表、全部记录；号码仍脱敏；记入审计）",
             responses=error_responses(401, 404, 422))
def open_case(
    case_number: Annotated[str, Path(pattern=CASE_NUMBER_PATTERN)],
    body: OpenCaseIn,
    session: SessionDep,
    runtime: RuntimeDep,
    staff: StaffDep,
):
    return service.open_case(session, runtime, staff, case_number, body.reason)


# ------------------------------------------------------------------ citizen side (service token)


@router.post("/handoffs", summary="排入转人工队列（动作服务器调用）", responses=error_responses(401, 422))
def enqueue(body: HandoffIn, session: SessionDep, _service: ServiceDep):
    out, created = service.enqueue(session, body)
    return {**out, "created": created}


@router.get("/handoffs/by-conversation/{conversation_id}", summary="来访者页面轮询：人工客服的回复",
            responses=error_responses(401, 422))
def citizen_state(conversation_id: ConversationPath, session: SessionDep, _service: ServiceDep, after: After = 0):
    return service.citizen_state(session, conversation_id, after)


@router.post("/handoffs/by-conversation/{conversation_id}/messages", status_code=status.HTTP_201_CREATED,
             summary="来访者发给人工客服的消息（会话已接入时）", responses=error_responses(401, 409, 422))
def citizen_message(conversation_id: ConversationPath, body: MessageIn, session: SessionDep, _service: ServiceDep):
    return service.citizen_message(session, conversation_id, body.text)
