"""``me.lifeRecord`` and ``refreshLifeRecord`` through ``/graphql``, over in-test sources."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from fastapi import FastAPI
from graphql import GraphQLNamedType, GraphQLObjectType, get_named_type

from app.graphql import build_schema
from demo.data.people import LI_XIAOYAN, LIU_JIANJUN
from devstack.servers import free_port
from infra.clients import redis_client
from liferecord.models import Citizen, Record, Section
from liferecord.repositories.cache import SectionCache
from liferecord.services.life_record import REFRESHES_PER_WINDOW
from tests.identity.factories import as_caller, sign_in
from tests.liferecord.documents import (
    FULL_LIFE_RECORD,
    REFRESH,
    SECTION_FIELDS,
    life_record,
    life_record_query,
    seed_directory,
    verified_caller,
)
from tests.liferecord.fakes import FakeSource, InFlight, fake_sources, section_payload, use_sources


async def test_a_verified_citizen_reads_every_section_with_provenance(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given
    await seed_directory(app)
    sources = fake_sources()
    use_sources(app, sources)
    caller = await verified_caller(client, app, LIU_JIANJUN)
    # when
    record = await life_record(client, caller)
    # then every section is there, from its own department
    assert record["__typename"] == "LifeRecord"
    for field in SECTION_FIELDS:
        assert record[field]["__typename"].endswith("Section"), record[field]
        assert record[field]["stale"] is False
        assert record[field]["unavailable"] is None
    household = record["household"]["record"]
    assert household["name"] == "刘建军"
    assert household["gender"] == "MALE"
    assert household["birthDate"] == "1984-05-12"
    assert household["provenance"] == {
        "source": "430200-GA",
        "department": {
            "code": "430200-GA",
            "name": {"zh": "株洲市公安局", "en": "Zhuzhou Public Security Bureau"},
        },
        "asOf": "2025-03-01T08:00:00+00:00",
        "verified": True,
        "selfDeclared": False,
    }
    medical = record["medicalInsurance"]["record"]
    assert medical["accountBalance"] == "3210.50"  # decimals travel as exact strings
    assert medical["reimbursements"][0]["fundPaid"] == "800.00"
    schemes = record["socialInsurance"]["schemes"]
    assert [s["scheme"] for s in schemes] == ["PENSION", "UNEMPLOYMENT", "WORK_INJURY"]
    assert schemes[0]["history"] == [
        {
            "month": "2025-03",
            "base": "6000.00",
            "personal": "480.00",
            "employer": "960.00",
            "paidBy": "株洲示范电力机车有限公司（演示）",
        }
    ]
    assert record["utilities"]["accounts"][0]["kind"] == "WATER"
    assert record["utilities"]["accounts"][0]["provenance"]["department"]["code"] == (
        "430200-WATER"
    )
    income = record["income"]["months"][0]["provenance"]
    assert (income["verified"], income["selfDeclared"]) == (False, True)
    assert record["providentFund"]["record"]["status"] == "ACTIVE"
    assert record["properties"]["items"][0]["mortgaged"] is True
    assert record["licences"]["items"][0]["validUntil"] == "2031-01-01"
    # and the departments were asked about this citizen only
    for section in Section:
        assert sources[section].calls == [
            Citizen(account_id=caller.account_id, id_number=LIU_JIANJUN.id_number)
        ]


async def test_only_the_sections_asked_for_are_fetched(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given
    sources = fake_sources()
    use_sources(app, sources)
    caller = await verified_caller(client, app, LIU_JIANJUN)
    # when
    record = await life_record(client, caller, life_record_query("income", "household"))
    # then
    assert set(record) == {"__typename", "income", "household"}
    called = {section for section, source in sources.items() if source.calls}
    assert called == {Section.INCOME, Section.HOUSEHOLD}


async def test_the_sections_are_fetched_at_the_same_time(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given eight departments that each answer only once all eight are asked (asked
    # one after another, each would wait until its timeout and be reported unavailable)
    sources = fake_sources()
    in_flight = InFlight(expected=len(sources))
    for source in sources.values():
        source.in_flight = in_flight
    use_sources(app, sources)
    caller = await verified_caller(client, app, LIU_JIANJUN)
    # when
    record = await life_record(client, caller)
    # then
    assert in_flight.peak == len(sources)
    assert all(record[f]["__typename"].endswith("Section") for f in SECTION_FIELDS)


async def test_a_caller_without_real_name_is_asked_to_verify(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given a caller signed in by SMS only
    sources = fake_sources()
    use_sources(app, sources)
    caller = await sign_in(client, app)
    # when
    record = await life_record(client, caller)
    refresh = (await as_caller(client, caller, REFRESH))["data"]["refreshLifeRecord"]
    # then
    expected = {
        "__typename": "StepUpRequired",
        "code": "STEP_UP_REQUIRED",
        "requiredLevel": "REAL_NAME",
        "currentLevel": "PHONE",
    }
    assert record == expected
    assert refresh == expected
    assert not any(source.calls for source in sources.values())


async def test_an_anonymous_refresh_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": REFRESH})
    payload = response.json()["data"]["refreshLifeRecord"]
    assert payload == {
        "__typename": "AuthenticationRequired",
        "code": "AUTHENTICATION_REQUIRED",
        "reason": "MISSING",
    }


async def test_a_hanging_department_does_not_hold_the_response(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given the register of properties hangs (and is slow to stop when cancelled)
    sources = fake_sources()
    hanging = FakeSource(Section.PROPERTIES, timeout_seconds=0.5)
    hanging.hang = hanging.stubborn = True
    sources[Section.PROPERTIES] = hanging
    use_sources(app, sources)
    caller = await verified_caller(client, app, LIU_JIANJUN)
    # when (the guard only stops a regression from hanging the suite)
    async with asyncio.timeout(30):
        record = await life_record(client, caller)
    # then the response came at the source's timeout, while it was still stopping
    assert len(hanging.calls) == 1
    assert hanging.finished == 0
    assert record["properties"] == {
        "__typename": "SourceUnavailable",
        "code": "SOURCE_UNAVAILABLE",
        "source": "430200-ZRZY",
        "retryAfter": 30,
        "message": "该部门系统暂时无法访问，请稍后再试",
        "messageEn": "The department's system cannot be reached just now; please try again later",
        "field": None,
    }
    others = [record[f]["__typename"] for f in SECTION_FIELDS if f != "properties"]
    assert all(name.endswith("Section") for name in others)


async def test_a_failing_or_malformed_department_fails_only_its_section(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given one department that errors and three that answer nonsense
    sources = fake_sources()
    sources[Section.INCOME].error = RuntimeError("boom")
    sources[Section.HOUSEHOLD].payload = section_payload(Section.PROPERTIES)
    sources[Section.UTILITIES].payload = {"accounts": "none"}
    sources[Section.MEDICAL_INSURANCE].payload = 42
    use_sources(app, sources)
    caller = await verified_caller(client, app, LIU_JIANJUN)
    # when (life_record asserts there is no top-level error)
    record = await life_record(client, caller)
    # then
    failed = {"income", "household", "utilities", "medicalInsurance"}
    for field in SECTION_FIELDS:
        expected = "SourceUnavailable" if field in failed else None
        if expected:
            assert record[field]["__typename"] == expected, field
            assert record[field]["source"] == sources[SECTION_FIELDS[field]].department_code
        else:
            assert record[field]["__typename"].endswith("Section"), field


async def test_a_refresh_that_fails_shows_the_last_value_as_stale(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given a value fetched and cached
    sources = fake_sources([Section.HOUSEHOLD, Section.INCOME])
    use_sources(app, sources)
    caller = await verified_caller(client, app, LIU_JIANJUN)
    before = await life_record(client, caller, life_record_query("household"))
    # when the department is down at the next refresh
    sources[Section.HOUSEHOLD].error = ConnectionRefusedError()
    body = await as_caller(client, caller, REFRESH, {"sections": ["HOUSEHOLD"]})
    # then
    refreshed = body["data"]["refreshLifeRecord"]
    assert refreshed["__typename"] == "LifeRecordRefreshed"
    assert refreshed["sections"] == ["HOUSEHOLD"]
    household = refreshed["lifeRecord"]["household"]
    assert household["__typename"] == "HouseholdSection"
    assert household["stale"] is True
    assert household["record"] == before["household"]["record"]
    assert household["fetchedAt"] == before["household"]["fetchedAt"]
    assert household["unavailable"]["code"] == "SOURCE_UNAVAILABLE"
    assert household["unavailable"]["source"] == "430200-GA"
    # the refreshed section was not fetched a second time for the payload
    assert len(sources[Section.HOUSEHOLD].calls) == 2
    # and the section not refreshed was read normally
    assert refreshed["lifeRecord"]["income"]["__typename"] == "IncomeSection"


async def test_refresh_fetches_again_and_is_rate_limited(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given
    sources = fake_sources()
    use_sources(app, sources)
    caller = await verified_caller(client, app, LIU_JIANJUN)
    await life_record(client, caller)
    # when refreshing as often as allowed
    for round_ in range(1, REFRESHES_PER_WINDOW + 1):
        body = await as_caller(client, caller, REFRESH)
        payload = body["data"]["refreshLifeRecord"]
        assert payload["__typename"] == "LifeRecordRefreshed", body
        assert len(payload["sections"]) == len(Section)
        assert payload["lifeRecord"]["income"]["__typename"] == "IncomeSection"
        assert all(len(source.calls) == 1 + round_ for source in sources.values())
    # then the next one is refused, and no department is asked
    body = await as_caller(client, caller, REFRESH, {"sections": ["INCOME"]})
    refused = body["data"]["refreshLifeRecord"]
    assert refused["__typename"] == "RateLimited"
    assert refused["code"] == "RATE_LIMITED"
    assert refused["retryAfterSeconds"] > 0
    assert len(sources[Section.INCOME].calls) == 1 + REFRESHES_PER_WINDOW


async def test_refresh_of_no_section_is_invalid(app: FastAPI, client: httpx.AsyncClient) -> None:
    # given
    use_sources(app, fake_sources([Section.INCOME]))
    caller = await verified_caller(client, app, LIU_JIANJUN)
    # when
    empty = await as_caller(client, caller, REFRESH, {"sections": []})
    unserved = await as_caller(client, caller, REFRESH, {"sections": ["HOUSEHOLD"]})
    # then
    for body in (empty, unserved):
        payload = body["data"]["refreshLifeRecord"]
        assert payload == {
            "__typename": "InvalidInput",
            "code": "INVALID_INPUT",
            "field": "sections",
        }


class PerCitizenHousehold(FakeSource):
    """Answers each citizen with their own household (as the register would)."""

    def __init__(self, names: dict[str, str]) -> None:
        super().__init__(Section.HOUSEHOLD)
        self.names = names

    async def fetch(self, citizen: Citizen) -> Record | None:
        """The citizen's own registration."""
        self.calls.append(citizen)
        return section_payload(Section.HOUSEHOLD, name=self.names[citizen.id_number])


async def test_each_citizen_sees_only_their_own_record(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given two verified citizens
    source = PerCitizenHousehold(
        {LIU_JIANJUN.id_number: LIU_JIANJUN.name, LI_XIAOYAN.id_number: LI_XIAOYAN.name}
    )
    use_sources(app, {Section.HOUSEHOLD: source})
    liu = await verified_caller(client, app, LIU_JIANJUN)
    li = await verified_caller(client, app, LI_XIAOYAN)
    query = life_record_query("household")
    # when each reads (Li right after Liu, while Liu's value is cached)
    liu_record = await life_record(client, liu, query)
    li_record = await life_record(client, li, query)
    # then
    assert liu_record["household"]["record"]["name"] == "刘建军"
    assert li_record["household"]["record"]["name"] == "李晓燕"
    assert [c.id_number for c in source.calls] == [LIU_JIANJUN.id_number, LI_XIAOYAN.id_number]
    assert [c.account_id for c in source.calls] == [liu.account_id, li.account_id]


def _fields_returning(schema_types: dict[str, GraphQLNamedType], names: set[str]) -> list[str]:
    found = []
    for type_name, graphql_type in schema_types.items():
        if type_name.startswith("__") or not isinstance(graphql_type, GraphQLObjectType):
            continue
        for field_name, field in graphql_type.fields.items():
            if get_named_type(field.type).name in names:
                found.append(f"{type_name}.{field_name}({', '.join(field.args)})")
    return sorted(found)


def test_no_field_of_the_schema_can_name_whose_record_to_read() -> None:
    # The life record is reachable only as the caller's own (``me``), with no argument
    # that could name another citizen; the refresh takes sections only.
    schema = build_schema()._schema
    fields = _fields_returning(schema.type_map, {"LifeRecord", "LifeRecordResult"})
    assert fields == ["LifeRecordRefreshed.lifeRecord()", "Me.lifeRecord()"]
    mutation = schema.mutation_type
    assert mutation is not None
    assert list(mutation.fields["refreshLifeRecord"].args) == ["sections"]
    section_results = {f"{name[0].upper()}{name[1:]}Result" for name in SECTION_FIELDS}
    assert _fields_returning(schema.type_map, section_results) == [
        f"LifeRecord.{name}()" for name in sorted(SECTION_FIELDS)
    ]


async def test_without_redis_the_record_is_still_served(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given the life record's cache points at a Redis that does not listen
    dead = redis_client(
        f"redis://127.0.0.1:{free_port()}/0", max_connections=2, timeout_seconds=0.5
    )
    try:
        sources = fake_sources()
        use_sources(
            app,
            sources,
            cache=SectionCache(dead, app.state.resources.keys.record_cache, prefix="x:"),
        )
        caller = await verified_caller(client, app, LIU_JIANJUN)
        # when read twice
        first = await life_record(client, caller)
        second = await life_record(client, caller)
    finally:
        await dead.aclose()
    # then both answered in full, straight from the departments
    for record in (first, second):
        assert all(record[f]["__typename"].endswith("Section") for f in SECTION_FIELDS)
    assert all(len(source.calls) == 2 for source in sources.values())


def _section_typenames(record: dict[str, Any]) -> set[str]:
    return {record[field]["__typename"] for field in SECTION_FIELDS}


async def test_a_section_without_a_source_here_is_unavailable(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given a deployment where only income is connected
    use_sources(app, fake_sources([Section.INCOME]))
    caller = await verified_caller(client, app, LIU_JIANJUN)
    # when
    record = await life_record(client, caller, FULL_LIFE_RECORD)
    # then
    assert record["income"]["__typename"] == "IncomeSection"
    assert record["household"]["__typename"] == "SourceUnavailable"
    assert _section_typenames(record) == {"IncomeSection", "SourceUnavailable"}
