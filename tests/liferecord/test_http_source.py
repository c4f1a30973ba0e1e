"""The HTTP section source against a local, scripted department endpoint."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from demo.data.liferecord import life_records
from demo.data.people import LIU_JIANJUN
from devstack.servers import free_port
from liferecord.adapters.http import HttpSectionSource, SourceTimeout, retry_after_seconds
from liferecord.adapters.sources import MalformedAnswer, SourceError
from liferecord.models import Citizen, Record, Section
from tests.liferecord.department_server import Answer, DepartmentEndpoint, department_endpoint

API_KEY = "gjj-test-key-0123456789"
PATH = "/v1/residents/{id_number}/provident-fund"
CITIZEN = Citizen(account_id="acct-liu", id_number=LIU_JIANJUN.id_number)


def _payload() -> Record:
    return next(
        item.payload
        for item in life_records(datetime.now(UTC).date())
        if item.section is Section.PROVIDENT_FUND and item.resident == LIU_JIANJUN
    )


PAYLOAD = _payload()
OK = Answer(200, PAYLOAD.model_dump_json().encode())


@pytest.fixture
async def endpoint() -> AsyncIterator[DepartmentEndpoint]:
    """A scripted department endpoint on a free local port."""
    async with department_endpoint() as served:
        yield served


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    """The shared HTTP client the sources use."""
    async with httpx.AsyncClient() as client:
        yield client


def a_source(
    http: httpx.AsyncClient,
    base_url: str,
    *,
    timeout_seconds: float = 3.0,
    max_attempts: int = 3,
    max_body_bytes: int = 1_048_576,
    ceilings: list[float] | None = None,
    waits: list[float] | None = None,
) -> HttpSectionSource:
    """The provident fund source with tiny backoffs; ``ceilings`` records each backoff's cap.

    With ``waits``, the source records each wait between attempts there instead of
    sleeping (the time budget is then spent only by the requests themselves).
    """

    def no_wait(ceiling: float) -> float:
        if ceilings is not None:
            ceilings.append(ceiling)
        return ceiling / 2

    async def recorded(seconds: float) -> None:
        assert waits is not None
        waits.append(seconds)

    return HttpSectionSource(
        http,
        section=Section.PROVIDENT_FUND,
        department_code="430200-GJJ",
        freshness=timedelta(hours=1),
        base_url=base_url,
        path_template=PATH,
        api_key=API_KEY,
        timeout_seconds=timeout_seconds,
        max_attempts=max_attempts,
        backoff_base_seconds=0.01,
        backoff_max_seconds=0.05,
        jitter=no_wait,
        max_body_bytes=max_body_bytes,
        sleep=asyncio.sleep if waits is None else recorded,
    )


async def test_an_answer_is_validated_into_the_section_payload(
    http: httpx.AsyncClient, endpoint: DepartmentEndpoint
) -> None:
    # given
    endpoint.answer(OK)
    # when
    found = await a_source(http, endpoint.base_url).fetch(CITIZEN)
    # then
    assert found == PAYLOAD
    [request] = endpoint.received
    assert request.method == "GET"
    assert request.path == PATH.format(id_number=CITIZEN.id_number)
    assert request.headers["x-api-key"] == API_KEY
    assert request.headers["accept"] == "application/json"


async def test_404_means_the_department_holds_nothing(
    http: httpx.AsyncClient, endpoint: DepartmentEndpoint
) -> None:
    # given
    endpoint.answer(Answer(404, b'{"error": "not found"}'))
    # when
    found = await a_source(http, endpoint.base_url).fetch(CITIZEN)
    # then
    assert found is None
    assert len(endpoint.received) == 1


async def test_503_twice_then_200_is_retried_with_growing_backoff(
    http: httpx.AsyncClient, endpoint: DepartmentEndpoint
) -> None:
    # given
    endpoint.answer(Answer(503), Answer(503), OK)
    ceilings: list[float] = []
    # when
    found = await a_source(http, endpoint.base_url, ceilings=ceilings).fetch(CITIZEN)
    # then
    assert found == PAYLOAD
    assert len(endpoint.received) == 3
    assert ceilings == [0.01, 0.02], "exponential: base, then twice the base"


async def test_429_is_retried_after_the_wait_the_server_names(
    http: httpx.AsyncClient, endpoint: DepartmentEndpoint
) -> None:
    # given
    endpoint.answer(Answer(429, headers={"Retry-After": "1"}), OK)
    ceilings: list[float] = []
    waits: list[float] = []
    source = a_source(http, endpoint.base_url, timeout_seconds=3.0, ceilings=ceilings, waits=waits)
    # when
    found = await source.fetch(CITIZEN)
    # then
    assert found == PAYLOAD
    assert len(endpoint.received) == 2
    assert waits == [1.0], "waited as Retry-After asked, not the tiny backoff"
    assert ceilings == [], "the backoff was not used"


async def test_a_retry_after_beyond_the_time_budget_gives_up_at_once(
    http: httpx.AsyncClient, endpoint: DepartmentEndpoint
) -> None:
    # given
    endpoint.answer(Answer(429, headers={"Retry-After": "30"}), OK)
    waits: list[float] = []
    source = a_source(http, endpoint.base_url, timeout_seconds=2.0, waits=waits)
    # when
    with pytest.raises(SourceError, match="no time left"):
        await source.fetch(CITIZEN)
    # then it did not wait at all, and asked once
    assert waits == []
    assert len(endpoint.received) == 1


async def test_repeated_500_gives_up_after_the_last_attempt(
    http: httpx.AsyncClient, endpoint: DepartmentEndpoint
) -> None:
    # given
    endpoint.answer(Answer(500))
    # when
    with pytest.raises(SourceError, match="3 attempts") as raised:
        await a_source(http, endpoint.base_url, max_attempts=3).fetch(CITIZEN)
    # then
    assert len(endpoint.received) == 3
    assert not isinstance(raised.value, MalformedAnswer | TimeoutError), "down, not malformed"


async def test_a_hanging_department_is_given_up_on_within_the_timeout(
    http: httpx.AsyncClient, endpoint: DepartmentEndpoint
) -> None:
    # given
    endpoint.answer(Answer(hang=True))
    source = a_source(http, endpoint.base_url, timeout_seconds=0.5)
    # when (the guard only stops a regression from hanging the suite)
    with pytest.raises(SourceTimeout) as raised:
        async with asyncio.timeout(30):
            await source.fetch(CITIZEN)
    # then it gave up by itself, while the department still had not answered
    assert not endpoint.released
    assert isinstance(raised.value, SourceError)
    assert isinstance(raised.value, TimeoutError), "the service reports it as a timeout"
    assert "no answer within 0.5s" in str(raised.value)
    assert len(endpoint.received) == 1, "an unanswered GET is not repeated"


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"", b"<html>502 Bad Gateway</html>", json.dumps([1, 2]).encode()],
    ids=["truncated", "empty", "html", "not-an-object"],
)
async def test_an_answer_that_is_not_a_json_payload_is_a_source_error(
    http: httpx.AsyncClient, endpoint: DepartmentEndpoint, body: bytes
) -> None:
    # given
    endpoint.answer(Answer(200, body))
    # when
    with pytest.raises(MalformedAnswer):
        await a_source(http, endpoint.base_url).fetch(CITIZEN)
    # then
    assert len(endpoint.received) == 1, "a bad answer is not retried"


async def test_a_payload_that_breaks_the_schema_is_a_source_error_without_its_values(
    http: httpx.AsyncClient, endpoint: DepartmentEndpoint
) -> None:
    # given: a balance that is no number, and an unknown field carrying personal data
    document = PAYLOAD.model_dump(mode="json")
    document["balance"] = "lots"
    document["spouse_name"] = "唐雅琴"
    endpoint.answer(Answer(200, json.dumps(document).encode()))
    # when
    with pytest.raises(MalformedAnswer) as raised:
        await a_source(http, endpoint.base_url).fetch(CITIZEN)
    # then
    message = str(raised.value)
    assert "balance" in message
    assert "spouse_name" in message
    assert "唐雅琴" not in message
    assert "lots" not in message
    assert raised.value.__cause__ is None


async def test_a_refusal_is_not_retried(
    http: httpx.AsyncClient, endpoint: DepartmentEndpoint
) -> None:
    # given
    endpoint.answer(Answer(401, b'{"error": "bad key"}'))
    # when
    with pytest.raises(SourceError, match="HTTP 401"):
        await a_source(http, endpoint.base_url).fetch(CITIZEN)
    # then
    assert len(endpoint.received) == 1


async def test_an_oversized_answer_is_refused(
    http: httpx.AsyncClient, endpoint: DepartmentEndpoint
) -> None:
    # given
    endpoint.answer(OK)
    # when / then
    with pytest.raises(MalformedAnswer, match="larger than"):
        await a_source(http, endpoint.base_url, max_body_bytes=64).fetch(CITIZEN)


async def test_an_unreachable_department_is_retried_then_given_up(
    http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    # given: nothing listens on the port
    source = a_source(http, f"http://127.0.0.1:{free_port()}")
    caplog.set_level(logging.INFO, logger="liferecord")
    # when
    with pytest.raises(SourceError, match="3 attempts, last connect failed"):
        await source.fetch(CITIZEN)
    # then
    retries = [r for r in caplog.records if r.getMessage().startswith("liferecord.http.retry")]
    assert len(retries) == 2


async def test_only_get_is_ever_sent(http: httpx.AsyncClient, endpoint: DepartmentEndpoint) -> None:
    # given
    source = a_source(http, endpoint.base_url)
    scripts = [[OK], [Answer(404)], [Answer(503), OK], [Answer(500)], [Answer(200, b"{")]]
    # when
    for script in scripts:
        endpoint.answer(*script)
        with contextlib.suppress(SourceError):
            await source.fetch(CITIZEN)
    # then
    assert len(endpoint.received) == 1 + 1 + 2 + 3 + 1
    assert endpoint.methods == {"GET"}


async def test_neither_the_id_number_nor_the_api_key_reaches_the_logs(
    http: httpx.AsyncClient, endpoint: DepartmentEndpoint, caplog: pytest.LogCaptureFixture
) -> None:
    # given: everything logged, including httpx's line per request with its URL
    caplog.set_level(logging.DEBUG)
    source = a_source(http, endpoint.base_url)
    endpoint.answer(Answer(503), OK)
    # when
    await source.fetch(CITIZEN)
    endpoint.answer(Answer(500))
    with pytest.raises(SourceError):
        await source.fetch(CITIZEN)
    # then
    messages = [record.getMessage() for record in caplog.records]
    assert any(m.startswith("HTTP Request: GET") for m in messages), "httpx logged requests"
    assert any(CITIZEN.account_id in m for m in messages), "ours name the account"
    assert not [m for m in messages if CITIZEN.id_number in m]
    assert not [m for m in messages if API_KEY in m]


def test_retry_after_is_read_as_seconds_or_as_an_http_date() -> None:
    # given
    now = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=90), usegmt=True)
    earlier = format_datetime(now - timedelta(seconds=90), usegmt=True)
    # when / then
    assert retry_after_seconds("120", now=now) == 120
    assert retry_after_seconds(later, now=now) == 90
    assert retry_after_seconds(earlier, now=now) == 0
    assert retry_after_seconds(None, now=now) is None
    assert retry_after_seconds("soon", now=now) is None
    assert retry_after_seconds("-5", now=now) is None


def test_a_path_without_the_resident_is_refused(http: httpx.AsyncClient) -> None:
    # when / then
    with pytest.raises(ValueError, match="id_number"):
        HttpSectionSource(
            http,
            section=Section.PROVIDENT_FUND,
            department_code="430200-GJJ",
            freshness=timedelta(hours=1),
            base_url="http://127.0.0.1:9",
            path_template="/v1/provident-fund",
            api_key=API_KEY,
        )
