"""Sharing licences with consent: some fields, one named party, a purpose, an expiry.

The holder gets an unguessable link (256 random bits; only its keyed hash is stored);
whoever opens it sees the chosen fields of the licence as it stands, its status today
and whether its seal holds, and the opening lands in the holder's log like a
verification, in the party's name. A revoked or expired share opens nothing.
"""

from __future__ import annotations

import logging
import secrets
import unicodedata
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from infra.crypto import FieldCipher, KeyedHash, Undecryptable
from kit.paging import Page
from wallet.errors import InvalidLicence, LicenceNotFound, LicenceNotValid, ShareNotFound
from wallet.models import Holder, LicenceStatus, Share, VerificationChannel
from wallet.presentations import PresentationService, chosen_fields, licence_values
from wallet.repositories.shares import ShareRepository
from wallet.service import WalletService

logger = logging.getLogger("wallet")

MAX_DAYS = 30
MAX_PARTY_LENGTH = 100
MAX_PURPOSE_LENGTH = 200
MAX_PAGE_SIZE = 50
_TOKEN_BYTES = 32


@dataclass(frozen=True, slots=True)
class CreatedShare:
    """A new share and the secret of its link (shown once, never stored)."""

    share: Share
    token: str


@dataclass(frozen=True, slots=True)
class SharedView:
    """What an opened link shows; ``share`` is ``None`` when the link opens nothing."""

    share: Share | None
    issuer: str = ""
    status: LicenceStatus | None = None
    authentic: bool = False
    disclosed: dict[str, str | int] | None = None
    issued_on: date | None = None
    expires_on: date | None = None


def _text(value: str, field: str, limit: int) -> str:
    text = unicodedata.normalize("NFC", value.strip())
    if not text or len(text) > limit or any(unicodedata.category(c)[0] == "C" for c in text):
        raise InvalidLicence(field=field)
    return text


class ShareService:
    """Creates, opens, revokes and lists shares."""

    def __init__(
        self,
        wallet: WalletService,
        presentations: PresentationService,
        shares: ShareRepository,
        cipher: FieldCipher,
        lookup: KeyedHash,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._wallet = wallet
        self._presentations = presentations
        self._shares = shares
        self._cipher = cipher
        self._lookup = lookup
        self.clock = clock

    async def share(
        self,
        holders: Collection[Holder],
        uri: str,
        *,
        party: str,
        purpose: str,
        fields: Sequence[str],
        expires_in_days: int,
    ) -> CreatedShare:
        """Share some fields of a valid licence of ``holders`` with ``party``.

        Someone else's licence raises :class:`LicenceNotFound`; a licence that is not
        valid today :class:`LicenceNotValid`; bad input :class:`InvalidLicence`.
        """
        licence = await self._presentations.held_licence(holders, uri)
        if licence.status_on(self._wallet.today()) is not LicenceStatus.VALID:
            raise LicenceNotValid(field="licence")
        chosen = chosen_fields(licence, fields)
        party_name = _text(party, "party", MAX_PARTY_LENGTH)
        why = _text(purpose, "purpose", MAX_PURPOSE_LENGTH)
        if not 1 <= expires_in_days <= MAX_DAYS:
            raise InvalidLicence(field="expiresInDays")
        now = _millis(self.clock())
        share = Share(
            id=f"shr_{secrets.token_hex(12)}",
            holder=licence.holder,
            uri=licence.uri,
            type=licence.type,
            fields=chosen,
            party=party_name,
            purpose=why,
            created_at=now,
            expires_at=now + timedelta(days=expires_in_days),
        )
        token = secrets.token_urlsafe(_TOKEN_BYTES)
        await self._shares.add(
            share,
            token_hash=self._lookup.digest(f"share|{token}"),
            sealed_party=self._cipher.encrypt(party_name, context=f"share-party|{share.id}"),
            sealed_purpose=self._cipher.encrypt(why, context=f"share-purpose|{share.id}"),
        )
        logger.info("wallet.share.created share=%s uri=%s", share.id, licence.uri)
        return CreatedShare(share=share, token=token)

    async def open(self, token: str, *, client: str | None = None) -> SharedView:
        """What the link ``token`` shows now; an unknown, revoked or expired share: nothing.

        Opening a live share is logged for the holder in the party's name. Counted
        against the client's public checks (:class:`RateLimited` past the limit).
        """
        await self._presentations.admit(client)
        if not 20 <= len(token) <= 100:
            return SharedView(None)
        found = await self._shares.by_token_hash(self._lookup.digest(f"share|{token}"))
        now = self.clock()
        if found is None:
            return SharedView(None)
        share = self._opened(*found)
        if not share.usable_at(now):
            return SharedView(None)
        try:
            licence = await self._wallet.licence(share.uri)
        except LicenceNotFound:
            return SharedView(None)
        authentic = (await self._wallet.check_seal_async(licence)).authentic
        status = licence.status_on(self._wallet.today())
        values = licence_values(licence)
        await self._presentations.record(
            licence, VerificationChannel.SHARE, None, status, share.party, now
        )
        return SharedView(
            share=share,
            issuer=licence.issuer,
            status=status,
            authentic=authentic,
            disclosed={name: values[name] for name in share.fields if name in values},
            issued_on=licence.issued_on,
            expires_on=licence.expires_on,
        )

    async def revoke(self, holders: Collection[Holder], share_id: str) -> Share:
        """End a share of ``holders`` at once; :class:`ShareNotFound` otherwise."""
        if not share_id.startswith("shr_") or len(share_id) > 64:
            raise ShareNotFound(field="share")
        revoked = await self._shares.revoke(share_id, list(holders), _millis(self.clock()))
        if revoked is None:
            raise ShareNotFound(field="share")
        logger.info("wallet.share.revoked share=%s", share_id)
        return self._opened(*revoked)

    async def shares_of(
        self, holder: Holder, *, first: int, before: tuple[datetime, str] | None
    ) -> Page[Share]:
        """One page of ``holder``'s shares, newest first (revoked and expired included)."""
        if not 1 <= first <= MAX_PAGE_SIZE:
            raise InvalidLicence(field="first")
        rows = await self._shares.page_of(holder, before=before, limit=first + 1)
        return Page.of([self._opened(*row) for row in rows], first)

    def _opened(self, share: Share, sealed_party: str, sealed_purpose: str) -> Share:
        try:
            party = self._cipher.decrypt(sealed_party, context=f"share-party|{share.id}")
            purpose = self._cipher.decrypt(sealed_purpose, context=f"share-purpose|{share.id}")
        except Undecryptable:
            party, purpose = "", ""
        return replace(share, party=party, purpose=purpose)


def _millis(moment: datetime) -> datetime:
    return moment.replace(microsecond=(moment.microsecond // 1000) * 1000)
