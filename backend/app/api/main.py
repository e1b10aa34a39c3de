"""The /api/v1 router."""
from fastapi import APIRouter

from backend.app.api.routes import hotline
from backend.app.api.routes import cases, lookup, materials, staff, staff_session

api_router = APIRouter()
api_router.include_router(cases.router)
api_router.include_router(lookup.router)
api_router.include_router(staff_session.router)
api_router.include_router(staff.router)
api_router.include_router(hotline.router)
api_router.include_router(materials.router)
