"""Enterprises: claims by legal representatives, agent grants, and acting for an enterprise.

Who represents an enterprise is always the register's word: every claim, grant,
revocation and act is checked against the register of legal entities at that moment.
The representative is recognised by the keyed hash of the ID number bound to their
account; clear ID numbers are never stored, compared or logged here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from stdnum.cn import uscc as uscc_number
from stdnum.exceptions import ValidationError

from identity.adapters.legal_entities import LegalEntityRegister, RegisteredEntity
from identity.errors import (
    ActingForbidden,
    AgentIsRepresentative,
    AgentNotEligible,
    EnterpriseNotActive,
    EnterpriseNotRegistered,
    GrantNotFound,
    IdentityError,
    InvalidGrantExpiry,
    InvalidPhone,
    InvalidScopes,
    InvalidUscc,
    NotLegalRepresentative,
)
from identity.masking import mask_phone
from identity.models import (
    GRANTABLE_SCOPES,
    REPRESENTATIVE_SCOPES,
    ActingFor,
    ActingOption,
    AgentGrant,
    AgentScope,
    AssuranceLevel,
    Enterprise,
    Principal,
    new_id,
    to_millis,
)
from identity.phone import normalize_mobile
from identity.repositories.accounts import AccountRepository
from identity.repositories.enterprises import EnterpriseRepository
from infra.crypto import KeyedHash

logger = logging.getLogger("identity")

MAX_ENTERPRISES_LISTED = 100
MAX_AGENTS_LISTED = 100
# Longer input cannot be a code, whatever separators it carries.
MAX_USCC_INPUT_LENGTH = 32
MAX_SCOPES_IN_INPUT = 16


def normalize_uscc(raw: str, *, field: str = "uscc") -> str:
    """The canonical (upper-case, compact) form of a unified social credit code.

    Raises :class:`InvalidUscc` unless length, characters and the GB 32100 check
    character are right.
    """
    if len(raw) > MAX_USCC_INPUT_LENGTH:
        raise InvalidUscc(field=field)
    try:
        return str(uscc_number.validate(raw))
    except ValidationError:
        raise InvalidUscc(field=field) from None


def _one_year_after(moment: datetime) -> datetime:
    try:
        return moment.replace(year=moment.year + 1)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + 1, day=28)


def _grantable(scopes: Sequence[str]) -> frozenset[str]:
    if not 1 <= len(scopes) <= MAX_SCOPES_IN_INPUT:
        raise InvalidScopes(field="scopes")
    chosen = frozenset(scope.strip() for scope in scopes)
    if not chosen <= GRANTABLE_SCOPES:
        raise InvalidScopes(field="scopes")
    return chosen


def _grant_expiry(expires_at: datetime, now: datetime) -> datetime:
    if expires_at.tzinfo is None or expires_at.utcoffset() is None:
        raise InvalidGrantExpiry(field="expiresAt")
    expiry = to_millis(expires_at.astimezone(UTC))
    if not now < expiry <= _one_year_after(now):
        raise InvalidGrantExpiry(field="expiresAt")
    return expiry


class EnterpriseService:
    """Claims, agent grants and their revocation, and what a caller may act for."""

    def __init__(
        self,
        enterprises: EnterpriseRepository,
        accounts: AccountRepository,
        register: LegalEntityRegister,
        hasher: KeyedHash,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._enterprises = enterprises
        self._accounts = accounts
        self._register = register
        self._hasher = hasher
        self._clock = clock

    async def claim(self, principal: Principal, raw_uscc: str) -> Enterprise:
        """Record the caller as the legal representative of an active enterprise.

        Claiming again changes nothing; a claim left by a former representative is
        replaced (and the grants they made end).
        """
        entity, id_hash = await self._verify_representative(principal, normalize_uscc(raw_uscc))
        return await self._record_claim(principal, entity, id_hash)

    async def grant_agent(
        self,
        principal: Principal,
        raw_uscc: str,
        raw_agent_phone: str,
        scopes: Sequence[str],
        expires_at: datetime,
    ) -> AgentGrant:
        """Give a real-name citizen agent rights for the caller's enterprise, until expiry.

        Only the current legal representative may; a new grant to the same agent
        replaces the previous one.
        """
        uscc = normalize_uscc(raw_uscc)
        granted = _grantable(scopes)
        now = to_millis(self._clock())
        expiry = _grant_expiry(expires_at, now)
        try:
            agent_phone = normalize_mobile(raw_agent_phone)
        except InvalidPhone:
            raise InvalidPhone(field="agentPhone") from None
        entity, id_hash = await self._verify_representative(principal, uscc)
        agent_id = await self._accounts.verified_account_id_by_phone(agent_phone)
        if agent_id is None:
            raise AgentNotEligible(field="agentPhone")
        if agent_id == principal.account_id:
            raise AgentIsRepresentative(field="agentPhone")
        await self._record_claim(principal, entity, id_hash)
        grant = AgentGrant(
            id=new_id("agr"),
            uscc=uscc,
            agent_account_id=agent_id,
            agent_phone_masked=mask_phone(agent_phone),
            scopes=granted,
            expires_at=expiry,
            granted_by=principal.account_id,
            granted_at=now,
        )
        await self._enterprises.add_grant(grant)
        logger.info(
            "identity.enterprise.agent_granted uscc=%s grant=%s agent=%s scopes=%s",
            uscc,
            grant.id,
            agent_id,
            ",".join(sorted(granted)),
        )
        return grant

    async def revoke_agent(self, principal: Principal, grant_id: str) -> AgentGrant:
        """End an unrevoked grant of an enterprise the caller represents.

        Anyone else gets :class:`GrantNotFound`, so grants of other enterprises stay
        invisible.
        """
        if not grant_id.startswith("agr_") or len(grant_id) > 64:
            raise GrantNotFound(field="grantId")
        grant = await self._enterprises.grant(grant_id)
        if grant is None or grant.revoked_at is not None:
            raise GrantNotFound(field="grantId")
        try:
            await self._verify_representative(principal, grant.uscc, require_active=False)
        except IdentityError:
            raise GrantNotFound(field="grantId") from None
        revoked = await self._enterprises.revoke_grant(
            grant_id, uscc=grant.uscc, by=principal.account_id, now=self._clock()
        )
        if revoked is None:  # revoked concurrently
            raise GrantNotFound(field="grantId")
        logger.info("identity.enterprise.agent_revoked uscc=%s grant=%s", grant.uscc, grant_id)
        return revoked

    async def acting_as(self, principal: Principal) -> list[ActingOption]:
        """The enterprises the caller may act for now, by code (a few queries in all)."""
        if principal.level < AssuranceLevel.REAL_NAME:
            return []
        me = principal.account_id
        represented, grants = await asyncio.gather(
            self._enterprises.represented_by(me, limit=MAX_ENTERPRISES_LISTED),
            self._enterprises.live_grants_of_agent(me, self._clock(), limit=MAX_AGENTS_LISTED),
        )
        grant_of = {grant.uscc: grant for grant in grants}
        usccs = sorted({e.uscc for e in represented} | grant_of.keys())
        granting, entities = await asyncio.gather(
            self._enterprises.enterprises(list(grant_of)), self._register.entities(usccs)
        )
        claimed = {e.uscc: e for e in represented} | granting
        options = (
            self._option(me, claimed.get(uscc), entities.get(uscc), grant_of.get(uscc))
            for uscc in usccs
        )
        return [option for option in options if option is not None]

    async def resolve_acting_for(self, principal: Principal, raw_uscc: str) -> ActingFor:
        """What the caller may do for the enterprise it names, checked now.

        Raises :class:`ActingForbidden` alike for a malformed code, an unclaimed or
        inactive enterprise, and a missing, expired or revoked grant.
        """
        try:
            uscc = normalize_uscc(raw_uscc)
        except InvalidUscc:
            raise ActingForbidden from None
        if principal.level < AssuranceLevel.REAL_NAME:
            raise ActingForbidden
        enterprise, entity, grant = await asyncio.gather(
            self._enterprises.enterprise(uscc),
            self._register.entity(uscc),
            self._enterprises.live_grant(uscc, principal.account_id, self._clock()),
        )
        option = self._option(principal.account_id, enterprise, entity, grant)
        if option is None:
            logger.info(
                "identity.enterprise.acting_refused uscc=%s account=%s", uscc, principal.account_id
            )
            raise ActingForbidden
        return option.acting_for

    async def profile(self, principal: Principal) -> RegisteredEntity:
        """The register's record of the enterprise the request acts for (``profile:read``)."""
        acting = _acting(principal, AgentScope.PROFILE_READ)
        entity = await self._register.entity(acting.uscc)
        if entity is None:
            raise ActingForbidden
        return entity

    async def agents(self, principal: Principal) -> list[AgentGrant]:
        """The live agent grants of the enterprise the request acts for (``agents:manage``)."""
        acting = _acting(principal, AgentScope.AGENTS_MANAGE)
        return await self._enterprises.live_grants_of_enterprise(
            acting.uscc, self._clock(), limit=MAX_AGENTS_LISTED
        )

    async def _verify_representative(
        self, principal: Principal, uscc: str, *, require_active: bool = True
    ) -> tuple[RegisteredEntity, str]:
        """The register's entity and the caller's ID hash, if the register names the caller."""
        entity, id_hash = await asyncio.gather(
            self._register.entity(uscc), self._accounts.real_name_hash(principal.account_id)
        )
        if entity is None:
            raise EnterpriseNotRegistered(field="uscc")
        if require_active and not entity.active:
            raise EnterpriseNotActive(field="uscc")
        if id_hash is None or not self._hasher.matches(entity.representative_id_number, id_hash):
            logger.info(
                "identity.enterprise.not_legal_representative uscc=%s account=%s",
                uscc,
                principal.account_id,
            )
            raise NotLegalRepresentative(field="uscc")
        return entity, id_hash

    async def _record_claim(
        self, principal: Principal, entity: RegisteredEntity, id_hash: str
    ) -> Enterprise:
        now = to_millis(self._clock())
        enterprise, taken_over = await self._enterprises.claim(
            entity.uscc, entity.name, principal.account_id, id_hash, now
        )
        if taken_over:
            ended = await self._enterprises.revoke_grants_of_others(
                entity.uscc, representative=principal.account_id, now=now
            )
            logger.info(
                "identity.enterprise.claim_taken_over uscc=%s account=%s grants_ended=%d",
                entity.uscc,
                principal.account_id,
                ended,
            )
        else:
            logger.info(
                "identity.enterprise.claimed uscc=%s account=%s", entity.uscc, principal.account_id
            )
        return enterprise

    def _option(
        self,
        account_id: str,
        enterprise: Enterprise | None,
        entity: RegisteredEntity | None,
        grant: AgentGrant | None,
    ) -> ActingOption | None:
        """How ``account_id`` may act for an enterprise, or ``None`` when it may not.

        The claim must still hold (the enterprise active, the register naming the same
        representative); an agent's grant must come from that representative.
        """
        if enterprise is None or entity is None or not entity.active:
            return None
        if not self._hasher.matches(
            entity.representative_id_number, enterprise.representative_id_hash
        ):
            return None
        if enterprise.representative_account_id == account_id:
            acting = ActingFor(enterprise.uscc, REPRESENTATIVE_SCOPES, as_legal_representative=True)
            return ActingOption(acting_for=acting, name=entity.name, expires_at=None)
        if grant is None or grant.granted_by != enterprise.representative_account_id:
            return None
        acting = ActingFor(enterprise.uscc, grant.scopes, as_legal_representative=False)
        return ActingOption(acting_for=acting, name=entity.name, expires_at=grant.expires_at)


def _acting(principal: Principal, scope: AgentScope) -> ActingFor:
    """The enterprise the request acts for, if it holds ``scope`` there."""
    acting = principal.acting_for
    if acting is None or scope not in acting.scopes:
        raise ActingForbidden
    return acting
