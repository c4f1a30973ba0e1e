"""Citizens' correction requests ("dispute this data") and where each stands."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from kit.paging import Page
from liferecord.models.sections import Section


class DisputeStatus(StrEnum):
    """Where a correction request stands."""

    OPEN = "open"
    """Filed; waiting for the owning department."""
    FORWARDED = "forwarded"
    """The department passed it to the office that keeps the data."""
    RESOLVED = "resolved"
    """The data was corrected (or confirmed with an explanation)."""
    REJECTED = "rejected"
    """The department holds the data to be right; the note says why."""


# Which status may follow which: a closed dispute stays closed.
NEXT_STATUSES: dict[DisputeStatus, frozenset[DisputeStatus]] = {
    DisputeStatus.OPEN: frozenset(
        {DisputeStatus.FORWARDED, DisputeStatus.RESOLVED, DisputeStatus.REJECTED}
    ),
    DisputeStatus.FORWARDED: frozenset({DisputeStatus.RESOLVED, DisputeStatus.REJECTED}),
    DisputeStatus.RESOLVED: frozenset(),
    DisputeStatus.REJECTED: frozenset(),
}


@dataclass(frozen=True, slots=True)
class DisputeEvent:
    """One status change of a dispute."""

    status: DisputeStatus
    at: datetime
    note: str | None


@dataclass(frozen=True, slots=True)
class Dispute:
    """A citizen's correction request for one value of their record."""

    id: str
    account_id: str
    section: Section
    field: str
    """The disputed value's path in the section (``items[0].certificateNumber``)."""
    reason: str
    department_code: str
    """The department the request is addressed to (the section's source)."""
    status: DisputeStatus
    created_at: datetime
    updated_at: datetime
    history: tuple[DisputeEvent, ...]


DisputePage = Page[Dispute]
"""A page of a citizen's disputes, newest first."""
