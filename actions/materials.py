"""Materials uploaded with an application: the checklist the web page turns into upload buttons.

After a submission (``actions/application/submission.py``) and after a lookup
that finds a case still open for materials (``actions/progress.py``: 待办 with
something missing, or 已退回 with materials to resubmit), the bot's message
carries a custom payload ``{"materials_checklists": [checklist, ...]}``; the
web page (web/static/materials.js) renders each material of knowledge/'s
merged checklist once, with its upload button, and uploads through
web/server.py to the backend with the case-scoped upload token.

The token is no personal data: it only lets its holder add materials to one
case while it is 待办 or 已退回, and expires. The citizen gets it from the
backend at submission (by proving the submission's Idempotency-Key) or from a
lookup (ID number + phone last 4).
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker

from actions.backend_client import BackendClient, BackendError, BackendUnavailable

logger = logging.getLogger(__name__)

LATER_TEXT = (
    "好的，申请已保留，材料可以稍后再传。之后在这里说“查询进度”，核对身份证号码和手机号后4位后，"
    "即可继续上传。"
)
RESUBMIT_TITLE = "请重新上传以下被退回的材料，上传后点击“提交补正材料”："
SUBMITTED_TITLE = "请上传办理材料：点击各材料旁的“拍照/选择文件”，可以拍照或选择图片、PDF文件（每个不超过10 MB）。"
PENDING_TITLE = "您的申请还缺少以下材料，可以继续上传："


def _state_words(state: str) -> str:
    return {"in": "已上传", "resubmit": "需重新上传", "missing": "未上传"}.get(state, state)


def checklist_payload(checklist: Dict[str, Any], token: str, mode: str) -> Dict[str, Any]:
    """What the web page needs to draw one case's checklist (no personal data)."""
    title = {"submitted": SUBMITTED_TITLE, "resubmit": RESUBMIT_TITLE}.get(mode, PENDING_TITLE)
    return {
        "case_number": checklist.get("case_number"),
        "upload_token": token,
        "mode": mode,
        "title": title,
        "later_text": LATER_TEXT,
        "return_reason": checklist.get("return_reason"),
        "other_resubmit": list(checklist.get("other_resubmit") or []),
        "materials": [
            {
                "material_id": m["material_id"],
                "display": m["display"],
                "needed_by": [n["name"] for n in m.get("needed_by") or []],
                "required": bool(m.get("required", True)),
                "state": m["state"],
                "state_text": _state_words(m["state"]),
            }
            for m in checklist.get("materials") or []
        ],
    }


async def _checklist(client: BackendClient, token: str) -> Dict[str, Any]:
    return await client.request("GET", "/api/v1/uploads/checklist", headers={"X-Upload-Token": token})


def can_upload(tracker: Tracker) -> bool:
    """Only the web chat page has upload buttons (WeChat and the 12333 console show text only)."""
    from actions.application.submission import channel_of

    return channel_of(tracker) == "web"


async def after_submission(tracker: Tracker, case_number: str, idempotency_key: str) -> Optional[Dict[str, Any]]:
    """The custom payload offering the uploads of a case just submitted; None on a channel
    without upload buttons, or when the backend cannot give a token now (the submission
    itself stands: the lookup offers the uploads later)."""
    if not can_upload(tracker):
        return None
    client = BackendClient()
    try:
        grant = await client.request(
            "POST", f"/api/v1/cases/{case_number}/upload-token", json={"idempotency_key": idempotency_key}
        )
        checklist = await _checklist(client, grant["upload_token"])
    except (BackendUnavailable, BackendError, KeyError, TypeError) as exc:
        logger.warning("no upload offer after submission: %s", type(exc).__name__)
        return None
    if not checklist.get("materials"):
        return None
    return {"materials_checklists": [checklist_payload(checklist, grant["upload_token"], "submitted")]}


async def after_lookup(tracker: Tracker, cases: List[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    """The custom payload for the open cases of a lookup that still need materials:
    已退回 with materials to resubmit, or 待办 with a required material missing."""
    if not can_upload(tracker):
        return None
    client = BackendClient()
    offers = []
    for case in cases:
        token = (case.get("upload") or {}).get("upload_token")
        if not token:
            continue
        try:
            checklist = await _checklist(client, token)
        except (BackendUnavailable, BackendError) as exc:
            logger.warning("no upload offer after lookup: %s", type(exc).__name__)
            continue
        states = [m["state"] for m in checklist.get("materials") or []]
        returned = case.get("status_code") == "returned"
        if returned and ("resubmit" in states or (checklist.get("can_resubmit") and not checklist.get("other_resubmit"))):
            offers.append(checklist_payload(checklist, token, "resubmit"))
        elif case.get("status_code") == "pending" and not checklist.get("complete", True):
            offers.append(checklist_payload(checklist, token, "pending"))
    return {"materials_checklists": offers} if offers else None


def text_list(payload: Dict[str, Any]) -> str:
    """The same checklist as plain lines (for a channel without the web page's buttons)."""
    lines = []
    for offer in payload.get("materials_checklists") or []:
        for m in offer["materials"]:
            lines.append(f"· {m['display']}：{m['state_text']}")
    return "\n".join(lines)
