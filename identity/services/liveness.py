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

import hmac
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from identity.adapters.liveness import TICKET_TTL, LivenessProvider, LivenessTicket
from identity.errors import (
    IdentityError,
    InvalidLivenessResult,
    InvalidLivenessTicket,
    LivenessFailed,
    RateLimited,
)
from identity.models import (
    REAL_PERSON_WINDOW,
    AssuranceLevel,
    IdentityClaim,
    LivenessPurpose,
    Principal,
    RealName,
    StartedCheck,
    to_millis,
)
from identity.repositories.liveness_tickets import LivenessTickets, TicketRefused
from identity.repositories.sessions import SessionRepository
from identity.services.real_name import RealNameBinder, RealNameVerified, parse_claim
from infra.outages import translates_outages
from kit.ratelimit import Limiter

logger = logging.getLogger("identity")

STARTS_PER_ACCOUNT_PER_HOUR = 10
MAX_TICKET_LENGTH = 128


@dataclass(frozen=True, slots=True)
class RealPersonVerified:
    """A passed check: the level now held and until when it lasts."""

    level: AssuranceLevel
    verified_at: datetime
    valid_until: datetime


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
        limiter: Limiter,
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
        return await self._start(
            principal,
            account.real_name.id_number,
            LivenessPurpose.STEP_UP,
            None,
            name=account.real_name.name,
        )

    @translates_outages
    async def start_binding(
        self, principal: Principal, name: str, id_number: str
    ) -> LivenessTicket:
        """Open a check of the caller's face against the register photo of the claimed ID."""
        claim = parse_claim(name, id_number, self._clock())
        self._binder.already_bound(await self._binder.account(principal.account_id), claim)
        return await self._start(
            principal, claim.id_number, LivenessPurpose.BIND, claim, name=claim.name
        )

    async def _start(
        self,
        principal: Principal,
        id_number: str,
        purpose: LivenessPurpose,
        claim: IdentityClaim | None,
        *,
        name: str,
    ) -> LivenessTicket:
        wait = await self._limiter.hit(
            f"liveness-starts:{principal.account_id}",
            limit=STARTS_PER_ACCOUNT_PER_HOUR,
            window_seconds=3_600,
        )
        if wait is not None:
            raise RateLimited(retry_after=wait)
        started = await self.provider.start(principal.account_id, id_number=id_number, name=name)
        now = self._clock()
        lifetime = min(started.expires_at - now, TICKET_TTL).total_seconds()
        record = StartedCheck(principal.account_id, principal.session_id, purpose, claim)
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
        await self._redeem(principal, ticket, signed_result, LivenessPurpose.STEP_UP)
        return await self._raise_session(principal)

    @translates_outages
    async def complete_binding(
        self, principal: Principal, ticket: str, signed_result: str
    ) -> IdentityBoundByFace:
        """Bind the claimed identity after a passed face check; the session gets level 3."""
        record = await self._redeem(principal, ticket, signed_result, LivenessPurpose.BIND)
        assert record.claim is not None
        real_name: RealName = await self._binder.bind_by_face(principal.account_id, record.claim)
        passed = await self._raise_session(principal)
        return IdentityBoundByFace(
            verified=RealNameVerified(real_name=real_name, level=passed.level),
            valid_until=passed.valid_until,
        )

    async def _redeem(
        self, principal: Principal, ticket: str, signed_result: str, purpose: LivenessPurpose
    ) -> StartedCheck:
        account_id = principal.account_id
        if not 1 <= len(ticket) <= MAX_TICKET_LENGTH:
            raise InvalidLivenessTicket(field="ticket")
        # Only the caller's own live ticket is worth a verdict: a vendor that fetches
        # results is never asked about another's, a used or an unknown ticket.
        refused = await self._tickets.refusal(ticket, principal)
        if refused is not None:
            self._log_refusal(refused, account_id)
            raise InvalidLivenessTicket(field="ticket")
        # The verdict is checked before the ticket is used up, so a forged result
        # cannot use up the caller's ticket (nor can a vendor's answer not yet ready).
        result = await self.provider.verify_result(
            signed_result, ticket=ticket, account_id=account_id
        )
        if not hmac.compare_digest(result.ticket.encode(), ticket.encode()):
            raise InvalidLivenessResult(field="result")
        record = await self._tickets.redeem(ticket, principal)
        if isinstance(record, TicketRefused):  # used by a concurrent completion meanwhile
            self._log_refusal(record, account_id)
            raise InvalidLivenessTicket(field="ticket")
        if record.purpose != purpose:
            raise InvalidLivenessTicket(field="ticket")
        if not result.passed:
            logger.info("identity.liveness.failed account=%s", account_id)
            raise LivenessFailed
        return record

    @staticmethod
    def _log_refusal(refused: TicketRefused, account_id: str) -> None:
        if refused is TicketRefused.FOREIGN:
            logger.warning("identity.liveness.foreign_ticket account=%s", account_id)

    async def _raise_session(self, principal: Principal) -> RealPersonVerified:
        now = to_millis(self._clock())
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
