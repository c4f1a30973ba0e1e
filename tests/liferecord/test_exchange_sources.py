"""The life record read from the demo exchange *process* over signed HTTP.

The sources are the product's (``liferecord.adapters.exchange``) and the exchange is the
real process the session started; failures are made with its test-only faults.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI

from app.settings import Settings
from demo.data.enterprises import ENTERPRISES
from demo.data.people import LIU_JIANJUN
from demo.liferecord_adapters import correctable_exchange_sources
from devstack.servers import free_port
from identity.models import Gender, RealName
from identity.repositories.accounts import RealNameBinding
from infra.exchange import ExchangeConnection
from liferecord.adapters.exchange import (
    ExchangeEnterpriseDataSets,
    ExchangeEntityRegister,
    exchange_sources,
)
from liferecord.adapters.http import SourceTimeout
from liferecord.adapters.sources import CorrectableSource, MalformedAnswer, SourceError
from liferecord.models import Citizen, Section
from tests.conftest import ExchangeProcess
from tests.conftest import _drop_test_data as drop_test_data
from tests.exchange import fault, over_http, signer_of
from tests.identity.factories import SignedInCaller, sign_in
from tests.identity.verification_factories import accounts_of, resources_of
from tests.liferecord.documents import life_record, life_record_query, seed_directory

CITIZEN = Citizen(account_id="acc-1", id_number=LIU_JIANJUN.id_number)
INCOME = f"/v1/residents/{LIU_JIANJUN.id_number}/records/income"


@pytest.fixture
def settings(settings: Settings, exchange_process: ExchangeProcess) -> Settings:
    """Every test here reads the registers and data sets from the exchange process."""
    return over_http(settings, exchange_process)


@pytest.fixture
async def connection(exchange_process: ExchangeProcess) -> AsyncIterator[ExchangeConnection]:
    async with httpx.AsyncClient() as client:
        yield ExchangeConnection(
            client=client,
            base_url=exchange_process.url,
            signer=signer_of(exchange_process),
            timeout_seconds=0.8,
            max_body_bytes=64 * 1024,
        )


async def bound_caller(client: httpx.AsyncClient, app: FastAPI) -> SignedInCaller:
    """A caller whose account holds Liu Jianjun's identity (bound as a binding stores it)."""
    caller = await sign_in(client, app)
    real_name = RealName(
        name=LIU_JIANJUN.name,
        id_number=LIU_JIANJUN.id_number,
        birth_date=LIU_JIANJUN.birth_date,
        gender=Gender(LIU_JIANJUN.gender.value),
        verified_at=datetime.now(UTC),
    )
    outcome = await accounts_of(app).bind_real_name(
        caller.account_id, real_name, resources_of(app).keys.lookup.digest(LIU_JIANJUN.id_number)
    )
    assert outcome is RealNameBinding.BOUND
    return caller


async def test_the_life_record_comes_from_the_exchange_and_the_api_holds_no_register(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given a citizen bound as Liu Jianjun, and nothing of the exchange in our database
    await seed_directory(app)
    caller = await bound_caller(client, app)
    # when they read their life record
    record = await life_record(client, caller, life_record_query("household", "income"))
    # then the sections come from the exchange process …
    assert record["household"]["record"]["name"] == "刘建军"
    assert record["household"]["unavailable"] is None
    assert record["income"]["months"]
    # … and the API's database holds no register or data set collection
    names = await resources_of(app).database.list_collection_names()
    assert not [name for name in names if name.startswith("exchange")], names


async def test_the_exchange_down_makes_sections_source_unavailable(
    settings: Settings, exchange_process: ExchangeProcess
) -> None:
    # given settings pointing at an exchange that does not listen
    from app.main import create_app
    from demo.providers import demo_providers

    down = over_http(settings, exchange_process, exchange_url=f"http://127.0.0.1:{free_port()}")
    application = create_app(down, providers=demo_providers)
    try:
        async with application.router.lifespan_context(application):
            transport = httpx.ASGITransport(app=application)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
                caller = await bound_caller(http, application)
                # when the citizen reads their record
                record = await life_record(http, caller, life_record_query("household", "income"))
    finally:
        await drop_test_data(down)
    # then each section answers SourceUnavailable, naming its department, and no error
    for field, source in (("household", "430200-GA"), ("income", "430200-SW")):
        unavailable = record[field]
        assert unavailable["__typename"] == "SourceUnavailable", unavailable
        assert unavailable["code"] == "SOURCE_UNAVAILABLE"
        assert unavailable["source"] == source


async def test_a_slow_answer_hits_the_time_budget(
    connection: ExchangeConnection, exchange_process: ExchangeProcess
) -> None:
    # given the exchange answering the income data set after 3 s, and a 0.8 s budget
    source = exchange_sources(connection)[Section.INCOME]
    with fault(exchange_process, INCOME, delay_seconds=3):
        started = datetime.now(UTC)
        # when
        with pytest.raises(SourceTimeout):
            await source.fetch(CITIZEN)
        # then it gave up within the budget (not after the answer)
        assert (datetime.now(UTC) - started).total_seconds() < 2.5


async def test_an_oversized_answer_is_refused(
    connection: ExchangeConnection, exchange_process: ExchangeProcess
) -> None:
    source = exchange_sources(connection)[Section.INCOME]
    with (
        fault(exchange_process, INCOME, size_bytes=200_000),
        pytest.raises(MalformedAnswer, match="larger than"),
    ):
        await source.fetch(CITIZEN)


async def test_an_answer_that_is_not_json_is_refused(
    connection: ExchangeConnection, exchange_process: ExchangeProcess
) -> None:
    source = exchange_sources(connection)[Section.INCOME]
    with (
        fault(exchange_process, INCOME, body="<html>gateway</html>"),
        pytest.raises(MalformedAnswer),
    ):
        await source.fetch(CITIZEN)


async def test_the_sections_read_signed_and_a_500_is_a_source_error(
    connection: ExchangeConnection, exchange_process: ExchangeProcess
) -> None:
    # given the income section answered normally
    source = exchange_sources(connection)[Section.INCOME]
    assert await source.fetch(CITIZEN) is not None
    # when the exchange fails on it every time
    # then after its retries the source gives up with a SourceError
    with fault(exchange_process, INCOME, status=500, body="{}"), pytest.raises(SourceError):
        await source.fetch(CITIZEN)


async def test_the_enterprise_record_reads_register_and_data_sets_over_http(
    connection: ExchangeConnection,
) -> None:
    # given a demo enterprise
    uscc = ENTERPRISES[0].uscc
    # when
    entity = await ExchangeEntityRegister(connection).entity_by_uscc(uscc)
    totals = await ExchangeEnterpriseDataSets(connection).contribution_totals(uscc)
    nobody = await ExchangeEntityRegister(connection).entity_by_uscc("91430200MA00000000")
    # then
    assert entity is not None
    assert entity.name == ENTERPRISES[0].name
    assert entity.registered_capital == ENTERPRISES[0].registered_capital
    assert nobody is None
    if totals is not None:
        assert all(month.headcount >= 0 for month in totals.months)


async def test_a_demo_correction_is_written_back_to_the_exchange_signed(
    connection: ExchangeConnection,
) -> None:
    # given the demo's correctable household source over the exchange process
    source = correctable_exchange_sources(connection)[Section.HOUSEHOLD]
    assert isinstance(source, CorrectableSource)
    try:
        # when a department corrects the name after a dispute
        await source.correct(CITIZEN, [("name", None)], "刘建国")
        # then the exchange answers the corrected value from now on
        record = await source.fetch(CITIZEN)
        assert record is not None
        assert record.model_dump()["name"] == "刘建国"
        # and a value that does not fit the model changes nothing
        with pytest.raises(MalformedAnswer):
            await source.correct(CITIZEN, [("birth_date", None)], "not a date")
    finally:
        await source.correct(CITIZEN, [("name", None)], LIU_JIANJUN.name)
