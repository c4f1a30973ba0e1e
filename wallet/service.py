"""The wallet's rules: issuing sealed licences and verifying their seals.

Issuing is a service call (applications call it on approval, department sources when
they load a department's licences; the officers' mutation comes with the GraphQL side):
the request is checked against its type's schema, signed with the issuing department's
current seal key over the canonical serialisation of :meth:`Licence.signed_content`,
and stored with its number and fields encrypted.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from infra.crypto import FieldCipher, KeyedHash, Undecryptable
from kit.paging import Page
from wallet.canonical import canonical_json
from wallet.errors import (
    InvalidLicence,
    LicenceNotFound,
    LicenceStatusConflict,
    LicenceTypeNotIssued,
    NoSealForDepartment,
)
from wallet.events import EXPIRING, ISSUED, licence_event
from wallet.models import (
    EXPIRY_NOTICE_DAYS,
    SCHEMAS,
    FieldKind,
    Holder,
    HolderKind,
    Licence,
    LicenceSchema,
    LicenceType,
    Seal,
    SealCheck,
    SealFailure,
    StatusChange,
    StoredLicence,
)
from wallet.repository import LicenceRepository
from wallet.seals import SealKeyring, b64url, b64url_decode
from wallet.status_list import sign_status_list

logger = logging.getLogger("wallet")

CITY_ZONE = ZoneInfo("Asia/Shanghai")
"""Licences expire by the city's calendar: 'today' is today in Zhuzhou."""
MAX_PAGE_SIZE = 50
MAX_REASON_LENGTH = 500

URI_PREFIX = "urn:zhuzhou:licence"
_USCC = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
_ACCOUNT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_NUMBER = re.compile(r"^[0-9A-Za-z()（）〔〕\[\]第号-]{1,64}$")
_MAX_TEXT = 500


@dataclass(frozen=True, slots=True)
class IssueRequest:
    """A licence to issue: who holds it, who issues it, its number, dates and fields."""

    type: LicenceType
    holder: Holder
    issuer: str
    number: str
    issued_on: date
    expires_on: date | None
    fields: Mapping[str, object]


class WalletService:
    """Issues licences sealed by their department and checks the seals of stored ones."""

    def __init__(
        self,
        licences: LicenceRepository,
        seals: SealKeyring,
        cipher: FieldCipher,
        lookup: KeyedHash,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._licences = licences
        self.seals = seals
        self._cipher = cipher
        self._lookup = lookup
        self.clock = clock

    def today(self) -> date:
        """Today in the city (the day statuses are computed for)."""
        return self.clock().astimezone(CITY_ZONE).date()

    def licence_uri(self, issuer: str, type_: LicenceType, number: str) -> str:
        """The stable URI of a licence; its last part is a keyed hash of the number."""
        docid = self._lookup.digest(f"{issuer}|{type_.value}|{number}")[:32]
        return f"{URI_PREFIX}:{issuer}:{type_.value}:{docid}"

    async def issue(self, request: IssueRequest) -> Licence:
        """Check, seal and store a new licence; returns it (fields in clear, in memory).

        Raises :class:`InvalidLicence` (``field`` names the fault),
        :class:`LicenceTypeNotIssued`, :class:`NoSealForDepartment` or
        :class:`LicenceAlreadyIssued`; nothing is stored then.
        """
        schema = SCHEMAS[request.type]
        if request.issuer not in schema.issuers:
            raise LicenceTypeNotIssued(field="issuer")
        signer = self.seals.current(request.issuer)
        if signer is None:
            raise NoSealForDepartment(field="issuer")
        _check_holder(schema, request.holder)
        number = _text(request.number, "number")
        if not _NUMBER.fullmatch(number):
            raise InvalidLicence(field="number")
        if request.expires_on is not None and request.expires_on <= request.issued_on:
            raise InvalidLicence(field="expiresOn")
        unsigned = Licence(
            uri=self.licence_uri(request.issuer, request.type, number),
            type=request.type,
            holder=request.holder,
            issuer=request.issuer,
            number=number,
            issued_on=request.issued_on,
            expires_on=request.expires_on,
            fields=_typed_fields(schema, request.fields),
            seal=Seal(alg="", kid="", signature=""),
        )
        # Off the event loop: an SM2 signature is tens of milliseconds of pure Python.
        signature = await asyncio.to_thread(signer.sign, canonical_json(unsigned.signed_content()))
        seal = Seal(alg=signer.public.alg.value, kid=signer.public.kid, signature=b64url(signature))
        licence = dataclasses.replace(unsigned, seal=seal)
        stored = await self._licences.insert(
            self._stored(licence), lambda slotted: licence_event(slotted, ISSUED)
        )
        logger.info("wallet.licence.issued uri=%s issuer=%s", licence.uri, licence.issuer)
        return dataclasses.replace(licence, status_index=stored.status_index)

    async def wallet_page(self, holder: Holder, *, first: int, after: str | None) -> Page[Licence]:
        """One page of ``holder``'s licences in URI order, fields decrypted (one query)."""
        if not 1 <= first <= MAX_PAGE_SIZE:
            raise InvalidLicence(field="first")
        rows = await self._licences.page_of_holder(holder, after=after, limit=first + 1)
        return Page.of([self._opened(row) for row in rows], first)

    async def issuer_of(self, uri: str) -> str:
        """The department that issued ``uri`` (to check an officer's grant there)."""
        if len(uri) > 200:
            raise LicenceNotFound(field="uri")
        stored = await self._licences.get(uri)
        if stored is None:
            raise LicenceNotFound(field="uri")
        return stored.issuer

    async def change_status(
        self, uri: str, change: StatusChange, reason: str, *, by: str
    ) -> Licence:
        """Suspend, reinstate or revoke ``uri`` with a reason; its event goes with it.

        The caller has checked that ``by`` is an officer of the issuing department.
        Raises :class:`InvalidLicence` (``reason``), :class:`LicenceNotFound` or
        :class:`LicenceStatusConflict` when the status does not allow the change.
        """
        why = _text(reason, "reason")
        if len(why) > MAX_REASON_LENGTH:
            raise InvalidLicence(field="reason")
        changed = await self._licences.change_status(
            uri,
            change,
            sealed_reason=self._cipher.encrypt(why, context=f"{uri}|reason"),
            by=by,
            now=self.clock(),
            event=lambda stored: licence_event(stored, change.value),
        )
        if changed is None:
            if await self._licences.get(uri) is None:
                raise LicenceNotFound(field="uri")
            raise LicenceStatusConflict(field="uri")
        logger.info("wallet.licence.%s uri=%s by=%s", change.value, uri, by)
        return self._opened(changed)

    async def scan_expiring(self) -> int:
        """Append ``wallet.licence.expiring`` 30 and 7 days before each licence's expiry.

        Idempotent per licence and threshold: each notice is recorded on the licence
        with its event, so running the scan again (or on two workers) sends nothing
        twice. A licence first seen inside 7 days gets the 7-day notice only. Returns
        how many events were appended.
        """
        today = self.today()
        appended = 0
        for stored in await self._licences.expiring_on_or_before(
            today + timedelta(days=max(EXPIRY_NOTICE_DAYS)), today=today
        ):
            assert stored.expires_on is not None
            left = (stored.expires_on - today).days
            days = min(d for d in EXPIRY_NOTICE_DAYS if left <= d)
            event = licence_event(stored, EXPIRING, days=days)
            if await self._licences.note_expiry_notice(stored, days, event):
                appended += 1
        logger.info("wallet.expiry_scan.done appended=%d", appended)
        return appended

    async def licence(self, uri: str) -> Licence:
        """The licence with ``uri``, fields decrypted; :class:`LicenceNotFound` otherwise."""
        stored = await self._licences.get(uri)
        if stored is None:
            raise LicenceNotFound(field="uri")
        return self._opened(stored)

    async def verify(self, uri: str) -> SealCheck:
        """Whether the stored licence's seal verifies (:meth:`check_seal`)."""
        return await self.check_seal_async(await self.licence(uri))

    def check_seal(self, licence: Licence) -> SealCheck:
        """Verify ``licence``'s seal with the published key its ``kid`` names.

        The key must be published (current or previous), belong to the licence's issuer
        and be of the seal's algorithm; the signature must match the canonical content.
        """
        published = self.seals.published(licence.seal.kid)
        if published is None:
            return SealCheck(False, SealFailure.UNKNOWN_KEY)
        if published.department != licence.issuer:
            return SealCheck(False, SealFailure.WRONG_DEPARTMENT)
        if published.key.alg.value != licence.seal.alg:
            return SealCheck(False, SealFailure.ALGORITHM_MISMATCH)
        try:
            signature = b64url_decode(licence.seal.signature)
        except ValueError:
            return SealCheck(False, SealFailure.BAD_SIGNATURE)
        if not published.key.verify(canonical_json(licence.signed_content()), signature):
            return SealCheck(False, SealFailure.BAD_SIGNATURE)
        return SealCheck(True)

    async def check_seal_async(self, licence: Licence) -> SealCheck:
        """:meth:`check_seal` in a worker thread, so a slow (SM2) check never stalls the loop."""
        return await asyncio.to_thread(self.check_seal, licence)

    def published_keys(self) -> dict[str, Any]:
        """Every department's seal keys, JWKS-style (for ``/.well-known/seals.json``)."""
        return self.seals.jwks()

    def _stored(self, licence: Licence) -> StoredLicence:
        content = json.dumps({"number": licence.number, "fields": dict(licence.fields)})
        return StoredLicence(
            uri=licence.uri,
            type=licence.type,
            holder=licence.holder,
            issuer=licence.issuer,
            issued_on=licence.issued_on,
            expires_on=licence.expires_on,
            sealed_content=self._cipher.encrypt(content, context=licence.uri),
            seal=licence.seal,
            status=licence.status,
            version=licence.version,
            status_index=licence.status_index,
        )

    def _opened(self, stored: StoredLicence) -> Licence:
        try:
            content = json.loads(self._cipher.decrypt(stored.sealed_content, context=stored.uri))
        except Undecryptable:
            # Another key or a copied ciphertext: the licence reads as empty, and its
            # seal then fails, which is what a verifier must see.
            content = {"number": "", "fields": {}}
        reason = None
        if stored.sealed_reason is not None:
            try:
                reason = self._cipher.decrypt(stored.sealed_reason, context=f"{stored.uri}|reason")
            except Undecryptable:
                reason = None
        return Licence(
            uri=stored.uri,
            type=stored.type,
            holder=stored.holder,
            issuer=stored.issuer,
            number=content["number"],
            issued_on=stored.issued_on,
            expires_on=stored.expires_on,
            fields=content["fields"],
            seal=stored.seal,
            status=stored.status,
            version=stored.version,
            status_reason=reason,
            status_index=stored.status_index,
        )

    async def status_list_token(self, department: str) -> str:
        """The department's signed status list (IETF Token Status List, JWT form).

        :class:`NoSealForDepartment` when the department has no seal (hence no list).
        """
        signer = self.seals.current(department)
        if signer is None:
            raise NoSealForDepartment(field="department")
        size, statuses = await self._licences.statuses_of_issuer(department)
        return await asyncio.to_thread(
            sign_status_list, department, size, statuses, signer, now=self.clock()
        )

    async def licences_held_by(self, holder: Holder) -> list[Licence]:
        """Every licence of ``holder``, fields decrypted, newest issue first (one query).

        Licences issued the same day come in URI order (the store's), so the order is
        stable.
        """
        stored = await self._licences.of_holder(holder)
        stored.sort(key=lambda licence: licence.uri)
        stored.sort(key=lambda licence: licence.issued_on, reverse=True)
        return [self._opened(licence) for licence in stored]


def _check_holder(schema: LicenceSchema, holder: Holder) -> None:
    if holder.kind not in schema.holders:
        raise InvalidLicence(field="holder")
    pattern = _USCC if holder.kind is HolderKind.ENTERPRISE else _ACCOUNT_ID
    if not pattern.fullmatch(holder.id):
        raise InvalidLicence(field="holder")


def _text(value: object, name: str) -> str:
    if not isinstance(value, str):
        raise InvalidLicence(field=name)
    text = unicodedata.normalize("NFC", value.strip())
    if not text or len(text) > _MAX_TEXT or any(unicodedata.category(c) == "Cc" for c in text):
        raise InvalidLicence(field=name)
    return text


def _typed_fields(schema: LicenceSchema, given: Mapping[str, object]) -> dict[str, str | int]:
    unknown = sorted(set(given) - {spec.name for spec in schema.fields})
    if unknown:
        # The caller's unknown name is not echoed back: it is input, not ours.
        raise InvalidLicence(field="fields")
    fields: dict[str, str | int] = {}
    for spec in schema.fields:
        name = f"fields.{spec.name}"
        if spec.name not in given or given[spec.name] is None:
            if spec.required:
                raise InvalidLicence(field=name)
            continue
        value = given[spec.name]
        if spec.kind is FieldKind.INTEGER:
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**53:
                raise InvalidLicence(field=name)
            fields[spec.name] = value
        elif spec.kind is FieldKind.DATE:
            if isinstance(value, date):
                fields[spec.name] = value.isoformat()
                continue
            try:
                fields[spec.name] = date.fromisoformat(_text(value, name)).isoformat()
            except ValueError:
                raise InvalidLicence(field=name) from None
        else:
            fields[spec.name] = _text(value, name)
    return fields
