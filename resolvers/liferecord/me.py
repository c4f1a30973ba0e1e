"""The life record's fields of ``me``: the record itself, disputes and the access log."""

from __future__ import annotations

from typing import Annotated

import strawberry

from identity.models import Account
from identity.models import AssuranceLevel as DomainLevel
from identity.models import Principal as DomainPrincipal
from liferecord import data_tracker
from liferecord import disputes as record_disputes
from resolvers.context import Info
from resolvers.liferecord.access_log import AccessLogResult, access_log_of
from resolvers.liferecord.disputes import MyDisputesResult, disputes_of
from resolvers.liferecord.me_record import LifeRecordResult, life_record_of
from resolvers.permissions import RequireLevel


@strawberry.type
class LifeRecordMe:
    """The ``me`` fields the life record answers (mixed into ``Me`` by :mod:`resolvers.me`)."""

    principal: strawberry.Private[DomainPrincipal]
    account: strawberry.Private[Account]

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
