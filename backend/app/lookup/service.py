"""Progress lookup by ID number + phone last 4, with abuse protection.

* One indexed query on (HMAC(ID), HMAC(ID, last 4)): a wrong last-4 and an ID
  without cases do the same work and give the same `{"cases": []}`.
* Both count as a failure: 5 failures per ID (any client) or 10 per client
  within 15 minutes lock further attempts (429 LOOKUP_LOCKED); more than 30
  attempts per client per minute give 429 RATE_LIMITED. Numbers are settings.
* Every attempt is counted as a failure, atomically, before its query runs
  (`LookupGuard.reserve`): parallel guesses cannot pass the limit. A success
  takes back only its own attempt; it never clears failures, which expire
  with their window - a lookup with one's own factors cannot unlock someone
  else's ID.
* Every attempt is audited with the ID's HMAC, never the ID.
"""
from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from backend.app.case import views
from backend.app.case.models import Case
from backend.app.case.personal import factor_hash, id_number_hash
from backend.app.core.errors import ApiError
from backend.app.core.runtime import Runtime
from backend.app.core.timeutil import to_local
from backend.app.materials import tokens as upload_tokens
from knowledge.personal_data import InvalidValue, normalize_id_number, normalize_phone_last4
from backend.app.lookup.models import LookupAudit
from backend.app.lookup.schemas import LookupRequest

logger = logging.getLogger("backend.lookup")


class LookupGuard:
    """Rate limits shared by lookup and resubmission (both take ID + last 4)."""

    def __init__(self, runtime: Runtime, client_key: str) -> None:
        self.runtime = runtime
        self.settings = runtime.settings
        self.limiter = runtime.limiter
        self.client_key = client_key

    def audit(self, id_hash: str | None, outcome: str, success: bool, count: int = 0) -> None:
        with self.runtime.sessions.begin() as session:
            session.add(
                LookupAudit(
                    id_number_hash=id_hash,
                    client_key=self.client_key[:128],
                    outcome=outcome,
                    success=success,
                    result_count=count,
                )
            )

    def check_flood(self) -> None:
        s = self.settings
        attempts = self.limiter.hit(f"lookup:client:{self.client_key}", s.LOOKUP_CLIENT_WINDOW_SECONDS)
        if attempts > s.LOOKUP_MAX_PER_CLIENT:
            self.audit(None, "rate_limited", False)
            raise ApiError(
                429,
                "RATE_LIMITED",
                "查询过于频繁，请稍等一分钟后再试。",
                headers={"Retry-After": str(s.LOOKUP_CLIENT_WINDOW_SECONDS)},
            )

    def _locked(self, id_hash: str | None) -> ApiError:
        self.audit(id_hash, "locked", False)
        window = self.settings.LOOKUP_FAILURE_WINDOW_SECONDS
        minutes = max(1, window // 60)
        return ApiError(
            429,
            "LOOKUP_LOCKED",
            f"验证信息错误次数过多，为保护您的信息安全，查询已暂时锁定，请{minutes}分钟后再试；"
            "如有疑问可拨打12333咨询。",
            headers={"Retry-After": str(window)},
        )

    def reserve(self, id_hash: str) -> "Reservation":
        """Count this attempt as a failure of the ID and of the client, then check
        the limits (one atomic step per counter); 429 when either is exceeded."""
        s = self.settings
        window = s.LOOKUP_FAILURE_WINDOW_SECONDS
        keys = (f"lookup:fail:id:{id_hash}", f"lookup:fail:client:{self.client_key}")
        limits = (s.LOOKUP_MAX_FAILURES_PER_ID, s.LOOKUP_MAX_FAILURES_PER_CLIENT)
        taken: list[tuple[str, str]] = []
        over = False
        for key, limit in zip(keys, limits):
            count, token = self.limiter.acquire(key, window)
            taken.append((key, token))
            if count > limit:
                over = True
                break
        reservation = Reservation(self, id_hash, taken)
        if over:
            # a refused attempt does not count: the window runs from real failures
            reservation.release()
            raise self._locked(id_hash)
        return reservation


class Reservation:
    """One attempt, already counted as a failure; `succeeded` takes it back."""

    def __init__(self, guard: LookupGuard, id_hash: str, taken: list[tuple[str, str]]) -> None:
        self.guard = guard
        self.id_hash = id_hash
        self.taken = taken

    def release(self) -> None:
        for key, token in self.taken:
            self.guard.limiter.release(key, token)
        self.taken = []

    def failed(self, outcome: str = "empty") -> None:
        self.guard.audit(self.id_hash, outcome, False)

    def succeeded(self, count: int, outcome: str = "found") -> None:
        self.release()
        self.guard.audit(self.id_hash, outcome, True, count)


def lookup(runtime: Runtime, body: LookupRequest, client_key: str) -> dict[str, Any]:
    guard = LookupGuard(runtime, client_key)
    guard.check_flood()
    errors = {}
    try:
        id_number = normalize_id_number(body.id_number)
    except InvalidValue as exc:
        errors["id_number"] = str(exc)
    try:
        last4 = normalize_phone_last4(body.phone_last4)
    except InvalidValue as exc:
        errors["phone_last4"] = str(exc)
    if errors:
        guard.audit(None, "invalid", False)
        raise ApiError(422, "VALIDATION_ERROR", "查询信息格式有误，请按提示修改后重新查询。", errors)

    id_hash = id_number_hash(runtime.hasher, id_number)
    attempt = guard.reserve(id_hash)
    with runtime.sessions() as session:
        stmt = (
            select(Case)
            .where(
                Case.id_number_hash == id_hash,
                Case.phone_last4_hash == factor_hash(runtime.hasher, id_number, last4),
            )
            .options(selectinload(Case.items), selectinload(Case.events))
            .order_by(Case.submitted_at.desc(), Case.id.desc())
        )
        cases = list(session.execute(stmt).scalars())
        result = [views.lookup_case(c, runtime.cipher) for c in cases]
        # the verified applicant may upload materials to an open case (待办 / 已退回)
        for case, out in zip(cases, result):
            out["upload"] = None
            if upload_tokens.is_open(case):
                token, expires = upload_tokens.issue(
                    session, case, "lookup", runtime.settings.MATERIAL_UPLOAD_TOKEN_HOURS
                )
                out["upload"] = {"upload_token": token, "expires_at": to_local(expires).isoformat()}
        session.commit()
    if result:
        attempt.succeeded(len(result))
    else:
        attempt.failed()
    return {"cases": result}
