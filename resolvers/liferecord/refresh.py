"""``refreshLifeRecord``: fetch sections again from their departments, skipping the cache."""

from __future__ import annotations

from typing import Annotated

import strawberry

from identity.models import AssuranceLevel as DomainLevel
from liferecord.models import Section
from liferecord.service import REFRESH_WINDOW_SECONDS, REFRESHES_PER_WINDOW, LifeRecordService
from resolvers.context import Info
from resolvers.errors import ExpectedErrors, step_up_required
from resolvers.liferecord.me_record import LifeRecord, citizen_of, life_record_of
from resolvers.permissions import RequireLevel
from schema.liferecord import LifeRecordSection
from schema.payloads import (
    AuthenticationRequired,
    InvalidInput,
    RateLimited,
    ServiceUnavailable,
    StepUpRequired,
    error_code,
)


@strawberry.type(
    description="The sections were fetched again from their departments. Read them from "
    "`lifeRecord`: a department that failed shows as `SourceUnavailable` or `stale` there."
)
class LifeRecordRefreshed:
    """Result of a forced refresh."""

    life_record: LifeRecord = strawberry.field(
        description="Your life record; the refreshed sections are not fetched a second time."
    )
    sections: list[LifeRecordSection] = strawberry.field(description="The sections refreshed.")


RefreshLifeRecordPayload = Annotated[
    LifeRecordRefreshed
    | RateLimited
    | InvalidInput
    | AuthenticationRequired
    | StepUpRequired
    | ServiceUnavailable,
    strawberry.union(
        "RefreshLifeRecordPayload", description="Result of `refreshLifeRecord`, or why not."
    ),
]


@strawberry.type
class LifeRecordMutation:
    """Changes to the life record's cached values."""

    @strawberry.mutation(
        description="Fetch sections of your life record again from their departments now, "
        "skipping the cached values (default: every section). At most "
        f"{REFRESHES_PER_WINDOW} refreshes per {REFRESH_WINDOW_SECONDS // 60} minutes; then "
        "`RateLimited`. Needs a verified real name.",
        extensions=[RequireLevel(DomainLevel.REAL_NAME), ExpectedErrors()],
    )
    async def refresh_life_record(
        self,
        info: Info,
        sections: Annotated[
            list[LifeRecordSection] | None,
            strawberry.argument(description="The sections to refresh; null for all of them."),
        ] = None,
    ) -> RefreshLifeRecordPayload:
        """Refresh the caller's sections."""
        account = await info.context.require_account()
        citizen = citizen_of(account)
        if citizen is None:  # a REAL_NAME principal always has one; never trust that blindly
            return step_up_required(DomainLevel.REAL_NAME, DomainLevel.PHONE)
        service = info.context.service(LifeRecordService)
        wanted = (
            service.sections
            if sections is None
            else list(dict.fromkeys(Section[s.name] for s in sections))
        )
        if not wanted or any(section not in service.sections for section in wanted):
            return InvalidInput(
                code=error_code("INVALID_INPUT"),
                message="请选择可刷新的信息类别",
                message_en="Choose one or more sections that can be refreshed",
                field="sections",
            )
        results = await service.refresh(citizen, wanted)
        record = life_record_of(info, account, {result.section: result for result in results})
        if not isinstance(record, LifeRecord):
            return record
        return LifeRecordRefreshed(
            life_record=record, sections=[LifeRecordSection[s.name] for s in wanted]
        )
