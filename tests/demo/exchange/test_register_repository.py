"""The exchange's population register and register of legal entities."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from typing import Any

from app.resources import Resources
from demo.data.enterprises import unified_social_credit_code
from demo.data.people import resident_id_number
from demo.exchange.models import EntityStatus, EntityType, Gender, LegalEntityRecord, ResidentRecord
from demo.providers import DemoExchange
from kit.text import Localized


def a_resident(order: int = 1, **changes: Any) -> ResidentRecord:
    """A resident of 天元区 whose ID number differs by ``order``."""
    resident = ResidentRecord(
        id_number=resident_id_number("430211", date(1990, 1, 2), order, Gender.FEMALE),
        name="测试人",
        gender=Gender.FEMALE,
        birth_date=date(1990, 1, 2),
        household_address=Localized("株洲市天元区测试路 1 号", "1 Test Road, Tianyuan District"),
        phone="13907339999",
    )
    return dataclasses.replace(resident, **changes)


def an_entity(organisation_body: str = "MA4T0001", **changes: Any) -> LegalEntityRecord:
    """An active limited company of 天元区 whose USCC follows ``organisation_body``."""
    entity = LegalEntityRecord(
        uscc=unified_social_credit_code("91", "430211", organisation_body),
        name=Localized("株洲测试有限公司", "Zhuzhou Test Co., Ltd."),
        entity_type=EntityType.LIMITED_LIABILITY_COMPANY,
        legal_representative_id_number=a_resident().id_number,
        legal_representative_name="测试人",
        registered_capital=Decimal("1234567.89"),
        established_on=date(2020, 2, 29),
        address=Localized("株洲市天元区测试路 2 号", "2 Test Road, Tianyuan District"),
        status=EntityStatus.ACTIVE,
    )
    return dataclasses.replace(entity, **changes)


async def test_an_upserted_resident_reads_back_unchanged(resources: Resources) -> None:
    # given
    resident = a_resident()
    # when
    changed = await DemoExchange.over(resources.database).registers.upsert_residents([resident])
    found = await DemoExchange.over(resources.database).registers.resident_by_id_number(
        resident.id_number
    )
    # then
    assert changed == 1
    assert found == resident


async def test_a_resident_without_phone_reads_back_without_phone(resources: Resources) -> None:
    # given
    resident = a_resident(phone=None)
    await DemoExchange.over(resources.database).registers.upsert_residents([resident])
    # when
    found = await DemoExchange.over(resources.database).registers.resident_by_id_number(
        resident.id_number
    )
    # then
    assert found is not None
    assert found.phone is None


async def test_upserted_entities_read_back_unchanged_with_and_without_capital(
    resources: Resources,
) -> None:
    # given
    company = an_entity("MA4T0001")
    shop = an_entity(
        "MA4T0002",
        entity_type=EntityType.INDIVIDUAL_BUSINESS,
        registered_capital=None,
        status=EntityStatus.DEREGISTERED,
    )
    # when
    changed = await DemoExchange.over(resources.database).registers.upsert_entities([company, shop])
    found_company = await DemoExchange.over(resources.database).registers.entity_by_uscc(
        company.uscc
    )
    found_shop = await DemoExchange.over(resources.database).registers.entity_by_uscc(shop.uscc)
    # then
    assert changed == 2
    assert found_company == company
    assert found_shop == shop


async def test_unknown_numbers_read_as_none(resources: Resources) -> None:
    # given
    await DemoExchange.over(resources.database).registers.upsert_residents([a_resident()])
    await DemoExchange.over(resources.database).registers.upsert_entities([an_entity()])
    # when
    resident = await DemoExchange.over(resources.database).registers.resident_by_id_number(
        a_resident(order=2).id_number
    )
    entity = await DemoExchange.over(resources.database).registers.entity_by_uscc(
        an_entity("MA4T0009").uscc
    )
    # then
    assert resident is None
    assert entity is None


async def test_upserting_the_same_records_twice_changes_nothing(resources: Resources) -> None:
    # given
    residents = [a_resident(order=1), a_resident(order=2)]
    entities = [an_entity("MA4T0001"), an_entity("MA4T0002")]
    await DemoExchange.over(resources.database).registers.upsert_residents(residents)
    await DemoExchange.over(resources.database).registers.upsert_entities(entities)
    # when
    residents_changed = await DemoExchange.over(resources.database).registers.upsert_residents(
        residents
    )
    entities_changed = await DemoExchange.over(resources.database).registers.upsert_entities(
        entities
    )
    # then
    assert (residents_changed, entities_changed) == (0, 0)
    assert await resources.database["exchange_population"].count_documents({}) == 2
    assert await resources.database["exchange_legal_entities"].count_documents({}) == 2


async def test_upserting_a_changed_record_refreshes_it(resources: Resources) -> None:
    # given
    resident = a_resident()
    await DemoExchange.over(resources.database).registers.upsert_residents([resident])
    moved = dataclasses.replace(resident, phone="13907338888")
    # when
    changed = await DemoExchange.over(resources.database).registers.upsert_residents([moved])
    found = await DemoExchange.over(resources.database).registers.resident_by_id_number(
        resident.id_number
    )
    # then
    assert changed == 1
    assert found == moved


async def test_upserting_nothing_changes_nothing(resources: Resources) -> None:
    # when
    changed = await DemoExchange.over(resources.database).registers.upsert_residents([])
    # then
    assert changed == 0
    assert await resources.database["exchange_population"].count_documents({}) == 0


async def test_entities_by_legal_representative_lists_only_theirs_in_uscc_order(
    resources: Resources,
) -> None:
    # given
    representative = a_resident(order=1)
    someone_else = a_resident(order=2)
    theirs = [an_entity(body) for body in ("MA4T0003", "MA4T0001", "MA4T0002")]
    other = an_entity(
        "MA4T0004",
        legal_representative_id_number=someone_else.id_number,
        legal_representative_name="别人",
    )
    await DemoExchange.over(resources.database).registers.upsert_entities([*theirs, other])
    # when
    found = await DemoExchange.over(resources.database).registers.entities_by_legal_representative(
        representative.id_number
    )
    first_two = await DemoExchange.over(
        resources.database
    ).registers.entities_by_legal_representative(representative.id_number, limit=2)
    nobody = await DemoExchange.over(resources.database).registers.entities_by_legal_representative(
        a_resident(order=3).id_number
    )
    # then
    in_uscc_order = sorted(theirs, key=lambda entity: entity.uscc)
    assert found == in_uscc_order
    assert first_two == in_uscc_order[:2]
    assert nobody == []
