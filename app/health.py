"""Liveness and readiness endpoints for load balancers and orchestrators."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from app.resources import Resources

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is alive and serving HTTP."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    """Every server we depend on answers; otherwise 503 naming the failing parts."""
    resources: Resources = request.app.state.resources
    checks = await resources.check()
    failing = sorted(part for part, reason in checks.items() if reason is not None)
    body = {
        "status": "unavailable" if failing else "ready",
        "failing": failing,
        "checks": {part: reason or "ok" for part, reason in checks.items()},
    }
    return JSONResponse(body, status_code=503 if failing else 200)
