"""The directory's wiring point and its errors, over the test's own database."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import pytest

from app.resources import Resources
from demo.data.departments import DEPARTMENTS
from directory import wiring
from directory.errors import DirectoryError, InvalidPageSize
from directory.models import Department
from directory.repository import DepartmentRepository
from directory.service import DirectoryService
from kit.errors import DomainError, error_codes
from kit.registry import ServiceRegistry
from kit.text import Localized


async def test_wire_hands_over_its_repository_and_a_service_found_by_class(
    resources: Resources,
) -> None:
    # when the directory is wired over the test's database
    wired = wiring.wire(resources.database)
    # then its one repository gets its indexes, and its service reads the same collection
    [repository] = wired.repositories
    assert isinstance(repository, DepartmentRepository)
    await repository.ensure_indexes()
    assert "kind_code" in await resources.database["departments"].index_information()
    await repository.upsert_many(DEPARTMENTS)
    service = ServiceRegistry(wired.services).get(DirectoryService)
    page = await service.list_departments(first=3)
    assert [d.code for d in page.items] == sorted(d.code for d in DEPARTMENTS)[:3]


@pytest.mark.parametrize("first", [0, 51])
async def test_a_page_size_out_of_range_is_a_domain_error_in_both_languages(
    resources: Resources, first: int
) -> None:
    # given
    service = DirectoryService(DepartmentRepository(resources.database))
    # when
    with pytest.raises(InvalidPageSize) as raised:
        await service.list_departments(first=first)
    # then it is the kernel's kind of error, with its code, messages and field
    error = raised.value
    assert isinstance(error, DirectoryError)
    assert isinstance(error, DomainError)
    assert (error.code, error.field) == ("INVALID_PAGE_SIZE", "first")
    assert error.message_en == "first must be between 1 and 50"
    assert error.message_zh == "每页条数须在 1 到 50 之间"
    assert "INVALID_PAGE_SIZE" in error_codes()


class CountingDepartments(DepartmentRepository):
    """The real repository, counting its lookups by code."""

    def __init__(self, resources: Resources) -> None:
        super().__init__(resources.database)
        self.asked: list[list[str]] = []

    async def by_codes(self, codes: Sequence[str]) -> dict[str, Department]:
        self.asked.append(list(codes))
        return await super().by_codes(codes)


class HandClock:
    """A monotonic clock moved by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_lookups_by_code_are_served_from_memory_until_they_expire(
    resources: Resources,
) -> None:
    # given the directory, and a service that has looked two departments up
    repository = CountingDepartments(resources)
    await repository.upsert_many(DEPARTMENTS)
    clock = HandClock()
    service = DirectoryService(repository, cache_seconds=60, clock=clock)
    first, second = sorted(d.code for d in DEPARTMENTS)[:2]
    assert [d and d.code for d in await service.departments_by_code([first, second])] == [
        first,
        second,
    ]
    # when they are looked up again within the minute, with a code nobody knows
    clock.now += 59
    again = await service.departments_by_code([second, "NO-SUCH", first])
    # then only the unknown code went to the database, and the answer keeps the order
    assert [d and d.code for d in again] == [second, None, first]
    assert repository.asked == [[first, second], ["NO-SUCH"]]
    # and once the minute has passed, an import's change shows
    renamed = dataclasses.replace(
        next(d for d in DEPARTMENTS if d.code == first),
        name=Localized(zh="新名称", en="New name"),
    )
    await repository.upsert_many([renamed])
    clock.now += 2
    [fresh] = await service.departments_by_code([first])
    assert fresh is not None
    assert fresh.name == Localized(zh="新名称", en="New name")
    assert repository.asked[-1] == [first]


async def test_unknown_codes_are_never_kept(resources: Resources) -> None:
    # given
    repository = CountingDepartments(resources)
    service = DirectoryService(repository, clock=HandClock())
    # when the same unknown code is asked twice
    assert await service.departments_by_code(["NOPE"]) == [None]
    assert await service.departments_by_code(["NOPE"]) == [None]
    # then the database was asked both times
    assert repository.asked == [["NOPE"], ["NOPE"]]


async def test_kept_by_code_answers_only_from_fresh_memory(resources: Resources) -> None:
    # given a service that has looked two departments up
    repository = CountingDepartments(resources)
    await repository.upsert_many(DEPARTMENTS)
    clock = HandClock()
    service = DirectoryService(repository, cache_seconds=60, clock=clock)
    first, second, third = sorted(d.code for d in DEPARTMENTS)[:3]
    await service.departments_by_code([first, second])
    # when / then: both kept answers them in order, without a read
    kept = service.kept_by_code([second, first])
    assert kept is not None
    assert [d.code for d in kept] == [second, first]
    assert service.kept_by_code([]) == []
    # a code not kept (never looked up, or unknown) means asking the async way
    assert service.kept_by_code([first, third]) is None
    assert service.kept_by_code(["NO-SUCH"]) is None
    # and so does one whose minute has passed
    clock.now += 60
    assert service.kept_by_code([first]) is None
    assert repository.asked == [[first, second]]
