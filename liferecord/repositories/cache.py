"""Cached section values in Redis, per citizen and section, encrypted.

A section holds the citizen's personal data (names, addresses, incomes, account
numbers), and Redis keeps what it holds in its append-only file on disk: each value is
sealed with AES-256-GCM under a key derived from the master secret, with the citizen
and the section as associated data, so a value copied under another citizen's (or
section's) key does not open. A value that does not open is a cache miss.

An instance keeps the last values it opened (:data:`OPENED_KEPT` of them, in its own
memory, never written anywhere) with the sealed bytes they came from: a request that
reads the very same bytes from Redis again skips decrypting and validating them. Every
write seals with a fresh nonce, so a changed value never matches; Redis stays the one
truth, read on every request.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import redis.asyncio as redis_async
from pydantic import BaseModel, ValidationError, create_model
from redis.exceptions import RedisError

from infra.crypto import FieldCipher
from kit.lru import BoundedLru
from liferecord.models import PAYLOAD_TYPES, CachedSection, Record, Section

logger = logging.getLogger("liferecord.cache")


def _envelope(section: Section) -> type[BaseModel]:
    """The stored form of one section's value, validated straight from its JSON bytes
    (pydantic's parser: no ``json.loads`` into dicts first)."""
    payload: Any = PAYLOAD_TYPES[section] | None
    return create_model(
        f"Cached{type(section).__name__}{section.name.title()}",
        fetched_at=(datetime, ...),
        payload=(payload, ...),
    )


_ENVELOPES = {section: _envelope(section) for section in Section}

# A cached value outlives its freshness so it can be shown, marked stale, while its
# department is down.
KEEP_STALE_FOR = timedelta(days=7)

OPENED_KEPT = 2048
"""Sections an instance keeps opened (about 250 citizens' full records)."""


class SectionCache:
    """Redis-backed; when Redis is unreachable it behaves as empty (no cache, still answers).

    ``cipher`` seals every value (``DerivedKeys.record_cache``).
    """

    def __init__(self, redis: redis_async.Redis, cipher: FieldCipher, *, prefix: str) -> None:
        self._redis = redis
        self._cipher = cipher
        self._prefix = prefix
        self._opened: BoundedLru[tuple[str, Section], tuple[bytes | str, CachedSection]] = (
            BoundedLru(OPENED_KEPT)
        )

    def _key(self, account_id: str, section: Section) -> str:
        return f"{self._prefix}lr:{account_id}:{section.value}"

    @staticmethod
    def _context(account_id: str, section: Section) -> str:
        # The associated data: whose value, and which section, it is.
        return f"liferecord-cache:{account_id}:{section.value}"

    async def get(self, account_id: str, section: Section) -> CachedSection | None:
        """The cached value, or ``None`` (missing, unreadable, or Redis down)."""
        try:
            raw = await self._redis.get(self._key(account_id, section))
        except RedisError as error:
            logger.warning("liferecord.cache.unavailable op=get error=%s", type(error).__name__)
            return None
        return self.opened(account_id, section, raw)

    async def get_raw_many(
        self, account_id: str, sections: Sequence[Section]
    ) -> dict[Section, bytes | str | None]:
        """The sealed values of ``sections`` in one round trip (``MGET``), each to be opened
        by :meth:`opened` when asked for; all ``None`` when Redis is down."""
        if not sections:
            return {}
        try:
            values = await self._redis.mget([self._key(account_id, s) for s in sections])
        except RedisError as error:
            logger.warning("liferecord.cache.unavailable op=mget error=%s", type(error).__name__)
            return dict.fromkeys(sections)
        return dict(zip(sections, values, strict=True))

    def opened(
        self, account_id: str, section: Section, raw: bytes | str | None
    ) -> CachedSection | None:
        """A sealed value read from Redis, opened and checked; ``None`` when unusable."""
        if raw is None:
            return None
        kept = self._opened.get((account_id, section))
        if kept is not None and kept[0] == raw:
            return kept[1]
        value = self._open(account_id, section, raw)
        if value is not None:
            self._opened.put((account_id, section), (raw, value))
        return value

    def _open(self, account_id: str, section: Section, raw: bytes | str) -> CachedSection | None:
        try:
            token = raw.decode("ascii") if isinstance(raw, bytes) else str(raw)
            plaintext = self._cipher.decrypt_bytes(
                token, context=self._context(account_id, section)
            )
        except ValueError:  # Undecryptable or not ASCII
            # Another key (rotated master secret), tampered, or a clear value written by
            # an older release: refetch, and the fresh value replaces it.
            logger.info("liferecord.cache.undecryptable section=%s", section.value)
            return None
        try:
            stored = _ENVELOPES[section].model_validate_json(plaintext)
        except ValidationError:
            # Not JSON, or a value written by an older release with another shape: refetch.
            return None
        payload: Record | None = getattr(stored, "payload")  # noqa: B009 - a created model
        fetched_at: datetime = getattr(stored, "fetched_at")  # noqa: B009
        if fetched_at.tzinfo is None:
            return None  # every value is stored with its offset; a naive one is not ours
        return CachedSection(payload=payload, fetched_at=fetched_at)

    async def put(self, account_id: str, section: Section, value: CachedSection) -> None:
        """Store a freshly fetched value (best effort)."""
        body = json.dumps(
            {
                "fetched_at": value.fetched_at.isoformat(),
                "payload": None if value.payload is None else value.payload.model_dump(mode="json"),
            }
        )
        sealed = self._cipher.encrypt_bytes(
            body.encode(), context=self._context(account_id, section)
        )
        try:
            await self._redis.set(
                self._key(account_id, section), sealed, ex=int(KEEP_STALE_FOR.total_seconds())
            )
        except RedisError as error:
            logger.warning("liferecord.cache.unavailable op=put error=%s", type(error).__name__)

    async def drop(self, account_id: str, section: Section) -> None:
        """Forget a cached section (its source changed); a Redis outage is re-raised, since
        a stale value would then outlive the correction."""
        await self._redis.delete(self._key(account_id, section))

    async def drop_unsealed(self, *, batch: int = 500) -> int:
        """Delete cached values written in clear by earlier releases; returns how many.

        They would be read as misses anyway, but until they expire they sit in Redis
        (and its append-only file) in clear. One pass over the cache's keys (``SCAN``,
        which does not block Redis); values written concurrently are sealed already.
        """
        dropped = 0
        keys: list[bytes] = []

        async def sweep() -> int:
            values = await self._redis.mget(keys)
            clear = [
                key
                for key, value in zip(keys, values, strict=True)
                if value is not None and not self._cipher.is_sealed(value)
            ]
            return int(await self._redis.unlink(*clear)) if clear else 0

        async for key in self._redis.scan_iter(match=f"{self._prefix}lr:*", count=batch):
            keys.append(key)
            if len(keys) == batch:
                dropped += await sweep()
                keys = []
        if keys:
            dropped += await sweep()
        if dropped:
            logger.info("liferecord.cache.unsealed_dropped count=%d", dropped)
        return dropped
