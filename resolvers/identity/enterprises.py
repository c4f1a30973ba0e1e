"""Enterprises: claims, agent grants and revocation, and the enterprise a request acts for."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import strawberry

from identity import models
from identity.adapters.legal_entities import RegisteredEntity
from identity.models import AgentScope
from identity.models import AssuranceLevel as DomainLevel
from identity.services.enterprises import EnterpriseService
from kit.text import Localized
from resolvers.context import Info
from resolvers.errors import ExpectedErrors
from resolvers.permissions import RequireLevel, RequireScope
from resolvers.wallet.enterprise import EnterpriseWalletFields
from schema.common import LocalizedText
from schema.enterprise import (
    ActingAs,
    ActingForbidden,
    AgentGrant,
    AgentGranted,
    AgentRevoked,
    ClaimEnterprisePayload,
    Enterprise,
    EnterpriseAgents,
    EnterpriseAgentsPayload,
    EnterpriseClaimed,
    EntityStatus,
    EntityType,
    GrantAgentPayload,
    RevokeAgentPayload,
)
from schema.payloads import AuthenticationRequired


def _text(value: Localized) -> LocalizedText:
    return LocalizedText(zh=value.zh, en=value.en)


def grant_type(grant: models.AgentGrant) -> AgentGrant:
    """The GraphQL view of an agent grant."""
    return AgentGrant(
        id=grant.id,
        uscc=grant.uscc,
        agent_phone_masked=grant.agent_phone_masked,
        scopes=sorted(grant.scopes),
        expires_at=grant.expires_at,
        granted_at=grant.granted_at,
        revoked_at=grant.revoked_at,
    )


def acting_as_type(option: models.ActingOption) -> ActingAs:
    """The GraphQL view of an enterprise the caller may act for."""
    acting = option.acting_for
    return ActingAs(
        enterprise=Enterprise(uscc=acting.uscc, name=_text(option.name)),
        as_legal_representative=acting.as_legal_representative,
        scopes=sorted(acting.scopes),
        expires_at=option.expires_at,
    )


@strawberry.type(description="The registered profile of the enterprise a request acts for.")
class EnterpriseProfile(EnterpriseWalletFields):
    """Built from the register of legal entities at request time."""

    entity: strawberry.Private[RegisteredEntity]

    @strawberry.field(description="Unified social credit code.")
    def uscc(self) -> str:
        """USCC."""
        return self.entity.uscc

    @strawberry.field(description="Registered name.")
    def name(self) -> LocalizedText:
        """Name."""
        return _text(self.entity.name)

    @strawberry.field(description="Legal form.")
    def entity_type(self) -> EntityType:
        """Legal form."""
        return EntityType(self.entity.entity_type.value)

    @strawberry.field(description="Registration status.")
    def status(self) -> EntityStatus:
        """Status."""
        return EntityStatus(self.entity.status.value)

    @strawberry.field(description="Date of establishment.")
    def established_on(self) -> date:
        """Establishment date."""
        return self.entity.established_on

    @strawberry.field(
        description="Its live agent grants; needs `agents:manage` (the legal representative).",
        extensions=[RequireScope(AgentScope.AGENTS_MANAGE), ExpectedErrors()],
    )
    async def agents(self, info: Info) -> EnterpriseAgentsPayload:
        """Agents of the enterprise."""
        grants = await info.context.service(EnterpriseService).agents(
            info.context.require_principal()
        )
        return EnterpriseAgents(grants=[grant_type(g) for g in grants])


ActingEnterprisePayload = Annotated[
    EnterpriseProfile | ActingForbidden | AuthenticationRequired,
    strawberry.union("ActingEnterprisePayload", description="Result of `actingEnterprise`."),
]


@strawberry.type
class EnterpriseQuery:
    """The enterprise a request acts for."""

    @strawberry.field(
        description="The enterprise named by the `X-Acting-For: <uscc>` header, when the caller "
        "is its legal representative or an agent with `profile:read`.",
        extensions=[RequireScope(AgentScope.PROFILE_READ), ExpectedErrors()],
    )
    async def acting_enterprise(self, info: Info) -> ActingEnterprisePayload:
        """Profile of the enterprise acted for."""
        entity = await info.context.service(EnterpriseService).profile(
            info.context.require_principal()
        )
        return EnterpriseProfile(entity=entity)


@strawberry.type
class EnterpriseMutation:
    """Claims by legal representatives and agent grants."""

    @strawberry.mutation(
        description="Claim an enterprise as its legal representative: the register of legal "
        "entities must name the caller (real-name verified) and the enterprise be active. "
        "Claiming again changes nothing.",
        extensions=[RequireLevel(DomainLevel.REAL_NAME), ExpectedErrors()],
    )
    async def claim_enterprise(
        self,
        info: Info,
        uscc: Annotated[str, strawberry.argument(description="Unified social credit code.")],
    ) -> ClaimEnterprisePayload:
        """Claim an enterprise."""
        claimed = await info.context.service(EnterpriseService).claim(
            info.context.require_principal(), uscc
        )
        return EnterpriseClaimed(
            enterprise=Enterprise(uscc=claimed.uscc, name=_text(claimed.name)),
            claimed_at=claimed.claimed_at,
        )

    @strawberry.mutation(
        description="As the legal representative, let a real-name verified citizen act for the "
        "enterprise with some scopes until `expiresAt` (at most one year ahead). A new grant "
        "to the same agent replaces the previous one.",
        extensions=[RequireLevel(DomainLevel.REAL_NAME), ExpectedErrors()],
    )
    async def grant_agent(
        self,
        info: Info,
        uscc: Annotated[str, strawberry.argument(description="Unified social credit code.")],
        agent_phone: Annotated[
            str, strawberry.argument(description="The agent's sign-in phone number.")
        ],
        scopes: Annotated[
            list[str],
            strawberry.argument(
                description="Any of `profile:read`, `wallet:read`, `applications:submit`."
            ),
        ],
        expires_at: Annotated[
            datetime,
            strawberry.argument(description="When the rights end (with a time zone)."),
        ],
    ) -> GrantAgentPayload:
        """Grant agent rights."""
        grant = await info.context.service(EnterpriseService).grant_agent(
            info.context.require_principal(), uscc, agent_phone, scopes, expires_at
        )
        return AgentGranted(grant=grant_type(grant))

    @strawberry.mutation(
        description="As the legal representative, end an agent's grant at once.",
        extensions=[RequireLevel(DomainLevel.REAL_NAME), ExpectedErrors()],
    )
    async def revoke_agent(
        self,
        info: Info,
        grant_id: Annotated[str, strawberry.argument(description="Id of the grant.")],
    ) -> RevokeAgentPayload:
        """Revoke a grant."""
        grant = await info.context.service(EnterpriseService).revoke_agent(
            info.context.require_principal(), grant_id
        )
        return AgentRevoked(grant=grant_type(grant))
