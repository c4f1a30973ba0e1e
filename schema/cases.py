"""GraphQL types of online applications: drafts, cases, sub-cases, timeline, ratings, statistics."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Annotated, ClassVar

import strawberry
from strawberry.scalars import JSON

from schema.common import Connection, LocalizedText
from schema.directory import Department
from schema.officers import RoleRequired
from schema.payloads import (
    AuthenticationRequired,
    InvalidInput,
    NotFound,
    ServiceUnavailable,
    StepUpRequired,
    UserError,
)


@strawberry.enum(description="What an application is for.")
class ApplicationKind(Enum):
    """Item, bundle or correction."""

    ITEM = "item"
    BUNDLE = "bundle"
    CORRECTION = "correction"


@strawberry.enum(description="Where a whole case stands (derived from its sub-cases).")
class CaseState(Enum):
    """Case state."""

    SUBMITTED = "submitted"
    IN_PROGRESS = "in_progress"
    SUPPLEMENT_REQUESTED = "supplement_requested"
    SUSPENDED = "suspended"
    COMPLETED = "completed"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


@strawberry.enum(description="Where one department's part of a case stands.")
class SubCaseState(Enum):
    """Sub-case state."""

    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    SUPPLEMENT_REQUESTED = "supplement_requested"
    SUSPENDED = "suspended"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


@strawberry.enum(description="Who made a change on the timeline.")
class TimelineActor(Enum):
    """Applicant, officer or the system."""

    APPLICANT = "applicant"
    OFFICER = "officer"
    SYSTEM = "system"


@strawberry.enum(description="How a department answers a citizen's dispute.")
class DisputeOutcome(Enum):
    """Corrected or rejected."""

    CORRECTED = "corrected"
    REJECTED = "rejected"


@strawberry.input(description="One material: a verified upload or an e-licence you hold.")
class MaterialInput:
    """Exactly one of `uploadId` and `licenceUri`."""

    key: str = strawberry.field(description="The material's key in the materials list.")
    upload_id: str | None = strawberry.field(
        default=None, description="An upload of yours that `confirmUpload` verified."
    )
    licence_uri: str | None = strawberry.field(
        default=None, description="An e-licence in your (or your enterprise's) wallet."
    )


@strawberry.type(description="A material supplied with an application.")
class SuppliedMaterial:
    """Material reference."""

    key: str = strawberry.field(description="The material's key.")
    upload_id: str | None = strawberry.field(description="The upload, if one was supplied.")
    licence_uri: str | None = strawberry.field(description="The e-licence, if one was referenced.")


@strawberry.type(
    name="DraftPrefilledField",
    description="A form value prefilled from your life record, and its source.",
)
class PrefilledField:
    """Provenance of a prefilled value."""

    key: str = strawberry.field(description="The form field's key.")
    source: str = strawberry.field(description="Code of the department whose record supplied it.")


@strawberry.type(description="An application being filled in; purged if never submitted.")
class ApplicationDraft:
    """A saved draft."""

    id: str = strawberry.field(description="Draft id; pass it to `saveDraft` to update.")
    kind: ApplicationKind = strawberry.field(description="Item or bundle.")
    code: str = strawberry.field(description="The item's or bundle's code.")
    form: JSON = strawberry.field(description="The form values so far (not yet validated).")
    materials: list[SuppliedMaterial] = strawberry.field(description="Materials so far.")
    prefilled: list[PrefilledField] = strawberry.field(
        description="Which values came from your life record, and from which department."
    )
    updated_at: datetime = strawberry.field(description="Last save.")
    purge_at: datetime = strawberry.field(description="When it is deleted if not submitted.")


@strawberry.type(description="What a department asked you to supply again (补正).")
class SupplementRequest:
    """Requested keys."""

    material_keys: list[str] = strawberry.field(description="Materials to supply again.")
    field_keys: list[str] = strawberry.field(description="Form fields to correct.")


@strawberry.type(description="One department's part of a case (子办件).")
class SubCase:
    """A sub-case."""

    id: str = strawberry.field(description="Sub-case id (for officers' actions).")
    case_id: str = strawberry.field(description="The case it belongs to.")
    reference: str = strawberry.field(description="Human reference, e.g. `ZZ20261202-4F7A2C-1`.")
    department_code: str = strawberry.field(description="The department that processes it.")
    department: Department | None = strawberry.field(description="That department.")
    item_codes: list[str] = strawberry.field(description="The catalogue items it covers.")
    state: SubCaseState = strawberry.field(description="Where it stands.")
    version: int = strawberry.field(description="Bumped by every change.")
    limit_days: int = strawberry.field(description="Committed time limit, in working days.")
    received_at: datetime = strawberry.field(description="When it was received.")
    due_at: datetime | None = strawberry.field(
        description="Due (close of business, Zhuzhou time), clock stops added; null while the "
        "official holiday schedule for the due date's year is not published yet."
    )
    decided_at: datetime | None = strawberry.field(description="When it was decided.")
    supplement: SupplementRequest | None = strawberry.field(
        description="What is asked of you, while a supplement is requested."
    )
    licence_uri: str | None = strawberry.field(
        description="The e-licence an approval issued into the wallet, if any."
    )


@strawberry.type(description="One change on a case's timeline, in plain words.")
class TimelineEvent:
    """Who, when, what, why."""

    at: datetime = strawberry.field(description="When.")
    actor: TimelineActor = strawberry.field(description="Who: you, an officer, or the system.")
    department: Department | None = strawberry.field(description="The officer's department.")
    event: str = strawberry.field(
        description="What, as a code: `submitted`, `accepted`, `supplement_requested`, "
        "`supplied`, `suspended`, `resumed`, `approved`, `rejected`, `withdrawn`, "
        "`completed`, `rated`, `follow_up_replied`."
    )
    text: LocalizedText = strawberry.field(description="What happened, in plain zh/en.")
    reason: str | None = strawberry.field(description="Why, where a reason was given.")
    sub_case_id: str | None = strawberry.field(description="The sub-case it concerns.")


@strawberry.type(description="Your rating of a finished case (好差评).")
class CaseRating:
    """A rating, and the department's reply to a low one."""

    level: int = strawberry.field(description="1 (very poor) to 5 (very good).")
    comment: str | None = strawberry.field(description="Your comment.")
    at: datetime = strawberry.field(description="When you rated.")
    follow_up_reply: str | None = strawberry.field(
        description="The department's reply to a rating of 1 or 2."
    )
    follow_up_replied_at: datetime | None = strawberry.field(description="When it replied.")


@strawberry.type(
    description="A submitted application (办件): one form, one sub-case per department."
)
class Application:
    """A case."""

    id: str = strawberry.field(description="Case id.")
    reference: str = strawberry.field(description="Human case number, e.g. `ZZ20261202-4F7A2C`.")
    kind: ApplicationKind = strawberry.field(description="Item, bundle or correction.")
    code: str = strawberry.field(description="The item's or bundle's code.")
    title: LocalizedText = strawberry.field(description="What was applied for.")
    state: CaseState = strawberry.field(description="Where the case stands.")
    submitted_at: datetime = strawberry.field(description="When it was submitted.")
    due_at: datetime | None = strawberry.field(
        description="The latest due date of its sub-cases (null while one is unknown)."
    )
    completed_at: datetime | None = strawberry.field(description="When it was finished.")
    form: JSON = strawberry.field(description="The submitted form.")
    materials: list[SuppliedMaterial] = strawberry.field(description="The supplied materials.")
    sub_cases: list[SubCase] = strawberry.field(description="One per department.")
    rating: CaseRating | None = strawberry.field(description="Your rating, once given.")
    timeline: list[TimelineEvent] = strawberry.field(
        description="Every change, oldest first (read only when asked for)."
    )


@strawberry.type(description="One failing part of a form or materials list.")
class FieldProblem:
    """Path, code and message."""

    path: str = strawberry.field(
        description="The field's key (nested parts joined by `/`) or the material's key."
    )
    code: str = strawberry.field(
        description="Why: e.g. `REQUIRED`, `TOO_LONG`, `WRONG_FORMAT`, `UNKNOWN_FIELD`, "
        "`MISSING_MATERIAL`, `UPLOAD_NOT_USABLE`, `LICENCE_NOT_USABLE`."
    )
    message: str = strawberry.field(description="Message in Chinese (zh-CN).")
    message_en: str = strawberry.field(description="The same in English.")


@strawberry.type(description="The form fails its schema: every failing field is listed.")
class FormInvalid(UserError):
    """All form problems at once."""

    codes = ("FORM_INVALID",)
    takes_problems: ClassVar[bool] = True

    problems: list[FieldProblem] = strawberry.field(
        default_factory=list, description="Every failing field."
    )


@strawberry.type(description="Materials are missing, unknown or not usable: each is listed.")
class MaterialsInvalid(UserError):
    """All material problems at once."""

    codes = ("MATERIALS_INVALID",)
    takes_problems: ClassVar[bool] = True

    problems: list[FieldProblem] = strawberry.field(
        default_factory=list, description="Every material problem."
    )


@strawberry.type(
    description="The action cannot be taken now: not allowed from the current state "
    "(`ILLEGAL_TRANSITION`), someone changed it first (`CONCURRENT_CHANGE`), not rateable "
    "(`NOT_RATEABLE`), the client key was used for another application (`CLIENT_KEY_REUSED`), "
    "or a disputed value cannot take the correction (`CORRECTION_NOT_POSSIBLE`)."
)
class CaseConflict(UserError):
    """State conflict."""

    codes = (
        "ILLEGAL_TRANSITION",
        "CONCURRENT_CHANGE",
        "NOT_RATEABLE",
        "CLIENT_KEY_REUSED",
        "CORRECTION_NOT_POSSIBLE",
    )


@strawberry.type(
    description="Not allowed for you: the item needs face verification in this session "
    "(`REAL_PERSON_REQUIRED`) or an enterprise agent lacks the item's scope (`AGENT_NOT_ALLOWED`)."
)
class ApplicationRefused(UserError):
    """Applicant not allowed."""

    codes = ("REAL_PERSON_REQUIRED", "AGENT_NOT_ALLOWED", "ACTING_FORBIDDEN")


@strawberry.type(description="The draft was saved.")
class DraftSaved:
    """Success."""

    draft: ApplicationDraft = strawberry.field(description="The draft as saved.")


@strawberry.type(description="The application was submitted (or had been, with this client key).")
class ApplicationSubmitted:
    """Success."""

    application: Application = strawberry.field(description="The case.")


@strawberry.type(description="The case after the change.")
class ApplicationChanged:
    """Success."""

    application: Application = strawberry.field(description="The case.")


_COMMON = NotFound | InvalidInput | StepUpRequired | AuthenticationRequired | ServiceUnavailable

SaveDraftPayload = Annotated[
    DraftSaved | _COMMON,
    strawberry.union("SaveDraftPayload", description="The draft, or why not."),
]
SubmitApplicationPayload = Annotated[
    ApplicationSubmitted
    | FormInvalid
    | MaterialsInvalid
    | CaseConflict
    | ApplicationRefused
    | _COMMON,
    strawberry.union("SubmitApplicationPayload", description="The case, or every problem."),
]
CitizenCasePayload = Annotated[
    ApplicationChanged | FormInvalid | MaterialsInvalid | CaseConflict | _COMMON,
    strawberry.union("CitizenCasePayload", description="The case after your action, or why not."),
]
OfficerCasePayload = Annotated[
    ApplicationChanged | CaseConflict | RoleRequired | _COMMON,
    strawberry.union("OfficerCasePayload", description="The case after the action, or why not."),
]


@strawberry.type(description="A sub-case in a department's queue, with its case's headline.")
class QueueEntry:
    """Queue row."""

    sub_case: SubCase = strawberry.field(description="The sub-case.")
    case_reference: str = strawberry.field(description="The case's number.")


@strawberry.type(description="A sub-case overdue or due within 2 working days (督办).")
class SupervisionEntry:
    """Supervision row."""

    sub_case: SubCase = strawberry.field(description="The sub-case.")
    overdue: bool = strawberry.field(description="Past its due instant.")
    working_days_left: int | None = strawberry.field(
        description="Working days until due (negative when overdue); null when unknown."
    )


@strawberry.type(description="Figures over a date range.")
class CaseFigures:
    """Counters and rates."""

    received: int = strawberry.field(description="Sub-cases received.")
    completed: int = strawberry.field(description="Sub-cases decided (approved or rejected).")
    on_time: int = strawberry.field(description="Of those, decided by their due instant.")
    on_time_rate: float = strawberry.field(description="on_time / completed (0 to 1).")
    average_working_days: float = strawberry.field(
        description="Average working days from receipt to decision, clock stops excluded."
    )
    supplement_rate: float = strawberry.field(
        description="Share of received sub-cases that needed a supplement (0 to 1)."
    )
    ratings: list[int] = strawberry.field(
        description="How many ratings of 1, 2, 3, 4 and 5 (five numbers)."
    )


@strawberry.type(description="One item's figures.")
class ItemFigures:
    """Per item."""

    item_code: str = strawberry.field(description="The item's code.")
    figures: CaseFigures = strawberry.field(description="Its figures.")


@strawberry.type(description="A department's figures over a date range, per item too.")
class DepartmentStatistics:
    """Statistics."""

    department_code: str = strawberry.field(description="The department.")
    start: date = strawberry.field(name="from", description="First day (Zhuzhou date).")
    end: date = strawberry.field(name="to", description="Last day, inclusive.")
    total: CaseFigures = strawberry.field(description="All its items.")
    items: list[ItemFigures] = strawberry.field(description="Per item, by code.")


@strawberry.type(description="A low rating the department must answer.")
class FollowUp:
    """A follow-up task."""

    id: str = strawberry.field(description="Follow-up id.")
    case_id: str = strawberry.field(description="The rated case.")
    level: int = strawberry.field(description="The rating (1 or 2).")
    opened_at: datetime = strawberry.field(description="When the rating was given.")


ApplicationsConnection = Connection[Application]
QueueConnection = Connection[QueueEntry]
