"""The demo data: well-formed Zhuzhou numbers, consistent links, idempotent seeding."""

from __future__ import annotations

import re
from typing import Any

import stdnum.cn.ric
import stdnum.cn.uscc

from app.resources import Resources
from demo.data.enterprises import (
    ENTERPRISES,
    NON_CITIZEN_REPRESENTATIVES,
    organisation_code_check_character,
)
from demo.data.people import RESIDENTS
from demo.exchange.models import Gender
from demo.providers import DemoExchange
from demo.seed import seed
from liferecord.models import Section

ZHUZHOU_AREA_CODE = re.compile(r"4302\d\d")
MAINLAND_MOBILE = re.compile(r"1[3-9]\d{9}")
COLLECTIONS = ("departments", "exchange_population", "exchange_legal_entities")


async def _snapshot(resources: Resources) -> dict[str, list[dict[str, Any]]]:
    return {
        name: [doc async for doc in resources.database[name].find().sort("_id", 1)]
        for name in COLLECTIONS
    }


def test_every_demo_id_number_is_a_valid_zhuzhou_number_matching_the_record() -> None:
    for resident in RESIDENTS:
        # when
        number = stdnum.cn.ric.validate(resident.id_number)
        # then
        assert number == resident.id_number, "stored in compact, upper-case form"
        assert ZHUZHOU_AREA_CODE.fullmatch(number[:6]), resident.name
        assert stdnum.cn.ric.get_birth_date(number) == resident.birth_date, resident.name
        sex_digit_is_odd = int(number[16]) % 2 == 1
        assert sex_digit_is_odd == (resident.gender is Gender.MALE), resident.name


def test_demo_residents_have_distinct_numbers_and_well_formed_phones() -> None:
    # given
    numbers = [resident.id_number for resident in RESIDENTS]
    phones = [resident.phone for resident in RESIDENTS if resident.phone is not None]
    # then
    assert len(set(numbers)) == len(numbers)
    assert len(set(phones)) == len(phones)
    assert all(MAINLAND_MOBILE.fullmatch(phone) for phone in phones), phones


def test_organisation_code_check_character_agrees_with_published_codes() -> None:
    # given: the organisation codes inside published unified social credit codes
    published = {"71526726": "X", "71092546": "2", "60003734": "1"}
    # when
    computed = {body: organisation_code_check_character(body) for body in published}
    # then
    assert computed == published


def test_every_demo_uscc_is_valid_with_a_zhuzhou_area_code() -> None:
    for entity in ENTERPRISES:
        # when
        code = stdnum.cn.uscc.validate(entity.uscc)
        # then
        assert code == entity.uscc
        assert code[0] == "9", "registered with market regulation"
        assert code[1] in "12", "enterprise or individual business"
        assert ZHUZHOU_AREA_CODE.fullmatch(code[2:8]), entity.name.zh
        # stdnum checks only the last character; the organisation code has its own.
        assert organisation_code_check_character(code[8:16]) == code[16], entity.name.zh
    assert len({entity.uscc for entity in ENTERPRISES}) == len(ENTERPRISES)


def test_every_legal_representative_is_a_demo_citizen_or_a_declared_non_citizen() -> None:
    # given
    citizens = {resident.id_number: resident.name for resident in RESIDENTS}
    outsiders = {person.id_number: person.name for person in NON_CITIZEN_REPRESENTATIVES}
    # then
    assert not citizens.keys() & outsiders.keys()
    for entity in ENTERPRISES:
        number = entity.legal_representative_id_number
        known = citizens | outsiders
        assert number in known, entity.name.zh
        assert known[number] == entity.legal_representative_name, entity.name.zh
    assert any(e.legal_representative_id_number in citizens for e in ENTERPRISES)
    for person in NON_CITIZEN_REPRESENTATIVES:
        assert stdnum.cn.ric.is_valid(person.id_number), person.name


async def test_seeding_twice_leaves_the_same_data_and_counts(resources: Resources) -> None:
    # given
    first_counts = await seed(resources)
    after_first = await _snapshot(resources)
    # when
    second_counts = await seed(resources)
    after_second = await _snapshot(resources)
    # then
    assert first_counts == second_counts
    assert after_second == after_first
    assert {name: len(docs) for name, docs in after_second.items()} == {
        "departments": first_counts["departments"],
        "exchange_population": first_counts["residents"],
        "exchange_legal_entities": first_counts["legal_entities"],
    }
    assert first_counts["residents"] == len(RESIDENTS)
    assert first_counts["legal_entities"] == len(ENTERPRISES)
    sections = [
        await resources.database[f"exchange_{s.value}"].count_documents({})
        for s in Section
        if s is not Section.LICENCES  # the licence wallet's, seeded by seed_wallet
    ]
    assert min(sections) > 0, "every life-record section is seeded"
    assert sum(sections) == first_counts["life_record_sections"]


async def test_seeded_citizen_finds_the_entities_they_represent(resources: Resources) -> None:
    # given
    await seed(resources)
    representative = ENTERPRISES[0].legal_representative_id_number
    # when
    resident = await DemoExchange.over(resources.database).registers.resident_by_id_number(
        representative
    )
    entities = await DemoExchange.over(
        resources.database
    ).registers.entities_by_legal_representative(representative)
    # then
    assert resident is not None
    assert resident.name == ENTERPRISES[0].legal_representative_name
    assert {e.uscc for e in entities} == {
        e.uscc for e in ENTERPRISES if e.legal_representative_id_number == representative
    }
