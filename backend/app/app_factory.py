"""Building the FastAPI application (tests build their own with their settings)."""
from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI

from backend.app import __version__
from backend.app.api.main import api_router
from backend.app.api.routes import health
from backend.app.core.config import AppEnv, Settings, get_settings
from backend.app.core.edge import BodyLimitMiddleware, SecurityHeadersMiddleware
from backend.app.core.errors import install_error_handlers
from backend.app.core.logging import configure_logging
from backend.app.core.runtime import Runtime

API_PREFIX = "/api/v1"

TAGS = [
    {"name": "cases", "description": "提交与补正申请（动作服务器调用，需 SERVICE_TOKEN 与 Idempotency-Key）"},
    {"name": "lookup", "description": "申请人凭身份证号码和手机号后4位查询办理进度（动作服务器调用）"},
    {"name": "staff", "description": "工作人员：办事员（worker）可办理和查看完整信息，12333坐席（agent）只读"},
    {"name": "materials", "description": "申请材料：申请人凭上传凭证上传（JPG/PNG/PDF，加密保存），工作人员查看（记入材料记录）"},
    {"name": "health", "description": "存活与就绪检查"},
]

DESCRIPTION = """人社“一件事”（失业 / 人才服务 / 劳动维权）案件后台。

所有错误统一为 `{"error": {"code": "稳定的错误码", "message": "中文说明", "fields": {"字段": "说明"}}}`。
身份证号码、手机号、银行卡号加密存储，对外一律脱敏；状态取值为 待办 / 办理中 / 已办结 / 已退回。
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    settings.check_safe_for_production()
    configure_logging(settings.LOG_LEVEL)
    runtime = Runtime.build(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        yield
        runtime.close()

    # Production publishes no API description (and loads no Swagger UI from a CDN).
    docs = settings.APP_ENV is not AppEnv.production
    app = FastAPI(
        title="人社“一件事”案件后台",
        version=__version__,
        description=DESCRIPTION,
        openapi_tags=TAGS,
        lifespan=lifespan,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
    )
    app.state.runtime = runtime
    install_error_handlers(app)
    app.include_router(api_router, prefix=API_PREFIX)
    app.include_router(health.router)
    # Outermost last: the body limit runs before anything reads the body.
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.MAX_BODY_BYTES,
        own_limit_prefixes=(API_PREFIX + "/uploads/materials/",),  # MATERIAL_MAX_BYTES, read by the route
    )
    return app
