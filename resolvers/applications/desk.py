"""The officers' side: queue, reading a sub-case, actions, supervision, statistics, follow-ups."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import strawberry
from strawberry.extensions.field_extension import FieldExtension

from applications.case_models import MAX_QUEUE_PAGE, Figures, QueueFilter
from applications.errors import ApplicationsError
from applications.repositories.cases import due_key
from applications.services.desk import FollowUps, OfficerDesk
from applications.services.statistics import StatisticsService
from applications.workflow import Action
from applications.workflow import SubCaseState as DomainSubCaseState
from identity.errors import IdentityError
from identity.models import AssuranceLevel as DomainLevel
from resolvers.applications.cases import (
    application_type,
    applications_of,
    departments_of,
    sub_case_type,
)
from resolvers.context import Info
from resolvers.errors import ExpectedErrors, public_error
from resolvers.permissions import RequireLevel, RequireLevelRaising
from schema.cases import (
    Application,
    ApplicationChanged,
    CaseFigures,
    DepartmentStatistics,
    DisputeOutcome,
    FollowUp,
    ItemFigures,
    OfficerCasePayload,
    QueueConnection,
    QueueEntry,
    SubCaseState,
    SupervisionEntry,
)
from schema.common import Edge, connection, decode_time_cursor, encode_time_cursor

CURSOR_KIND = "queue"


def _figures(figures: Figures) -> CaseFigures:
    return CaseFigures(
        received=figures.received,
        completed=figures.completed,
        on_time=figures.on_time,
        on_time_rate=figures.on_time_rate,
        average_working_days=figures.average_working_days,
        supplement_rate=figures.supplement_rate,
        ratings=list(figures.ratings),
    )


async def _act(
    info: Info,
    sub_case_id: str,
    action: Action,
    *,
    reason: str | None = None,
    material_keys: list[str] | None = None,
    field_keys: list[str] | None = None,
) -> OfficerCasePayload:
    case = await info.context.service(OfficerDesk).act(
        info.context.require_principal(),
        sub_case_id,
        action,
        reason=reason,
        material_keys=material_keys or [],
        field_keys=field_keys or [],
    )
    [application] = await applications_of(info, [case])
    return ApplicationChanged(application=application)


def _guard() -> list[FieldExtension]:
    return [RequireLevel(DomainLevel.REAL_NAME)]


def _query_guard() -> list[FieldExtension]:
    return [RequireLevelRaising(DomainLevel.REAL_NAME)]


@strawberry.type
class DeskQuery:
    """What officers, heads of department and administrators read."""

    @strawberry.field(
        description=f"Your department's sub-cases by due date (soonest first; unknown due dates "
        f"last), at most {MAX_QUEUE_PAGE} a page, filterable by state and due date. Officers "
        "(CLERK or HEAD) of that department only.",
        extensions=_query_guard(),
    )
    async def department_queue(
        self,
        info: Info,
        department_code: str,
        states: list[SubCaseState] | None = None,
        due_before: datetime | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> QueueConnection:
        """A page of the queue."""
        cursor = None if after is None else decode_time_cursor(CURSOR_KIND, after, argument="after")
        try:
            page = await info.context.service(OfficerDesk).queue(
                info.context.require_principal(),
                department_code,
                QueueFilter(
                    states=tuple(DomainSubCaseState(s.value) for s in states or []),
                    due_before=due_before,
                ),
                first=first,
                after=cursor,
            )
        except (ApplicationsError, IdentityError) as error:
            raise public_error(error) from error
        departments = await departments_of(info, [department_code])
        edges = [
            Edge(
                cursor=encode_time_cursor(CURSOR_KIND, due_key(sub.due_at), sub.id),
                node=QueueEntry(
                    sub_case=sub_case_type(sub, departments),
                    case_reference=sub.reference.rsplit("-", 1)[0],
                ),
            )
            for sub in page.items
        ]
        return connection(edges, has_next_page=page.has_next_page)

    @strawberry.field(
        description="A sub-case of your department and its whole case (form, materials, "
        "timeline). Every read is written to the applicant's access log.",
        extensions=_query_guard(),
    )
    async def officer_sub_case(self, info: Info, id: str) -> Application:
        """Read a case as an officer."""
        desk = info.context.service(OfficerDesk)
        try:
            _sub, case, timeline = await desk.sub_case(info.context.require_principal(), id)
        except (ApplicationsError, IdentityError) as error:
            raise public_error(error) from error
        return await application_type(info, case, timeline)

    @strawberry.field(
        description="Overdue sub-cases and those due within 2 working days (督办): of a "
        "department for its HEAD, of every department for an ADMINISTRATOR "
        "(`departmentCode` null).",
        extensions=_query_guard(),
    )
    async def supervision(
        self, info: Info, department_code: str | None = None
    ) -> list[SupervisionEntry]:
        """The supervision list."""
        try:
            entries = await info.context.service(OfficerDesk).supervision(
                info.context.require_principal(), department_code
            )
        except (ApplicationsError, IdentityError) as error:
            raise public_error(error) from error
        departments = await departments_of(info, [e.sub_case.department_code for e in entries])
        return [
            SupervisionEntry(
                sub_case=sub_case_type(e.sub_case, departments),
                overdue=e.overdue,
                working_days_left=e.working_days_left,
            )
            for e in entries
        ]

    @strawberry.field(
        description="A department's figures from `from` to `to` (Zhuzhou dates, inclusive, at "
        "most 366 days), per item too: received, completed, on-time rate, average working "
        "days, supplement rate, rating distribution. Served from counters kept with every "
        "change. Its HEAD or an ADMINISTRATOR.",
        extensions=_query_guard(),
    )
    async def department_statistics(
        self,
        info: Info,
        department_code: str,
        start: Annotated[date, strawberry.argument(name="from", description="First day.")],
        end: Annotated[date, strawberry.argument(name="to", description="Last day, inclusive.")],
    ) -> DepartmentStatistics:
        """The statistics."""
        try:
            stats = await info.context.service(StatisticsService).department(
                info.context.require_principal(), department_code, start, end
            )
        except (ApplicationsError, IdentityError) as error:
            raise public_error(error) from error
        return DepartmentStatistics(
            department_code=stats.department_code,
            start=stats.start,
            end=stats.end,
            total=_figures(stats.total),
            items=[ItemFigures(item_code=k, figures=_figures(v)) for k, v in stats.items.items()],
        )

    @strawberry.field(
        description="Your department's follow-ups of low ratings (1 or 2) not yet answered.",
        extensions=_query_guard(),
    )
    async def follow_ups(self, info: Info, department_code: str) -> list[FollowUp]:
        """Open follow-ups."""
        try:
            found = await info.context.service(FollowUps).open_of(
                info.context.require_principal(), department_code
            )
        except (ApplicationsError, IdentityError) as error:
            raise public_error(error) from error
        return [
            FollowUp(id=d["_id"], case_id=d["case_id"], level=d["level"], opened_at=d["opened_at"])
            for d in found
        ]


@strawberry.type
class DeskMutation:
    """Officers' actions on sub-cases of their department (the transition table)."""

    @strawberry.mutation(
        description="Accept (受理) a submitted sub-case.", extensions=[*_guard(), ExpectedErrors()]
    )
    async def accept_sub_case(self, info: Info, sub_case_id: str) -> OfficerCasePayload:
        """Accept."""
        return await _act(info, sub_case_id, Action.ACCEPT)

    @strawberry.mutation(
        description="Ask the applicant to supply materials or correct fields (补正), naming "
        "them by key, with a reason; the clock stops until they are supplied.",
        extensions=[*_guard(), ExpectedErrors()],
    )
    async def request_supplement(
        self,
        info: Info,
        sub_case_id: str,
        reason: str,
        material_keys: list[str] | None = None,
        field_keys: list[str] | None = None,
    ) -> OfficerCasePayload:
        """Request a supplement."""
        return await _act(
            info,
            sub_case_id,
            Action.REQUEST_SUPPLEMENT,
            reason=reason,
            material_keys=material_keys,
            field_keys=field_keys,
        )

    @strawberry.mutation(
        description="Suspend an accepted sub-case with a reason; the clock stops.",
        extensions=[*_guard(), ExpectedErrors()],
    )
    async def suspend_sub_case(
        self, info: Info, sub_case_id: str, reason: str
    ) -> OfficerCasePayload:
        """Suspend."""
        return await _act(info, sub_case_id, Action.SUSPEND, reason=reason)

    @strawberry.mutation(
        description="Resume a suspended sub-case with a reason; the due date moves by the "
        "working days it stood still.",
        extensions=[*_guard(), ExpectedErrors()],
    )
    async def resume_sub_case(
        self, info: Info, sub_case_id: str, reason: str
    ) -> OfficerCasePayload:
        """Resume."""
        return await _act(info, sub_case_id, Action.RESUME, reason=reason)

    @strawberry.mutation(
        description="Approve an accepted sub-case; where its item grants a licence, it is "
        "issued into the applicant's wallet.",
        extensions=[*_guard(), ExpectedErrors()],
    )
    async def approve_sub_case(
        self, info: Info, sub_case_id: str, reason: str | None = None
    ) -> OfficerCasePayload:
        """Approve."""
        return await _act(info, sub_case_id, Action.APPROVE, reason=reason)

    @strawberry.mutation(
        description="Reject a sub-case with a reason.", extensions=[*_guard(), ExpectedErrors()]
    )
    async def reject_sub_case(
        self, info: Info, sub_case_id: str, reason: str
    ) -> OfficerCasePayload:
        """Reject."""
        return await _act(info, sub_case_id, Action.REJECT, reason=reason)

    @strawberry.mutation(
        description="Answer a citizen's dispute (a correction case of your department, "
        "accepted first): `CORRECTED` changes the value at its source to `correctedValue` and "
        "drops the cached section, `REJECTED` needs a `reason`. The citizen sees the outcome "
        "in `me.disputes`.",
        extensions=[*_guard(), ExpectedErrors()],
    )
    async def resolve_dispute(
        self,
        info: Info,
        sub_case_id: str,
        outcome: DisputeOutcome,
        corrected_value: str | None = None,
        reason: str | None = None,
    ) -> OfficerCasePayload:
        """Resolve a dispute."""
        case = await info.context.service(OfficerDesk).resolve_dispute(
            info.context.require_principal(),
            sub_case_id,
            corrected=outcome is DisputeOutcome.CORRECTED,
            value=corrected_value,
            reason=reason,
        )
        [application] = await applications_of(info, [case])
        return ApplicationChanged(application=application)

    @strawberry.mutation(
        description="Answer a follow-up of a low rating; the applicant sees the reply.",
        extensions=[*_guard(), ExpectedErrors()],
    )
    async def reply_to_follow_up(
        self, info: Info, follow_up_id: str, reply: str
    ) -> OfficerCasePayload:
        """Reply."""
        case = await info.context.service(FollowUps).reply(
            info.context.require_principal(), follow_up_id, reply
        )
        [application] = await applications_of(info, [case])
        return ApplicationChanged(application=application)
