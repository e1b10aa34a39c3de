"""Import every model so that `Base.metadata` is complete (Alembic, tests)."""
from backend.app.case.models import Case, CaseEvent, CaseItem
from backend.app.core.db import Base
from backend.app.hotline.models import CallNote, Handoff, HandoffMessage
from backend.app.lookup.models import LookupAudit, RateLimitHit
from backend.app.materials.models import MaterialEvent, MaterialFile, UploadToken
from backend.app.staff.models import (
    RevealAudit,
    StaffAccount,
    StaffSession,
    StaffSignInAudit,
    StaffToken,
    StaffViewAudit,
)

__all__ = ["Base", "CallNote", "Handoff", "HandoffMessage", "Case", "CaseEvent", "CaseItem", "LookupAudit", "MaterialEvent", "MaterialFile", "RateLimitHit", "RevealAudit", "StaffAccount", "StaffSession", "StaffSignInAudit", "StaffToken", "StaffViewAudit", "UploadToken"]
