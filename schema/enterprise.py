"""GraphQL types of enterprises, legal representatives and authorised agents."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry

from schema.common import LocalizedText
from schema.payloads import (
    AuthenticationRequired,
    InvalidInput,
    NotFound,
    ServiceUnavailable,
    StepUpRequired,
    UserError,
)

SCOPES_DESCRIPTION = (
    "Scopes: `profile:read`, `wallet:read`, `applications:submit` (grantable to agents) "
    "and `agents:manage` (the legal representative only)."
)


@strawberry.enum(description="The legal form of a registered market entity.")
class EntityType(Enum):
    """Legal forms in the register of legal entities."""

    LIMITED_LIABILITY_COMPANY = strawberry.enum_value(
        "limited_liability_company", description="Limited liability company (有限责任公司)."
    )
    JOINT_STOCK_COMPANY = strawberry.enum_value(
        "joint_stock_company", description="Joint-stock company (股份有限公司)."
    )
    SOLE_PROPRIETORSHIP = strawberry.enum_value(
        "sole_proprietorship", description="Sole proprietorship (个人独资企业)."
    )
    INDIVIDUAL_BUSINESS = strawberry.enum_value(
        "individual_business", description="Individual business (个体工商户)."
    )


@strawberry.enum(description="Registration status of a market entity.")
class EntityStatus(Enum):
    """Statuses in the register of legal entities."""

    ACTIVE = strawberry.enum_value("active", description="In business (存续).")
    REVOKED = strawberry.enum_value(
        "revoked", description="Business licence revoked, not yet deregistered (吊销)."
    )
    DEREGISTERED = strawberry.enum_value("deregistered", description="Deregistered (注销).")


@strawberry.type(description="An enterprise, named by its unified social credit code.")
class Enterprise:
    """An enterprise in a list or result."""

    uscc: str = strawberry.field(description="Unified social credit code (18 characters).")
    name: LocalizedText = strawberry.field(description="Registered name.")


@strawberry.type(description="Agent rights a legal representative gave a real-name citizen.")
class AgentGrant:
    """One grant, live until it expires or is revoked."""

    id: str = strawberry.field(description="Grant id (for `revokeAgent`).")
    uscc: str = strawberry.field(description="The enterprise the agent may act for.")
    agent_phone_masked: str = strawberry.field(description="The agent's phone, partly hidden.")
    scopes: list[str] = strawberry.field(description=f"What the agent may do. {SCOPES_DESCRIPTION}")
    expires_at: datetime = strawberry.field(description="When the rights end (UTC).")
    granted_at: datetime = strawberry.field(description="When they were granted.")
    revoked_at: datetime | None = strawberry.field(description="When they were revoked, if so.")


@strawberry.type(description="The caller now holds the enterprise as its legal representative.")
class EnterpriseClaimed:
    """Claim succeeded (or was already in place)."""

    enterprise: Enterprise = strawberry.field(description="The claimed enterprise.")
    claimed_at: datetime = strawberry.field(description="When the caller first claimed it.")


@strawberry.type(description="The agent holds the rights; an earlier grant to them is replaced.")
class AgentGranted:
    """Grant succeeded."""

    grant: AgentGrant = strawberry.field(description="The new grant.")


@strawberry.type(description="The grant is revoked: the agent can no longer act.")
class AgentRevoked:
    """Revocation succeeded."""

    grant: AgentGrant = strawberry.field(description="The revoked grant.")


@strawberry.type(description="An enterprise the caller may act for (send `X-Acting-For: <uscc>`).")
class ActingAs:
    """One entry of `me.actingAs`."""

    enterprise: Enterprise = strawberry.field(description="The enterprise.")
    as_legal_representative: bool = strawberry.field(
        description="True for its legal representative, false for an authorised agent."
    )
    scopes: list[str] = strawberry.field(
        description=f"What the caller may do. {SCOPES_DESCRIPTION}"
    )
    expires_at: datetime | None = strawberry.field(
        description="When an agent's rights end; null for the legal representative."
    )


@strawberry.type(description="The live agent grants of an enterprise.")
class EnterpriseAgents:
    """Agents list (legal representative only)."""

    grants: list[AgentGrant] = strawberry.field(description="Unrevoked, unexpired grants.")


@strawberry.type(
    description="The register has no such enterprise (`ENTERPRISE_NOT_REGISTERED`), or it is "
    "deregistered or its licence revoked (`ENTERPRISE_NOT_ACTIVE`)."
)
class EnterpriseUnavailable(UserError):
    """The enterprise cannot be claimed or managed."""

    codes = ("ENTERPRISE_NOT_REGISTERED", "ENTERPRISE_NOT_ACTIVE")


@strawberry.type(description="The register names someone else as the legal representative.")
class NotLegalRepresentative(UserError):
    """The caller is not the enterprise's registered legal representative."""

    codes = ("NOT_LEGAL_REPRESENTATIVE",)


@strawberry.type(
    description="No real-name verified account has this phone: the agent must sign in and "
    "verify their real name first."
)
class AgentNotEligible(UserError):
    """The named agent cannot receive rights (yet)."""

    codes = ("AGENT_NOT_ELIGIBLE",)


@strawberry.type(
    description="The request does not act for an enterprise with the scope this field needs: "
    "no `X-Acting-For` header, no live grant (none, expired or revoked), or a grant "
    "without that scope."
)
class ActingForbidden(UserError):
    """Acting for an enterprise was refused."""

    codes = ("ACTING_FORBIDDEN",)

    required_scope: str | None = strawberry.field(
        default=None, description="The scope the field needs."
    )


ClaimEnterprisePayload = Annotated[
    EnterpriseClaimed
    | InvalidInput
    | EnterpriseUnavailable
    | NotLegalRepresentative
    | StepUpRequired
    | AuthenticationRequired
    | ServiceUnavailable,
    strawberry.union("ClaimEnterprisePayload", description="Result of `claimEnterprise`."),
]
GrantAgentPayload = Annotated[
    AgentGranted
    | InvalidInput
    | EnterpriseUnavailable
    | NotLegalRepresentative
    | AgentNotEligible
    | StepUpRequired
    | AuthenticationRequired
    | ServiceUnavailable,
    strawberry.union("GrantAgentPayload", description="Result of `grantAgent`."),
]
RevokeAgentPayload = Annotated[
    AgentRevoked | NotFound | StepUpRequired | AuthenticationRequired,
    strawberry.union("RevokeAgentPayload", description="Result of `revokeAgent`."),
]
EnterpriseAgentsPayload = Annotated[
    EnterpriseAgents | ActingForbidden | AuthenticationRequired,
    strawberry.union(
        "EnterpriseAgentsPayload", description="The agents list, or why it is refused."
    ),
]
