"""REST: a licence's pictures, for its holder only (``/wallet/licences/{uri}/card.png|pdf``).

The caller signs in as for GraphQL (``Authorization: Bearer <access token>``) and,
as for ``me.wallet``, holds a verified real name (level ``REAL_NAME``; a phone-only
session gets 403 ``STEP_UP_REQUIRED``). A citizen gets the licences their account
holds; a licence of an enterprise is given to a caller acting for it
(``X-Acting-For: <uscc>``) with ``wallet:read``, as the enterprise's wallet is. Anyone
else, and any URI that is not a licence, gets the same 404: the answer never tells
whether someone else's licence exists. The pictures are drawn by :mod:`wallet.cards`
(off the event loop) and never cached by intermediaries.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from app.context import get_context
from directory.service import DirectoryService
from identity.models import AgentScope, AssuranceLevel, Principal
from kit.registry import ServiceRegistry
from wallet.cards import render_pdf, render_png
from wallet.errors import LicenceNotFound
from wallet.models import HolderKind, Licence
from wallet.service import WalletService

router = APIRouter(tags=["wallet"])

CITY_TIME = ZoneInfo("Asia/Shanghai")
_MEDIA = {"png": "image/png", "pdf": "application/pdf"}
_RENDER: dict[str, Callable[..., bytes]] = {"png": render_png, "pdf": render_pdf}


def _not_found() -> JSONResponse:
    return JSONResponse(
        {"code": "NOT_FOUND", "message": "未找到该证照", "messageEn": "No such licence"},
        status_code=404,
    )


def may_see(principal: Principal, licence: Licence) -> bool:
    """Whether ``principal`` holds ``licence`` (or acts for its enterprise with wallet:read)."""
    holder = licence.holder
    if holder.kind is HolderKind.CITIZEN:
        return holder.id == principal.account_id
    acting = principal.acting_for
    return (
        acting is not None
        and acting.uscc == holder.id
        and AgentScope.WALLET_READ.value in acting.scopes
    )


async def _picture(request: Request, uri: str, kind: Literal["png", "pdf"]) -> Response:
    context = await get_context(request)
    principal = context.principal
    if principal is None:
        return JSONResponse(
            {
                "code": "AUTHENTICATION_REQUIRED",
                "reason": context.auth_failure,
                "message": "请先登录",
                "messageEn": "Sign in first",
            },
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )
    if principal.level < AssuranceLevel.REAL_NAME:
        return JSONResponse(
            {
                "code": "STEP_UP_REQUIRED",
                "requiredLevel": AssuranceLevel.REAL_NAME.name,
                "currentLevel": principal.level.name,
                "message": "请先完成实名认证",
                "messageEn": "Verify your real name first",
            },
            status_code=403,
        )
    services: ServiceRegistry = request.app.state.services
    try:
        licence = await services.get(WalletService).licence(uri)
    except LicenceNotFound:
        return _not_found()
    if not may_see(principal, licence):
        return _not_found()
    [department] = await services.get(DirectoryService).departments_by_code([licence.issuer])
    issuer_name = department.name.zh if department is not None else licence.issuer
    today: date = datetime.now(CITY_TIME).date()
    body = await asyncio.to_thread(_RENDER[kind], licence, issuer_name=issuer_name, today=today)
    return Response(
        body,
        media_type=_MEDIA[kind],
        headers={
            "Cache-Control": "private, no-store",
            "Content-Disposition": f'inline; filename="licence.{kind}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get("/wallet/licences/{uri}/card.png")
async def card_png(request: Request, uri: str) -> Response:
    """The licence as a PNG card (holder only; 404 for anyone else)."""
    return await _picture(request, uri, "png")


@router.get("/wallet/licences/{uri}/card.pdf")
async def card_pdf(request: Request, uri: str) -> Response:
    """The licence as a one-page PDF with its QR code and seal mark (holder only)."""
    return await _picture(request, uri, "pdf")
