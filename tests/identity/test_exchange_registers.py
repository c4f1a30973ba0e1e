"""Real-name binding and enterprise look-ups read the registers from the exchange process."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from app.main import create_app
from app.settings import Settings
from demo.data.enterprises import ENTERPRISES
from demo.data.people import LIU_JIANJUN
from demo.providers import demo_providers
from devstack.servers import free_port
from identity.adapters.exchange import ExchangeLegalEntityRegister, ExchangePopulationRegister
from infra.exchange import ExchangeConnection
from infra.outages import Unavailable
from tests.conftest import ExchangeProcess
from tests.conftest import _drop_test_data as drop_test_data
from tests.exchange import fault, over_http, signer_of
from tests.identity.verification_factories import (
    account_document,
    sign_in_as,
    verify_real_name,
)


@pytest.fixture
def settings(settings: Settings, exchange_process: ExchangeProcess) -> Settings:
    """Every app here reads the registers from the exchange process."""
    return over_http(settings, exchange_process)


@pytest.fixture
async def connection(exchange_process: ExchangeProcess) -> AsyncIterator[ExchangeConnection]:
    async with httpx.AsyncClient() as client:
        yield ExchangeConnection(
            client=client,
            base_url=exchange_process.url,
            signer=signer_of(exchange_process),
            timeout_seconds=1.0,
        )


async def test_a_citizen_binds_their_real_name_against_the_exchange(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given Liu Jianjun signed in with his phone (no register copy in our database)
    caller = await sign_in_as(client, app, LIU_JIANJUN)
    # when he verifies his real name
    payload = await verify_real_name(client, caller, LIU_JIANJUN.name, LIU_JIANJUN.id_number)
    # then the exchange's population register confirmed it
    assert payload["__typename"] == "RealNameVerified", payload


async def test_the_exchange_down_makes_binding_answer_a_retryable_error_and_bind_nothing(
    settings: Settings, exchange_process: ExchangeProcess
) -> None:
    # given the exchange unreachable
    down = over_http(settings, exchange_process, exchange_url=f"http://127.0.0.1:{free_port()}")
    application = create_app(down, providers=demo_providers)
    try:
        async with application.router.lifespan_context(application):
            transport = httpx.ASGITransport(app=application)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
                caller = await sign_in_as(http, application, LIU_JIANJUN)
                # when he verifies his real name
                payload = await verify_real_name(
                    http, caller, LIU_JIANJUN.name, LIU_JIANJUN.id_number
                )
                account = await account_document(application, caller.account_id)
    finally:
        await drop_test_data(down)
    # then a typed "retry shortly", not a mismatch that blames him, and nothing bound
    assert payload["__typename"] == "ServiceUnavailable", payload
    assert payload["code"] == "SERVICE_UNAVAILABLE"
    assert account.get("real_name") is None


async def test_the_registers_answer_over_http(connection: ExchangeConnection) -> None:
    # given the readers the identity domain uses
    reader = connection.reader(log_event="identity.exchange")
    people, entities = ExchangePopulationRegister(reader), ExchangeLegalEntityRegister(reader)
    usccs = [entity.uscc for entity in ENTERPRISES[:3]]
    # when
    person = await people.lookup(LIU_JIANJUN.id_number)
    nobody = await people.lookup("430204199001010000")
    found = await entities.entities([*usccs, "91430200MA00000000"])
    # then
    assert person is not None
    assert person.name == LIU_JIANJUN.name
    assert nobody is None
    assert sorted(found) == sorted(usccs)


async def test_a_register_answer_that_is_not_json_is_a_retryable_outage(
    connection: ExchangeConnection, exchange_process: ExchangeProcess
) -> None:
    # given the register answering an HTML error page with 200
    register = ExchangePopulationRegister(connection.reader(log_event="identity.exchange"))
    path = f"/v1/residents/{LIU_JIANJUN.id_number}"
    # when / then
    with (
        fault(exchange_process, path, body="<html>maintenance</html>"),
        pytest.raises(Unavailable) as outage,
    ):
        await register.lookup(LIU_JIANJUN.id_number)
    assert outage.value.part == "exchange"
    assert outage.value.retry_after > 0
    # and /readyz's report of the provider says how its last call ended
    last = register.outcomes()["exchange"]
    assert last is not None
    assert last.as_json()["outcome"] == "NotJson"


async def test_a_slow_register_is_given_up_on_within_the_budget(
    connection: ExchangeConnection, exchange_process: ExchangeProcess
) -> None:
    register = ExchangeLegalEntityRegister(connection.reader(log_event="identity.exchange"))
    uscc = ENTERPRISES[0].uscc
    with (
        fault(exchange_process, f"/v1/legal-entities/{uscc}", delay_seconds=3),
        pytest.raises(Unavailable),
    ):
        await register.entity(uscc)
