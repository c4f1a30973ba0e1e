"""The directory over data already in memory: the GraphQL layer's cost without a database."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from directory.models import Department, DepartmentKind
from directory.repository import DepartmentRepository
from directory.service import DirectoryService
from kit.registry import ServiceRegistry


class InMemoryDepartmentRepository(DepartmentRepository):
    """A stand-in for :class:`DepartmentRepository` that answers from a sorted list.

    It keeps the repository's contract (code order, ``after_code`` exclusive, ``kind``
    filter, ``limit``) so the service above it cannot tell the difference. It holds no
    database handle: every method is overridden.
    """

    def __init__(self, departments: Iterable[Department]) -> None:  # no database
        self._sorted = sorted(departments, key=lambda d: d.code)
        self._by_code = {d.code: d for d in self._sorted}

    async def ensure_indexes(self) -> None:
        """Nothing to index."""

    async def page(
        self, *, after_code: str | None, limit: int, kind: DepartmentKind | None = None
    ) -> list[Department]:
        """Up to ``limit`` departments with codes after ``after_code``, in code order."""
        rows: list[Department] = []
        for department in self._sorted:
            if len(rows) == limit:
                break
            if after_code is not None and department.code <= after_code:
                continue
            if kind is not None and department.kind is not kind:
                continue
            rows.append(department)
        return rows

    async def by_codes(self, codes: Sequence[str]) -> dict[str, Department]:
        """The departments with the given codes."""
        return {code: self._by_code[code] for code in set(codes) if code in self._by_code}

    async def upsert_many(self, departments: Iterable[Department]) -> int:
        """Insert or replace departments by code; returns how many were given."""
        given = list(departments)
        self._by_code.update((d.code, d) for d in given)
        self._sorted = sorted(self._by_code.values(), key=lambda d: d.code)
        return len(given)


def memory_services(built: ServiceRegistry, departments: Iterable[Department]) -> ServiceRegistry:
    """The services the app built, with the directory swapped for an in-memory one."""
    return built.replacing(DirectoryService(InMemoryDepartmentRepository(departments)))
