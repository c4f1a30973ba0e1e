"""The exchange's departments' data sets: one document per kind and resident."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from app.resources import Resources
from demo.data.people import LI_XIAOYAN, LIU_JIANJUN
from demo.exchange.models import DepartmentRecord
from demo.exchange.records import RECORD_KINDS, UnknownRecordKind, collection_name
from demo.providers import DemoExchange
from liferecord.models import Section

AS_OF = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)


def a_record(id_number: str = LIU_JIANJUN.id_number, **payload: Any) -> DepartmentRecord:
    """A provident fund data set in its JSON form."""
    return DepartmentRecord(id_number, {"balance": "1234.50", "loans": [], **payload}, AS_OF)


def test_the_exchange_carries_one_kind_per_life_record_section_but_licences() -> None:
    # then: the licences are the licence wallet's
    assert {section.value for section in Section} - {"licences"} == RECORD_KINDS


async def test_an_upserted_data_set_reads_back_unchanged(resources: Resources) -> None:
    # given
    record = a_record()
    # when
    changed = await DemoExchange.over(resources.database).department_records.upsert(
        "provident_fund", [record]
    )
    found = await DemoExchange.over(resources.database).department_records.get(
        "provident_fund", record.id_number
    )
    # then
    assert changed == 1
    assert found == record
    stored = await resources.database["exchange_provident_fund"].find_one()
    assert stored is not None
    assert stored["_id"] == LIU_JIANJUN.id_number


async def test_upserting_the_same_data_sets_twice_changes_nothing(resources: Resources) -> None:
    # given
    records = [a_record(LIU_JIANJUN.id_number), a_record(LI_XIAOYAN.id_number)]
    await DemoExchange.over(resources.database).department_records.upsert("provident_fund", records)
    # when
    changed = await DemoExchange.over(resources.database).department_records.upsert(
        "provident_fund", records
    )
    # then
    assert changed == 0
    assert await resources.database["exchange_provident_fund"].count_documents({}) == 2


async def test_upserting_a_changed_data_set_replaces_its_payload(resources: Resources) -> None:
    # given
    await DemoExchange.over(resources.database).department_records.upsert(
        "provident_fund", [a_record(extra="old")]
    )
    newer = DepartmentRecord(LIU_JIANJUN.id_number, {"balance": "0.00"}, AS_OF)
    # when
    changed = await DemoExchange.over(resources.database).department_records.upsert(
        "provident_fund", [newer]
    )
    found = await DemoExchange.over(resources.database).department_records.get(
        "provident_fund", LIU_JIANJUN.id_number
    )
    # then
    assert changed == 1
    assert found == newer, "the old payload's fields are gone"


async def test_kinds_are_kept_apart_and_unknown_residents_read_as_none(
    resources: Resources,
) -> None:
    # given
    await DemoExchange.over(resources.database).department_records.upsert(
        "provident_fund", [a_record()]
    )
    # when
    other_kind = await DemoExchange.over(resources.database).department_records.get(
        "income", LIU_JIANJUN.id_number
    )
    other_person = await DemoExchange.over(resources.database).department_records.get(
        "provident_fund", LI_XIAOYAN.id_number
    )
    nothing = await DemoExchange.over(resources.database).department_records.upsert("income", [])
    # then
    assert other_kind is None
    assert other_person is None
    assert nothing == 0


async def test_an_unknown_kind_is_refused_before_naming_a_collection(
    resources: Resources,
) -> None:
    # when / then
    with pytest.raises(UnknownRecordKind):
        await DemoExchange.over(resources.database).department_records.get(
            "population", LIU_JIANJUN.id_number
        )
    with pytest.raises(UnknownRecordKind):
        await DemoExchange.over(resources.database).department_records.upsert("$cmd", [a_record()])
    with pytest.raises(UnknownRecordKind):
        collection_name("system.users")
