"""Dispute this data: a citizen flags a value of their record as wrong.

A dispute is a tracked correction request addressed to the department that owns the
section's data (its source's directory code). The department forwards it to the
office that keeps the register, then resolves or rejects it; each change is kept in
the dispute's history, and the citizen follows it in ``me.disputes``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol

from kit.ratelimit import Limiter
from liferecord.adapters.sources import SectionSource
from liferecord.errors import (
    DisputeNotFound,
    DisputeRateLimited,
    InvalidDisputeField,
    InvalidDisputeReason,
    InvalidPage,
)
from liferecord.models import (
    NEXT_STATUSES,
    Citizen,
    Dispute,
    DisputePage,
    DisputeStatus,
    Reader,
    Section,
)
from liferecord.repositories.disputes import DisputeRepository
from liferecord.services.life_record import SectionResult
from liferecord.services.paths import FieldPath, InvalidPath, nearest_provenance, parse_path

logger = logging.getLogger("liferecord.disputes")

REASON_MIN_LENGTH = 5
REASON_MAX_LENGTH = 500
NOTE_MAX_LENGTH = 500
DISPUTES_PER_DAY = 10
DAY_SECONDS = 24 * 3600
MAX_PAGE_SIZE = 50


class RecordReader(Protocol):
    """The citizen's record and its sources (``LifeRecordService``)."""

    def source_of(self, section: Section) -> SectionSource:
        """The source adapter of ``section`` (raises ``UnknownSection`` when none)."""

    async def read(self, citizen: Citizen, section: Section, reader: Reader) -> SectionResult:
        """One section, read by ``reader``."""


def _millis(moment: datetime) -> datetime:
    # MongoDB keeps milliseconds: answer with what a later read will give.
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def checked_reason(raw: str) -> str:
    """The reason, trimmed, if it is 5 to 500 characters; raises :class:`InvalidDisputeReason`."""
    reason = raw.strip()
    if not REASON_MIN_LENGTH <= len(reason) <= REASON_MAX_LENGTH:
        raise InvalidDisputeReason(field="reason")
    return reason


class DisputeDesk(Protocol):
    """Where a new dispute goes to be worked (the applications' correction cases)."""

    async def opened(self, dispute: Dispute) -> None:
        """Put the dispute in its department's queue (idempotent per dispute)."""
        ...


class DisputeService:
    """Opens citizens' disputes, lists them for their owner, and records departments' answers."""

    def __init__(
        self,
        disputes: DisputeRepository,
        record: RecordReader,
        limiter: Limiter,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        desk: DisputeDesk | None = None,
    ) -> None:
        self._disputes = disputes
        self._record = record
        self._limiter = limiter
        self._clock = clock
        self._desk = desk

    def attach_desk(self, desk: DisputeDesk) -> None:
        """Where new disputes are worked (the composition root attaches the applications'
        correction cases once both are wired)."""
        self._desk = desk

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
            desk_pending=self._desk is not None,
        )
        # The reason is the citizen's own text: it stays out of the logs.
        logger.info(
            "liferecord.dispute.opened dispute=%s section=%s field=%s department=%s",
            dispute.id,
            section.value,
            path.text,
            department,
        )
        if self._desk is not None:
            # The dispute is stored first, marked pending, and the desk is idempotent per
            # dispute: a failure here leaves the mark for `queue_pending` to open the case
            # later, and the citizen's dispute stands (filing it again would make two).
            try:
                await self._desk.opened(dispute)
            except Exception:
                logger.exception("liferecord.dispute.queue_failed dispute=%s", dispute.id)
            else:
                await self._disputes.desk_done(dispute.id)
        return dispute

    async def queue_pending(self, *, older_than_seconds: float = 300, limit: int = 200) -> int:
        """Open the correction cases of disputes whose queueing failed; how many.

        The scheduled repair (``python -m app cases-repair``): disputes stored more than
        ``older_than_seconds`` ago (so one being opened now is left alone) and still
        marked pending. Idempotent: the desk finds a case opened before.
        """
        if self._desk is None:
            return 0
        before = _millis(self._clock()) - timedelta(seconds=older_than_seconds)
        queued = 0
        for dispute in await self._disputes.desk_pending(before, limit=limit):
            try:
                await self._desk.opened(dispute)
            except Exception:  # one failing dispute must not stop the others
                logger.exception("liferecord.dispute.queue_failed dispute=%s", dispute.id)
                continue
            await self._disputes.desk_done(dispute.id)
            queued += 1
        return queued

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
        return DisputePage.of(found, first)

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
