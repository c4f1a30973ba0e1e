"""Public discovery documents other city services read."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from identity.services.sign_in import SignInService
from kit.registry import ServiceRegistry

router = APIRouter(tags=["well-known"])


@router.get("/.well-known/jwks.json")
async def jwks(request: Request) -> JSONResponse:
    """The public keys that verify our access tokens (current and retired)."""
    services: ServiceRegistry = request.app.state.services
    return JSONResponse(
        services.get(SignInService).tokens.jwks(),
        headers={"cache-control": "public, max-age=300"},
    )
