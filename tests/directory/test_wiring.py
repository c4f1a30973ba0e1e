"""The directory's wiring point and its errors, over the test's own database."""

from __future__ import annotations

import pytest

from app.resources import Resources
from demo.data.departments import DEPARTMENTS
from directory import wiring
from directory.errors import DirectoryError, InvalidPageSize
from directory.repository import DepartmentRepository
from directory.service import DirectoryService
from kit.errors import DomainError, error_codes
from kit.registry import ServiceRegistry


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
