"""The officers' side: a department's queue, reading a case, acting on sub-cases, supervision.

Every call reads the caller's role grants anew (a revoked or expired grant fails at
once) and checks them against the sub-case's own department, so an officer never acts
for another department. Every officer read of an application's content is written to
the applicant's access log before the content is returned.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from applications.adapters.ports import (
    ApplicantLicences,
    DisputeResolutions,
    LicenceGrant,
    OfficerReads,
)
from applications.calendar import WorkingDayCalendar, city_date
from applications.case_models import (
    MAX_QUEUE_PAGE,
    MAX_REASON_LENGTH,
    SOON_DUE_WORKING_DAYS,
    Case,
    QueueFilter,
    SubCase,
    SubCasePage,
    SupervisionEntry,
    TimelineEntry,
)
from applications.errors import (
    CalendarUnknown,
    CaseNotFound,
    ConcurrentChange,
    IllegalTransition,
    InvalidPageSize,
    InvalidReason,
    InvalidSupplementRequest,
)
from applications.models import ServiceItem
from applications.repositories import Document
from applications.repositories.cases import CaseRepository, Change, LostRace
from applications.services.catalogue import CatalogueService
from applications.services.changes import CaseWriter, Step, timeline_id
from applications.services.subjects import resolve_subject
from applications.workflow import OFFICERS, Action, Actor, SubCaseState, transition
from identity.errors import NotAnOfficer, RoleRequired
from identity.models import OfficerRole, Principal
from identity.services.officers import OfficerService
from kit.outbox import OutboxEvent

logger = logging.getLogger(__name__)

MAX_SUPERVISION = 200
MAX_TIMELINE = 200
SUPERVISORS = frozenset({OfficerRole.HEAD})


class OfficerDesk:
    """What department officers do with sub-cases."""

    def __init__(
        self,
        cases: CaseRepository,
        catalogue: CatalogueService,
        writer: CaseWriter,
        officers: OfficerService,
        *,
        reads: OfficerReads,
        licences: ApplicantLicences,
        disputes: DisputeResolutions,
        calendar: WorkingDayCalendar,
        clock: Callable[[], datetime],
    ) -> None:
        self._disputes = disputes
        self._cases = cases
        self._catalogue = catalogue
        self._writer = writer
        self._officers = officers
        self._reads = reads
        self._licences = licences
        self._calendar = calendar
        self._clock = clock

    async def queue(
        self,
        principal: Principal,
        department_code: str,
        view: QueueFilter,
        *,
        first: int,
        after: tuple[datetime, str] | None,
    ) -> SubCasePage:
        """The department's sub-cases by due date (officers of that department only)."""
        if not 1 <= first <= MAX_QUEUE_PAGE:
            raise InvalidPageSize(field="first")
        await self._officers.require_role(principal, department_code, OFFICERS)
        found = await self._cases.queue(
            department_code,
            states=view.states,
            due_before=view.due_before,
            after=after,
            limit=first + 1,
        )
        return SubCasePage.of(found, first)

    async def sub_case(
        self, principal: Principal, sub_case_id: str
    ) -> tuple[SubCase, Case, list[TimelineEntry]]:
        """A sub-case of the caller's department, its case and timeline; the read is logged
        in the applicant's access log first."""
        sub = await self._cases.sub_case(sub_case_id) if len(sub_case_id) <= 64 else None
        if sub is None:
            raise CaseNotFound(field="subCaseId")
        await self._officers.require_role(principal, sub.department_code, OFFICERS)
        case = await self._cases.case(sub.case_id)
        if case is None:  # pragma: no cover - sub-cases never outlive their case
            raise CaseNotFound(field="subCaseId")
        await self._reads.record(
            case.applicant_account_id,
            officer_id=principal.account_id,
            department_code=sub.department_code,
            reference=case.reference,
            at=self._writer.now(),
        )
        return sub, case, await self._cases.timeline(case.id, limit=MAX_TIMELINE)

    async def act(
        self,
        principal: Principal,
        sub_case_id: str,
        action: Action,
        *,
        reason: str | None = None,
        material_keys: Sequence[str] = (),
        field_keys: Sequence[str] = (),
    ) -> Case:
        """Take ``action`` on a sub-case of the caller's department, along the table.

        Raises :class:`IllegalTransition` when the table has no such row from the
        sub-case's state, :class:`ConcurrentChange` when another officer changed it
        first (exactly one of two racing decisions wins).
        """
        sub = await self._cases.sub_case(sub_case_id) if len(sub_case_id) <= 64 else None
        if sub is None:
            raise CaseNotFound(field="subCaseId")
        row = transition(sub.state, action)
        await self._officers.require_role(
            principal, sub.department_code, row.roles if row is not None else OFFICERS
        )
        if row is None or row.actor is not Actor.OFFICER:
            raise IllegalTransition
        text = _reason(reason, required=row.reason_required)
        extra: dict[str, object] = {}
        if action is Action.REQUEST_SUPPLEMENT:
            extra["supplement"] = await self._supplement(sub, material_keys, field_keys)
        results = await self._result_items(sub) if action is Action.APPROVE else []
        if results:
            # Marked in the approval's transaction and cleared when the licence is
            # recorded: a crash between the two leaves the mark for `issue_pending`.
            extra["licence_pending"] = True

        def plan(fresh: Case) -> tuple[list[Step], str | None]:
            current = next(s for s in fresh.sub_cases if s.id == sub.id)
            if current.version != sub.version:
                raise ConcurrentChange
            found = transition(current.state, action)
            if found is None:
                raise IllegalTransition
            return [Step(current, found, dict(extra))], text

        case = await self._writer.run(
            sub.case_id, plan, actor=Actor.OFFICER, actor_id=principal.account_id
        )
        if "licence_pending" in extra:
            # After the approval is committed, so a lost race never issues a licence. The
            # licence's URI is derived from the sub-case's reference, so issuing again
            # (`issue_pending`, after a crash or a wallet failure right here) finds the
            # same licence.
            try:
                await self._issue_and_record(sub, case=case, results=results)
            except Exception:  # the approval stands; the mark stays for the repair
                logger.exception("applications.licence.issue_failed sub_case=%s", sub.id)
            refreshed = await self._cases.case(case.id)
            case = refreshed or case
        return case

    async def issue_pending(self, *, older_than_seconds: float = 300, limit: int = 200) -> int:
        """Issue the licences of approvals whose issuing failed or was cut off; how many.

        The scheduled repair (``python -m app cases-repair``): approvals marked
        ``licence_pending`` more than ``older_than_seconds`` ago (so an approval still
        issuing is left alone). Idempotent: issuing finds a licence issued before.
        """
        before = self._writer.now() - timedelta(seconds=older_than_seconds)
        issued = 0
        for sub in await self._cases.licences_pending(before, limit=limit):
            try:
                issued += await self._issue_and_record(sub)
            except Exception:  # one failing sub-case must not stop the others
                logger.exception("applications.licence.issue_failed sub_case=%s", sub.id)
        return issued

    async def _issue_and_record(
        self,
        sub: SubCase,
        *,
        case: Case | None = None,
        results: Sequence[ServiceItem] | None = None,
    ) -> int:
        """Issue ``sub``'s licence and record its URI (clearing the pending mark).

        ``case`` and ``results`` are what the approval has just read and written; the
        repair, which has neither, reads them.
        """
        uri = await self._issue_result(sub, case=case, results=results)
        await self._cases.set_licence(sub.id, uri)
        return 0 if uri is None else 1

    async def resolve_dispute(
        self,
        principal: Principal,
        sub_case_id: str,
        *,
        corrected: bool,
        value: str | None,
        reason: str | None,
    ) -> Case:
        """Answer a correction case: correct the value at its source (approve) or reject.

        The sub-case must be accepted first. The record is changed before the case moves,
        and the correction is idempotent (setting a value), so an officer whose approval
        lost a race or failed may simply answer again.
        """
        sub = await self._cases.sub_case(sub_case_id) if len(sub_case_id) <= 64 else None
        if sub is None:
            raise CaseNotFound(field="subCaseId")
        await self._officers.require_role(principal, sub.department_code, OFFICERS)
        case = await self._cases.case(sub.case_id)
        if case is None or case.dispute_id is None:
            raise CaseNotFound(field="subCaseId")
        action = Action.APPROVE if corrected else Action.REJECT
        row = transition(sub.state, action)
        if row is None or sub.state is not SubCaseState.ACCEPTED:
            raise IllegalTransition
        text = _reason(reason, required=not corrected)
        if corrected:
            if value is None:
                raise InvalidReason(field="correctedValue")
            await self._disputes.correct(
                case.applicant_account_id,
                case.dispute_id,
                department_code=sub.department_code,
                value=value,
                note=text,
            )
        else:
            assert text is not None
            await self._disputes.reject(
                case.applicant_account_id,
                case.dispute_id,
                department_code=sub.department_code,
                note=text,
            )
        event = OutboxEvent(
            kind="liferecord.dispute.resolved",
            subject=case.dispute_id,
            audience=(case.applicant_account_id,),
            payload={
                "dispute_id": case.dispute_id,
                "outcome": "corrected" if corrected else "rejected",
                "section": case.code,
            },
        )

        def plan(fresh: Case) -> tuple[list[Step], str | None]:
            current = next(s for s in fresh.sub_cases if s.id == sub.id)
            found = transition(current.state, action)
            if found is None or current.version != sub.version:
                raise ConcurrentChange
            return [Step(current, found)], text

        return await self._writer.run(
            case.id,
            plan,
            actor=Actor.OFFICER,
            actor_id=principal.account_id,
            extra_events=[event],
        )

    async def _supplement(
        self, sub: SubCase, material_keys: Sequence[str], field_keys: Sequence[str]
    ) -> dict[str, list[str]]:
        """The request's keys, each one of this sub-case's items' materials or fields."""
        case = await self._cases.case(sub.case_id)
        if case is None:  # pragma: no cover
            raise CaseNotFound(field="subCaseId")
        subject = await resolve_subject(self._catalogue, case.kind, case.code)
        materials = {m.key for m in subject.materials_of(sub.item_codes)}
        fields = {f.key for f in subject.fields_of(sub.item_codes)}
        wanted_materials = list(dict.fromkeys(material_keys))
        wanted_fields = list(dict.fromkeys(field_keys))
        if not (wanted_materials or wanted_fields):
            raise InvalidSupplementRequest(field="materialKeys")
        if any(key not in materials for key in wanted_materials):
            raise InvalidSupplementRequest(field="materialKeys")
        if any(key not in fields for key in wanted_fields):
            raise InvalidSupplementRequest(field="fieldKeys")
        return {"materials": wanted_materials, "fields": wanted_fields}

    async def _result_items(self, sub: SubCase) -> list[ServiceItem]:
        """The sub-case's items that issue a licence when approved."""
        items = await self._catalogue.items_by_code(list(sub.item_codes))
        return [item for item in items if item is not None and item.result is not None]

    async def _issue_result(
        self,
        sub: SubCase,
        *,
        case: Case | None = None,
        results: Sequence[ServiceItem] | None = None,
    ) -> str | None:
        """Issue the licence the sub-case's items grant, into the applicant's wallet."""
        if case is None:
            case = await self._cases.case(sub.case_id)
        if case is None:  # pragma: no cover
            raise CaseNotFound(field="subCaseId")
        for item in await self._result_items(sub) if results is None else results:
            result = item.result
            assert result is not None  # _result_items keeps only these
            fields: dict[str, object] = {}
            for name, source in result.fields.items():
                if source == "today":
                    fields[name] = city_date(self._writer.now()).isoformat()
                elif source.startswith("form:"):
                    fields[name] = case.form.get(source.removeprefix("form:"))
                else:
                    fields[name] = source.removeprefix("const:")
            enterprise = case.acting_for or (
                str(case.form.get(result.holder_field)) if result.holder_field else None
            )
            return await self._licences.issue(
                LicenceGrant(
                    type=result.licence_type,
                    holder_enterprise=enterprise,
                    holder_account_id=case.applicant_account_id,
                    issuer=sub.department_code,
                    number=sub.reference,
                    issued_on=city_date(self._writer.now()),
                    fields=fields,
                )
            )
        return None

    async def supervision(
        self, principal: Principal, department_code: str | None
    ) -> list[SupervisionEntry]:
        """Overdue and soon-due open sub-cases: a department's for its head, all for an
        administrator (``department_code`` ``None``)."""
        if department_code is None:
            await self._officers.require_administrator(principal)
            departments = None
        else:
            try:
                await self._officers.require_role(principal, department_code, SUPERVISORS)
            except (NotAnOfficer, RoleRequired):
                if not await self._officers.holds_role(principal, OfficerRole.ADMINISTRATOR):
                    raise
            departments = [department_code]
        now = self._writer.now()
        try:
            horizon = self._calendar.add_working_days(now, SOON_DUE_WORKING_DAYS)
        except CalendarUnknown:
            horizon = now
        found = await self._cases.due_by(departments, horizon, limit=MAX_SUPERVISION)
        entries = []
        for sub in found:
            assert sub.due_at is not None
            try:
                left: int | None = self._calendar.working_days_between(now, sub.due_at)
            except CalendarUnknown:
                left = None
            entries.append(SupervisionEntry(sub, overdue=sub.due_at < now, working_days_left=left))
        return entries


class FollowUps:
    """Low ratings (1 or 2) a department must answer; the applicant sees the reply."""

    def __init__(self, cases: CaseRepository, officers: OfficerService, writer: CaseWriter) -> None:
        self._cases = cases
        self._officers = officers
        self._writer = writer

    async def open_of(self, principal: Principal, department_code: str) -> list[Document]:
        """The department's unanswered follow-ups, oldest first."""
        await self._officers.require_role(principal, department_code, OFFICERS)
        return await self._cases.open_follow_ups(department_code, limit=MAX_SUPERVISION)

    async def reply(self, principal: Principal, follow_up_id: str, reply: str) -> Case:
        """Close a follow-up with a reply the applicant sees on the case."""
        text = _reason(reply, required=True)
        found = await self._cases.follow_up(follow_up_id) if len(follow_up_id) <= 64 else None
        if found is None:
            raise CaseNotFound(field="followUpId")
        await self._officers.require_role(principal, found["department"], OFFICERS)
        case = await self._cases.case(found["case_id"])
        if case is None or case.rating is None or found["replied_at"] is not None:
            raise IllegalTransition
        now = self._writer.now()
        rating = dataclasses.replace(case.rating, follow_up_reply=text, follow_up_replied_at=now)
        change = Change(
            case_id=case.id,
            case_version=case.version,
            case_set={"rating": self._cases.rating_document(rating, case.id)},
            timeline=[
                TimelineEntry(
                    id=timeline_id(),
                    case_id=case.id,
                    sub_case_id=None,
                    department_code=found["department"],
                    at=now,
                    actor=Actor.OFFICER,
                    action=None,
                    event="follow_up_replied",
                    state=case.state.value,
                    reason=text,
                    actor_account_id=principal.account_id,
                )
            ],
            events=[self._writer.event(case, "follow_up_replied", case.state, None)],
        )
        try:
            await self._cases.answer_follow_up(
                follow_up_id,
                reply_set={"replied_at": now, "reply_by": principal.account_id},
                case_change=change,
            )
        except LostRace:
            raise ConcurrentChange from None
        refreshed = await self._cases.case(case.id)
        return refreshed or case


def _reason(reason: str | None, *, required: bool) -> str | None:
    text = (reason or "").strip()
    if len(text) > MAX_REASON_LENGTH or (required and not text):
        raise InvalidReason(field="reason")
    return text or None
