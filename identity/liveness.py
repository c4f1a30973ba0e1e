"""Real-person verification (实人认证): a liveness provider's start/complete flow.

The caller starts a check and gets a provider ticket; the client app runs the
provider's face capture with it, and the provider hands back a signed result that
the client passes to :meth:`LivenessService.complete`. A passed check on an
account that is already real-name verified gives level 3 for
:data:`~identity.models.REAL_PERSON_WINDOW`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

import redis.asyncio as redis_async

from identity.errors import (
    IdentityError,
    InvalidLivenessResult,
    InvalidLivenessTicket,
    LivenessFailed,
    RateLimited,
)
from identity.models import REAL_PERSON_WINDOW, AssuranceLevel, Principal
from identity.repository import AccountRepository
from infra.ratelimit import RateLimiter

logger = logging.getLogger("identity")

TICKET_TTL = timedelta(minutes=10)
STARTS_PER_ACCOUNT_PER_HOUR = 10
MAX_TICKET_LENGTH = 128
MAX_RESULT_LENGTH = 2048
_RESULT_VERSION = "v1"


@dataclass(frozen=True, slots=True)
class LivenessTicket:
    """A started check: the provider's ticket and when it lapses."""

    ticket: str
    expires_at: datetime
    provider: str


@dataclass(frozen=True, slots=True)
class LivenessResult:
    """A provider's verdict on one ticket, after its signature was checked."""

    ticket: str
    passed: bool


@dataclass(frozen=True, slots=True)
class RealPersonVerified:
    """A passed check: the level now held and until when it lasts."""

    level: AssuranceLevel
    verified_at: datetime
    valid_until: datetime


class LivenessProvider(Protocol):
    """A vendor's liveness (face) check: starts checks and vouches for their results."""

    name: str
    """Short provider name shown to clients (``development`` for the fake one)."""

    async def start(self, account_id: str) -> LivenessTicket:
        """Open a check for the account's holder; the client runs it with the ticket."""

    async def verify_result(self, signed_result: str) -> LivenessResult:
        """The verdict in ``signed_result``; :class:`InvalidLivenessResult` unless the
        provider really signed it."""


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, signed_part: str) -> bytes:
    return hmac.new(key, signed_part.encode(), hashlib.sha256).digest()


def _millis(moment: datetime) -> datetime:
    # MongoDB keeps milliseconds: answer with what a later read will give.
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def sign_development_result(key: bytes, ticket: str, passed: bool) -> str:
    """DEVELOPMENT ONLY: the signed result :class:`DevelopmentLiveness` accepts.

    Stands in for the vendor's face capture in tests and the demo: whoever holds
    ``key`` (``DerivedKeys.development_liveness``) can claim any verdict. Format:
    ``v1.<base64url JSON {ticket, passed}>.<base64url HMAC-SHA256>``.
    """
    payload = json.dumps({"ticket": ticket, "passed": passed}, separators=(",", ":"))
    signed_part = f"{_RESULT_VERSION}.{_b64(payload.encode())}"
    return f"{signed_part}.{_b64(_mac(key, signed_part))}"


class DevelopmentLiveness:
    """DEVELOPMENT ONLY — NOT A REAL LIVENESS CHECK: nobody's face is ever looked at.

    It issues random tickets and accepts any result signed (HMAC-SHA256) with the
    development key, which only tests and the demo know; see
    :func:`sign_development_result`. The settings refuse development providers in
    production.
    """

    name = "development"

    def __init__(
        self,
        key: bytes,
        *,
        ticket_ttl: timedelta = TICKET_TTL,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._key = key
        self._ticket_ttl = ticket_ttl
        self._clock = clock

    async def start(self, account_id: str) -> LivenessTicket:
        """A fresh random ticket (the account is not sent anywhere)."""
        return LivenessTicket(
            ticket=f"lvt_{secrets.token_urlsafe(24)}",
            expires_at=self._clock() + self._ticket_ttl,
            provider=self.name,
        )

    async def verify_result(self, signed_result: str) -> LivenessResult:
        """Check the HMAC in constant time, then read the verdict."""
        parts = signed_result.split(".")
        if len(signed_result) > MAX_RESULT_LENGTH or len(parts) != 3:
            raise InvalidLivenessResult(field="result")
        version, payload, mac = parts
        try:
            presented = _unb64(mac)
        except (binascii.Error, ValueError):
            raise InvalidLivenessResult(field="result") from None
        if version != _RESULT_VERSION or not hmac.compare_digest(
            presented, _mac(self._key, f"{version}.{payload}")
        ):
            raise InvalidLivenessResult(field="result")
        try:
            verdict = json.loads(_unb64(payload))
        except (binascii.Error, ValueError):
            raise InvalidLivenessResult(field="result") from None
        if not isinstance(verdict, dict):
            raise InvalidLivenessResult(field="result")
        ticket, passed = verdict.get("ticket"), verdict.get("passed")
        if not isinstance(ticket, str) or not isinstance(passed, bool):
            raise InvalidLivenessResult(field="result")
        return LivenessResult(ticket=ticket, passed=passed)


# Redeem a ticket only for the account that started it: 1 done, 0 unknown (expired or
# already used), -1 another account's (left in place so the owner can still finish).
_REDEEM = """
local owner = redis.call('GET', KEYS[1])
if not owner then return 0 end
if owner ~= ARGV[1] then return -1 end
redis.call('DEL', KEYS[1])
return 1
"""


class LivenessTickets:
    """Started checks in Redis: ticket → account, expiring, usable once."""

    def __init__(self, redis: redis_async.Redis, *, prefix: str) -> None:
        self._redis = redis
        self._prefix = prefix
        self._redeem = redis.register_script(_REDEEM)

    def _key(self, ticket: str) -> str:
        # Only a hash of the ticket is stored: Redis and its append-only file hold no
        # usable ticket (it has 192 random bits, so a plain SHA-256 cannot be reversed).
        return f"{self._prefix}liveness:{hashlib.sha256(ticket.encode()).hexdigest()[:40]}"

    async def remember(self, ticket: str, account_id: str, ttl_seconds: int) -> None:
        """Record that ``account_id`` started ``ticket``."""
        await self._redis.set(self._key(ticket), account_id, ex=ttl_seconds, nx=True)

    async def redeem(self, ticket: str, account_id: str) -> int:
        """Use up the ticket if it is ``account_id``'s (see ``_REDEEM`` for the answer)."""
        return int(await self._redeem(keys=[self._key(ticket)], args=[account_id]))


class LivenessService:
    """Starts and completes liveness checks; a pass raises the account to level 3."""

    def __init__(
        self,
        accounts: AccountRepository,
        provider: LivenessProvider,
        tickets: LivenessTickets,
        limiter: RateLimiter,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._accounts = accounts
        self.provider = provider
        self._tickets = tickets
        self._limiter = limiter
        self._clock = clock

    async def start(self, principal: Principal) -> LivenessTicket:
        """Open a check for the caller (who must be real-name verified: the provider
        compares the face with the ID card photo)."""
        wait = await self._limiter.hit(
            f"liveness-starts:{principal.account_id}",
            limit=STARTS_PER_ACCOUNT_PER_HOUR,
            window_seconds=3_600,
        )
        if wait is not None:
            raise RateLimited(retry_after=wait)
        started = await self.provider.start(principal.account_id)
        now = self._clock()
        lifetime = min(started.expires_at - now, TICKET_TTL).total_seconds()
        await self._tickets.remember(
            started.ticket, principal.account_id, max(1, math.ceil(lifetime))
        )
        logger.info("identity.liveness.started account=%s", principal.account_id)
        return started

    async def complete(
        self, principal: Principal, ticket: str, signed_result: str
    ) -> RealPersonVerified:
        """Accept the provider's signed verdict on the caller's own, unused ticket."""
        account_id = principal.account_id
        if not 1 <= len(ticket) <= MAX_TICKET_LENGTH:
            raise InvalidLivenessTicket(field="ticket")
        # The signature is checked before the ticket is touched, so a forged result
        # cannot even use up the caller's ticket.
        result = await self.provider.verify_result(signed_result)
        if not hmac.compare_digest(result.ticket.encode(), ticket.encode()):
            raise InvalidLivenessResult(field="result")
        redeemed = await self._tickets.redeem(ticket, account_id)
        if redeemed != 1:
            if redeemed < 0:
                logger.warning("identity.liveness.foreign_ticket account=%s", account_id)
            raise InvalidLivenessTicket(field="ticket")
        if not result.passed:
            logger.info("identity.liveness.failed account=%s", account_id)
            raise LivenessFailed
        now = _millis(self._clock())
        if not await self._accounts.record_real_person(account_id, now):
            raise IdentityError  # not real-name verified: the level guard should prevent it
        logger.info("identity.liveness.passed account=%s", account_id)
        return RealPersonVerified(
            level=AssuranceLevel.REAL_PERSON,
            verified_at=now,
            valid_until=now + REAL_PERSON_WINDOW,
        )
