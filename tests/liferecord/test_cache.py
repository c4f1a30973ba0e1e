"""The section cache keeps no personal data in clear, and a value that does not open is a miss."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from app.resources import Resources
from identity.crypto import DerivedKeys
from infra.crypto import FieldCipher
from liferecord.models import CachedSection, Citizen, Reader, Section
from liferecord.repositories.cache import SectionCache
from tests.liferecord.fakes import FakeSource, section_payload, service_over

LIU = Citizen(account_id="acc-cache-liu", id_number="430204198405122113")
LI = Citizen(account_id="acc-cache-li", id_number="430203198811031226")
FETCHED_AT = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)


def cache_of(resources: Resources, keys: DerivedKeys | None = None) -> SectionCache:
    """The test's section cache, sealing with ``keys`` (default: the app's)."""
    cipher = (keys or resources.keys).record_cache
    return SectionCache(resources.redis, cipher, prefix=resources.settings.redis_key_prefix)


def key_of(resources: Resources, citizen: Citizen, section: Section) -> str:
    """Where the cache keeps ``citizen``'s ``section``."""
    return f"{resources.settings.redis_key_prefix}lr:{citizen.account_id}:{section.value}"


async def test_a_cached_household_holds_no_personal_data_in_clear(resources: Resources) -> None:
    # given
    cache = cache_of(resources)
    household = section_payload(Section.HOUSEHOLD)
    # when
    await cache.put(LIU.account_id, Section.HOUSEHOLD, CachedSection(household, FETCHED_AT))
    # then what Redis (and so its append-only file) holds shows nothing of the citizen
    raw = await resources.redis.get(key_of(resources, LIU, Section.HOUSEHOLD))
    assert isinstance(raw, bytes)
    for clear in ("刘建军", "1984-05-12", "田心街道", "Shifan", "fetched_at", "household"):
        assert clear.encode() not in raw
        assert json.dumps(clear).encode() not in raw  # nor as JSON escapes
    assert raw.startswith(b"v1:")
    # and the cache still reads it back whole
    cached = await cache.get(LIU.account_id, Section.HOUSEHOLD)
    assert cached == CachedSection(household, FETCHED_AT)


async def test_a_value_copied_to_another_citizen_does_not_open(resources: Resources) -> None:
    # given Liu's cached household
    cache = cache_of(resources)
    household = section_payload(Section.HOUSEHOLD)
    await cache.put(LIU.account_id, Section.HOUSEHOLD, CachedSection(household, FETCHED_AT))
    sealed = await resources.redis.get(key_of(resources, LIU, Section.HOUSEHOLD))
    assert sealed is not None
    # when someone with access to Redis copies it under Li's key
    await resources.redis.set(key_of(resources, LI, Section.HOUSEHOLD), sealed)
    # then Li's read is a miss, not Liu's household
    assert await cache.get(LI.account_id, Section.HOUSEHOLD) is None
    assert await cache.get(LIU.account_id, Section.HOUSEHOLD) is not None


async def test_a_value_copied_to_another_section_does_not_open(resources: Resources) -> None:
    # given
    cache = cache_of(resources)
    income = section_payload(Section.INCOME)
    await cache.put(LIU.account_id, Section.INCOME, CachedSection(income, FETCHED_AT))
    sealed = await resources.redis.get(key_of(resources, LIU, Section.INCOME))
    assert sealed is not None
    # when
    await resources.redis.set(key_of(resources, LIU, Section.PROVIDENT_FUND), sealed)
    # then
    assert await cache.get(LIU.account_id, Section.PROVIDENT_FUND) is None


async def test_values_sealed_under_a_rotated_master_secret_are_misses(
    resources: Resources,
) -> None:
    # given a value cached before the master secret changed
    before = cache_of(resources, DerivedKeys("an-earlier-master-secret-0123456789abcdef"))
    household = section_payload(Section.HOUSEHOLD)
    await before.put(LIU.account_id, Section.HOUSEHOLD, CachedSection(household, FETCHED_AT))
    # when read with today's keys
    cached = await cache_of(resources).get(LIU.account_id, Section.HOUSEHOLD)
    # then
    assert cached is None


@pytest.mark.parametrize(
    "stored",
    [
        # a clear value written by an earlier release
        json.dumps({"fetched_at": FETCHED_AT.isoformat(), "payload": None}).encode(),
        b"v1:",
        b"v1:not-base64!!",
        b"v1:AAAA",
        b"v2:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        b"\xff\xfe binary junk",
    ],
)
async def test_unreadable_values_are_misses_not_errors(resources: Resources, stored: bytes) -> None:
    # given
    await resources.redis.set(key_of(resources, LIU, Section.HOUSEHOLD), stored)
    # when
    cached = await cache_of(resources).get(LIU.account_id, Section.HOUSEHOLD)
    # then
    assert cached is None


async def test_a_tampered_value_is_fetched_again_and_replaced(resources: Resources) -> None:
    # given a cached section whose ciphertext someone changed by one character
    source = FakeSource(Section.HOUSEHOLD)
    service = service_over(resources, {Section.HOUSEHOLD: source})
    reader = Reader(kind="citizen", id=LIU.account_id, display_name="本人", purpose="own record")
    await service.read(LIU, Section.HOUSEHOLD, reader)
    key = key_of(resources, LIU, Section.HOUSEHOLD)
    stored = await resources.redis.get(key)
    assert isinstance(stored, bytes)
    sealed = stored.decode()
    flipped = "A" if sealed[-5] != "A" else "B"
    await resources.redis.set(key, sealed[:-5] + flipped + sealed[-4:])
    # when the citizen reads it again while it would still be fresh
    result = await service.read(LIU, Section.HOUSEHOLD, reader)
    # then the department is asked again and the answer is whole
    assert len(source.calls) == 2
    assert result.payload == source.payload
    assert (result.stale, result.unavailable) == (False, None)
    assert await cache_of(resources).get(LIU.account_id, Section.HOUSEHOLD) is not None


@pytest.mark.parametrize(
    "plaintext",
    [
        b"not json",
        b'{"payload": null}',
        b'{"fetched_at": "2026-03-02T08:30:00", "payload": null}',
        b'{"fetched_at": "2026-03-02T08:30:00+00:00", "payload": {"name": 3}}',
    ],
)
async def test_sealed_values_of_another_shape_are_misses(
    resources: Resources, plaintext: bytes
) -> None:
    # given values sealed with the right key and context, but not what the cache writes
    # (not JSON, no time, a time without its offset, a payload of the wrong shape)
    context = f"liferecord-cache:{LIU.account_id}:{Section.HOUSEHOLD.value}"
    sealed = resources.keys.record_cache.encrypt_bytes(plaintext, context=context)
    await resources.redis.set(key_of(resources, LIU, Section.HOUSEHOLD), sealed)
    # when / then
    assert await cache_of(resources).get(LIU.account_id, Section.HOUSEHOLD) is None


class _CountingOpens:
    """Counts what the cache decrypts (what it opens, rather than keeps opened)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        real = FieldCipher.decrypt_bytes

        def counted(cipher: FieldCipher, token: str, *, context: str) -> bytes:
            self.count += 1
            return real(cipher, token, context=context)

        monkeypatch.setattr(FieldCipher, "decrypt_bytes", counted)


async def test_the_same_sealed_value_is_opened_once_per_instance(
    resources: Resources, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a cached household
    cache = cache_of(resources)
    household = section_payload(Section.HOUSEHOLD)
    await cache.put(LIU.account_id, Section.HOUSEHOLD, CachedSection(household, FETCHED_AT))
    opens = _CountingOpens(monkeypatch)
    # when it is read three times, Redis unchanged
    read = [await cache.get(LIU.account_id, Section.HOUSEHOLD) for _ in range(3)]
    # then it was opened once, and each read is the whole value
    assert opens.count == 1
    assert read == [CachedSection(household, FETCHED_AT)] * 3


async def test_a_value_written_since_is_opened_not_the_one_kept(
    resources: Resources, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a household read once (so kept opened)
    cache, other_instance = cache_of(resources), cache_of(resources)
    before = section_payload(Section.HOUSEHOLD, name="刘建军")
    await cache.put(LIU.account_id, Section.HOUSEHOLD, CachedSection(before, FETCHED_AT))
    assert await cache.get(LIU.account_id, Section.HOUSEHOLD) == CachedSection(before, FETCHED_AT)
    # when another instance writes a new value
    after = section_payload(Section.HOUSEHOLD, name="刘建国")
    await other_instance.put(LIU.account_id, Section.HOUSEHOLD, CachedSection(after, FETCHED_AT))
    # then this instance reads the new one
    assert await cache.get(LIU.account_id, Section.HOUSEHOLD) == CachedSection(after, FETCHED_AT)


async def test_a_value_copied_to_another_citizen_does_not_open_even_when_kept(
    resources: Resources,
) -> None:
    # given Liu's and Li's households, both read (so both kept opened)
    cache = cache_of(resources)
    liu = section_payload(Section.HOUSEHOLD, name="刘建军")
    li = section_payload(Section.HOUSEHOLD, name="李秀英")
    await cache.put(LIU.account_id, Section.HOUSEHOLD, CachedSection(liu, FETCHED_AT))
    await cache.put(LI.account_id, Section.HOUSEHOLD, CachedSection(li, FETCHED_AT))
    assert await cache.get(LIU.account_id, Section.HOUSEHOLD) is not None
    assert await cache.get(LI.account_id, Section.HOUSEHOLD) is not None
    # when Liu's sealed value is copied under Li's key
    sealed = await resources.redis.get(key_of(resources, LIU, Section.HOUSEHOLD))
    assert sealed is not None
    await resources.redis.set(key_of(resources, LI, Section.HOUSEHOLD), sealed)
    # then Li's read is a miss: neither Liu's value nor Li's old one
    assert await cache.get(LI.account_id, Section.HOUSEHOLD) is None
