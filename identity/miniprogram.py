"""Sign-in from WeChat and Alipay mini-programs, linked to the phone account."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

import redis.asyncio as redis_async

from identity.crypto import KeyedHash
from identity.errors import IdentityError
from identity.link_repository import MiniProgramLinkRepository
from identity.models import Device
from identity.service import SignedIn, SignInService
from infra.outages import translates_outages
from infra.providers import DevelopmentOnly

LINK_TICKET_SECONDS = 600


class MiniProgramPlatform(StrEnum):
    """The super-app platforms our mini-programs run in."""

    WECHAT = "wechat"
    ALIPAY = "alipay"


class InvalidMiniProgramCode(IdentityError):
    """The platform did not accept the login code (wrong, expired or already used)."""

    code = "INVALID_MINI_PROGRAM_CODE"
    code_description = "The mini-program login code was refused; get a new one from the platform."
    message_zh = "小程序登录凭证无效或已过期，请重新进入小程序"
    message_en = "The mini-program login code is invalid or expired; reopen the mini-program"


class InvalidLinkTicket(IdentityError):
    """The link ticket is unknown, expired or already used."""

    code = "INVALID_INPUT"
    message_zh = "绑定凭证无效或已过期，请重新从小程序登录"
    message_en = "The link ticket is invalid or expired; sign in from the mini-program again"


class MiniProgramProvider(Protocol):
    """Exchanges a mini-program login code for the user's stable id (WeChat ``code2session``)."""

    async def open_id(self, platform: MiniProgramPlatform, code: str) -> str:
        """The user's openid on ``platform``; raises :class:`InvalidMiniProgramCode`."""


class DevelopmentMiniProgram(DevelopmentOnly):
    """DEVELOPMENT ONLY — no platform is called.

    Accepts codes of the form ``dev-<anything>`` and derives a stable openid from them,
    so the demo and tests can play a returning mini-program user. Staging and
    production refuse to start with it wired.
    """

    label = "development mini-program sign-in (accepts any `dev-…` code, calls no platform)"

    async def open_id(self, platform: MiniProgramPlatform, code: str) -> str:
        """A deterministic fake openid for ``dev-`` codes."""
        if not code.startswith("dev-") or not 5 <= len(code) <= 128:
            raise InvalidMiniProgramCode(field="code")
        return "dev_" + hashlib.sha256(f"{platform}:{code}".encode()).hexdigest()[:28]


@dataclass(frozen=True, slots=True)
class LinkRequired:
    """No account is linked to this mini-program user yet: sign in by SMS with the ticket."""

    ticket: str
    expires_in_seconds: int


class MiniProgramSignIn:
    """Signs mini-program users in, or links them to their phone account on first use.

    Both ways in raise :class:`infra.outages.Unavailable` while Redis (link tickets)
    or the database (links, sessions) is down.
    """

    def __init__(
        self,
        provider: MiniProgramProvider,
        links: MiniProgramLinkRepository,
        redis: redis_async.Redis,
        hasher: KeyedHash,
        sign_in: SignInService,
        *,
        prefix: str,
    ) -> None:
        self._provider = provider
        self._links = links
        self._redis = redis
        self._hasher = hasher
        self._sign_in = sign_in
        self._prefix = prefix

    def _ticket_key(self, ticket: str) -> str:
        return f"{self._prefix}mp-link:{self._hasher.digest(ticket)[:40]}"

    @translates_outages
    async def sign_in_with_code(
        self, platform: MiniProgramPlatform, code: str, device: Device, client_ip: str | None
    ) -> SignedIn | LinkRequired:
        """A session when the user is linked; otherwise a ticket for the SMS sign-in."""
        open_id = await self._provider.open_id(platform, code)
        # The openid is a personal identifier: we keep only its keyed hash.
        link_id = f"{platform.value}:{self._hasher.digest(open_id)}"
        account = await self._links.account_of(link_id)
        if account is not None:
            tokens = await self._sign_in.open_session(
                account, device, client_ip, methods=("mini_program",)
            )
            return SignedIn(account=account, tokens=tokens, level=account.base_level)
        ticket = secrets.token_urlsafe(24)
        await self._redis.set(
            self._ticket_key(ticket), json.dumps({"link_id": link_id}), ex=LINK_TICKET_SECONDS
        )
        return LinkRequired(ticket=ticket, expires_in_seconds=LINK_TICKET_SECONDS)

    @translates_outages
    async def sign_in_and_link(
        self, raw_phone: str, sms_code: str, device: Device, client_ip: str | None, ticket: str
    ) -> SignedIn:
        """SMS sign-in that also links the mini-program user behind ``ticket``.

        The ticket is checked first and used up only when the sign-in succeeds, so a
        mistyped SMS code can be retried with the same ticket.
        """
        key = self._ticket_key(ticket)
        if len(ticket) > 100 or not await self._redis.exists(key):
            raise InvalidLinkTicket(field="miniProgramLinkTicket")
        signed_in = await self._sign_in.sign_in(raw_phone, sms_code, device, client_ip)
        raw = await self._redis.getdel(key)
        if raw is None:  # used by a concurrent sign-in a moment ago
            raise InvalidLinkTicket(field="miniProgramLinkTicket")
        await self._links.link(json.loads(raw)["link_id"], signed_in.account.id)
        return signed_in
