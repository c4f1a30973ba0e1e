"""The applicant's side of online applications: drafts, submit, supply, withdraw, rate, read."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import strawberry
from strawberry.scalars import JSON

from applications import case_models
from applications.case_models import SubjectKind, SuppliedMaterial
from applications.errors import CaseNotFound
from applications.services.applying import ApplicationService, PrefilledValue
from applications.services.catalogue import CatalogueService
from applications.services.subjects import resolve_subject
from identity.models import AssuranceLevel as DomainLevel
from kit.errors import InvalidInput
from kit.text import Localized
from liferecord.services.prefill import PrefillService
from resolvers.context import Info
from resolvers.directory import DEPARTMENT_BY_CODE, department_type
from resolvers.errors import ExpectedErrors
from resolvers.liferecord.me_record import citizen_of
from resolvers.permissions import RequireLevel, RequireLevelRaising
from resolvers.selection import selects
from schema.cases import (
    Application,
    ApplicationChanged,
    ApplicationDraft,
    ApplicationKind,
    ApplicationSubmitted,
    CaseRating,
    CaseState,
    CitizenCasePayload,
    DraftSaved,
    MaterialInput,
    PrefilledField,
    SaveDraftPayload,
    SubCase,
    SubCaseState,
    SubmitApplicationPayload,
    SupplementRequest,
    TimelineActor,
    TimelineEvent,
)
from schema.cases import (
    SuppliedMaterial as MaterialType,
)
from schema.common import (
    Connection,
    Edge,
    LocalizedText,
    connection,
    decode_time_cursor,
    encode_time_cursor,
)
from schema.directory import Department

CURSOR_KIND = "case"

EVENT_TEXT: dict[str, tuple[str, str]] = {
    "submitted": ("已提交申请", "Application submitted"),
    "accepted": ("{d}已受理", "Accepted by {d}"),
    "supplement_requested": ("{d}要求补正材料", "{d} asked for a supplement"),
    "supplied": ("已提交补正材料", "Supplement supplied"),
    "suspended": ("{d}暂停办理", "{d} suspended processing"),
    "resumed": ("{d}恢复办理", "{d} resumed processing"),
    "approved": ("{d}已办结（准予）", "Approved by {d}"),
    "rejected": ("{d}不予许可", "Refused by {d}"),
    "withdrawn": ("已撤回", "Withdrawn"),
    "completed": ("办件已全部办结", "All parts are finished"),
    "rated": ("已评价", "Rated"),
    "follow_up_replied": ("{d}已回复您的评价", "{d} replied to your rating"),
}
"""Plain words for each timeline event (``{d}`` is the department's name)."""


def _text(value: Localized) -> LocalizedText:
    return LocalizedText(zh=value.zh, en=value.en)


def _materials(materials: Sequence[SuppliedMaterial]) -> list[MaterialType]:
    return [
        MaterialType(key=m.key, upload_id=m.upload_id, licence_uri=m.licence_uri) for m in materials
    ]


def materials_in(given: Sequence[MaterialInput] | None) -> list[SuppliedMaterial]:
    """The domain's materials from the input."""
    return [
        SuppliedMaterial(key=m.key.strip(), upload_id=m.upload_id, licence_uri=m.licence_uri)
        for m in given or []
    ]


def _form(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidInput(field="form")
    return value


async def departments_of(info: Info, codes: Sequence[str]) -> dict[str, Department | None]:
    """The GraphQL departments of ``codes``, read in one batch."""
    unique = sorted(set(codes))
    found = await info.context.loader(DEPARTMENT_BY_CODE).load_many(unique)
    return {
        code: None if d is None else department_type(d)
        for code, d in zip(unique, found, strict=True)
    }


def sub_case_type(sub: case_models.SubCase, departments: dict[str, Department | None]) -> SubCase:
    """The GraphQL view of a sub-case."""
    return SubCase(
        id=sub.id,
        case_id=sub.case_id,
        reference=sub.reference,
        department_code=sub.department_code,
        department=departments.get(sub.department_code),
        item_codes=list(sub.item_codes),
        state=SubCaseState(sub.state.value),
        version=sub.version,
        limit_days=sub.limit_days,
        received_at=sub.received_at,
        due_at=sub.due_at,
        decided_at=sub.decided_at,
        supplement=None
        if sub.supplement is None
        else SupplementRequest(
            material_keys=list(sub.supplement.material_keys),
            field_keys=list(sub.supplement.field_keys),
        ),
        licence_uri=sub.licence_uri,
    )


def timeline_type(
    entries: Sequence[case_models.TimelineEntry], departments: dict[str, Department | None]
) -> list[TimelineEvent]:
    """The timeline in plain words."""
    events = []
    for entry in entries:
        department = departments.get(entry.department_code or "")
        zh, en = EVENT_TEXT.get(entry.event, (entry.event, entry.event))
        events.append(
            TimelineEvent(
                at=entry.at,
                actor=TimelineActor(entry.actor.value),
                department=department,
                event=entry.event,
                text=LocalizedText(
                    zh=zh.format(d=department.name.zh if department else "部门"),
                    en=en.format(d=department.name.en if department else "the department"),
                ),
                reason=entry.reason,
                sub_case_id=entry.sub_case_id,
            )
        )
    return events


async def application_type(
    info: Info, case: case_models.Case, timeline: Sequence[case_models.TimelineEntry] = ()
) -> Application:
    """The GraphQL view of a case (departments in one batch)."""
    codes = [s.department_code for s in case.sub_cases] + [
        e.department_code for e in timeline if e.department_code
    ]
    departments = await departments_of(info, codes)
    rating = case.rating
    return Application(
        id=case.id,
        reference=case.reference,
        kind=ApplicationKind(case.kind.value),
        code=case.code,
        title=_text(case.title),
        state=CaseState(case.state.value),
        submitted_at=case.submitted_at,
        due_at=case.due_at,
        completed_at=case.completed_at,
        form=JSON(case.form),
        materials=_materials(case.materials),
        sub_cases=[sub_case_type(s, departments) for s in case.sub_cases],
        rating=None
        if rating is None
        else CaseRating(
            level=rating.level,
            comment=rating.comment,
            at=rating.at,
            follow_up_reply=rating.follow_up_reply,
            follow_up_replied_at=rating.follow_up_replied_at,
        ),
        timeline=timeline_type(timeline, departments),
    )


async def applications_of(info: Info, cases: Sequence[case_models.Case]) -> list[Application]:
    """The GraphQL views of cases the caller may read, their timelines read in one query
    when the operation selects them (anywhere: a payload, a connection, a fragment)."""
    timelines: dict[str, list[case_models.TimelineEntry]] = {}
    if selects(info, "timeline"):
        timelines = await info.context.service(ApplicationService).timelines(cases)
    return [await application_type(info, case, timelines.get(case.id, [])) for case in cases]


async def _application(info: Info, case: case_models.Case) -> Application:
    [application] = await applications_of(info, [case])
    return application


def _draft_type(draft: case_models.Draft) -> ApplicationDraft:
    return ApplicationDraft(
        id=draft.id,
        kind=ApplicationKind(draft.kind.value),
        code=draft.code,
        form=JSON(draft.form),
        materials=_materials(draft.materials),
        prefilled=[PrefilledField(key=k, source=v) for k, v in sorted(draft.prefilled.items())],
        updated_at=draft.updated_at,
        purge_at=draft.purge_at,
    )


async def _prefill(info: Info, kind: SubjectKind, code: str) -> dict[str, PrefilledValue]:
    """Values the caller's life record holds for the subject's form, with their source."""
    account = await info.context.require_account()
    citizen = citizen_of(account)
    if citizen is None:
        return {}
    subject = await resolve_subject(info.context.service(CatalogueService), kind, code)
    keys = {f.prefill_key: f.key for f in subject.fields if f.prefill_key}
    values: dict[str, PrefilledValue] = {}
    prefill = info.context.service(PrefillService)
    for item in subject.items:
        if not any(f.prefill_key for f in item.form_fields):
            continue
        found = await prefill.prefill(citizen, item.code)
        for value in found.values:
            key = keys.get(value.field.key)
            if key is not None and key not in values:
                values[key] = PrefilledValue(value.value, value.provenance.source)
    return values


async def my_applications(info: Info, *, first: int, after: str | None) -> Connection[Application]:
    """One page of the caller's cases, newest first (``me.applications``)."""
    cursor = None if after is None else decode_time_cursor(CURSOR_KIND, after, argument="after")
    page = await info.context.service(ApplicationService).cases_of(
        info.context.require_principal(), first=first, after=cursor
    )
    nodes = await applications_of(info, page.items)
    edges = [
        Edge(cursor=encode_time_cursor(CURSOR_KIND, case.submitted_at, case.id), node=node)
        for case, node in zip(page.items, nodes, strict=True)
    ]
    return connection(edges, has_next_page=page.has_next_page)


@strawberry.type
class ApplicationQuery:
    """Reading one's applications."""

    @strawberry.field(
        description="One of your applications (or one an agent filed for your enterprise). "
        "Officers read cases through `officerSubCase`.",
        extensions=[RequireLevelRaising(DomainLevel.REAL_NAME)],
    )
    async def application(self, info: Info, id: str) -> Application | None:
        """A case of the caller's, or null for anyone else's."""
        try:
            case = await info.context.service(ApplicationService).case_of(
                info.context.require_principal(), id
            )
        except CaseNotFound:
            return None
        return await _application(info, case)


@strawberry.type
class ApplicationMutation:
    """The applicant's actions."""

    @strawberry.mutation(
        description="Create (no `draftId`) or update a draft. A new draft is prefilled from your "
        "life record where the form leaves a field empty (`prefilled` says from which "
        "department). Drafts are purged 30 days after the last save if never submitted.",
        extensions=[RequireLevel(DomainLevel.REAL_NAME), ExpectedErrors()],
    )
    async def save_draft(
        self,
        info: Info,
        kind: ApplicationKind,
        code: str,
        form: JSON | None = None,
        materials: list[MaterialInput] | None = None,
        draft_id: str | None = None,
    ) -> SaveDraftPayload:
        """Save a draft."""
        domain_kind = SubjectKind(kind.value)
        prefilled = await _prefill(info, domain_kind, code) if draft_id is None else {}
        draft = await info.context.service(ApplicationService).save_draft(
            info.context.require_principal(),
            draft_id=draft_id,
            kind=domain_kind,
            code=code,
            form=_form(form),
            materials=materials_in(materials),
            prefilled=prefilled,
        )
        return DraftSaved(draft=_draft_type(draft))

    @strawberry.mutation(
        description="Submit an application for an item or a bundle: one case, one sub-case per "
        "department. `clientKey` (8 to 64 characters, e.g. a UUID) makes it idempotent: a "
        "retry returns the same case. Every failing form field is listed in `FormInvalid`, "
        "every material problem in `MaterialsInvalid`.",
        extensions=[RequireLevel(DomainLevel.REAL_NAME), ExpectedErrors()],
    )
    async def submit_application(
        self,
        info: Info,
        client_key: str,
        kind: ApplicationKind,
        code: str,
        form: JSON,
        materials: list[MaterialInput],
        draft_id: str | None = None,
    ) -> SubmitApplicationPayload:
        """Submit."""
        case = await info.context.service(ApplicationService).submit(
            info.context.require_principal(),
            client_key=client_key,
            kind=SubjectKind(kind.value),
            code=code,
            form=_form(form),
            materials=materials_in(materials),
            draft_id=draft_id,
        )
        return ApplicationSubmitted(application=await _application(info, case))

    @strawberry.mutation(
        description="Supply what a department asked for (补正): exactly the requested fields "
        "(in `form`) and materials; that sub-case goes back to the department.",
        extensions=[RequireLevel(DomainLevel.REAL_NAME), ExpectedErrors()],
    )
    async def supply_materials(
        self,
        info: Info,
        sub_case_id: str,
        materials: list[MaterialInput] | None = None,
        form: JSON | None = None,
    ) -> CitizenCasePayload:
        """Supply a supplement."""
        case = await info.context.service(ApplicationService).supply(
            info.context.require_principal(),
            sub_case_id,
            form=_form(form),
            materials=materials_in(materials),
        )
        return ApplicationChanged(application=await _application(info, case))

    @strawberry.mutation(
        description="Withdraw every open part of your application.",
        extensions=[RequireLevel(DomainLevel.REAL_NAME), ExpectedErrors()],
    )
    async def withdraw_application(
        self, info: Info, id: str, reason: str | None = None
    ) -> CitizenCasePayload:
        """Withdraw."""
        case = await info.context.service(ApplicationService).withdraw(
            info.context.require_principal(), id, reason
        )
        return ApplicationChanged(application=await _application(info, case))

    @strawberry.mutation(
        description="Rate a finished application once, 1 to 5 (好差评), with an optional comment "
        "(at most 500 characters). A 1 or 2 asks each department for a reply you will see.",
        extensions=[RequireLevel(DomainLevel.REAL_NAME), ExpectedErrors()],
    )
    async def rate_application(
        self, info: Info, id: str, level: int, comment: str | None = None
    ) -> CitizenCasePayload:
        """Rate."""
        case = await info.context.service(ApplicationService).rate(
            info.context.require_principal(), id, level, comment
        )
        return ApplicationChanged(application=await _application(info, case))
