"""Reading the life record: cache, per-source timeout and circuit breaker, access log."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from pydantic import ValidationError

from kit.ratelimit import Limiter
from liferecord.adapters.sources import MalformedAnswer, SectionSource
from liferecord.errors import RefreshRateLimited, UnknownSection
from liferecord.models import PAYLOAD_TYPES, CachedSection, Citizen, Reader, Record, Section
from liferecord.repositories.cache import SectionCache
from liferecord.services.breaker import CircuitBreaker

logger = logging.getLogger("liferecord")

REFRESHES_PER_WINDOW = 5
REFRESH_WINDOW_SECONDS = 600


@dataclass(frozen=True, slots=True)
class Unavailable:
    """A department source could not answer for a section just now."""

    section: Section
    source: str
    retry_after_seconds: int
    reason: str
    """``timeout``, ``error``, ``malformed`` or ``circuit_open`` (for logs and operators)."""


@dataclass(frozen=True, slots=True)
class SectionResult:
    """One section as the citizen sees it.

    ``payload`` is ``None`` when the department holds nothing for the citizen, or when
    it is unavailable and nothing was cached. ``stale`` marks a cached value shown
    because the source is unavailable (``unavailable`` then says why).
    """

    section: Section
    payload: Record | None
    fetched_at: datetime | None
    stale: bool
    unavailable: Unavailable | None


class AccessRecorder(Protocol):
    """Where reads of a citizen's record by someone else are written down."""

    async def record(
        self, citizen: Citizen, reader: Reader, sections: Iterable[Section], at: datetime
    ) -> None:
        """Log that ``reader`` read ``sections`` of ``citizen``'s record."""


# Fetches that overran their timeout and have not stopped yet (see _fetch_within_timeout).
_abandoned: set[asyncio.Task[Record | None]] = set()


def _forget(task: asyncio.Task[Record | None]) -> None:
    _abandoned.discard(task)
    if not task.cancelled():
        task.exception()  # retrieved, so that asyncio does not report it as lost


async def _fetch_within_timeout(source: SectionSource, citizen: Citizen) -> Record | None:
    """The source's answer, or ``TimeoutError`` once its timeout has passed.

    Unlike ``asyncio.wait_for``, this does not wait for a cancelled fetch to finish
    stopping: an adapter that is slow to cancel (or swallows the cancellation) must not
    hold the citizen's response past the source's timeout.
    """
    task = asyncio.ensure_future(source.fetch(citizen))
    try:
        done, _ = await asyncio.wait({task}, timeout=source.timeout_seconds)
    except asyncio.CancelledError:
        task.cancel()
        raise
    if not done:
        task.cancel()
        _abandoned.add(task)
        task.add_done_callback(_forget)
        raise TimeoutError
    return task.result()


class CachedPeek:
    """One request's look at a citizen's cached sections: one ``MGET`` for all of them,
    made when the first section asks, instead of one round trip per section.

    Each section's value is opened (decrypted, validated) only when that section asks.
    The sections of one query start together, so they share the one read.
    """

    def __init__(self, cache: SectionCache, account_id: str, sections: Sequence[Section]) -> None:
        self.account_id = account_id
        self._cache = cache
        self._sections = list(sections)
        self._read: asyncio.Future[dict[Section, bytes | str | None]] | None = None

    async def get(self, section: Section) -> CachedSection | None:
        """The cached value of ``section``, or ``None`` (missing, unreadable, Redis down)."""
        if section not in self._sections:
            return await self._cache.get(self.account_id, section)
        if self._read is None:
            self._read = asyncio.ensure_future(
                self._cache.get_raw_many(self.account_id, self._sections)
            )
        # Shielded: one section's resolver being cancelled must not cancel its siblings' read.
        raws = await asyncio.shield(self._read)
        return self._cache.opened(self.account_id, section, raws[section])


class LifeRecordService:
    """Serves sections from cache while fresh, else from their source, never failing whole."""

    def __init__(
        self,
        sources: Mapping[Section, SectionSource],
        cache: SectionCache,
        access: AccessRecorder,
        limiter: Limiter,
        *,
        breaker_factory: Callable[[], CircuitBreaker] = CircuitBreaker,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._sources = dict(sources)
        self._cache = cache
        self._access = access
        self._limiter = limiter
        self._breakers = {section: breaker_factory() for section in self._sources}
        self._clock = clock

    @property
    def sections(self) -> list[Section]:
        """The sections this deployment has a source for."""
        return list(self._sources)

    def source_of(self, section: Section) -> SectionSource:
        """The source adapter of ``section``."""
        try:
            return self._sources[section]
        except KeyError:
            raise UnknownSection(field="section") from None

    def peek(self, citizen: Citizen, sections: Iterable[Section]) -> CachedPeek:
        """A request's shared look at the cached ``sections`` of ``citizen`` it will read
        (see :class:`CachedPeek`); another section is read on its own."""
        wanted = [section for section in sections if section in self._sources]
        return CachedPeek(self._cache, citizen.account_id, wanted)

    async def read(
        self,
        citizen: Citizen,
        section: Section,
        reader: Reader,
        *,
        refresh: bool = False,
        peek: CachedPeek | None = None,
    ) -> SectionResult:
        """One section; logs the read when the reader is not the citizen. With ``peek``
        (from :meth:`peek`, for this citizen), the cache is read once for all sections."""
        if reader.id != citizen.account_id:
            await self._access.record(citizen, reader, [section], self._clock())
        if peek is not None and peek.account_id != citizen.account_id:
            raise ValueError("the peek is of another citizen's cache")
        return await self._section(citizen, section, refresh=refresh, peek=peek)

    async def read_as(
        self, reader: Reader, citizen: Citizen, sections: Iterable[Section]
    ) -> list[SectionResult]:
        """Several sections of ``citizen``'s record read by someone else, logged as one read.

        The way in for readers other than the citizen: department officers handling a
        case (the applications issue) and other services read through here. The entry
        (who, purpose, sections, when) is written before any data is fetched, so there
        is no unlogged read; the citizen sees it in ``me.accessLog``.
        """
        wanted = list(dict.fromkeys(sections))
        for section in wanted:
            self.source_of(section)
        if reader.id != citizen.account_id:
            await self._access.record(citizen, reader, wanted, self._clock())
        return list(
            await asyncio.gather(
                *(self._section(citizen, section, refresh=False) for section in wanted)
            )
        )

    async def refresh(self, citizen: Citizen, sections: Iterable[Section]) -> list[SectionResult]:
        """Re-fetch ``sections`` now, skipping the cache (rate-limited per citizen).

        Raises :class:`infra.outages.Unavailable` while the limiter's Redis is down.
        """
        wanted = list(dict.fromkeys(sections))
        for section in wanted:
            self.source_of(section)
        # Without Redis the limiter raises ``Unavailable``: a refresh that cannot be
        # counted is refused (reads still work from the sources) rather than letting a
        # flood through to the departments.
        wait = await self._limiter.hit(
            f"lr-refresh:{citizen.account_id}",
            limit=REFRESHES_PER_WINDOW,
            window_seconds=REFRESH_WINDOW_SECONDS,
        )
        if wait is not None:
            raise RefreshRateLimited(retry_after=wait)
        return list(
            await asyncio.gather(
                *(self._section(citizen, section, refresh=True) for section in wanted)
            )
        )

    async def _section(
        self, citizen: Citizen, section: Section, *, refresh: bool, peek: CachedPeek | None = None
    ) -> SectionResult:
        source = self.source_of(section)
        now = self._clock()
        cached = await (
            self._cache.get(citizen.account_id, section) if peek is None else peek.get(section)
        )
        if cached is not None and not refresh and now - cached.fetched_at < source.freshness:
            return SectionResult(section, cached.payload, cached.fetched_at, False, None)
        breaker = self._breakers[section]
        if not breaker.allow():
            return self._fallback(
                section,
                cached,
                Unavailable(section, source.department_code, breaker.retry_after(), "circuit_open"),
            )
        try:
            payload = await _fetch_within_timeout(source, citizen)
            if payload is not None and not isinstance(payload, PAYLOAD_TYPES[section]):
                raise MalformedAnswer(f"{type(payload).__name__} is not a {section.value} payload")
        except Exception as error:  # any failure of a department stays in its section
            breaker.failed()
            reason = (
                "timeout"
                if isinstance(error, TimeoutError)
                else "malformed"
                if isinstance(error, MalformedAnswer | ValidationError)
                else "error"
            )
            logger.warning(
                "liferecord.source.failed section=%s source=%s reason=%s error=%s",
                section.value,
                source.department_code,
                reason,
                type(error).__name__,
            )
            retry = breaker.retry_after() if breaker.is_open else 30
            return self._fallback(
                section, cached, Unavailable(section, source.department_code, retry, reason)
            )
        breaker.succeeded()
        fetched_at = self._clock()
        await self._cache.put(citizen.account_id, section, CachedSection(payload, fetched_at))
        return SectionResult(section, payload, fetched_at, False, None)

    @staticmethod
    def _fallback(
        section: Section, cached: CachedSection | None, unavailable: Unavailable
    ) -> SectionResult:
        if cached is None:
            return SectionResult(section, None, None, False, unavailable)
        return SectionResult(section, cached.payload, cached.fetched_at, True, unavailable)
