"""Dispute this data: a citizen flags a value of their record as wrong.

A dispute is a tracked correction request addressed to the department that owns the
section's data (its source's directory code). The department forwards it to the
office that keeps the register, then resolves or rejects it; each change is kept in
the dispute's history, and the citizen follows it in ``me.disputes``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from liferecord.errors import (
    DisputeNotFound,
    DisputeRateLimited,
    InvalidDisputeField,
    InvalidDisputeReason,
    InvalidPage,
)
from liferecord.models import Citizen, Reader, Section
from liferecord.paths import FieldPath, InvalidPath, nearest_provenance, parse_path
from liferecord.service import SectionResult
from liferecord.sources import SectionSource

if TYPE_CHECKING:
    from liferecord.dispute_repository import DisputeRepository

logger = logging.getLogger("liferecord.disputes")

REASON_MIN_LENGTH = 5
REASON_MAX_LENGTH = 500
NOTE_MAX_LENGTH = 500
DISPUTES_PER_DAY = 10
DAY_SECONDS = 24 * 3600
MAX_PAGE_SIZE = 50


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


@dataclass(frozen=True, slots=True)
class DisputePage:
    """A page of a citizen's disputes, newest first."""

    items: list[Dispute]
    has_next_page: bool


class RecordReader(Protocol):
    """The citizen's record and its sources (``LifeRecordService``)."""

    def source_of(self, section: Section) -> SectionSource:
        """The source adapter of ``section`` (raises ``UnknownSection`` when none)."""

    async def read(self, citizen: Citizen, section: Section, reader: Reader) -> SectionResult:
        """One section, read by ``reader``."""


class Limiter(Protocol):
    """Counts events in fixed windows (see ``infra.ratelimit.RateLimiter``)."""

    async def hit(self, key: str, *, limit: int, window_seconds: int) -> int | None:
        """``None`` when allowed, else seconds until allowed."""


def _millis(moment: datetime) -> datetime:
    # MongoDB keeps milliseconds: answer with what a later read will give.
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def checked_reason(raw: str) -> str:
    """The reason, trimmed, if it is 5 to 500 characters; raises :class:`InvalidDisputeReason`."""
    reason = raw.strip()
    if not REASON_MIN_LENGTH <= len(reason) <= REASON_MAX_LENGTH:
        raise InvalidDisputeReason(field="reason")
    return reason


class DisputeService:
    """Opens citizens' disputes, lists them for their owner, and records departments' answers."""

    def __init__(
        self,
        disputes: DisputeRepository,
        record: RecordReader,
        limiter: Limiter,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._disputes = disputes
        self._record = record
        self._limiter = limiter
        self._clock = clock

    async def open(self, citizen: Citizen, section: Section, field: str, reason: str) -> Dispute:
        """File a dispute about ``field`` of ``section``, addressed to its department.

        The field must exist in the section's model and the reason be 5 to 500
        characters; at most :data:`DISPUTES_PER_DAY` a day per citizen.
        """
        try:
            path = parse_path(section, field.strip())
        except InvalidPath:
            raise InvalidDisputeField(field="field") from None
        checked = checked_reason(reason)
        section_owner = self._record.source_of(section).department_code
        account_id = citizen.account_id
        wait = await self._limiter.hit(
            f"lr-dispute:{account_id}", limit=DISPUTES_PER_DAY, window_seconds=DAY_SECONDS
        )
        if wait is not None:
            raise DisputeRateLimited(retry_after=wait)
        department = await self._owner(citizen, path, section_owner)
        now = _millis(self._clock())
        dispute = await self._disputes.add(
            account_id=account_id,
            section=section,
            field=path.text,
            reason=checked,
            department_code=department,
            now=now,
        )
        # The reason is the citizen's own text: it stays out of the logs.
        logger.info(
            "liferecord.dispute.opened dispute=%s section=%s field=%s department=%s",
            dispute.id,
            section.value,
            path.text,
            department,
        )
        return dispute

    async def _owner(self, citizen: Citizen, path: FieldPath, section_owner: str) -> str:
        """The department that attests the disputed value, else the section's source.

        A value's own provenance can name another department than its section's
        source (a utility company within the exchange's merged utilities feed).
        The citizen's own read is not logged and is usually served from the cache.
        """
        reader = Reader(
            kind="citizen", id=citizen.account_id, display_name="本人 (self)", purpose="dispute"
        )
        result = await self._record.read(citizen, path.section, reader)
        if result.payload is None:
            return section_owner
        provenance = nearest_provenance(result.payload, path)
        return section_owner if provenance is None else provenance.source

    async def page_of(
        self, account_id: str, *, first: int, after: tuple[datetime, str] | None = None
    ) -> DisputePage:
        """The citizen's own disputes, newest first (only theirs, whatever the cursor)."""
        if not 1 <= first <= MAX_PAGE_SIZE:
            raise InvalidPage(field="first")
        found = await self._disputes.newest_of(account_id, limit=first + 1, after=after)
        return DisputePage(items=found[:first], has_next_page=len(found) > first)

    async def advance(
        self, dispute_id: str, status: DisputeStatus, *, department_code: str, note: str | None
    ) -> Dispute:
        """Record the owning department's answer (for the department workflow).

        Only the department the dispute is addressed to may change it, and only along
        :data:`NEXT_STATUSES`; anything else reads as :class:`DisputeNotFound`.
        """
        allowed_from = [old for old, nexts in NEXT_STATUSES.items() if status in nexts]
        if note is not None and len(note) > NOTE_MAX_LENGTH:
            raise InvalidDisputeReason(field="note")
        changed = await self._disputes.change_status(
            dispute_id,
            department_code=department_code,
            from_statuses=allowed_from,
            to=status,
            note=note,
            now=_millis(self._clock()),
        )
        if changed is None:
            raise DisputeNotFound(field="disputeId")
        logger.info(
            "liferecord.dispute.status_changed dispute=%s status=%s department=%s",
            dispute_id,
            status.value,
            department_code,
        )
        return changed
