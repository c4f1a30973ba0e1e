"""Showing licences: show-codes (亮证) made by holders, checked by anyone, logged for holders.

The holder picks one of their licences and the fields to disclose; the wallet mints a
five-minute show-code (:mod:`wallet.showcode`) signed with the issuing department's
current seal key. Anyone checks it online (:meth:`PresentationService.verify`, no
sign-in) or offline with the published keys and status list. Every online check of an
authentically signed code lands in the holder's log, with the verifier's name when it
gave one.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import unicodedata
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from infra.crypto import FieldCipher, KeyedHash, Undecryptable
from kit.errors import RateLimited
from kit.paging import Page
from kit.ratelimit import Limiter
from wallet.errors import InvalidLicence, LicenceNotFound, LicenceNotValid, NoSealForDepartment
from wallet.models import (
    Holder,
    Licence,
    LicenceStatus,
    VerificationChannel,
    VerificationEntry,
)
from wallet.repositories.verifications import VerificationRepository
from wallet.service import WalletService
from wallet.showcode import (
    NUMBER_FIELD,
    PublishedSealKey,
    ShowCodeCheck,
    ShowCodeClaims,
    ShowCodeContent,
    ShowCodeFailure,
    check,
    disclosable,
    mint,
)

logger = logging.getLogger("wallet")

SHOW_CODE_SECONDS = 300
CHECKS_PER_MINUTE = 120
"""Public checks (show-codes and share links) per client address and minute: a busy
counter scans a code every few seconds; an SM2 check costs tens of milliseconds of CPU."""
MAX_VERIFIER_LENGTH = 100
MAX_PAGE_SIZE = 50


@dataclass(frozen=True, slots=True)
class ShowCode:
    """A minted show-code and what it discloses."""

    token: str
    claims: ShowCodeClaims
    disclosed: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class OnlineCheck:
    """An online check: the offline result, plus the licence's status on record today."""

    authentic: bool
    failure: ShowCodeFailure | None
    claims: ShowCodeClaims | None
    disclosed: dict[str, str | int] = field(default_factory=dict)
    status: LicenceStatus | None = None
    checked_at: datetime = field(default_factory=lambda: datetime.now(UTC))


def licence_values(licence: Licence) -> dict[str, str | int]:
    """Every disclosable value of ``licence``: its number and its typed fields."""
    return {NUMBER_FIELD: licence.number, **licence.fields}


def chosen_fields(licence: Licence, names: Sequence[str]) -> tuple[str, ...]:
    """``names`` checked against the licence: at least one, each disclosable and present."""
    allowed = set(disclosable(licence.type)) & set(licence_values(licence))
    if not names or len(set(names)) != len(names) or not set(names) <= allowed:
        raise InvalidLicence(field="fields")
    return tuple(names)


def verifier_name(verifier: str | None) -> str | None:
    """A verifier's self-declared name, normalised; ``InvalidLicence`` when unusable."""
    if verifier is None:
        return None
    name = unicodedata.normalize("NFC", verifier.strip())
    if not name:
        return None
    if len(name) > MAX_VERIFIER_LENGTH or any(unicodedata.category(c)[0] == "C" for c in name):
        raise InvalidLicence(field="verifier")
    return name


class PresentationService:
    """Makes show-codes for holders, checks them for anyone, keeps the holders' log."""

    def __init__(
        self,
        wallet: WalletService,
        verifications: VerificationRepository,
        cipher: FieldCipher,
        limiter: Limiter,
        lookup: KeyedHash,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        checks_per_minute: int = CHECKS_PER_MINUTE,
    ) -> None:
        self._wallet = wallet
        self._verifications = verifications
        self._cipher = cipher
        self._limiter = limiter
        self._lookup = lookup
        self.clock = clock
        self.checks_per_minute = checks_per_minute

    async def admit(self, client: str | None) -> None:
        """Count one public check from ``client`` (its address, hashed for the key).

        :class:`RateLimited` (with ``retry_after``) past :data:`CHECKS_PER_MINUTE`.
        """
        key = f"wallet-check:{self._lookup.digest(client or 'unknown')[:40]}"
        wait = await self._limiter.hit(key, limit=self.checks_per_minute, window_seconds=60)
        if wait is not None:
            raise RateLimited(retry_after=wait)

    async def held_licence(self, holders: Collection[Holder], uri: str) -> Licence:
        """The licence ``uri`` when one of ``holders`` holds it; :class:`LicenceNotFound`
        otherwise (another holder's licence reads as no licence at all)."""
        if len(uri) > 200:
            raise LicenceNotFound(field="licence")
        try:
            licence = await self._wallet.licence(uri)
        except LicenceNotFound:
            raise LicenceNotFound(field="licence") from None
        if licence.holder not in holders:
            raise LicenceNotFound(field="licence")
        return licence

    async def create_show_code(
        self, holders: Collection[Holder], uri: str, fields: Sequence[str]
    ) -> ShowCode:
        """A five-minute show-code of a valid licence of ``holders``, disclosing ``fields``."""
        licence = await self.held_licence(holders, uri)
        if licence.status_on(self._wallet.today()) is not LicenceStatus.VALID:
            raise LicenceNotValid(field="licence")
        disclosed = chosen_fields(licence, fields)
        signer = self._wallet.seals.current(licence.issuer)
        if signer is None:
            raise NoSealForDepartment(field="licence")
        # Off the event loop: an SM2 signature is tens of milliseconds of pure Python.
        token, claims = await asyncio.to_thread(
            mint,
            ShowCodeContent(
                issuer=licence.issuer,
                uri=licence.uri,
                type=licence.type,
                issued_on=licence.issued_on,
                expires_on=licence.expires_on,
                fields=licence_values(licence),
                status_index=licence.status_index,
            ),
            disclosed,
            signer,
            now=self.clock(),
            lifetime_seconds=SHOW_CODE_SECONDS,
        )
        logger.info("wallet.show_code.created uri=%s token=%s", uri, claims.token_id)
        return ShowCode(token=token, claims=claims, disclosed=disclosed)

    def check_offline(self, token: str) -> ShowCodeCheck:
        """What an offline verifier with our published keys concludes (no status)."""
        return check(token, self._published, now=self.clock())

    async def verify(
        self, token: str, verifier: str | None, *, client: str | None = None
    ) -> OnlineCheck:
        """Check a show-code online: signature, expiry, disclosures, the licence on record.

        Anyone may call it, within :data:`CHECKS_PER_MINUTE` per client address. A code
        whose signature verifies is logged for the licence's holder (also when expired),
        with ``verifier`` when given.
        """
        name = verifier_name(verifier)
        await self.admit(client)
        now = self.clock()
        # Off the event loop, as every seal check (SM2 runs in pure Python).
        offline = await asyncio.to_thread(check, token, self._published, now=now)
        if offline.claims is None:
            return OnlineCheck(False, offline.failure, None, checked_at=now)
        try:
            licence = await self._wallet.licence(offline.claims.uri)
        except LicenceNotFound:
            return OnlineCheck(False, ShowCodeFailure.UNKNOWN_LICENCE, None, checked_at=now)
        failure = offline.failure
        if failure is None and not (await self._wallet.check_seal_async(licence)).authentic:
            failure = ShowCodeFailure.TAMPERED_LICENCE
        status = licence.status_on(self._wallet.today())
        await self.record(licence, VerificationChannel.SHOW_CODE, failure, status, name, now)
        if failure is not None:
            return OnlineCheck(False, failure, offline.claims, checked_at=now)
        return OnlineCheck(True, None, offline.claims, dict(offline.disclosed), status, now)

    async def record(
        self,
        licence: Licence,
        channel: VerificationChannel,
        failure: ShowCodeFailure | None,
        status: LicenceStatus,
        verifier: str | None,
        now: datetime,
    ) -> None:
        """Log one check of ``licence`` for its holder."""
        entry = VerificationEntry(
            id=f"lvf_{secrets.token_hex(12)}",
            holder=licence.holder,
            uri=licence.uri,
            type=licence.type,
            channel=channel,
            outcome=failure.value if failure is not None else status.value,
            at=now.replace(microsecond=(now.microsecond // 1000) * 1000),
            verifier=verifier,
        )
        sealed = (
            self._cipher.encrypt(verifier, context=f"verification|{entry.id}")
            if verifier is not None
            else None
        )
        await self._verifications.add(entry, sealed)
        logger.info("wallet.licence.checked uri=%s channel=%s", licence.uri, channel.value)

    async def verifications(
        self, holder: Holder, *, first: int, before: tuple[datetime, str] | None
    ) -> Page[VerificationEntry]:
        """One page of the checks of ``holder``'s licences, newest first."""
        if not 1 <= first <= MAX_PAGE_SIZE:
            raise InvalidLicence(field="first")
        rows = await self._verifications.page_of(holder, before=before, limit=first + 1)
        entries = [self._opened(entry, sealed) for entry, sealed in rows]
        return Page.of(entries, first)

    def _opened(self, entry: VerificationEntry, sealed: str | None) -> VerificationEntry:
        if sealed is None:
            return entry
        try:
            name = self._cipher.decrypt(sealed, context=f"verification|{entry.id}")
        except Undecryptable:
            return entry
        return VerificationEntry(
            entry.id,
            entry.holder,
            entry.uri,
            entry.type,
            entry.channel,
            entry.outcome,
            entry.at,
            name,
        )

    def _published(self, kid: str) -> PublishedSealKey | None:
        published = self._wallet.seals.published(kid)
        if published is None:
            return None
        return PublishedSealKey(published.department, published.key, published.current)
