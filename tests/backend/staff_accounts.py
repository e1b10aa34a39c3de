"""Creating staff accounts with a password in a test database (the CLI's code path)."""
from __future__ import annotations

import secrets

from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from backend.app.core.db import normalize_db_url
from backend.app.staff import sessions
from backend.app.staff.models import StaffRole


def new_password() -> str:
    return "pw-" + secrets.token_urlsafe(12)


def create_account(db_url: str, username: str, role: str = "worker", name: str = "王办事", password: str | None = None):
    """Create the account; returns (staff_id, password)."""
    password = password or new_password()
    engine = create_engine(normalize_db_url(db_url))
    try:
        with sessionmaker(engine).begin() as session:
            row = sessions.create_account(session, username, name, StaffRole(role), password)
            staff_id = row.staff_id
    finally:
        engine.dispose()
    return staff_id, password


def sign_in(client, username: str, password: str, **headers):
    return client.post("/api/v1/staff/session", json={"username": username, "password": password}, headers=headers)


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}
