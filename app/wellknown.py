"""Public discovery documents other city services read."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from resolvers.context import Services

router = APIRouter(tags=["well-known"])


@router.get("/.well-known/jwks.json")
async def jwks(request: Request) -> JSONResponse:
    """The public keys that verify our access tokens (current and retired)."""
    services: Services = request.app.state.services
    return JSONResponse(
        services.sign_in.tokens.jwks(),
        headers={"cache-control": "public, max-age=300"},
    )
