"""Rules for reading the directory."""

from __future__ import annotations

from collections.abc import Sequence

from directory.errors import InvalidPageSize
from directory.models import MAX_PAGE_SIZE, Department, DepartmentKind, DepartmentPage
from directory.repository import DepartmentRepository


class DirectoryService:
    """Lists and looks up departments."""

    max_page_size = MAX_PAGE_SIZE

    def __init__(self, repository: DepartmentRepository) -> None:
        self._repository = repository

    async def list_departments(
        self, *, first: int, after_code: str | None = None, kind: DepartmentKind | None = None
    ) -> DepartmentPage:
        """One page of departments in code order, after ``after_code``."""
        if not 1 <= first <= self.max_page_size:
            raise InvalidPageSize(field="first")
        # One extra row tells whether another page exists without a count query.
        rows = await self._repository.page(after_code=after_code, limit=first + 1, kind=kind)
        return DepartmentPage.of(rows, first)

    async def departments_by_code(self, codes: Sequence[str]) -> list[Department | None]:
        """The departments for ``codes``, in the same order (``None`` where unknown)."""
        found = await self._repository.by_codes(codes)
        return [found.get(code) for code in codes]
