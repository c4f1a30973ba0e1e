"""Real-name verification (实名认证): name and resident ID number against the register."""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from stdnum.cn import ric
from stdnum.exceptions import ValidationError

from identity.crypto import KeyedHash
from identity.errors import (
    IdentityError,
    IdNumberAlreadyBound,
    InvalidIdNumber,
    InvalidName,
    RateLimited,
    RealNameAlreadyVerified,
    RealNameMismatch,
)
from identity.models import Account, AssuranceLevel, Principal, RealName
from identity.population import PopulationRegister
from identity.repository import AccountRepository, RealNameBinding
from infra.ratelimit import RateLimiter

logger = logging.getLogger("identity")

ATTEMPTS_PER_ACCOUNT_PER_DAY = 5
MAX_NAME_LENGTH = 64
# Longer input cannot be an ID number, whatever separators it carries.
MAX_ID_INPUT_LENGTH = 32


@dataclass(frozen=True, slots=True)
class RealNameVerified:
    """The account's verified identity and the level it now holds."""

    real_name: RealName
    level: AssuranceLevel


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


def _millis(moment: datetime) -> datetime:
    # MongoDB keeps milliseconds: answer with what a later read will give.
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def mask_name(name: str) -> str:
    """``刘建军`` → ``刘*军``, ``周婷`` → ``周*``: recognisable to its owner only."""
    if len(name) <= 2:
        return name[:1] + "*" * (len(name) - 1) if len(name) == 2 else "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_id_number(id_number: str) -> str:
    """``430204198405122130`` → ``4302**********2130``: region and last four only."""
    return id_number[:4] + "*" * (len(id_number) - 8) + id_number[-4:]


class RealNameService:
    """Checks a citizen's name and ID number against the population register and binds them.

    One ID number binds to one account, and an account's identity never changes once
    verified. Failed attempts are limited per account and day.
    """

    def __init__(
        self,
        accounts: AccountRepository,
        register: PopulationRegister,
        limiter: RateLimiter,
        hasher: KeyedHash,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._accounts = accounts
        self._register = register
        self._limiter = limiter
        self._hasher = hasher
        self._clock = clock

    async def verify(self, principal: Principal, name: str, id_number: str) -> RealNameVerified:
        """Verify the caller as the registered holder of ``id_number`` (level 2).

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
            verified = await self._verify(account_id, name, id_number)
        except IdentityError as error:
            logger.info("identity.real_name.failed account=%s code=%s", account_id, error.code)
            raise
        await self._limiter.undo(attempts_key)
        return verified

    async def _verify(self, account_id: str, raw_name: str, raw_id: str) -> RealNameVerified:
        name = normalize_name(raw_name)
        id_number = normalize_id_number(raw_id)
        account = await self._account(account_id)
        if account.real_name is not None:
            return self._already_verified(account, name, id_number)
        person = await self._register.lookup(id_number)
        # Unknown number and wrong name give the same answer: no oracle for numbers.
        if person is None or person.name != name:
            raise RealNameMismatch
        id_hash = self._hasher.digest(id_number)
        owner = await self._accounts.id_hash_owner(id_hash)
        if owner is not None and owner != account_id:
            raise IdNumberAlreadyBound(field="idNumber")
        now = _millis(self._clock())
        real_name = RealName(
            name=person.name,
            id_number=person.id_number,
            birth_date=person.birth_date,
            gender=person.gender,
            verified_at=now,
        )
        outcome = await self._accounts.bind_real_name(account_id, real_name, id_hash)
        if outcome is RealNameBinding.ID_TAKEN:
            # Another account bound the same number between our check and our write.
            raise IdNumberAlreadyBound(field="idNumber")
        if outcome is RealNameBinding.NOT_BOUND:
            # A concurrent verification of this account won: answer as if repeated.
            return self._already_verified(await self._account(account_id), name, id_number)
        logger.info("identity.real_name.verified account=%s", account_id)
        bound = Account(
            id=account.id,
            phone=account.phone,
            created_at=account.created_at,
            real_name=real_name,
            real_person_verified_at=account.real_person_verified_at,
        )
        return RealNameVerified(real_name=real_name, level=bound.assurance_level(now))

    def _already_verified(self, account: Account, name: str, id_number: str) -> RealNameVerified:
        bound = account.real_name
        if bound is None or bound.id_number != id_number or bound.name != name:
            raise RealNameAlreadyVerified
        return RealNameVerified(real_name=bound, level=account.assurance_level(self._clock()))

    async def _account(self, account_id: str) -> Account:
        account = await self._accounts.get(account_id)
        if account is None:
            raise IdentityError
        return account
