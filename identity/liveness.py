"""Real-person verification (实人认证): a liveness provider's start/complete flow.

The caller starts a check and gets a provider ticket; the client app runs the
provider's face capture with it (the provider compares the face with the register
photo of an ID number), and the provider hands back a signed result that the client
passes back to us. Two purposes:

- step-up: an account with a verified identity proves the person is present; the
  session that passed holds level 3 for :data:`~identity.models.REAL_PERSON_WINDOW`;
- binding: a caller claims a name and ID number and proves it with their face
  (:meth:`LivenessService.start_binding`); this also moves a number bound elsewhere.

A ticket is usable once, by the account and session that started it, for its purpose.
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

from identity.crypto import FieldCipher
from identity.errors import (
    IdentityError,
    InvalidLivenessResult,
    InvalidLivenessTicket,
    LivenessFailed,
    RateLimited,
)
from identity.models import REAL_PERSON_WINDOW, AssuranceLevel, Principal, RealName
from identity.realname import IdentityClaim, RealNameBinder, RealNameVerified, parse_claim
from identity.repository import SessionRepository
from infra.outages import translates_outages
from infra.providers import DevelopmentOnly
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

    async def start(self, account_id: str, *, id_number: str) -> LivenessTicket:
        """Open a check of the account's holder against the register photo of ``id_number``."""

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


class DevelopmentLiveness(DevelopmentOnly):
    """DEVELOPMENT ONLY — NOT A REAL LIVENESS CHECK: nobody's face is ever looked at.

    It issues random tickets and accepts any result signed (HMAC-SHA256) with the
    development key, which only tests and the demo know; see
    :func:`sign_development_result`. A :class:`DevelopmentOnly` provider: staging and
    production refuse to start with it wired.
    """

    name = "development"
    label = "development liveness (NOT a real face check: any signed result passes)"

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

    async def start(self, account_id: str, *, id_number: str) -> LivenessTicket:
        """A fresh random ticket (nothing is sent anywhere, no face is compared)."""
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


class Purpose:
    """What a liveness ticket was started for."""

    STEP_UP = "step_up"
    BIND = "bind"


@dataclass(frozen=True, slots=True)
class TicketRecord:
    """Who started a ticket, from which session, and for what."""

    account_id: str
    session_id: str
    purpose: str
    claim: IdentityClaim | None = None


# Redeem a ticket only for the account and session that started it: {1, purpose, claim}
# done; {0} unknown (expired or already used); {-1} another's (left for its owner).
_REDEEM = """
local owner = redis.call('HMGET', KEYS[1], 'account', 'session')
if not owner[1] then return {0} end
if owner[1] ~= ARGV[1] or owner[2] ~= ARGV[2] then return {-1} end
local fields = redis.call('HMGET', KEYS[1], 'purpose', 'claim')
redis.call('DEL', KEYS[1])
return {1, fields[1] or '', fields[2] or ''}
"""


class LivenessTickets:
    """Started checks in Redis: ticket → who, expiring, usable once.

    A binding ticket carries the claimed name and ID number, encrypted and bound to
    the ticket: nothing personal rests in Redis in clear.
    """

    def __init__(self, redis: redis_async.Redis, cipher: FieldCipher, *, prefix: str) -> None:
        self._redis = redis
        self._cipher = cipher
        self._prefix = prefix
        self._redeem = redis.register_script(_REDEEM)

    def _key(self, ticket: str) -> str:
        # Only a hash of the ticket is stored: Redis and its append-only file hold no
        # usable ticket (it has 192 random bits, so a plain SHA-256 cannot be reversed).
        return f"{self._prefix}liveness:{hashlib.sha256(ticket.encode()).hexdigest()[:40]}"

    async def remember(self, ticket: str, record: TicketRecord, ttl_seconds: int) -> None:
        """Record who started ``ticket`` and why."""
        claim = ""
        if record.claim is not None:
            plain = json.dumps([record.claim.name, record.claim.id_number], ensure_ascii=False)
            claim = self._cipher.encrypt(plain, context=f"liveness:{ticket}")
        key = self._key(ticket)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(
                key,
                mapping={
                    "account": record.account_id,
                    "session": record.session_id,
                    "purpose": record.purpose,
                    "claim": claim,
                },
            )
            pipe.expire(key, ttl_seconds)
            await pipe.execute()

    async def redeem(self, ticket: str, principal: Principal) -> TicketRecord | int:
        """Use up the ticket if the caller's session started it; else 0 or -1 as above."""
        answer = await self._redeem(
            keys=[self._key(ticket)], args=[principal.account_id, principal.session_id]
        )
        status = int(answer[0])
        if status != 1:
            return status
        purpose, sealed = (_text(part) for part in answer[1:3])
        claim = None
        if sealed:
            name, id_number = json.loads(self._cipher.decrypt(sealed, context=f"liveness:{ticket}"))
            claim = IdentityClaim(name=name, id_number=id_number)
        return TicketRecord(principal.account_id, principal.session_id, purpose, claim)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


@dataclass(frozen=True, slots=True)
class IdentityBoundByFace:
    """A face check bound (or confirmed) the identity and raised this session."""

    verified: RealNameVerified
    valid_until: datetime


class LivenessService:
    """Starts and completes liveness checks, for step-up or for binding an identity."""

    def __init__(
        self,
        sessions: SessionRepository,
        binder: RealNameBinder,
        provider: LivenessProvider,
        tickets: LivenessTickets,
        limiter: RateLimiter,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._sessions = sessions
        self._binder = binder
        self.provider = provider
        self._tickets = tickets
        self._limiter = limiter
        self._clock = clock

    @translates_outages
    async def start(self, principal: Principal) -> LivenessTicket:
        """Open a step-up check for the caller, compared with their bound ID's photo."""
        account = await self._binder.account(principal.account_id)
        if account.real_name is None:
            raise IdentityError  # the level guard (REAL_NAME) should prevent it
        return await self._start(principal, account.real_name.id_number, Purpose.STEP_UP, None)

    @translates_outages
    async def start_binding(
        self, principal: Principal, name: str, id_number: str
    ) -> LivenessTicket:
        """Open a check of the caller's face against the register photo of the claimed ID."""
        claim = parse_claim(name, id_number, self._clock())
        self._binder.already_bound(await self._binder.account(principal.account_id), claim)
        return await self._start(principal, claim.id_number, Purpose.BIND, claim)

    async def _start(
        self, principal: Principal, id_number: str, purpose: str, claim: IdentityClaim | None
    ) -> LivenessTicket:
        wait = await self._limiter.hit(
            f"liveness-starts:{principal.account_id}",
            limit=STARTS_PER_ACCOUNT_PER_HOUR,
            window_seconds=3_600,
        )
        if wait is not None:
            raise RateLimited(retry_after=wait)
        started = await self.provider.start(principal.account_id, id_number=id_number)
        now = self._clock()
        lifetime = min(started.expires_at - now, TICKET_TTL).total_seconds()
        record = TicketRecord(principal.account_id, principal.session_id, purpose, claim)
        await self._tickets.remember(started.ticket, record, max(1, math.ceil(lifetime)))
        logger.info(
            "identity.liveness.started account=%s purpose=%s", principal.account_id, purpose
        )
        return started

    @translates_outages
    async def complete(
        self, principal: Principal, ticket: str, signed_result: str
    ) -> RealPersonVerified:
        """Accept the provider's verdict on the caller's own step-up ticket."""
        await self._redeem(principal, ticket, signed_result, Purpose.STEP_UP)
        return await self._raise_session(principal)

    @translates_outages
    async def complete_binding(
        self, principal: Principal, ticket: str, signed_result: str
    ) -> IdentityBoundByFace:
        """Bind the claimed identity after a passed face check; the session gets level 3."""
        record = await self._redeem(principal, ticket, signed_result, Purpose.BIND)
        assert record.claim is not None
        real_name: RealName = await self._binder.bind_by_face(principal.account_id, record.claim)
        passed = await self._raise_session(principal)
        return IdentityBoundByFace(
            verified=RealNameVerified(real_name=real_name, level=passed.level),
            valid_until=passed.valid_until,
        )

    async def _redeem(
        self, principal: Principal, ticket: str, signed_result: str, purpose: str
    ) -> TicketRecord:
        account_id = principal.account_id
        if not 1 <= len(ticket) <= MAX_TICKET_LENGTH:
            raise InvalidLivenessTicket(field="ticket")
        # The signature is checked before the ticket is touched, so a forged result
        # cannot even use up the caller's ticket.
        result = await self.provider.verify_result(signed_result)
        if not hmac.compare_digest(result.ticket.encode(), ticket.encode()):
            raise InvalidLivenessResult(field="result")
        record = await self._tickets.redeem(ticket, principal)
        if not isinstance(record, TicketRecord):
            if record < 0:
                logger.warning("identity.liveness.foreign_ticket account=%s", account_id)
            raise InvalidLivenessTicket(field="ticket")
        if record.purpose != purpose:
            raise InvalidLivenessTicket(field="ticket")
        if not result.passed:
            logger.info("identity.liveness.failed account=%s", account_id)
            raise LivenessFailed
        return record

    async def _raise_session(self, principal: Principal) -> RealPersonVerified:
        now = _millis(self._clock())
        if not await self._sessions.record_real_person(
            principal.session_id, principal.account_id, now
        ):
            raise IdentityError  # the session was revoked meanwhile
        logger.info(
            "identity.liveness.passed account=%s session=%s",
            principal.account_id,
            principal.session_id,
        )
        return RealPersonVerified(
            level=AssuranceLevel.REAL_PERSON,
            verified_at=now,
            valid_until=now + REAL_PERSON_WINDOW,
        )
