"""The applicant's side: drafts, submitting, supplying a supplement, withdrawing, rating.

Whose case is it? :meth:`ApplicationService.case_of` answers that once for every read
and action of an applicant: the account that applied, or an agent of the enterprise
it applied for holding ``applications:submit``. Anyone else reads "not found".
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from applications.adapters.ports import ApplicantLicences, MaterialUploads
from applications.calendar import WorkingDayCalendar, city_date
from applications.case_models import (
    DRAFT_RETENTION_DAYS,
    MAX_CLIENT_KEY_LENGTH,
    MAX_REASON_LENGTH,
    Case,
    CasePage,
    Draft,
    Rating,
    SubCase,
    SubjectKind,
    SuppliedMaterial,
    TimelineEntry,
)
from applications.errors import (
    AgentNotAllowed,
    AssuranceTooLow,
    CalendarUnknown,
    CaseNotFound,
    ClientKeyReused,
    FormInvalid,
    IllegalTransition,
    InvalidPageSize,
    InvalidRating,
    InvalidReason,
    MaterialsInvalid,
    NotRateable,
    Problem,
)
from applications.repositories import Document
from applications.repositories.cases import CaseRepository, Change, CounterChange, LostRace
from applications.services.catalogue import CatalogueService
from applications.services.changes import CaseWriter, Step, new_id, timeline_id
from applications.services.forms import MAX_FORM_BYTES, check_form
from applications.services.subjects import Subject, resolve_subject
from applications.workflow import Action, Actor, CaseState, SubCaseState, transition
from identity.models import AgentScope, AssuranceLevel, Principal
from kit.errors import InvalidInput
from kit.outbox import OutboxEvent
from kit.text import Localized

MAX_CASES_PAGE = 50
CORRECTION_ITEM = "correction"
"""The statistics' item code of correction cases (disputes)."""
CORRECTION_LIMIT_DAYS = 10
"""Working days a department has to answer a dispute."""
MAX_TIMELINE = 200
APPLICATIONS_SCOPE = AgentScope.APPLICATIONS_SUBMIT.value


@dataclass(frozen=True, slots=True)
class PrefilledValue:
    """A value the life record holds for a form field, and the department it came from."""

    value: str
    source: str


def _fingerprint(
    kind: SubjectKind,
    code: str,
    form: Mapping[str, Any],
    materials: Sequence[SuppliedMaterial],
    acting_for: str | None,
) -> str:
    text = json.dumps(
        {
            "kind": kind.value,
            "code": code,
            "form": form,
            "materials": sorted([m.key, m.upload_id, m.licence_uri] for m in materials),
            "acting_for": acting_for,
        },
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(text.encode()).hexdigest()


def _checked_form(form: Mapping[str, Any]) -> dict[str, Any]:
    if len(json.dumps(form, ensure_ascii=False, default=str)) > MAX_FORM_BYTES:
        raise InvalidInput(field="form")
    return dict(form)


def missing(key: str, zh: str, en: str, code: str) -> Problem:
    """One problem with a material, by its key."""
    return Problem(key, code, zh, en)


class ApplicationService:
    """Drafts, submissions and the applicant's actions on a case."""

    def __init__(
        self,
        cases: CaseRepository,
        catalogue: CatalogueService,
        writer: CaseWriter,
        *,
        uploads: MaterialUploads,
        licences: ApplicantLicences,
        calendar: WorkingDayCalendar,
        clock: Callable[[], datetime],
    ) -> None:
        self._cases = cases
        self._catalogue = catalogue
        self._writer = writer
        self._uploads = uploads
        self._licences = licences
        self._calendar = calendar
        self._clock = clock

    # --- whose case is it ---

    @staticmethod
    def may_see(principal: Principal, case: Case) -> bool:
        """The applicant, or an agent of the enterprise applied for with the scope."""
        if case.applicant_account_id == principal.account_id:
            return True
        acting = principal.acting_for
        return (
            case.acting_for is not None
            and acting is not None
            and acting.uscc == case.acting_for
            and APPLICATIONS_SCOPE in acting.scopes
        )

    async def case_of(self, principal: Principal, case_id: str) -> Case:
        """The caller's case; :class:`CaseNotFound` for anyone else's."""
        case = await self._cases.case(case_id) if len(case_id) <= 64 else None
        if case is None or not self.may_see(principal, case):
            raise CaseNotFound(field="id")
        return case

    async def visible_to(self, account_id: str, case_id: str) -> bool:
        """Whether the account applied for the case (live subscriptions ask this)."""
        if len(case_id) > 64:
            return False
        return await self._cases.applicant_of(case_id) == account_id

    async def cases_of(
        self, principal: Principal, *, first: int, after: tuple[datetime, str] | None
    ) -> CasePage:
        """The caller's own cases, newest first."""
        if not 1 <= first <= MAX_CASES_PAGE:
            raise InvalidPageSize(field="first")
        found = await self._cases.cases_of(principal.account_id, limit=first + 1, after=after)
        return CasePage.of(found, first)

    async def timelines(self, cases: Sequence[Case]) -> dict[str, list[TimelineEntry]]:
        """The timelines of cases the caller has already been allowed to read (through
        :meth:`case_of`, :meth:`cases_of` or an officer's action on one), in one query."""
        if not cases:
            return {}
        return await self._cases.timelines([c.id for c in cases], limit_each=MAX_TIMELINE)

    # --- drafts ---

    async def save_draft(
        self,
        principal: Principal,
        *,
        draft_id: str | None,
        kind: SubjectKind,
        code: str,
        form: Mapping[str, Any],
        materials: Sequence[SuppliedMaterial],
        prefilled: Mapping[str, PrefilledValue],
    ) -> Draft:
        """Create or update the caller's draft; a new one is prefilled where the form is empty.

        Nothing is validated beyond size and the subject's existence: a draft may be
        incomplete. It is purged :data:`DRAFT_RETENTION_DAYS` after its last save.
        """
        subject = await resolve_subject(self._catalogue, kind, code)
        values = _checked_form(form)
        now = self._writer.now()
        existing = None
        if draft_id is not None:
            existing = await self._cases.draft(draft_id, principal.account_id)
            if existing is None:
                raise CaseNotFound(field="draftId")
        provenance = dict(existing.prefilled) if existing else {}
        if existing is None:
            keys = {f.key for f in subject.fields}
            for key, given in prefilled.items():
                if key in keys and key not in values:
                    values[key] = given.value
                    provenance[key] = given.source
        draft = Draft(
            id=existing.id if existing else new_id("draft"),
            account_id=principal.account_id,
            acting_for=principal.acting_for.uscc if principal.acting_for else None,
            kind=kind,
            code=subject.code,
            form=values,
            materials=tuple(materials),
            prefilled={k: v for k, v in provenance.items() if k in values},
            created_at=existing.created_at if existing else now,
            updated_at=now,
            purge_at=now + timedelta(days=DRAFT_RETENTION_DAYS),
        )
        await self._cases.save_draft(draft)
        return draft

    async def draft(self, principal: Principal, draft_id: str) -> Draft:
        """The caller's draft; :class:`CaseNotFound` for anyone else's."""
        found = await self._cases.draft(draft_id, principal.account_id)
        if found is None:
            raise CaseNotFound(field="draftId")
        return found

    async def purge_drafts(self) -> int:
        """Delete drafts never submitted within their retention (a scheduled job)."""
        return await self._cases.purge_drafts(self._writer.now())

    # --- submitting ---

    async def submit(
        self,
        principal: Principal,
        *,
        client_key: str,
        kind: SubjectKind,
        code: str,
        form: Mapping[str, Any],
        materials: Sequence[SuppliedMaterial],
        draft_id: str | None = None,
    ) -> Case:
        """Submit an application: one case, one sub-case per department.

        Idempotent on ``client_key``: the same submission again returns the same case;
        another submission with a used key raises :class:`ClientKeyReused`. The form
        must pass its schema (:class:`FormInvalid` lists every failing field) and the
        materials their list (:class:`MaterialsInvalid` lists every problem).
        """
        key = client_key.strip()
        if not 8 <= len(key) <= MAX_CLIENT_KEY_LENGTH:
            raise InvalidInput(field="clientKey")
        acting_for = principal.acting_for.uscc if principal.acting_for else None
        values = _checked_form(form)
        fingerprint = _fingerprint(kind, code, values, materials, acting_for)
        earlier = await self._repeat(principal.account_id, key, fingerprint)
        if earlier is not None:
            return earlier
        subject = await resolve_subject(self._catalogue, kind, code)
        self._check_applicant(principal, subject)
        check_form(subject.schema, values)
        await self._check_materials(principal, subject.materials, materials)
        case = self._new_case(principal, subject, values, materials, acting_for)
        stored = await self._cases.insert_case(
            case,
            client_key=key,
            fingerprint=fingerprint,
            draft_id=draft_id,
            timeline=[self._submitted_entry(case)],
            counters=[
                CounterChange(
                    sub.department_code, item, city_date(case.submitted_at), {"received": 1}
                )
                for sub in case.sub_cases
                for item in sub.item_codes
            ],
            events=[self._writer.event(case, "submitted", case.state, None)],
        )
        if not stored:  # a racing submit with the same key won
            earlier = await self._repeat(principal.account_id, key, fingerprint)
            if earlier is None:  # pragma: no cover - the winner's case exists
                raise ClientKeyReused(field="clientKey")
            return earlier
        return case

    async def _repeat(self, account_id: str, key: str, fingerprint: str) -> Case | None:
        earlier = await self._cases.case_by_client_key(account_id, key)
        if earlier is None:
            return None
        if await self._cases.fingerprint(account_id, key) != fingerprint:
            raise ClientKeyReused(field="clientKey")
        return earlier

    @staticmethod
    def _check_applicant(principal: Principal, subject: Subject) -> None:
        if subject.needs_assurance_level_3 and principal.level < AssuranceLevel.REAL_PERSON:
            raise AssuranceTooLow
        acting = principal.acting_for
        if acting is None:
            return
        for item in subject.items:
            if item.agent_scope is None or item.agent_scope not in acting.scopes:
                raise AgentNotAllowed

    async def _check_materials(
        self,
        principal: Principal,
        required: Sequence[Any],
        supplied: Sequence[SuppliedMaterial],
        *,
        only: Sequence[str] | None = None,
    ) -> None:
        """Every required material once, each a usable upload or a held e-licence."""
        wanted = {m.key: m for m in required if only is None or m.key in only}
        problems: list[Problem] = []
        seen: set[str] = set()
        for given in supplied:
            material = wanted.get(given.key)
            if material is None:
                problems.append(
                    missing(
                        given.key,
                        "不需要此材料",
                        "This material is not asked for",
                        "UNKNOWN_MATERIAL",
                    )
                )
            elif given.key in seen:
                problems.append(
                    missing(
                        given.key,
                        "材料重复提交",
                        "This material is given twice",
                        "DUPLICATE_MATERIAL",
                    )
                )
            elif (given.upload_id is None) == (given.licence_uri is None):
                problems.append(
                    missing(
                        given.key,
                        "请上传文件或引用一个电子证照",
                        "Give either an upload or an e-licence",
                        "INVALID_REFERENCE",
                    )
                )
            seen.add(given.key)
        for key in wanted:
            if key not in seen:
                problems.append(
                    missing(key, "缺少此材料", "This material is missing", "MISSING_MATERIAL")
                )
        upload_ids = [m.upload_id for m in supplied if m.upload_id is not None and m.key in wanted]
        usable = await self._uploads.usable(principal.account_id, upload_ids) if upload_ids else {}
        enterprise = principal.acting_for.uscc if principal.acting_for else None
        for given in supplied:
            material = wanted.get(given.key)
            if material is None:
                continue
            if given.upload_id is not None:
                facts = usable.get(given.upload_id)
                if (
                    facts is None
                    or facts.material_key != given.key
                    or facts.content_type not in material.formats
                ):
                    problems.append(
                        missing(
                            given.key,
                            "上传的文件不可用（非本人上传、未通过检查或不是此材料）",
                            "The upload is not yours, not verified, or not this material",
                            "UPLOAD_NOT_USABLE",
                        )
                    )
            elif given.licence_uri is not None:
                licence = await self._licences.held(
                    principal.account_id, enterprise, given.licence_uri
                )
                if (
                    licence is None
                    or material.e_licence_type is None
                    or licence.type != material.e_licence_type
                ):
                    problems.append(
                        missing(
                            given.key,
                            "引用的电子证照不可用（非本人持有或类型不符）",
                            "The e-licence is not yours or not of the type this material takes",
                            "LICENCE_NOT_USABLE",
                        )
                    )
                elif not licence.valid:
                    problems.append(
                        missing(
                            given.key,
                            "引用的电子证照已失效",
                            "The e-licence is no longer valid",
                            "LICENCE_NOT_VALID",
                        )
                    )
        if problems:
            raise MaterialsInvalid(sorted(problems, key=lambda p: (p.path, p.code)))

    def _new_case(
        self,
        principal: Principal,
        subject: Subject,
        form: dict[str, Any],
        materials: Sequence[SuppliedMaterial],
        acting_for: str | None,
    ) -> Case:
        now = self._writer.now()
        case_id = new_id("case")
        reference = f"ZZ{city_date(now):%Y%m%d}-{secrets.token_hex(3).upper()}"
        subs: list[SubCase] = []
        for number, part in enumerate(subject.parts, start=1):
            sub = SubCase(
                id=new_id("sub"),
                case_id=case_id,
                reference=f"{reference}-{number}",
                applicant_account_id=principal.account_id,
                department_code=part.department_code,
                item_codes=part.item_codes,
                state=SubCaseState.SUBMITTED,
                version=1,
                limit_days=part.limit_days,
                received_at=now,
                due_at=None,
            )
            subs.append(_with_due(sub, self._calendar, now))
        dues = [s.due_at for s in subs]
        return Case(
            id=case_id,
            reference=reference,
            applicant_account_id=principal.account_id,
            acting_for=acting_for,
            kind=subject.kind,
            code=subject.code,
            title=subject.title,
            form=form,
            materials=tuple(materials),
            state=CaseState.SUBMITTED,
            submitted_at=now,
            due_at=None if any(d is None for d in dues) else max(d for d in dues if d),
            completed_at=None,
            sub_cases=tuple(subs),
        )

    def _submitted_entry(self, case: Case) -> TimelineEntry:
        return TimelineEntry(
            id=timeline_id(),
            case_id=case.id,
            sub_case_id=None,
            department_code=None,
            at=case.submitted_at,
            actor=Actor.APPLICANT,
            action=None,
            event="submitted",
            state=case.state.value,
            actor_account_id=case.applicant_account_id,
        )

    # --- disputes, worked as correction cases ---

    async def open_correction(
        self,
        *,
        account_id: str,
        dispute_id: str,
        department_code: str,
        section: str,
        field: str,
    ) -> Case:
        """A correction case for a citizen's dispute, in its department's queue.

        Idempotent per dispute (the dispute id is the client key), so calling it again
        for a dispute whose case was not opened repairs it and never opens two.
        """
        key = f"dispute:{dispute_id}"
        earlier = await self._cases.case_by_client_key(account_id, key)
        if earlier is not None:
            return earlier
        now = self._writer.now()
        case_id = new_id("case")
        reference = f"ZZ{city_date(now):%Y%m%d}-{secrets.token_hex(3).upper()}"
        sub = _with_due(
            SubCase(
                id=new_id("sub"),
                case_id=case_id,
                reference=f"{reference}-1",
                applicant_account_id=account_id,
                department_code=department_code,
                item_codes=(CORRECTION_ITEM,),
                state=SubCaseState.SUBMITTED,
                version=1,
                limit_days=CORRECTION_LIMIT_DAYS,
                received_at=now,
                due_at=None,
            ),
            self._calendar,
            now,
        )
        case = Case(
            id=case_id,
            reference=reference,
            applicant_account_id=account_id,
            acting_for=None,
            kind=SubjectKind.CORRECTION,
            code=section,
            title=Localized(zh=f"更正个人信息（{section}）", en=f"Correct my record ({section})"),
            form={"section": section, "field": field},
            materials=(),
            state=CaseState.SUBMITTED,
            submitted_at=now,
            due_at=sub.due_at,
            completed_at=None,
            sub_cases=(sub,),
            dispute_id=dispute_id,
        )
        stored = await self._cases.insert_case(
            case,
            client_key=key,
            fingerprint=key,
            draft_id=None,
            timeline=[self._submitted_entry(case)],
            counters=[
                CounterChange(department_code, CORRECTION_ITEM, city_date(now), {"received": 1})
            ],
            events=[self._writer.event(case, "submitted", case.state, None)],
        )
        if not stored:
            earlier = await self._cases.case_by_client_key(account_id, key)
            if earlier is not None:
                return earlier
        return case

    # --- acting on one's case ---

    async def supply(
        self,
        principal: Principal,
        sub_case_id: str,
        *,
        form: Mapping[str, Any],
        materials: Sequence[SuppliedMaterial],
    ) -> Case:
        """Supply what a department asked for (补正): exactly the requested fields and materials."""
        sub = await self._cases.sub_case(sub_case_id) if len(sub_case_id) <= 64 else None
        if sub is None:
            raise CaseNotFound(field="subCaseId")
        case = await self.case_of(principal, sub.case_id)
        if sub.state is not SubCaseState.SUPPLEMENT_REQUESTED or sub.supplement is None:
            raise IllegalTransition
        subject = await resolve_subject(self._catalogue, case.kind, case.code)
        requested_fields = set(sub.supplement.field_keys)
        values = _checked_form(form)
        problems = [
            Problem(key, "NOT_REQUESTED", "此项不在补正要求中", "This field was not asked for")
            for key in values
            if key not in requested_fields
        ] + [
            Problem(key, "REQUIRED", "此项为必填项", "This field is required")
            for key in sorted(requested_fields)
            if key not in values
        ]
        if problems:
            raise FormInvalid(problems)
        merged = {**case.form, **values}
        check_form(subject.schema, merged)
        await self._check_materials(
            principal, subject.materials, materials, only=sub.supplement.material_keys
        )
        row = transition(sub.state, Action.SUPPLY)
        if row is None:  # pragma: no cover - the table has the row
            raise IllegalTransition

        def plan(fresh: Case) -> tuple[list[Step], str | None]:
            current = next(s for s in fresh.sub_cases if s.id == sub.id)
            if current.state is not SubCaseState.SUPPLEMENT_REQUESTED:
                raise IllegalTransition
            return [Step(current, row)], None

        def amended(fresh: Case) -> Document:
            # The supplied fields and materials over the case as this attempt read it.
            replaced = {m.key: m for m in fresh.materials} | {m.key: m for m in materials}
            return {
                "form": self._cases.seal_form({**fresh.form, **values}, fresh.id),
                "materials": [
                    {"key": m.key, "upload": m.upload_id, "licence": m.licence_uri}
                    for m in replaced.values()
                ],
            }

        return await self._writer.run(
            case.id,
            plan,
            actor=Actor.APPLICANT,
            actor_id=principal.account_id,
            case_extra=amended,
        )

    async def withdraw(self, principal: Principal, case_id: str, reason: str | None) -> Case:
        """Withdraw every open part of the caller's case."""
        case = await self.case_of(principal, case_id)
        text = _optional_text(reason)

        def plan(fresh: Case) -> tuple[list[Step], str | None]:
            steps = []
            for sub in fresh.sub_cases:
                row = transition(sub.state, Action.WITHDRAW)
                if row is not None:
                    steps.append(Step(sub, row))
            if not steps:
                raise IllegalTransition
            return steps, text

        return await self._writer.run(
            case.id, plan, actor=Actor.APPLICANT, actor_id=principal.account_id
        )

    async def rate(
        self, principal: Principal, case_id: str, level: int, comment: str | None
    ) -> Case:
        """Rate a finished case once (好差评); 1 or 2 opens a follow-up per department."""
        if not 1 <= level <= 5:
            raise InvalidRating(field="level")
        text = _optional_text(comment, error=InvalidRating(field="comment"))
        case = await self.case_of(principal, case_id)
        if case.applicant_account_id != principal.account_id:
            raise CaseNotFound(field="id")
        if case.state not in (CaseState.COMPLETED, CaseState.REJECTED) or case.rating is not None:
            raise NotRateable
        now = self._writer.now()
        rating = Rating(level=level, comment=text, at=now)
        departments = list(dict.fromkeys(s.department_code for s in case.sub_cases))
        change = Change(
            case_id=case.id,
            case_version=case.version,
            case_set={"rating": self._cases.rating_document(rating, case.id)},
            timeline=[
                TimelineEntry(
                    id=timeline_id(),
                    case_id=case.id,
                    sub_case_id=None,
                    department_code=None,
                    at=now,
                    actor=Actor.APPLICANT,
                    action=None,
                    event="rated",
                    state=case.state.value,
                    actor_account_id=principal.account_id,
                )
            ],
            counters=[
                CounterChange(sub.department_code, item, city_date(now), {f"r{level}": 1})
                for sub in case.sub_cases
                for item in sub.item_codes
            ],
            events=[
                OutboxEvent(
                    kind="applications.case.rated",
                    subject=case.id,
                    audience=(case.applicant_account_id,),
                    payload={"case_id": case.id, "reference": case.reference, "level": level},
                )
            ],
            follow_ups=[
                {
                    "_id": new_id("fu"),
                    "case_id": case.id,
                    "department": department,
                    "level": level,
                    "opened_at": now,
                    "replied_at": None,
                    "reply": None,
                }
                for department in (departments if rating.needs_follow_up else [])
            ],
        )
        try:
            await self._cases.apply(change)
        except LostRace:
            raise NotRateable from None
        return await self.case_of(principal, case_id)


def _with_due(sub: SubCase, calendar: WorkingDayCalendar, now: datetime) -> SubCase:
    try:
        due = calendar.add_working_days(now, sub.limit_days)
    except CalendarUnknown:
        due = None
    return dataclasses.replace(sub, due_at=due)


def _optional_text(text: str | None, *, error: Exception | None = None) -> str | None:
    if text is None or not text.strip():
        return None
    cleaned = text.strip()
    if len(cleaned) > MAX_REASON_LENGTH:
        raise error or InvalidReason(field="reason")
    return cleaned
