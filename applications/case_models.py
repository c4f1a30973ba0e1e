"""Records of drafts, cases, sub-cases, their timeline, ratings and statistics (no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from applications.calendar import Suspension
from applications.workflow import Action, Actor, CaseState, SubCaseState
from kit.paging import Page
from kit.text import Localized

DRAFT_RETENTION_DAYS = 30
"""A draft never submitted is purged this many days after its last save."""

MAX_QUEUE_PAGE = 50
"""The most sub-cases one page of a department queue holds."""

MAX_REASON_LENGTH = 500
"""An officer's reason or a rating comment is at most this long."""

MAX_CLIENT_KEY_LENGTH = 64
"""An idempotency key is at most this long."""

SOON_DUE_WORKING_DAYS = 2
"""Supervision lists sub-cases due within this many working days as soon due."""


class SubjectKind(StrEnum):
    """What an application is for."""

    ITEM = "item"
    """One catalogue item."""
    BUNDLE = "bundle"
    """A one-thing bundle (one form for several departments)."""
    CORRECTION = "correction"
    """A citizen's dispute on a life-record value, worked as a correction case."""


@dataclass(frozen=True, slots=True)
class SuppliedMaterial:
    """One material of an application: a verified upload or an e-licence of the applicant."""

    key: str
    upload_id: str | None = None
    licence_uri: str | None = None


@dataclass(frozen=True, slots=True)
class Draft:
    """An application being filled in, saved as the citizen goes."""

    id: str
    account_id: str
    acting_for: str | None
    kind: SubjectKind
    code: str
    form: dict[str, Any]
    materials: tuple[SuppliedMaterial, ...]
    prefilled: dict[str, str]
    """Field key -> the department whose record supplied the value (provenance)."""
    created_at: datetime
    updated_at: datetime
    purge_at: datetime


@dataclass(frozen=True, slots=True)
class Supplement:
    """What a department asked the applicant to supply again (补正)."""

    material_keys: tuple[str, ...]
    field_keys: tuple[str, ...]
    """The reason is on the timeline (encrypted there), not here."""


@dataclass(frozen=True, slots=True)
class SubCase:
    """One department's part of a case."""

    id: str
    case_id: str
    reference: str
    applicant_account_id: str
    department_code: str
    item_codes: tuple[str, ...]
    state: SubCaseState
    version: int
    limit_days: int
    received_at: datetime
    due_at: datetime | None
    """``None`` while the official calendar does not reach the due date yet."""
    suspensions: tuple[Suspension, ...] = ()
    supplement: Supplement | None = None
    supplements: int = 0
    decided_at: datetime | None = None
    licence_uri: str | None = None

    @property
    def open(self) -> bool:
        """Still with the department or the applicant."""
        return self.decided_at is None


@dataclass(frozen=True, slots=True)
class Rating:
    """The applicant's rating of a finished case (好差评), 1 to 5."""

    level: int
    comment: str | None
    at: datetime
    follow_up_reply: str | None = None
    follow_up_replied_at: datetime | None = None

    @property
    def needs_follow_up(self) -> bool:
        """A rating of 1 or 2 opens a follow-up the department must answer."""
        return self.level <= 2


@dataclass(frozen=True, slots=True)
class Case:
    """A submitted application: one form, one materials list, one sub-case per department."""

    id: str
    reference: str
    """Human case number, e.g. ``ZZ20261202-4F7A2C``."""
    applicant_account_id: str
    acting_for: str | None
    """The enterprise (USCC) an agent applied for, else ``None``."""
    kind: SubjectKind
    code: str
    title: Localized
    form: dict[str, Any]
    materials: tuple[SuppliedMaterial, ...]
    state: CaseState
    submitted_at: datetime
    due_at: datetime | None
    completed_at: datetime | None
    sub_cases: tuple[SubCase, ...] = ()
    rating: Rating | None = None
    dispute_id: str | None = None
    version: int = 1
    """Bumped by every change: a change is written only over the version it was computed from."""


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One state change on a case's timeline: who, when, what and why."""

    id: str
    case_id: str
    sub_case_id: str | None
    department_code: str | None
    at: datetime
    actor: Actor
    action: Action | None
    """``None`` for the submission itself and for ratings and replies."""
    event: str
    """What happened, e.g. ``submitted``, ``accepted``, ``rated``."""
    state: str
    reason: str | None = None
    actor_account_id: str | None = None
    """The applicant's or officer's account (for audits; citizens see the department)."""


@dataclass(frozen=True, slots=True)
class QueueFilter:
    """An officer's view of a department queue."""

    states: tuple[SubCaseState, ...] = ()
    due_before: datetime | None = None


@dataclass(frozen=True, slots=True)
class SupervisionEntry:
    """A sub-case that is overdue or due soon, for heads and administrators."""

    sub_case: SubCase
    overdue: bool
    working_days_left: int | None


@dataclass(frozen=True, slots=True)
class Figures:
    """Statistics over a date range, for a department or one of its items."""

    received: int = 0
    completed: int = 0
    on_time: int = 0
    working_days: int = 0
    supplemented: int = 0
    ratings: tuple[int, int, int, int, int] = (0, 0, 0, 0, 0)

    @property
    def on_time_rate(self) -> float:
        """Completed on time as a share of completed (0 to 1; 0 when none completed)."""
        return round(self.on_time / self.completed, 4) if self.completed else 0.0

    @property
    def average_working_days(self) -> float:
        """Average working days from receipt to decision, clock stops excluded."""
        return round(self.working_days / self.completed, 2) if self.completed else 0.0

    @property
    def supplement_rate(self) -> float:
        """Sub-cases that needed a supplement as a share of those received."""
        return round(self.supplemented / self.received, 4) if self.received else 0.0

    def plus(self, other: Figures) -> Figures:
        """Both figures added up."""
        return Figures(
            received=self.received + other.received,
            completed=self.completed + other.completed,
            on_time=self.on_time + other.on_time,
            working_days=self.working_days + other.working_days,
            supplemented=self.supplemented + other.supplemented,
            ratings=(
                self.ratings[0] + other.ratings[0],
                self.ratings[1] + other.ratings[1],
                self.ratings[2] + other.ratings[2],
                self.ratings[3] + other.ratings[3],
                self.ratings[4] + other.ratings[4],
            ),
        )


@dataclass(frozen=True, slots=True)
class Statistics:
    """A department's figures over ``start`` to ``end`` (city dates, inclusive), per item too."""

    department_code: str
    start: date
    end: date
    total: Figures
    items: dict[str, Figures] = field(default_factory=dict)


CasePage = Page[Case]
SubCasePage = Page[SubCase]
TimelinePage = Page[TimelineEntry]
