"""Real-name verification (实名认证): binding a verified identity to an account.

Knowing a name and an ID number proves nothing (both leak), so a binding needs
possession: the mobile carrier's real-name record of the signed-in phone
(:meth:`RealNameService.verify`), or a face check against the register photo of that
ID (:meth:`RealNameBinder.bind_by_face`, driven by the liveness service). Every refusal
looks the same to the caller; the precise reason goes to the identity audit log.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from stdnum.cn import ric
from stdnum.exceptions import ValidationError

from identity.adapters.carrier import CarrierRealNameCheck
from identity.adapters.population import PopulationRegister
from identity.adapters.sms import SmsSender
from identity.errors import (
    GuardianRequired,
    IdentityError,
    InvalidIdNumber,
    InvalidName,
    RateLimited,
    RealNameAlreadyVerified,
    RealNameMismatch,
)
from identity.masking import mask_phone
from identity.models import (
    Account,
    AssuranceLevel,
    IdentityClaim,
    Principal,
    RealName,
    to_millis,
)
from identity.repositories.accounts import AccountRepository, RealNameBinding
from identity.repositories.audit import IdentityAudit
from identity.repositories.moves import IdentityMoves
from infra.crypto import KeyedHash
from infra.outages import translates_outages
from kit.ratelimit import Limiter

logger = logging.getLogger("identity")

ATTEMPTS_PER_ACCOUNT_PER_DAY = 5
# Carrier-check failures per ID number a day, across all accounts: past this, that
# number binds only by face (so its real holder is never locked out).
FAILURES_PER_ID_PER_DAY = 5
# PIPL treats the data of children under 14 as sensitive: a guardian acts for them.
MINIMUM_AGE = 14
CITY_TIME = ZoneInfo("Asia/Shanghai")
MAX_NAME_LENGTH = 64
# Longer input cannot be an ID number, whatever separators it carries.
MAX_ID_INPUT_LENGTH = 32


@dataclass(frozen=True, slots=True)
class RealNameVerified:
    """The account's verified identity and the level the calling session now holds."""

    real_name: RealName
    level: AssuranceLevel


def age_on(birth_date: date, day: date) -> int:
    """Whole years from ``birth_date`` to ``day``."""
    before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - int(before_birthday)


def parse_claim(raw_name: str, raw_id: str, now: datetime) -> IdentityClaim:
    """A well-formed claim of an adult or a child of 14 or more, else a typed error.

    The age comes from the ID number itself, so refusing a child reveals nothing.
    """
    claim = IdentityClaim(name=normalize_name(raw_name), id_number=normalize_id_number(raw_id))
    if age_on(claim.birth_date, now.astimezone(CITY_TIME).date()) < MINIMUM_AGE:
        raise GuardianRequired(field="idNumber")
    return claim


def normalize_id_number(raw: str) -> str:
    """The canonical form of a resident ID number (upper-case ``X``).

    Raises :class:`InvalidIdNumber` unless length, area code, birth date and the
    ISO 7064 MOD 11-2 check character are all right.
    """
    if len(raw) > MAX_ID_INPUT_LENGTH:
        raise InvalidIdNumber(field="idNumber")
    try:
        return str(ric.validate(raw.strip()))
    except ValidationError:
        raise InvalidIdNumber(field="idNumber") from None


def normalize_name(raw: str) -> str:
    """The name as the register writes it: NFKC (full-width forms folded), no outer spaces."""
    name = unicodedata.normalize("NFKC", raw).strip()
    if not 1 <= len(name) <= MAX_NAME_LENGTH:
        raise InvalidName(field="name")
    return name


class RealNameBinder:
    """The rules every binding follows, whatever proved possession.

    The register must name the claimed person; one ID number binds to one account; an
    account's identity never changes once bound. A refusal is always
    :class:`RealNameMismatch`, with its reason in the audit log.
    """

    def __init__(
        self,
        accounts: AccountRepository,
        register: PopulationRegister,
        moves: IdentityMoves,
        audit: IdentityAudit,
        sms: SmsSender,
        hasher: KeyedHash,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._accounts = accounts
        self._register = register
        self._moves = moves
        self._audit = audit
        self._sms = sms
        self._hasher = hasher
        self._clock = clock

    def id_hash(self, id_number: str) -> str:
        """The keyed hash of an ID number (unique index, rate-limit keys, audit)."""
        return self._hasher.digest(id_number)

    async def account(self, account_id: str) -> Account:
        """The caller's account (it exists: the caller holds a live session)."""
        account = await self._accounts.get(account_id)
        if account is None:
            raise IdentityError
        return account

    async def refuse(self, account_id: str, reason: str, id_hash: str | None) -> RealNameMismatch:
        """Audit the precise reason; the caller gets the uniform refusal."""
        logger.info("identity.real_name.refused account=%s reason=%s", account_id, reason)
        await self._audit.record(
            "real_name.refused",
            account_id=account_id,
            reason=reason,
            id_hash=id_hash,
            at=self._clock(),
        )
        return RealNameMismatch(field="idNumber")

    def already_bound(self, account: Account, claim: IdentityClaim) -> RealName | None:
        """The account's identity when it is this claim's; an error for another one."""
        bound = account.real_name
        if bound is None:
            return None
        if bound.id_number != claim.id_number or bound.name != claim.name:
            raise RealNameAlreadyVerified
        return bound

    async def registered(self, account_id: str, claim: IdentityClaim, id_hash: str) -> RealName:
        """The register's record of the claimed person, or the uniform refusal."""
        person = await self._register.lookup(claim.id_number)
        if person is None:
            raise await self.refuse(account_id, "not_in_register", id_hash)
        if person.name != claim.name:
            raise await self.refuse(account_id, "name_mismatch", id_hash)
        return RealName(
            name=person.name,
            id_number=person.id_number,
            birth_date=person.birth_date,
            gender=person.gender,
            verified_at=to_millis(self._clock()),
        )

    async def bind(self, account: Account, real_name: RealName, id_hash: str) -> RealName:
        """Bind to an account without identity, unless another account holds the number."""
        owner = await self._accounts.id_hash_owner(id_hash)
        if owner is not None and owner != account.id:
            raise await self.refuse(account.id, "bound_elsewhere", id_hash)
        outcome = await self._accounts.bind_real_name(account.id, real_name, id_hash)
        if outcome is RealNameBinding.ID_TAKEN:
            # Another account bound the same number between our check and our write.
            raise await self.refuse(account.id, "bound_elsewhere", id_hash)
        if outcome is RealNameBinding.NOT_BOUND:
            # A concurrent binding of this account won: it must be this very identity.
            winner = await self.account(account.id)
            bound = self.already_bound(winner, IdentityClaim(real_name.name, real_name.id_number))
            assert bound is not None
            return bound
        await self._audit.record(
            "real_name.bound", account_id=account.id, id_hash=id_hash, at=real_name.verified_at
        )
        logger.info("identity.real_name.verified account=%s", account.id)
        return real_name

    async def bind_by_face(self, account_id: str, claim: IdentityClaim) -> RealName:
        """Bind after a passed face check against the register photo of ``claim``.

        A face outranks every earlier binding: a number held by another account moves
        here, ending that account's binding, sessions, grants and claims, and its phone
        is told.
        """
        id_hash = self.id_hash(claim.id_number)
        account = await self.account(account_id)
        if (bound := self.already_bound(account, claim)) is not None:
            return bound
        real_name = await self.registered(account_id, claim, id_hash)
        for _ in range(3):
            owner = await self._accounts.id_hash_owner(id_hash)
            if owner is None or owner == account_id:
                outcome = await self._accounts.bind_real_name(account_id, real_name, id_hash)
                if outcome is RealNameBinding.ID_TAKEN:
                    continue  # someone bound it meanwhile: move it from them
                if outcome is RealNameBinding.NOT_BOUND:
                    bound = self.already_bound(await self.account(account_id), claim)
                    assert bound is not None
                    return bound
                await self._audit.record(
                    "real_name.bound_by_face",
                    account_id=account_id,
                    id_hash=id_hash,
                    at=real_name.verified_at,
                )
                logger.info("identity.real_name.verified account=%s method=face", account_id)
                return real_name
            if await self._moves.move(
                from_account=owner,
                to_account=account_id,
                real_name=real_name,
                id_hash=id_hash,
                now=real_name.verified_at,
            ):
                logger.warning(
                    "identity.real_name.moved from_account=%s to_account=%s", owner, account_id
                )
                await self._tell_former_holder(owner)
                return real_name
        raise await self.refuse(account_id, "binding_contended", id_hash)

    async def _tell_former_holder(self, account_id: str) -> None:
        # The move is committed whatever happens here; a lost notice is logged (the
        # outbox of the kernel issue will make it durable).
        former = await self._accounts.get(account_id)
        if former is None:
            return
        try:
            await self._sms.send_notice(former.phone, "identity_moved")
        except Exception:
            logger.exception(
                "identity.real_name.move_notice_failed phone=%s", mask_phone(former.phone)
            )


class RealNameService:
    """Binds an identity when the carrier's record of the caller's phone confirms it.

    Failed attempts are limited per account and per ID number a day; past the ID's
    limit that number binds only by face, so the real holder is never locked out.
    """

    def __init__(
        self,
        binder: RealNameBinder,
        carrier: CarrierRealNameCheck,
        limiter: Limiter,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._binder = binder
        self._carrier = carrier
        self._limiter = limiter
        self._clock = clock

    @translates_outages
    async def verify(self, principal: Principal, name: str, id_number: str) -> RealNameVerified:
        """Bind ``name`` and ``id_number`` to the caller when the carrier confirms them.

        Repeating the verification with the identity already bound succeeds again.
        """
        account_id = principal.account_id
        attempts_key = f"realname-attempts:{account_id}"
        # Count the attempt before looking at anything and take it back only on
        # success: were failures counted afterwards, parallel requests could all pass
        # the limit check before any failure was recorded, and guessing names for an
        # ID number (or ID numbers for a name) would no longer be bounded.
        wait = await self._limiter.hit(
            attempts_key, limit=ATTEMPTS_PER_ACCOUNT_PER_DAY, window_seconds=86_400
        )
        if wait is not None:
            logger.info("identity.real_name.rate_limited account=%s", account_id)
            raise RateLimited(retry_after=wait)
        try:
            real_name = await self._verify(account_id, name, id_number)
        except IdentityError as error:
            logger.info("identity.real_name.failed account=%s code=%s", account_id, error.code)
            raise
        await self._limiter.undo(attempts_key)
        return RealNameVerified(
            real_name=real_name, level=max(principal.level, AssuranceLevel.REAL_NAME)
        )

    async def _verify(self, account_id: str, raw_name: str, raw_id: str) -> RealName:
        claim = parse_claim(raw_name, raw_id, self._clock())
        account = await self._binder.account(account_id)
        if (bound := self._binder.already_bound(account, claim)) is not None:
            return bound
        id_hash = self._binder.id_hash(claim.id_number)
        id_key = f"realname-id:{id_hash[:40]}"
        if await self._limiter.hit(id_key, limit=FAILURES_PER_ID_PER_DAY, window_seconds=86_400):
            raise await self._binder.refuse(account_id, "id_needs_face_check", id_hash)
        real_name = await self._binder.registered(account_id, claim, id_hash)
        if not await self._carrier.confirms(account.phone, claim.name, claim.id_number):
            raise await self._binder.refuse(account_id, "carrier_mismatch", id_hash)
        bound = await self._binder.bind(account, real_name, id_hash)
        await self._limiter.undo(id_key)
        return bound
