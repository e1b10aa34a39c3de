"""Settings of the action server, read once from the environment."""
from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class ActionSettings:
    backend_url: str
    service_token: str
    backend_timeout: float


def load_settings() -> ActionSettings:
    return ActionSettings(
        backend_url=os.environ.get("BACKEND_URL", "http://127.0.0.1:8000").rstrip("/"),
        service_token=os.environ.get("SERVICE_TOKEN", ""),
        backend_timeout=float(os.environ.get("BACKEND_TIMEOUT", "8")),
    )
