"""The demo section sources over the exchange's data sets, against the real database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from app.resources import Resources
from app.settings import Settings
from demo.data.departments import DEPARTMENTS
from demo.data.liferecord import exchange_records, life_records
from demo.data.people import LIU_JIANJUN, RESIDENTS, ZENG_ZIXUAN
from demo.exchange.models import DepartmentRecord
from demo.exchange.records import DepartmentRecordRepository
from demo.liferecord_adapters import ExchangeSectionSource, demo_sources
from demo.providers import DemoExchange
from devstack.servers import free_port
from infra.clients import mongo_client
from liferecord.adapters.sources import MalformedAnswer, SectionSource, SourceError
from liferecord.models import PAYLOAD_TYPES, Citizen, Section
from tests.conftest import CommandCounter

TODAY = datetime.now(UTC).date()


def a_citizen(id_number: str) -> Citizen:
    """The signed-in citizen whose verified ID number is ``id_number``."""
    return Citizen(account_id=f"acct-{id_number[-6:]}", id_number=id_number)


async def _load_demo(repository: DepartmentRecordRepository) -> None:
    for kind, records in exchange_records(TODAY).items():
        await repository.upsert(kind, records)


@pytest.fixture
async def counted(
    resources: Resources, settings: Settings
) -> AsyncIterator[tuple[DepartmentRecordRepository, CommandCounter]]:
    """A repository on the test's database whose client counts the commands it sends."""
    counter = CommandCounter()
    client = mongo_client(
        settings.mongodb_url.get_secret_value(), timeout_ms=2000, listeners=[counter]
    )
    try:
        yield DepartmentRecordRepository(client[settings.mongodb_database]), counter
    finally:
        await client.close()


async def test_every_demo_section_reads_back_as_its_model(resources: Resources) -> None:
    # given
    await _load_demo(DemoExchange.over(resources.database).department_records)
    sources = demo_sources(DemoExchange.over(resources.database).department_records)
    expected = {
        (item.resident.id_number, item.section): item.payload for item in life_records(TODAY)
    }
    # when
    found = {
        (resident.id_number, section): await source.fetch(a_citizen(resident.id_number))
        for resident in RESIDENTS
        for section, source in sources.items()
    }
    # then
    for (id_number, section), payload in found.items():
        if (id_number, section) in expected:
            assert isinstance(payload, PAYLOAD_TYPES[section]), section
            assert payload == expected[id_number, section], section
        else:
            assert payload is None, section
    assert len(expected) > 6 * len(RESIDENTS), "nearly every adult has every exchange section"


async def test_the_child_has_little_on_record(resources: Resources) -> None:
    # given
    await _load_demo(DemoExchange.over(resources.database).department_records)
    sources = demo_sources(DemoExchange.over(resources.database).department_records)
    child = a_citizen(ZENG_ZIXUAN.id_number)
    # when
    present = {section for section, source in sources.items() if await source.fetch(child)}
    # then
    assert present == {Section.HOUSEHOLD, Section.MEDICAL_INSURANCE}


async def test_a_resident_without_a_document_reads_as_none(resources: Resources) -> None:
    # given: only the household of one citizen is on the exchange
    household = next(
        record
        for record in exchange_records(TODAY)[Section.HOUSEHOLD.value]
        if record.id_number == LIU_JIANJUN.id_number
    )
    await DemoExchange.over(resources.database).department_records.upsert(
        Section.HOUSEHOLD.value, [household]
    )
    sources = demo_sources(DemoExchange.over(resources.database).department_records)
    # when
    own = await sources[Section.HOUSEHOLD].fetch(a_citizen(LIU_JIANJUN.id_number))
    other_section = await sources[Section.INCOME].fetch(a_citizen(LIU_JIANJUN.id_number))
    other_person = await sources[Section.HOUSEHOLD].fetch(a_citizen(ZENG_ZIXUAN.id_number))
    # then
    assert own is not None
    assert other_section is None
    assert other_person is None


@pytest.mark.parametrize(
    ("payload", "problem"),
    [
        ({"name": "刘建军", "gender": "male"}, "birth_date: missing"),
        ("刘建军 1984-05-12", "<root>: model_type"),
        (None, "<root>: model_type"),
        (
            {
                "name": "刘建军",
                "gender": "unknown",
                "birth_date": "1984-05-12",
                "household_address_zh": "湖南省株洲市石峰区田心街道示范社区8栋201室",
                "household_address_en": "Room 201",
                "provenance": {"source": "430200-GA", "as_of": "2024-01-01T00:00:00Z"},
                "spouse": "唐雅琴",
            },
            "gender: string_pattern_mismatch",
        ),
    ],
    ids=["missing-fields", "not-an-object", "null", "wrong-and-extra-fields"],
)
async def test_a_malformed_stored_payload_is_a_malformed_answer_without_its_values(
    resources: Resources, payload: Any, problem: str
) -> None:
    # given
    await DemoExchange.over(resources.database).department_records.upsert(
        Section.HOUSEHOLD.value,
        [DepartmentRecord(LIU_JIANJUN.id_number, payload, datetime.now(UTC))],
    )
    source = demo_sources(DemoExchange.over(resources.database).department_records)[
        Section.HOUSEHOLD
    ]
    # when
    with pytest.raises(MalformedAnswer) as raised:
        await source.fetch(a_citizen(LIU_JIANJUN.id_number))
    # then
    message = str(raised.value)
    assert problem in message
    assert "刘建军" not in message
    assert "唐雅琴" not in message
    assert LIU_JIANJUN.id_number not in message
    assert raised.value.__cause__ is None, "pydantic's error quotes the input"


async def test_each_fetch_sends_exactly_one_database_command(
    counted: tuple[DepartmentRecordRepository, CommandCounter],
) -> None:
    # given
    repository, counter = counted
    await _load_demo(repository)
    sources = demo_sources(repository)
    # when
    sent = {}
    for resident in (LIU_JIANJUN, ZENG_ZIXUAN):
        for section, source in sources.items():
            counter.reset()
            await source.fetch(a_citizen(resident.id_number))
            sent[resident.name, section] = list(counter.commands)
    # then
    assert set(map(tuple, sent.values())) == {("find",)}


async def test_an_unreachable_exchange_is_a_source_error() -> None:
    # given: nothing listens on the port
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        f"mongodb://127.0.0.1:{free_port()}/?directConnection=true",
        serverSelectionTimeoutMS=200,
    )
    source = demo_sources(DepartmentRecordRepository(client["nowhere"]))[Section.INCOME]
    # when
    try:
        with pytest.raises(SourceError) as raised:
            await source.fetch(a_citizen(LIU_JIANJUN.id_number))
    finally:
        await client.close()
    # then
    assert not isinstance(raised.value, MalformedAnswer)
    assert LIU_JIANJUN.id_number not in str(raised.value)


def test_demo_sources_cover_every_section_with_its_department_and_freshness(
    resources: Resources,
) -> None:
    # when
    sources: dict[Section, SectionSource] = demo_sources(
        DemoExchange.over(resources.database).department_records
    )
    # then
    assert set(sources) == set(Section) - {Section.LICENCES}, "licences are the wallet's"
    codes = {department.code for department in DEPARTMENTS}
    for section, source in sources.items():
        assert isinstance(source, ExchangeSectionSource)
        assert source.section is section
        assert source.department_code in codes, section
        assert 0 < source.timeout_seconds <= 2.0
    freshness = {section: source.freshness for section, source in sources.items()}
    assert freshness[Section.MEDICAL_INSURANCE] == timedelta(hours=1), "balances"
    assert freshness[Section.PROVIDENT_FUND] == timedelta(hours=1), "balances"
    assert freshness[Section.UTILITIES] == timedelta(hours=1), "bills and arrears"
    assert freshness[Section.SOCIAL_INSURANCE] == timedelta(hours=6)
    for registration in (Section.HOUSEHOLD, Section.PROPERTIES):
        assert freshness[registration] == timedelta(days=1), registration
    assert freshness[Section.INCOME] == timedelta(days=1)
