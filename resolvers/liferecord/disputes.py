"""``disputeRecord`` and ``me.disputes``: correction requests about life-record values."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated

import strawberry

from identity.models import AssuranceLevel as DomainLevel
from identity.models import Principal
from liferecord import models
from liferecord.errors import LifeRecordError
from liferecord.models import Section
from liferecord.services import disputes
from liferecord.services.disputes import DisputeService
from resolvers.context import Info
from resolvers.directory import DEPARTMENT_BY_CODE, department_type
from resolvers.errors import ExpectedErrors, public_error, step_up_required
from resolvers.liferecord.me_record import citizen_of
from resolvers.permissions import RequireLevel
from schema.common import (
    Connection,
    Edge,
    connection,
    decode_time_cursor,
    encode_time_cursor,
)
from schema.directory import Department
from schema.disputes import (
    DisputeEvent,
    DisputeOpened,
    DisputeRecordPayload,
    DisputeStatus,
    RecordDispute,
)
from schema.liferecord import LifeRecordSection
from schema.payloads import AuthenticationRequired, StepUpRequired

CURSOR_KIND = "dispute"

MyDisputesResult = Annotated[
    Connection[RecordDispute] | StepUpRequired | AuthenticationRequired,
    strawberry.union(
        "MyDisputesResult", description="Your correction requests, or what to do first."
    ),
]


async def _departments(info: Info, codes: Sequence[str]) -> dict[str, Department | None]:
    unique = sorted(set(codes))
    found = await info.context.loader(DEPARTMENT_BY_CODE).load_many(unique)
    return {
        code: None if department is None else department_type(department)
        for code, department in zip(unique, found, strict=True)
    }


def dispute_type(
    dispute: models.Dispute, departments: dict[str, Department | None]
) -> RecordDispute:
    """The GraphQL view of a dispute."""
    return RecordDispute(
        id=dispute.id,
        section=LifeRecordSection(dispute.section.value),
        field=dispute.field,
        reason=dispute.reason,
        department_code=dispute.department_code,
        department=departments.get(dispute.department_code),
        status=DisputeStatus(dispute.status.value),
        created_at=dispute.created_at,
        updated_at=dispute.updated_at,
        history=[
            DisputeEvent(status=DisputeStatus(event.status.value), at=event.at, note=event.note)
            for event in dispute.history
        ],
    )


def _cursor(dispute: models.Dispute) -> str:
    return encode_time_cursor(CURSOR_KIND, dispute.created_at, dispute.id)


def _after(cursor: str | None) -> tuple[datetime, str] | None:
    if cursor is None:
        return None
    return decode_time_cursor(CURSOR_KIND, cursor, argument="after")


async def disputes_of(
    info: Info, principal: Principal, *, first: int, after: str | None
) -> Connection[RecordDispute]:
    """One page of the caller's own disputes, newest first (``me.disputes``)."""
    try:
        page = await info.context.service(DisputeService).page_of(
            principal.account_id, first=first, after=_after(after)
        )
    except LifeRecordError as error:
        raise public_error(error) from error
    departments = await _departments(info, [d.department_code for d in page.items])
    edges = [
        Edge(cursor=_cursor(item), node=dispute_type(item, departments)) for item in page.items
    ]
    return connection(edges, has_next_page=page.has_next_page)


@strawberry.type
class DisputeMutation:
    """Correction requests about life-record values."""

    @strawberry.mutation(
        description="Flag a value of your life record as wrong: files a correction request with "
        "the department that owns it, which you follow in `me.disputes`. `field` is the value's "
        "path in the section as the schema spells it (e.g. `balance`, "
        f"`items[0].certificateNumber`); `reason` is {disputes.REASON_MIN_LENGTH} to "
        f"{disputes.REASON_MAX_LENGTH} characters. At most {disputes.DISPUTES_PER_DAY} a day. "
        "Needs a verified real name.",
        extensions=[RequireLevel(DomainLevel.REAL_NAME), ExpectedErrors()],
    )
    async def dispute_record(
        self,
        info: Info,
        section: Annotated[
            LifeRecordSection, strawberry.argument(description="The section of the value.")
        ],
        field: Annotated[str, strawberry.argument(description="The value's path in the section.")],
        reason: Annotated[str, strawberry.argument(description="What is wrong, and why.")],
    ) -> DisputeRecordPayload:
        """Open a dispute."""
        account = await info.context.require_account()
        citizen = citizen_of(account)
        if citizen is None:  # a REAL_NAME principal always has one; never trust that blindly
            return step_up_required(DomainLevel.REAL_NAME, DomainLevel.PHONE)
        dispute = await info.context.service(DisputeService).open(
            citizen, Section[section.name], field, reason
        )
        departments = await _departments(info, [dispute.department_code])
        return DisputeOpened(dispute=dispute_type(dispute, departments))
