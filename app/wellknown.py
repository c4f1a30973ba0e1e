"""Public discovery documents other city services read."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from identity.services.sign_in import SignInService
from kit.registry import ServiceRegistry
from wallet.service import WalletService

router = APIRouter(tags=["well-known"])


@router.get("/.well-known/jwks.json")
async def jwks(request: Request) -> JSONResponse:
    """The public keys that verify our access tokens (current and retired)."""
    services: ServiceRegistry = request.app.state.services
    return JSONResponse(
        services.get(SignInService).tokens.jwks(),
        headers={"cache-control": "public, max-age=300"},
    )


@router.get("/.well-known/seals.json")
async def seals(request: Request) -> JSONResponse:
    """The departments' public seal keys (current and previous), with each key's algorithm.

    Anyone verifies a licence's seal offline with these: the seal's ``kid`` names the
    key, which must belong to the licence's issuing department.
    """
    services: ServiceRegistry = request.app.state.services
    return JSONResponse(
        services.get(WalletService).published_keys(),
        headers={"cache-control": "public, max-age=300"},
    )
