"""The interface every department source adapter implements."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Protocol, runtime_checkable

from liferecord.models import Citizen, Record, Section


class SourceError(Exception):
    """The source could not answer (down, slow, refused, or answered nonsense)."""


class MalformedAnswer(SourceError):
    """The source answered, but not with a valid payload of its section."""


class SectionSource(Protocol):
    """One department's data for one section of the life record."""

    section: Section
    department_code: str
    """Directory code of the owning department (provenance and disputes go there)."""
    freshness: timedelta
    """How long a fetched value counts as current (balances an hour, registrations a day)."""
    timeout_seconds: float
    """How long a fetch may take before the section is reported unavailable."""

    async def fetch(self, citizen: Citizen) -> Record | None:
        """The section's payload for ``citizen`` (``None``: the department has nothing).

        Raises :class:`SourceError` (or anything else) when the source fails; the
        service turns failures into "source unavailable" for this section only.
        """


@runtime_checkable
class CorrectableSource(Protocol):
    """A source whose department can correct a value it holds (a dispute's outcome)."""

    section: Section
    department_code: str

    async def correct(
        self, citizen: Citizen, steps: Sequence[tuple[str, int | None]], value: str
    ) -> None:
        """Set the value at ``steps`` (field names, list indexes) to ``value``.

        Raises :class:`MalformedAnswer` when the corrected payload no longer fits the
        section's model (e.g. a date that is no date), and changes nothing then.
        """
        ...
