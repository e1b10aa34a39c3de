"""The citizen's upload capability: a random token scoped to one case.

Issued at submission (to the caller that holds the submission's Idempotency-Key)
and by a successful progress lookup (ID number + phone last 4). Only its
SHA-256 is stored; it expires after `MATERIAL_UPLOAD_TOKEN_HOURS` and works
only while the case is 待办 or 已退回. It never carries personal data.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from backend.app.case.enums import CaseStatus
from backend.app.case.models import Case
from backend.app.core.crypto import hash_token
from backend.app.core.errors import ApiError
from backend.app.core.timeutil import utcnow
from backend.app.materials.models import UploadToken

OPEN_STATUSES = (CaseStatus.pending, CaseStatus.returned)
TOKEN_PREFIX = "up_"


def is_open(case: Case) -> bool:
    return case.status in OPEN_STATUSES


def issue(session: Session, case: Case, via: str, hours: int) -> tuple[str, datetime]:
    """A fresh token for the case (expired ones of the case are removed). The caller commits."""
    now = utcnow()
    session.execute(delete(UploadToken).where(UploadToken.case_id == case.id, UploadToken.expires_at < now))
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires = now + timedelta(hours=hours)
    session.add(UploadToken(case_id=case.id, token_hash=hash_token(token), issued_via=via, created_at=now, expires_at=expires))
    return token, expires


def invalid_token() -> ApiError:
    return ApiError(
        401,
        "UPLOAD_TOKEN_INVALID",
        "上传入口已失效。请在对话中说“查询进度”，核对身份后即可重新获得上传入口。",
    )


def case_for(session: Session, token: str | None) -> Case:
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        raise invalid_token()
    row = session.execute(select(UploadToken).where(UploadToken.token_hash == hash_token(token))).scalar_one_or_none()
    if row is None or row.expires_at <= utcnow():
        raise invalid_token()
    case = session.get(Case, row.case_id)
    if case is None:
        raise invalid_token()
    return case
