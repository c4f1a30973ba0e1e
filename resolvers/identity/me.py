"""Identity's fields of ``me``: account, level, verified identity, sessions, enterprises."""

from __future__ import annotations

import strawberry

from identity.masking import mask_phone
from identity.models import Account
from identity.models import Principal as DomainPrincipal
from identity.services.enterprises import EnterpriseService
from identity.services.officers import OfficerService
from identity.services.sign_in import SignInService
from resolvers.context import Info
from resolvers.identity.enterprises import acting_as_type
from resolvers.identity.officers import grant_types
from resolvers.identity.verified_identity import VerifiedIdentity
from schema.common import LocalizedText
from schema.enterprise import ActingAs
from schema.identity import DevicePlatform, Session
from schema.officers import OfficerGrant
from schema.payloads import AssuranceLevel


@strawberry.type
class IdentityMe:
    """The ``me`` fields identity answers (mixed into ``Me`` by :mod:`resolvers.me`)."""

    principal: strawberry.Private[DomainPrincipal]
    account: strawberry.Private[Account]

    @strawberry.field(description="Account id.")
    def id(self) -> str:
        """Account id."""
        return self.account.id

    @strawberry.field(description="The sign-in phone number, partly hidden.")
    def phone_masked(self) -> str:
        """Masked phone."""
        return mask_phone(self.account.phone)

    @strawberry.field(description="Current assurance level (real-person lapses after 15 min).")
    def assurance_level(self) -> AssuranceLevel:
        """Current level."""
        return AssuranceLevel(int(self.principal.level))

    @strawberry.field(
        description="The verified identity (实名), masked; null before real-name verification."
    )
    def real_name(self) -> VerifiedIdentity | None:
        """Verified identity."""
        real_name = self.account.real_name
        if real_name is None:
            return None
        return VerifiedIdentity(account_id=self.account.id, real_name=real_name)

    @strawberry.field(description="Signed-in devices, most recently used first (at most 50).")
    async def sessions(self, info: Info) -> list[Session]:
        """Active sessions."""
        sessions = await info.context.service(SignInService).sessions_of(self.principal)
        return [
            Session(
                id=s.id,
                device_name=s.device.name,
                platform=DevicePlatform(s.device.platform.value),
                created_at=s.created_at,
                last_used_at=s.last_used_at,
                ip_masked=s.ip_masked,
                ip_region=LocalizedText(zh=s.ip_region.zh, en=s.ip_region.en),
                current=s.id == self.principal.session_id,
            )
            for s in sessions
        ]

    @strawberry.field(
        description="Enterprises you may act for, as legal representative or authorised agent "
        "(live grants only), by code. Send `X-Acting-For: <uscc>` to act for one."
    )
    async def acting_as(self, info: Info) -> list[ActingAs]:
        """Enterprises the caller may act for."""
        options = await info.context.service(EnterpriseService).acting_as(self.principal)
        return [acting_as_type(option) for option in options]

    @strawberry.field(
        description="Your live role grants: officer roles in departments and the administrator "
        "role (empty below real-name level), read now."
    )
    async def officer_roles(self, info: Info) -> list[OfficerGrant]:
        """The caller's live role grants."""
        grants = await info.context.service(OfficerService).roles_of(self.principal)
        return await grant_types(info, grants)
