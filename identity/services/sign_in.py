"""Sign-in with one-time codes, token refresh with rotation, sessions and sign-out."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from identity.adapters.ip_regions import IpRegions
from identity.adapters.sms import SmsSender
from identity.errors import (
    IdentityError,
    InvalidCode,
    InvalidDevice,
    InvalidRefreshToken,
    RateLimited,
    SessionNotFound,
)
from identity.masking import mask_ip, mask_phone
from identity.models import (
    Account,
    AssuranceLevel,
    Device,
    IssuedTokens,
    Principal,
    Session,
    new_id,
    session_level,
)
from identity.phone import normalize_mobile
from identity.repositories.accounts import AccountRepository
from identity.repositories.one_time_codes import OneTimeCodes
from identity.repositories.sessions import SessionRepository
from identity.repositories.sign_in_marks import RememberedSignIns
from identity.tokens import AccessTokens, TokenError
from infra.crypto import KeyedHash
from infra.outages import translates_outages
from kit.ratelimit import Limiter

logger = logging.getLogger("identity")

CODE_COOLDOWN_SECONDS = 60
CODES_PER_PHONE_PER_DAY = 10
CODES_PER_IP_PER_HOUR = 30
MAX_SESSIONS_LISTED = 50


@dataclass(frozen=True, slots=True)
class CodeSent:
    """A code is on its way."""

    phone_masked: str
    expires_in_seconds: int
    retry_after_seconds: int


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A new session for an account."""

    account: Account
    tokens: IssuedTokens
    level: AssuranceLevel


def _refresh_hash(secret: str) -> str:
    # Refresh secrets carry 256 random bits, so a plain hash cannot be brute-forced.
    return hashlib.sha256(secret.encode()).hexdigest()


class SignInService:
    """Phone sign-in, refresh-token rotation with reuse detection, sessions, sign-out.

    Requesting a code, signing in and refreshing raise
    :class:`infra.outages.Unavailable` while Redis or the database is down (the
    database is asked first, so nothing is spent that could not be redeemed).
    """

    def __init__(
        self,
        accounts: AccountRepository,
        sessions: SessionRepository,
        codes: OneTimeCodes,
        limiter: Limiter,
        sms: SmsSender,
        tokens: AccessTokens,
        regions: IpRegions,
        hasher: KeyedHash,
        *,
        refresh_ttl: timedelta,
        remembered: RememberedSignIns,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._remembered = remembered
        self._accounts = accounts
        self._sessions = sessions
        self._codes = codes
        self._limiter = limiter
        self._sms = sms
        self.tokens = tokens
        self._regions = regions
        self._hasher = hasher
        self._refresh_ttl = refresh_ttl
        self._clock = clock

    def now(self) -> datetime:
        """The service's clock (UTC)."""
        return self._clock()

    @translates_outages
    async def request_code(self, raw_phone: str, client_ip: str | None) -> CodeSent:
        """Send a sign-in code, within the per-phone and per-address limits.

        Answers the same whether or not the phone has an account. Sends nothing (and
        counts nothing) while the database or Redis is down: the code could not be
        redeemed, and the citizen would wait for nothing.
        """
        phone = normalize_mobile(raw_phone)
        await self._accounts.ping()
        phone_key = self._hasher.digest(phone)[:40]
        limits = [
            (f"otp-cooldown:{phone_key}", 1, CODE_COOLDOWN_SECONDS),
            (f"otp-day:{phone_key}", CODES_PER_PHONE_PER_DAY, 86_400),
            (
                f"otp-ip:{self._hasher.digest(client_ip or 'unknown')[:40]}",
                CODES_PER_IP_PER_HOUR,
                3_600,
            ),
        ]
        counted: list[str] = []
        for key, limit, window in limits:
            wait = await self._limiter.hit(key, limit=limit, window_seconds=window)
            if wait is not None:
                for earlier in counted:
                    await self._limiter.undo(earlier)
                raise RateLimited(retry_after=wait)
            counted.append(key)
        code = await self._codes.issue(phone)
        try:
            await self._sms.send_sign_in_code(phone, code)
        except Exception:
            await self._codes.withdraw(phone)
            logger.exception("identity.sms.send_failed phone=%s", mask_phone(phone))
            raise
        return CodeSent(
            phone_masked=mask_phone(phone),
            expires_in_seconds=self._codes.ttl_seconds,
            retry_after_seconds=CODE_COOLDOWN_SECONDS,
        )

    @translates_outages
    async def sign_in(
        self, raw_phone: str, code: str, device: Device, client_ip: str | None
    ) -> SignedIn:
        """Redeem a code: the account (created on first sign-in) and a new session."""
        _check_device(device)
        phone = normalize_mobile(raw_phone)
        # Redeeming uses the code up: only do it when the session can be written.
        await self._accounts.ping()
        if not await self._codes.redeem(phone, code.strip()):
            raise InvalidCode(field="code")
        now = self._clock()
        account = await self._accounts.get_or_create_by_phone(phone, now)
        tokens = await self.open_session(account, device, client_ip, methods=("sms",))
        logger.info("identity.signed_in account=%s session=%s", account.id, tokens.session_id)
        return SignedIn(account=account, tokens=tokens, level=account.base_level)

    async def open_session(
        self, account: Account, device: Device, client_ip: str | None, *, methods: tuple[str, ...]
    ) -> IssuedTokens:
        """Start a session for an account that has just proved who it is."""
        now = self._clock()
        session = Session(
            id=new_id("ses"),
            account_id=account.id,
            device=device,
            created_at=now,
            last_used_at=now,
            expires_at=now + self._refresh_ttl,
            ip_masked=mask_ip(client_ip),
            ip_region=self._regions.region_of(client_ip),
            methods=methods,
        )
        secret = secrets.token_urlsafe(32)
        await self._sessions.create(session, _refresh_hash(secret))
        return self._issue(account, session, secret, now)

    def _issue(
        self, account: Account, session: Session, secret: str, now: datetime
    ) -> IssuedTokens:
        # acr and amr say how this session got where it is: its own methods, and a
        # face check only when this session passed one.
        access, access_expires = self.tokens.issue(
            subject=account.id,
            session_id=session.id,
            level=session_level(account, session, now),
            methods=session.methods,
            now=now,
        )
        return IssuedTokens(
            access_token=access,
            access_expires_at=access_expires,
            refresh_token=f"{session.id}.{secret}",
            refresh_expires_at=session.expires_at,
            session_id=session.id,
        )

    @translates_outages
    async def refresh(self, refresh_token: str, client_ip: str | None) -> IssuedTokens:
        """Rotate a refresh token; presenting a rotated one revokes the whole session."""
        session_id, _, secret = refresh_token.partition(".")
        if not session_id.startswith("ses_") or not secret or len(refresh_token) > 200:
            raise InvalidRefreshToken(field="refreshToken")
        presented = _refresh_hash(secret)
        new_secret = secrets.token_urlsafe(32)
        now = self._clock()
        session = await self._sessions.rotate(
            session_id,
            presented,
            _refresh_hash(new_secret),
            now=now,
            ip_masked=mask_ip(client_ip),
            ip_region=self._regions.region_of(client_ip),
        )
        if session is None:
            if await self._sessions.was_rotated_away(session_id, presented):
                # Someone holds a copy of an old token: end the family for everyone.
                await self._sessions.revoke(
                    session_id, account_id=None, reason="refresh_token_reuse", now=now
                )
                logger.warning("identity.refresh_token_reused session=%s", session_id)
            raise InvalidRefreshToken(field="refreshToken")
        account = await self._accounts.get(session.account_id)
        if account is None:
            raise InvalidRefreshToken(field="refreshToken")
        return self._issue(account, session, new_secret, now)

    async def authenticate(self, access_token: str) -> tuple[Principal, Account]:
        """The principal (and account) of a valid token whose session is still active.

        Raises :class:`TokenError` (``EXPIRED``/``INVALID``/``REVOKED``). The level is
        the session's current one (a face check lapses; a verified identity counts from
        the moment it is bound), not the one frozen in the token. The account is
        handed back so the request need not read it again.

        The session and account come from this instance's memory while their sign-in
        marks are unchanged (``identity.repositories.sign_in_marks``): every write to
        either replaces a mark, so a revocation or a new level counts at once.
        """
        claims = self.tokens.verify(access_token)
        session_id, account_id = claims.session_id, claims.subject

        async def stored() -> tuple[Session | None, Account | None]:
            session, account = await asyncio.gather(
                self._sessions.get(session_id), self._accounts.get(account_id)
            )
            return session, account

        session, account = await self._remembered.read(session_id, account_id, stored)
        if session is None or account is None or session.account_id != account.id:
            raise TokenError("INVALID")
        if not session.active:
            raise TokenError("REVOKED")
        principal = Principal(
            account_id=account.id,
            session_id=session.id,
            level=session_level(account, session, self._clock()),
            methods=session.methods,
        )
        return principal, account

    async def sign_out(self, principal: Principal) -> None:
        """End the caller's own session."""
        await self._sessions.revoke(
            principal.session_id,
            account_id=principal.account_id,
            reason="signed_out",
            now=self._clock(),
        )

    async def sign_out_everywhere(self, principal: Principal) -> int:
        """End every session of the caller's account; returns how many ended."""
        return await self._sessions.revoke_all(
            principal.account_id, reason="signed_out_everywhere", now=self._clock()
        )

    async def revoke_session(self, principal: Principal, session_id: str) -> None:
        """End one of the caller's sessions (another user's id is simply not found)."""
        revoked = await self._sessions.revoke(
            session_id,
            account_id=principal.account_id,
            reason="revoked_by_owner",
            now=self._clock(),
        )
        if not revoked:
            raise SessionNotFound(field="sessionId")

    async def sessions_of(self, principal: Principal) -> list[Session]:
        """The caller's active sessions, most recently used first."""
        return await self._sessions.active_of(
            principal.account_id, now=self._clock(), limit=MAX_SESSIONS_LISTED
        )

    async def account_by_id(self, account_id: str) -> Account | None:
        """An account by id, for another domain's workflow about its holder (a correction
        case names the citizen whose record is corrected)."""
        return await self._accounts.get(account_id)

    async def account_of(self, principal: Principal) -> Account:
        """The caller's account."""
        account = await self._accounts.get(principal.account_id)
        if account is None:
            raise IdentityError
        return account


def _check_device(device: Device) -> None:
    if not 1 <= len(device.name.strip()) <= 64:
        raise InvalidDevice(field="device.name")
