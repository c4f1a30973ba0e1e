"""Rules for reading the directory."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from directory.errors import InvalidPageSize
from directory.models import MAX_PAGE_SIZE, Department, DepartmentKind, DepartmentPage
from directory.repository import DepartmentRepository

LOOKUP_CACHE_SECONDS = 60.0
"""How long a department looked up by code is served from memory (an import shows
everywhere within this)."""
LOOKUP_CACHE_SIZE = 1000
"""At most this many departments are kept (the city has a few dozen)."""


class DirectoryService:
    """Lists and looks up departments.

    Lookups by code (every provenance names a department, so every life record asks)
    are served from a small in-process cache for :data:`LOOKUP_CACHE_SECONDS`: the
    directory is reference data that changes by an operator's import, not per request.
    Only departments found are kept, so unknown codes cannot fill it.
    """

    max_page_size = MAX_PAGE_SIZE

    def __init__(
        self,
        repository: DepartmentRepository,
        *,
        cache_seconds: float = LOOKUP_CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._repository = repository
        self._cache_seconds = cache_seconds
        self._clock = clock
        self._known: dict[str, tuple[float, Department]] = {}

    async def list_departments(
        self, *, first: int, after_code: str | None = None, kind: DepartmentKind | None = None
    ) -> DepartmentPage:
        """One page of departments in code order, after ``after_code``."""
        if not 1 <= first <= self.max_page_size:
            raise InvalidPageSize(field="first")
        # One extra row tells whether another page exists without a count query.
        rows = await self._repository.page(after_code=after_code, limit=first + 1, kind=kind)
        return DepartmentPage.of(rows, first)

    def kept_by_code(self, codes: Sequence[str]) -> list[Department] | None:
        """The departments for ``codes`` when every one is kept in memory and still
        fresh (what :meth:`departments_by_code` would answer without reading), else
        None: then ask :meth:`departments_by_code`."""
        now = self._clock()
        known = self._known
        kept: list[Department] = []
        for code in codes:
            entry = known.get(code)
            if entry is None or entry[0] <= now:
                return None
            kept.append(entry[1])
        return kept

    async def departments_by_code(self, codes: Sequence[str]) -> list[Department | None]:
        """The departments for ``codes``, in the same order (``None`` where unknown)."""
        now = self._clock()
        known = self._known
        found: dict[str, Department] = {}
        missing: list[str] = []
        for code in codes:
            entry = known.get(code)
            if entry is not None and entry[0] > now:
                found[code] = entry[1]
            elif code not in missing:
                missing.append(code)
        if missing:
            read = await self._repository.by_codes(missing)
            found |= read
            if self._cache_seconds > 0:
                if len(known) + len(read) > LOOKUP_CACHE_SIZE:
                    known.clear()
                expires = now + self._cache_seconds
                known.update((code, (expires, department)) for code, department in read.items())
        return [found.get(code) for code in codes]
