"""A cached section's view is built once and served again while nothing it shows changed
(``resolvers/liferecord/me_record.py``, ``_KeptView``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from demo.data.departments import DEPARTMENTS
from demo.data.people import LI_XIAOYAN, LIU_JIANJUN
from directory.repository import DepartmentRepository
from directory.service import DirectoryService
from kit.text import Localized
from liferecord.models import Section
from resolvers.liferecord import sections
from tests.identity.factories import as_caller
from tests.identity.verification_factories import resources_of
from tests.liferecord.documents import (
    REFRESH,
    life_record,
    life_record_query,
    seed_directory,
    verified_caller,
)
from tests.liferecord.fakes import fake_sources, section_payload, use_sources


@pytest.fixture
def mapped(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the households mapped to their view, in order."""
    calls: list[str] = []
    build: Callable[..., Any] = sections.household_section

    def counted(result: Any, departments: Any) -> Any:
        calls.append(result.payload.name)
        return build(result, departments)

    monkeypatch.setattr(sections, "household_section", counted)
    return calls


async def test_a_cached_section_is_mapped_once_then_served_again(
    app: FastAPI, client: httpx.AsyncClient, mapped: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a household fetched once (its first view is of the source's own object)
    await seed_directory(app)
    sources = fake_sources([Section.HOUSEHOLD])
    use_sources(app, sources)
    caller = await verified_caller(client, app, LIU_JIANJUN)
    query = life_record_query("household")
    first = await life_record(client, caller, query)
    # (the directory's asynchronous lookup)
    looked_up = _count_codes(monkeypatch, DirectoryService, "departments_by_code")
    # when it is read from the cache three more times
    again = [await life_record(client, caller, query) for _ in range(3)]
    # then the answers are the same, the department was asked once, and the view of
    # the cached value was built once (the first cache read), not once per read
    assert all(record == first for record in again)
    assert first["household"]["record"]["provenance"]["department"]["code"] == "430200-GA"
    assert len(sources[Section.HOUSEHOLD].calls) == 1
    assert mapped == ["刘建军", "刘建军"]
    # and the provenance's department came from the directory's memory, with no
    # asynchronous lookup (DataLoader, task) at all
    assert looked_up == []


def _count_codes(monkeypatch: pytest.MonkeyPatch, owner: type, method: str) -> list[list[str]]:
    """The codes asked of ``owner.method`` (an async method taking codes) from now on."""
    asked: list[list[str]] = []
    original = getattr(owner, method)

    async def counted(self: object, codes: Sequence[str]) -> Any:
        asked.append(list(codes))
        return await original(self, codes)

    monkeypatch.setattr(owner, method, counted)
    return asked


async def test_a_new_value_gets_a_new_view(
    app: FastAPI, client: httpx.AsyncClient, mapped: list[str]
) -> None:
    # given a household read from the cache, its view kept
    sources = fake_sources([Section.HOUSEHOLD])
    use_sources(app, sources)
    caller = await verified_caller(client, app, LIU_JIANJUN)
    query = life_record_query("household")
    for _ in range(2):
        await life_record(client, caller, query)
    # when the department's value changes and the citizen refreshes it
    sources[Section.HOUSEHOLD].payload = section_payload(Section.HOUSEHOLD, name="刘建国")
    body = await as_caller(client, caller, REFRESH, {"sections": ["HOUSEHOLD"]})
    assert body["data"]["refreshLifeRecord"]["__typename"] == "LifeRecordRefreshed", body
    record = await life_record(client, caller, query)
    # then the new name is shown, from a view built for it
    assert record["household"]["record"]["name"] == "刘建国"
    assert mapped[-1] == "刘建国"


async def test_a_renamed_department_shows_in_a_kept_view(
    app: FastAPI, client: httpx.AsyncClient, mapped: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a household whose view is kept, and a directory read on every lookup
    await seed_directory(app)
    repository = DepartmentRepository(resources_of(app).database)
    app.state.services = app.state.services.replacing(DirectoryService(repository, cache_seconds=0))
    use_sources(app, fake_sources([Section.HOUSEHOLD]))
    caller = await verified_caller(client, app, LIU_JIANJUN)
    query = life_record_query("household")
    for _ in range(2):
        await life_record(client, caller, query)
    built = len(mapped)
    read = _count_codes(monkeypatch, DepartmentRepository, "by_codes")  # the directory's reads
    # when the directory renames the department named by its provenance
    police = next(d for d in DEPARTMENTS if d.code == "430200-GA")
    renamed = dataclasses.replace(police, name=Localized(zh="株洲市公安局（新）", en="New"))
    await repository.upsert_many([renamed])
    record = await life_record(client, caller, query)
    # then the new name is shown: the view was built again for the new department
    department = record["household"]["record"]["provenance"]["department"]
    assert department["name"] == {"zh": "株洲市公安局（新）", "en": "New"}
    assert len(mapped) == built + 1
    assert read == [["430200-GA"]]  # a directory that keeps nothing is read every time


async def test_a_view_is_never_served_to_another_citizen(
    app: FastAPI, client: httpx.AsyncClient, mapped: list[str]
) -> None:
    # given two citizens whose departments answer with the same bytes for both
    sources = fake_sources([Section.HOUSEHOLD])
    use_sources(app, sources)
    query = life_record_query("household")
    first = await verified_caller(client, app, LIU_JIANJUN)
    for _ in range(2):
        await life_record(client, first, query)
    built = len(mapped)
    # when the second reads theirs twice
    second = await verified_caller(client, app, LI_XIAOYAN)
    for _ in range(2):
        await life_record(client, second, query)
    # then the second's views were built for them (from the source, then the cache)
    assert len(mapped) == built + 2
    assert [citizen.id_number for citizen in sources[Section.HOUSEHOLD].calls] == [
        LIU_JIANJUN.id_number,
        LI_XIAOYAN.id_number,
    ]


async def test_a_failing_directory_leaves_the_names_out_not_the_sections(
    app: FastAPI, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a directory whose memory and lookups both fail
    await seed_directory(app)
    use_sources(app, fake_sources([Section.HOUSEHOLD]))
    caller = await verified_caller(client, app, LIU_JIANJUN)

    def broken(*args: Any) -> Any:
        raise RuntimeError("directory down")

    monkeypatch.setattr(DirectoryService, "kept_by_code", broken)
    monkeypatch.setattr(DirectoryService, "departments_by_code", broken)
    # when the household is read (from its source, then from the cache)
    records = [await life_record(client, caller, life_record_query("household")) for _ in "ab"]
    # then it shows each time, its provenance without the department's name
    for record in records:
        household = record["household"]["record"]
        assert household["name"] == "刘建军"
        assert household["provenance"]["source"] == "430200-GA"
        assert household["provenance"]["department"] is None
