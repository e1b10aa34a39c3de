"""Liveness and readiness."""
from __future__ import annotations

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy import text

from backend.app import __version__, catalog
from backend.app.api.deps import RuntimeDep
from backend.app.core.errors import ApiError, error_responses
from backend.app.migrations import alembic_config

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str = Field(examples=["ok"])
    version: str = Field(examples=[__version__])


class Ready(BaseModel):
    status: str = Field(examples=["ready"])
    database: str = Field(examples=["ok"])
    revision: str | None = Field(examples=["0001"])
    head: str | None = Field(examples=["0001"])


@router.get("/health", response_model=Health, summary="存活检查")
def health():
    return {"status": "ok", "version": __version__}


def _head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


@router.get(
    "/ready",
    response_model=Ready,
    summary="就绪检查：数据库可连接、迁移已到最新、知识库可加载",
    responses=error_responses(503),
)
def ready(runtime: RuntimeDep):
    problems: dict[str, str] = {}
    head = _head_revision()
    current = None
    try:
        with runtime.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            current = MigrationContext.configure(conn).get_current_revision()
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        problems["database"] = f"数据库无法连接（{type(exc).__name__}）。"
    if "database" not in problems and current != head:
        problems["migrations"] = (
            f"数据库结构版本为 {current or '空'}，最新为 {head}，"
            "请先执行 python -m backend.app.cli migrate。"
        )
    kb_problem = catalog.check_loaded()
    if kb_problem:
        problems["knowledge"] = "知识库无法加载。"
    if problems:
        raise ApiError(503, "NOT_READY", "服务尚未就绪。", problems)
    return {"status": "ready", "database": "ok", "revision": current, "head": head}
