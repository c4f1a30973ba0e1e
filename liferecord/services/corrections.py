"""Correcting a disputed value at its source, for the department the dispute is addressed to.

A dispute is worked as a correction case in the applications domain; when its officer
corrects the value, this service changes the department's record (through a source
that can be corrected), drops the cached section so the citizen sees the new value at
once, and resolves the dispute; when the officer rejects it, the dispute is rejected
with the reason. The citizen follows both in ``me.disputes``.
"""

from __future__ import annotations

import logging
from typing import Protocol

from liferecord.adapters.sources import CorrectableSource, MalformedAnswer, SectionSource
from liferecord.errors import CorrectionNotPossible, DisputeNotFound
from liferecord.models import Citizen, Dispute, DisputeStatus, Section
from liferecord.repositories.cache import SectionCache
from liferecord.repositories.disputes import DisputeRepository
from liferecord.services.disputes import DisputeService
from liferecord.services.paths import InvalidPath, parse_path

logger = logging.getLogger(__name__)

MAX_VALUE_LENGTH = 200


class SourceDirectory(Protocol):
    """Which source holds a section (the life record service)."""

    def source_of(self, section: Section) -> SectionSource:
        """The section's source."""
        ...


class RecordCorrections:
    """Applies a dispute's outcome to the record, the cache and the dispute."""

    def __init__(
        self,
        record: SourceDirectory,
        cache: SectionCache,
        disputes: DisputeRepository,
        dispute_service: DisputeService,
    ) -> None:
        self._record = record
        self._cache = cache
        self._disputes = disputes
        self._dispute_service = dispute_service

    async def dispute(self, dispute_id: str) -> Dispute:
        """The dispute; :class:`DisputeNotFound` otherwise."""
        found = await self._disputes.get(dispute_id)
        if found is None:
            raise DisputeNotFound(field="disputeId")
        return found

    async def correct(
        self,
        citizen: Citizen,
        dispute_id: str,
        *,
        department_code: str,
        value: str,
        note: str | None,
    ) -> Dispute:
        """Correct the disputed value to ``value`` and resolve the dispute.

        Raises :class:`CorrectionNotPossible` when the source cannot be corrected or the
        value does not fit the field, changing nothing.
        """
        dispute = await self.dispute(dispute_id)
        if dispute.account_id != citizen.account_id or dispute.department_code != department_code:
            raise DisputeNotFound(field="disputeId")
        text = value.strip()
        if not 1 <= len(text) <= MAX_VALUE_LENGTH:
            raise CorrectionNotPossible(field="correctedValue")
        try:
            path = parse_path(dispute.section, dispute.field)
        except InvalidPath:
            raise CorrectionNotPossible(field="correctedValue") from None
        source = self._record.source_of(dispute.section)
        if not isinstance(source, CorrectableSource) or not path.leaf:
            raise CorrectionNotPossible(field="correctedValue")
        try:
            await source.correct(citizen, [(s.name, s.index) for s in path.steps], text)
        except MalformedAnswer:
            raise CorrectionNotPossible(field="correctedValue") from None
        await self._cache.drop(citizen.account_id, dispute.section)
        logger.info(
            "liferecord.dispute.corrected dispute=%s section=%s department=%s",
            dispute.id,
            dispute.section.value,
            department_code,
        )
        return await self._dispute_service.advance(
            dispute.id, DisputeStatus.RESOLVED, department_code=department_code, note=note
        )

    async def reject(self, dispute_id: str, *, department_code: str, note: str) -> Dispute:
        """Reject the dispute with the department's reason."""
        return await self._dispute_service.advance(
            dispute_id, DisputeStatus.REJECTED, department_code=department_code, note=note
        )
