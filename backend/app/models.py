"""Import every model so that `Base.metadata` is complete (Alembic, tests)."""
from backend.app.case.models import Case, CaseEvent, CaseItem  # noqa: F401
from backend.app.core.db import Base  # noqa: F401
from backend.app.lookup.models import LookupAudit, RateLimitHit  # noqa: F401
from backend.app.staff.models import RevealAudit, StaffToken  # noqa: F401
