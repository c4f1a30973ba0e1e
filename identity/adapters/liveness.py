"""Liveness (face) check vendors: the provider interface and the development stand-in.

The client app runs the vendor's face capture with a ticket the vendor issued. Then
either the vendor hands the client a signed result, which only the vendor's adapter
can vouch for (the development stand-in), or the adapter fetches the verdict on the
ticket from the vendor server-side and ignores what the client passes (Tencent
FaceID's ``GetDetectInfoEnhanced``, :mod:`identity.adapters.faceid`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from identity.errors import InvalidLivenessResult
from infra.providers import DevelopmentOnly

TICKET_TTL = timedelta(minutes=10)
"""How long a started check stays usable (a vendor may give less, never more)."""
MAX_RESULT_LENGTH = 2048
_RESULT_VERSION = "v1"


@dataclass(frozen=True, slots=True)
class LivenessTicket:
    """A started check: the provider's ticket and when it lapses."""

    ticket: str
    expires_at: datetime
    provider: str
    url: str | None = None
    """Where a browser or web view runs the capture, when the vendor gives one."""


@dataclass(frozen=True, slots=True)
class LivenessResult:
    """A provider's verdict on one ticket, after its signature was checked."""

    ticket: str
    passed: bool


class LivenessProvider(Protocol):
    """A vendor's liveness (face) check: starts checks and vouches for their results."""

    name: str
    """Short provider name shown to clients (``development`` for the fake one)."""

    async def start(self, account_id: str, *, id_number: str, name: str) -> LivenessTicket:
        """Open a check of the account's holder against the register photo of ``id_number``
        (``name`` is the name registered with it)."""

    async def verify_result(
        self, signed_result: str, *, ticket: str, account_id: str
    ) -> LivenessResult:
        """The verdict on ``ticket``, opened for ``account_id``: read from ``signed_result``
        (:class:`InvalidLivenessResult` unless the provider really signed it), or fetched
        from the vendor, which then ignores ``signed_result``."""


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, signed_part: str) -> bytes:
    return hmac.new(key, signed_part.encode(), hashlib.sha256).digest()


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

    async def start(self, account_id: str, *, id_number: str, name: str) -> LivenessTicket:
        """A fresh random ticket (nothing is sent anywhere, no face is compared)."""
        return LivenessTicket(
            ticket=f"lvt_{secrets.token_urlsafe(24)}",
            expires_at=self._clock() + self._ticket_ttl,
            provider=self.name,
        )

    async def verify_result(
        self, signed_result: str, *, ticket: str, account_id: str
    ) -> LivenessResult:
        """Check the HMAC in constant time, then read the verdict (the service compares
        its ticket with ``ticket``)."""
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
        signed_ticket, passed = verdict.get("ticket"), verdict.get("passed")
        if not isinstance(signed_ticket, str) or not isinstance(passed, bool):
            raise InvalidLivenessResult(field="result")
        return LivenessResult(ticket=signed_ticket, passed=passed)
