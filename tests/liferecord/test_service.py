"""The life record service over in-test sources: timeouts, breakers, cache, refresh limits."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from app.resources import Resources
from devstack.servers import free_port
from infra.clients import redis_client
from infra.outages import REDIS_RETRY_AFTER_SECONDS, Unavailable
from infra.ratelimit import RateLimiter
from liferecord import models
from liferecord.adapters.sources import SourceError
from liferecord.errors import RefreshRateLimited
from liferecord.models import Citizen, Reader, Section
from liferecord.repositories.access_log import AccessLogRepository
from liferecord.repositories.cache import SectionCache
from liferecord.services.breaker import CircuitBreaker
from liferecord.services.life_record import REFRESHES_PER_WINDOW, LifeRecordService, SectionResult
from tests.liferecord.fakes import (
    Clock,
    FakeSource,
    InFlight,
    fake_sources,
    section_payload,
    service_over,
)

CITIZEN = Citizen(account_id="acc-lr-1", id_number="430204198405122113")
OTHER = Citizen(account_id="acc-lr-2", id_number="430203198811031226")


def reader_of(citizen: Citizen) -> Reader:
    """The citizen reading their own record."""
    return Reader(kind="citizen", id=citizen.account_id, display_name="本人", purpose="own record")


async def read_all(service: LifeRecordService, citizen: Citizen) -> dict[Section, SectionResult]:
    """Every section at once, as the GraphQL layer reads them."""
    results = await asyncio.gather(
        *(service.read(citizen, section, reader_of(citizen)) for section in service.sections)
    )
    return {result.section: result for result in results}


class MonotonicClock:
    """A monotonic clock for circuit breakers, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_every_section_comes_from_its_own_source(resources: Resources) -> None:
    # given
    sources = fake_sources()
    service = service_over(resources, sources)
    # when
    results = await read_all(service, CITIZEN)
    # then
    assert set(results) == set(Section)
    for section, result in results.items():
        assert result.payload == sources[section].payload
        assert (result.stale, result.unavailable) == (False, None)
        assert result.fetched_at is not None
        assert sources[section].calls == [CITIZEN]


async def test_a_refresh_fetches_every_section_at_the_same_time(resources: Resources) -> None:
    # given eight departments that each answer only once all eight are asked
    sources = fake_sources()
    in_flight = InFlight(expected=len(sources))
    for source in sources.values():
        source.in_flight = in_flight
    service = service_over(resources, sources)
    # when
    results = await service.refresh(CITIZEN, list(Section))
    # then all eight were in flight together, and each answered
    assert in_flight.peak == len(sources)
    assert all(r.payload is not None and r.unavailable is None for r in results)


async def test_a_hanging_source_fails_only_its_section_within_its_timeout(
    resources: Resources,
) -> None:
    # given a department that never answers, and is slow to stop even when cancelled
    sources = fake_sources()
    hanging = FakeSource(Section.PROPERTIES, timeout_seconds=0.3)
    hanging.hang = hanging.stubborn = True
    sources[Section.PROPERTIES] = hanging
    service = service_over(resources, sources)
    # when (the guard only stops a regression from hanging the suite)
    async with asyncio.timeout(30):
        results = await read_all(service, CITIZEN)
    # then the answer came at the timeout, while the source was still stopping (5 s more)
    assert len(hanging.calls) == 1
    assert hanging.finished == 0
    properties = results.pop(Section.PROPERTIES)
    assert properties.payload is None
    assert properties.unavailable is not None
    assert properties.unavailable.reason == "timeout"
    assert properties.unavailable.source == "430200-ZRZY"
    assert all(r.payload is not None and r.unavailable is None for r in results.values())


async def test_a_failing_source_fails_only_its_section(resources: Resources) -> None:
    # given
    sources = fake_sources()
    sources[Section.INCOME].error = ConnectionResetError("connection reset by peer")
    service = service_over(resources, sources)
    # when
    results = await read_all(service, CITIZEN)
    # then
    income = results.pop(Section.INCOME)
    assert income.payload is None
    assert income.unavailable is not None
    assert (income.unavailable.reason, income.unavailable.source) == ("error", "430200-SW")
    assert income.unavailable.retry_after_seconds > 0
    assert all(r.unavailable is None for r in results.values())


@pytest.mark.parametrize(
    "answer",
    [
        section_payload(Section.INCOME),  # a payload of another section
        {"name": "刘建军"},  # not a model at all
        "<html>502 Bad Gateway</html>",
    ],
    ids=["other-section", "dict", "text"],
)
async def test_a_source_answering_nonsense_is_unavailable(
    resources: Resources, answer: object
) -> None:
    # given
    sources = fake_sources()
    sources[Section.HOUSEHOLD].payload = answer
    service = service_over(resources, sources)
    # when
    results = await read_all(service, CITIZEN)
    # then
    household = results[Section.HOUSEHOLD]
    assert household.payload is None
    assert household.unavailable is not None
    assert household.unavailable.reason == "malformed"
    assert results[Section.INCOME].payload is not None


async def test_a_source_whose_data_fails_validation_is_unavailable(resources: Resources) -> None:
    # given an adapter that builds the model from bad data (pydantic refuses it)
    source = FakeSource(Section.HOUSEHOLD)

    async def fetch(citizen: Citizen) -> models.Record | None:
        return models.Household.model_validate({"name": "刘建军", "gender": "男"})

    source.fetch = fetch  # type: ignore[method-assign]
    service = service_over(resources, {Section.HOUSEHOLD: source})
    # when
    result = await service.read(CITIZEN, Section.HOUSEHOLD, reader_of(CITIZEN))
    # then
    assert result.payload is None
    assert result.unavailable is not None
    assert result.unavailable.reason == "malformed"


async def test_the_circuit_opens_after_repeated_failures_and_spares_the_source(
    resources: Resources,
) -> None:
    # given a breaker that opens after 3 failures for 30 s
    monotonic = MonotonicClock()
    source = FakeSource(Section.MEDICAL_INSURANCE)
    source.error = SourceError("503 Service Unavailable")
    service = service_over(
        resources,
        {Section.MEDICAL_INSURANCE: source},
        breaker_factory=lambda: CircuitBreaker(
            failure_threshold=3, open_seconds=30, clock=monotonic
        ),
    )

    async def read() -> SectionResult:
        return await service.read(CITIZEN, Section.MEDICAL_INSURANCE, reader_of(CITIZEN))

    # when it fails three times
    reasons = [(await read()).unavailable for _ in range(3)]
    assert [r.reason for r in reasons if r is not None] == ["error"] * 3
    assert len(source.calls) == 3
    # then the next reads do not even call it, and say when to come back
    monotonic.now += 10
    refused = await read()
    assert refused.unavailable is not None
    assert refused.unavailable.reason == "circuit_open"
    assert refused.unavailable.retry_after_seconds == 20
    assert len(source.calls) == 3

    # when the open time has passed, one trial call goes through; failing, it reopens
    monotonic.now += 21
    assert (await read()).unavailable is not None
    assert len(source.calls) == 4
    reopened = await read()
    assert reopened.unavailable is not None
    assert reopened.unavailable.reason == "circuit_open"
    assert len(source.calls) == 4

    # when the department is back, the next trial closes the circuit
    monotonic.now += 31
    source.error = None
    recovered = await read()
    assert recovered.unavailable is None
    assert recovered.payload == source.payload
    assert len(source.calls) == 5
    # and a single failure afterwards does not open it again
    source.error = SourceError("503")
    failed_once = await service.read(
        CITIZEN, Section.MEDICAL_INSURANCE, reader_of(CITIZEN), refresh=True
    )
    assert failed_once.unavailable is not None
    assert failed_once.unavailable.reason == "error"
    assert len(source.calls) == 6


async def test_the_last_value_is_shown_stale_when_the_source_fails(resources: Resources) -> None:
    # given a section fetched once
    clock = Clock()
    source = FakeSource(Section.PROVIDENT_FUND, freshness=timedelta(hours=1))
    service = service_over(resources, {Section.PROVIDENT_FUND: source}, clock=clock)
    first = await service.read(CITIZEN, Section.PROVIDENT_FUND, reader_of(CITIZEN))
    assert first.unavailable is None
    # when it is no longer fresh and the department is down
    clock.advance(timedelta(hours=2))
    source.error = TimeoutError()
    later = await service.read(CITIZEN, Section.PROVIDENT_FUND, reader_of(CITIZEN))
    # then the cached value is shown, marked stale, with the reason
    assert later.payload == first.payload
    assert later.fetched_at == first.fetched_at
    assert later.stale is True
    assert later.unavailable is not None
    assert (later.unavailable.reason, later.unavailable.source) == ("timeout", "430200-GJJ")
    assert len(source.calls) == 2


async def test_a_fresh_value_is_served_from_the_cache(resources: Resources) -> None:
    # given
    clock = Clock()
    source = FakeSource(Section.UTILITIES, freshness=timedelta(hours=1))
    service = service_over(resources, {Section.UTILITIES: source}, clock=clock)
    # when read twice within the freshness limit
    first = await service.read(CITIZEN, Section.UTILITIES, reader_of(CITIZEN))
    clock.advance(timedelta(minutes=59))
    second = await service.read(CITIZEN, Section.UTILITIES, reader_of(CITIZEN))
    # then the department was asked once
    assert len(source.calls) == 1
    assert second.payload == first.payload
    assert second.fetched_at == first.fetched_at
    # when the limit has passed, it is asked again
    clock.advance(timedelta(minutes=2))
    third = await service.read(CITIZEN, Section.UTILITIES, reader_of(CITIZEN))
    assert len(source.calls) == 2
    assert third.fetched_at == clock.now


async def test_the_cache_is_per_citizen(resources: Resources) -> None:
    # given
    source = FakeSource(Section.INCOME)
    service = service_over(resources, {Section.INCOME: source})
    await service.read(CITIZEN, Section.INCOME, reader_of(CITIZEN))
    # when another citizen reads the same section
    source.payload = section_payload(Section.INCOME, items=3)
    theirs = await service.read(OTHER, Section.INCOME, reader_of(OTHER))
    # then it comes from the source for them, not from the first citizen's cache
    assert source.calls == [CITIZEN, OTHER]
    assert theirs.payload == source.payload


async def test_refresh_skips_the_cache_and_is_rate_limited(resources: Resources) -> None:
    # given a cached, fresh section
    sources = fake_sources([Section.HOUSEHOLD, Section.INCOME])
    service = service_over(resources, sources)
    await service.read(CITIZEN, Section.HOUSEHOLD, reader_of(CITIZEN))
    assert len(sources[Section.HOUSEHOLD].calls) == 1
    # when refreshed as often as allowed
    for _ in range(REFRESHES_PER_WINDOW):
        refreshed = await service.refresh(CITIZEN, [Section.HOUSEHOLD, Section.INCOME])
        assert [r.section for r in refreshed] == [Section.HOUSEHOLD, Section.INCOME]
    # then each refresh asked the departments
    assert len(sources[Section.HOUSEHOLD].calls) == 1 + REFRESHES_PER_WINDOW
    assert len(sources[Section.INCOME].calls) == REFRESHES_PER_WINDOW
    # and one more is refused without asking them
    with pytest.raises(RefreshRateLimited) as refused:
        await service.refresh(CITIZEN, [Section.HOUSEHOLD])
    assert refused.value.retry_after is not None
    assert refused.value.retry_after > 0
    assert len(sources[Section.HOUSEHOLD].calls) == 1 + REFRESHES_PER_WINDOW
    # while another citizen may still refresh
    await service.refresh(OTHER, [Section.HOUSEHOLD])


async def test_without_redis_every_read_goes_to_the_source(resources: Resources) -> None:
    # given a cache whose Redis does not listen
    dead = redis_client(
        f"redis://127.0.0.1:{free_port()}/0", max_connections=2, timeout_seconds=0.5
    )
    try:
        source = FakeSource(Section.SOCIAL_INSURANCE)
        service = service_over(
            resources,
            {Section.SOCIAL_INSURANCE: source},
            cache=SectionCache(dead, resources.keys.record_cache, prefix="x:"),
        )
        # when
        first = await service.read(CITIZEN, Section.SOCIAL_INSURANCE, reader_of(CITIZEN))
        second = await service.read(CITIZEN, Section.SOCIAL_INSURANCE, reader_of(CITIZEN))
    finally:
        await dead.aclose()
    # then both answered, from the source
    assert first.payload == second.payload == source.payload
    assert (first.unavailable, second.unavailable) == (None, None)
    assert len(source.calls) == 2


async def test_without_redis_a_refresh_is_refused_typed_and_reads_still_work(
    resources: Resources,
) -> None:
    # given a service whose Redis (cache and refresh counter) does not listen
    dead = redis_client(
        f"redis://127.0.0.1:{free_port()}/0", max_connections=2, timeout_seconds=0.5
    )
    try:
        source = FakeSource(Section.INCOME)
        service = LifeRecordService(
            {Section.INCOME: source},
            SectionCache(dead, resources.keys.record_cache, prefix="x:"),
            AccessLogRepository(resources.database),
            RateLimiter(dead, prefix="x:"),
        )
        # when a refresh is asked for, then it is refused as retryable, not a crash
        with pytest.raises(Unavailable) as refused:
            await service.refresh(CITIZEN, [Section.INCOME])
        assert (refused.value.part, refused.value.retry_after) == (
            "redis",
            REDIS_RETRY_AFTER_SECONDS,
        )
        assert source.calls == []
        # and a plain read still answers from the department
        read = await service.read(CITIZEN, Section.INCOME, reader_of(CITIZEN))
    finally:
        await dead.aclose()
    assert read.payload == source.payload


class CountingRedis:
    """The real Redis client, counting which commands the cache sends through it."""

    def __init__(self, redis: Any) -> None:
        self._redis = redis
        self.commands: list[str] = []

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._redis, name)

        async def counted(*args: Any, **kwargs: Any) -> Any:
            self.commands.append(name)
            return await method(*args, **kwargs)

        return counted


async def test_a_peek_reads_every_cached_section_in_one_round_trip(resources: Resources) -> None:
    # given every section cached and fresh
    sources = fake_sources()
    counting = CountingRedis(resources.redis)
    prefix = resources.settings.redis_key_prefix
    cache = SectionCache(counting, resources.keys.record_cache, prefix=prefix)  # type: ignore[arg-type]
    service = service_over(resources, sources, cache=cache)
    first = await read_all(service, CITIZEN)
    counting.commands.clear()
    # when a query reads every section through one peek
    peek = service.peek(CITIZEN, service.sections)
    again = await asyncio.gather(
        *(service.read(CITIZEN, s, reader_of(CITIZEN), peek=peek) for s in service.sections)
    )
    # then Redis was asked once, and every section is its cached value
    assert counting.commands == ["mget"]
    assert {r.section: (r.payload, r.fetched_at) for r in again} == {
        s: (r.payload, r.fetched_at) for s, r in first.items()
    }
    assert all(len(source.calls) == 1 for source in sources.values())


async def test_a_peek_reads_only_its_sections_at_once_and_others_on_their_own(
    resources: Resources,
) -> None:
    # given every section cached and fresh
    sources = fake_sources()
    counting = CountingRedis(resources.redis)
    prefix = resources.settings.redis_key_prefix
    cache = SectionCache(counting, resources.keys.record_cache, prefix=prefix)  # type: ignore[arg-type]
    service = service_over(resources, sources, cache=cache)
    await read_all(service, CITIZEN)
    counting.commands.clear()
    # when a query that asked for two sections reads those, and then a third
    peek = service.peek(CITIZEN, [Section.HOUSEHOLD, Section.INCOME])
    await asyncio.gather(
        *(
            service.read(CITIZEN, s, reader_of(CITIZEN), peek=peek)
            for s in (Section.HOUSEHOLD, Section.INCOME)
        )
    )
    third = await service.read(CITIZEN, Section.UTILITIES, reader_of(CITIZEN), peek=peek)
    # then the two came in one MGET, the third in its own GET, all from the cache
    assert counting.commands == ["mget", "get"]
    assert third.payload == sources[Section.UTILITIES].payload
    assert all(len(source.calls) == 1 for source in sources.values())


async def test_a_peek_falls_back_to_the_source_for_a_missing_or_tampered_section(
    resources: Resources,
) -> None:
    # given two cached sections, one of them tampered with in Redis, and one never read
    sources = fake_sources([Section.HOUSEHOLD, Section.INCOME, Section.UTILITIES])
    service = service_over(resources, sources)
    for section in (Section.HOUSEHOLD, Section.INCOME):
        await service.read(CITIZEN, section, reader_of(CITIZEN))
    key = f"{resources.settings.redis_key_prefix}lr:{CITIZEN.account_id}:{Section.INCOME.value}"
    await resources.redis.set(key, b"not-a-sealed-value")
    # when read through one peek
    peek = service.peek(CITIZEN, service.sections)
    results = await asyncio.gather(
        *(service.read(CITIZEN, s, reader_of(CITIZEN), peek=peek) for s in service.sections)
    )
    # then the good value came from the cache, the others from their departments
    assert {r.section: r.unavailable for r in results} == dict.fromkeys(service.sections)
    assert len(sources[Section.HOUSEHOLD].calls) == 1
    assert len(sources[Section.INCOME].calls) == 2
    assert len(sources[Section.UTILITIES].calls) == 1


async def test_a_peek_without_redis_reads_every_section_from_its_source(
    resources: Resources,
) -> None:
    # given a cache whose Redis does not listen
    dead = redis_client(
        f"redis://127.0.0.1:{free_port()}/0", max_connections=2, timeout_seconds=0.5
    )
    try:
        sources = fake_sources([Section.HOUSEHOLD, Section.INCOME])
        service = service_over(
            resources, sources, cache=SectionCache(dead, resources.keys.record_cache, prefix="x:")
        )
        # when read through a peek
        peek = service.peek(CITIZEN, service.sections)
        results = await asyncio.gather(
            *(service.read(CITIZEN, s, reader_of(CITIZEN), peek=peek) for s in service.sections)
        )
    finally:
        await dead.aclose()
    # then every section answered from its department
    assert [(r.payload, r.unavailable) for r in results] == [
        (sources[r.section].payload, None) for r in results
    ]


async def test_a_peek_of_one_citizen_cannot_serve_another(resources: Resources) -> None:
    # given one citizen's cached record and a peek at it
    sources = fake_sources([Section.INCOME])
    service = service_over(resources, sources)
    await service.read(CITIZEN, Section.INCOME, reader_of(CITIZEN))
    peek = service.peek(CITIZEN, service.sections)
    # when another citizen's read is given that peek, then it is refused, nothing read
    with pytest.raises(ValueError, match="another citizen"):
        await service.read(OTHER, Section.INCOME, reader_of(OTHER), peek=peek)
    assert sources[Section.INCOME].calls == [CITIZEN]
