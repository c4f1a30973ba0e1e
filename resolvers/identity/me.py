"""The ``me`` query: the signed-in citizen's own view."""

from __future__ import annotations

from typing import Annotated

import strawberry

from identity.enterprises import EnterpriseService
from identity.models import Account
from identity.models import AssuranceLevel as DomainLevel
from identity.models import Principal as DomainPrincipal
from identity.service import SignInService
from identity.sms import mask_phone
from liferecord.services import data_tracker
from liferecord.services import disputes as record_disputes
from resolvers.context import Info
from resolvers.errors import authentication_required
from resolvers.identity.enterprises import acting_as_type
from resolvers.identity.signin import account_of
from resolvers.identity.verified_identity import VerifiedIdentity
from resolvers.liferecord.access_log import AccessLogResult, access_log_of
from resolvers.liferecord.disputes import MyDisputesResult, disputes_of
from resolvers.liferecord.me_record import LifeRecordResult, life_record_of
from resolvers.permissions import RequireLevel
from schema.common import LocalizedText
from schema.enterprise import ActingAs
from schema.errors import PublicError
from schema.identity import DevicePlatform, Session
from schema.payloads import AssuranceLevel


@strawberry.type(description="The signed-in citizen: account, level, sessions.")
class Me:
    """The caller's own account view (built per request from the principal)."""

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
        description="Your life record (个人信息库), with provenance. Needs a verified real name "
        "(level REAL_NAME); otherwise `StepUpRequired`.",
        extensions=[RequireLevel(DomainLevel.REAL_NAME)],
    )
    async def life_record(self, info: Info) -> LifeRecordResult:
        """The caller's own life record."""
        return life_record_of(info, self.account)

    @strawberry.field(
        description="Your correction requests about life-record values (`disputeRecord`), "
        f"newest first, at most {record_disputes.MAX_PAGE_SIZE} a page, with their status.",
        extensions=[RequireLevel(DomainLevel.REAL_NAME)],
    )
    async def disputes(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description="Page size, 1 to 50.")] = 20,
        after: Annotated[
            str | None, strawberry.argument(description="`endCursor` of the previous page.")
        ] = None,
    ) -> MyDisputesResult:
        """The caller's disputes."""
        return await disputes_of(info, self.principal, first=first, after=after)

    @strawberry.field(
        description="Who read your life record other than you — officers, enterprise agents, "
        "other services — with purpose and sections, newest first, at most "
        f"{data_tracker.MAX_PAGE_SIZE} a page (your own reads are not listed).",
        extensions=[RequireLevel(DomainLevel.REAL_NAME)],
    )
    async def access_log(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description="Page size, 1 to 50.")] = 20,
        before: Annotated[
            str | None,
            strawberry.argument(
                description="`endCursor` of the previous page: entries older than it."
            ),
        ] = None,
    ) -> AccessLogResult:
        """Reads of the caller's record by others."""
        return await access_log_of(info, self.principal, first=first, before=before)


@strawberry.type
class MeQuery:
    """The caller's own data."""

    @strawberry.field(
        description="The signed-in citizen. Without a valid access token: null and an error "
        "with `extensions.code` AUTHENTICATION_REQUIRED and `extensions.reason`."
    )
    async def me(self, info: Info) -> Me | None:
        """The caller."""
        principal = info.context.principal
        if principal is None:
            error = authentication_required(info.context)
            raise PublicError(
                error.message_en,
                code="AUTHENTICATION_REQUIRED",
                extra={"reason": error.reason.value},
            )
        return Me(principal=principal, account=await account_of(info))
