"""ASGI entry point: `python -m uvicorn backend.app.main:app` (from the repository root)."""
from __future__ import annotations

from backend.app.app_factory import create_app
from backend.app.core.config import ConfigError

try:
    app = create_app()
except ConfigError as exc:  # print the reason plainly instead of a traceback
    raise SystemExit(f"backend: {exc}") from None
