"""Public discovery documents other city services read."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from identity.services.sign_in import SignInService
from kit.errors import RateLimited
from kit.registry import ServiceRegistry
from wallet.service import WalletService
from wallet.shares import ShareService
from wallet.status_list import MEDIA_TYPE as STATUS_LIST_MEDIA_TYPE

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


@router.get("/wallet/status-lists/{department}")
async def status_list(request: Request, department: str) -> Response:
    """A department's signed licence status list (IETF Token Status List, JWT form).

    Offline verifiers fetch it with the seal keys: the entry at a show-code's
    ``status.status_list.idx`` says whether the licence is suspended or revoked. Cached
    for a minute, so a suspension reaches verifiers within a minute plus their refresh.
    """
    wallet: WalletService = request.app.state.services.get(WalletService)
    if department not in wallet.seals.departments:
        return JSONResponse(
            {"error": "no status list for this department"},
            status_code=404,
            headers={"cache-control": "public, max-age=60"},
        )
    return Response(
        await wallet.status_list_token(department),
        media_type=STATUS_LIST_MEDIA_TYPE,
        headers={"cache-control": "public, max-age=60"},
    )


@router.get("/wallet/shares/{token}")
async def shared_licence(request: Request, token: str) -> JSONResponse:
    """A share link opened: the shared fields, the licence's status today, its seal check.

    Logged for the holder like a verification. A revoked, expired or unknown share
    answers 404 with the same body, so a link tells nothing once it is dead. Never cached.
    """
    headers = {"cache-control": "no-store"}
    client = request.client.host if request.client else None
    try:
        view = await request.app.state.services.get(ShareService).open(token, client=client)
    except RateLimited as limited:
        wait = limited.retry_after or 60
        return JSONResponse(
            {"failure": "rate_limited", "retryAfterSeconds": wait},
            status_code=429,
            headers=headers | {"retry-after": str(wait)},
        )
    share = view.share
    if share is None or view.status is None or view.disclosed is None:
        return JSONResponse({"failure": "share_unavailable"}, status_code=404, headers=headers)
    return JSONResponse(
        {
            "authentic": view.authentic,
            "status": view.status.value,
            "licence": {
                "uri": share.uri,
                "type": share.type.value,
                "issuer": view.issuer,
                "issuedOn": view.issued_on.isoformat() if view.issued_on else None,
                "expiresOn": view.expires_on.isoformat() if view.expires_on else None,
            },
            "disclosed": view.disclosed if view.authentic else {},
            "party": share.party,
            "purpose": share.purpose,
            "shareExpiresAt": share.expires_at.isoformat(),
        },
        headers=headers,
    )
