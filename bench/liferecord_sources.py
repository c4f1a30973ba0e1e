"""Department sources that answer after a fixed delay, and a service reading one at a time."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import timedelta

from kit.ratelimit import Limiter
from liferecord.adapters.sources import SectionSource
from liferecord.models import Citizen, Reader, Record, Section
from liferecord.repositories.cache import SectionCache
from liferecord.services.life_record import (
    AccessRecorder,
    CachedPeek,
    LifeRecordService,
    SectionResult,
)


class DelayedSource:
    """A department that always takes ``delay`` seconds to answer with ``payload``.

    Its freshness is zero by default, so the service never serves it from the cache:
    every request really waits on it, as a cold cache or a forced refresh would.
    """

    def __init__(
        self,
        section: Section,
        department_code: str,
        payload: Record | None,
        *,
        delay: float,
        timeout_seconds: float = 30.0,
        freshness: timedelta = timedelta(0),
    ) -> None:
        self.freshness = freshness
        self.section = section
        self.department_code = department_code
        self.timeout_seconds = timeout_seconds
        self.delay = delay
        self._payload = payload
        self.calls = 0
        """How many times it was asked."""

    async def fetch(self, citizen: Citizen) -> Record | None:
        """The payload, after the delay."""
        self.calls += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        return self._payload


class SequentialLifeRecordService(LifeRecordService):
    """Reads one section at a time: what the view would cost without concurrency.

    GraphQL still starts the section fields together; this service makes each wait for
    the one before it. The lock is per service, so the benchmark sends one request at a
    time (which it does) for this to equal "one section after another per request".
    """

    def __init__(
        self,
        sources: Mapping[Section, SectionSource],
        cache: SectionCache,
        access: AccessRecorder,
        limiter: Limiter,
    ) -> None:
        super().__init__(sources, cache, access, limiter)
        self._one_at_a_time = asyncio.Lock()

    async def read(
        self,
        citizen: Citizen,
        section: Section,
        reader: Reader,
        *,
        refresh: bool = False,
        peek: CachedPeek | None = None,
    ) -> SectionResult:
        """One section, after every section asked before it."""
        async with self._one_at_a_time:
            return await super().read(citizen, section, reader, refresh=refresh, peek=peek)


def delayed_sources(
    payloads: Mapping[Section, Record | None],
    departments: Mapping[Section, str],
    *,
    delayed: list[Section],
    delay: float,
    freshness: timedelta = timedelta(0),
) -> dict[Section, DelayedSource]:
    """A source per section of ``payloads``; those in ``delayed`` take ``delay`` seconds."""
    return {
        section: DelayedSource(
            section,
            departments[section],
            payload,
            delay=delay if section in delayed else 0.0,
            freshness=freshness,
        )
        for section, payload in payloads.items()
    }
