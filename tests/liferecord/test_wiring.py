"""The life record's wiring point: its repositories, its services, and its providers."""

from __future__ import annotations

from app.resources import Resources
from infra.ratelimit import RateLimiter
from kit.registry import ServiceRegistry
from liferecord import wiring
from liferecord.adapters.catalogue import FixedCatalogue
from liferecord.models import Citizen, EnterpriseLicences, Reader, Section
from liferecord.repositories.access_log import AccessLogRepository
from liferecord.repositories.disputes import DisputeRepository
from liferecord.services.data_tracker import DataTracker
from liferecord.services.disputes import DisputeService
from liferecord.services.enterprise_record import EnterpriseRecordService
from liferecord.services.life_record import LifeRecordService
from liferecord.services.prefill import PrefillService
from tests.liferecord.fakes import fake_sources
from tests.vendors import EmptyEnterpriseDataSets, EmptyLegalEntityRegister


class NoEnterpriseLicences:
    """A licence wallet that holds nothing for any enterprise."""

    async def licences(self, uscc: str) -> EnterpriseLicences | None:
        return None


LIU = Citizen(account_id="acc-wired-1", id_number="430204198405122113")
OFFICER = Reader(kind="officer", id="off-1", display_name="窗口 (counter)", purpose="case 1")


def _wired(resources: Resources, sources: wiring.LifeRecordProviders) -> ServiceRegistry:
    settings = resources.settings
    clients = wiring.LifeRecordClients(
        database=resources.database,
        redis=resources.redis,
        key_prefix=settings.redis_key_prefix,
        cache_cipher=resources.keys.record_cache,
        limiter=RateLimiter(resources.redis, prefix=settings.redis_key_prefix),
    )
    wired = wiring.wire(clients, wiring.LifeRecordConfig(), sources)
    assert {type(r) for r in wired.repositories} == {AccessLogRepository, DisputeRepository}
    return ServiceRegistry(wired.services)


async def test_wire_builds_every_service_over_the_providers_given(resources: Resources) -> None:
    # given two department sources and no enterprise data
    sources = fake_sources([Section.HOUSEHOLD, Section.INCOME])
    providers = wiring.LifeRecordProviders(
        sources=sources,
        enterprise_register=EmptyLegalEntityRegister(),
        enterprise_data_sets=EmptyEnterpriseDataSets(),
        catalogue=FixedCatalogue([]),
        enterprise_licences=NoEnterpriseLicences(),
    )
    # when
    registry = _wired(resources, providers)
    # then each service is found by its class, and the record serves those sections only
    for kind in (LifeRecordService, PrefillService, DisputeService, DataTracker):
        assert registry.find(kind) is not None, kind.__name__
    assert registry.find(EnterpriseRecordService) is not None
    life_record = registry.get(LifeRecordService)
    assert life_record.sections == [Section.HOUSEHOLD, Section.INCOME]
    # and an officer's read lands in the access log the data tracker reads
    [result] = await life_record.read_as(OFFICER, LIU, [Section.HOUSEHOLD])
    assert result.payload == sources[Section.HOUSEHOLD].payload
    page = await registry.get(DataTracker).page_of(LIU.account_id, first=5)
    assert [entry.reader_id for entry in page.items] == ["off-1"]


async def test_the_cache_it_wires_keeps_every_key_under_the_prefix(resources: Resources) -> None:
    # given
    providers = wiring.LifeRecordProviders(
        sources=fake_sources([Section.HOUSEHOLD]),
        enterprise_register=EmptyLegalEntityRegister(),
        enterprise_data_sets=EmptyEnterpriseDataSets(),
        catalogue=FixedCatalogue([]),
        enterprise_licences=NoEnterpriseLicences(),
    )
    life_record = _wired(resources, providers).get(LifeRecordService)
    prefix = resources.settings.redis_key_prefix
    # when a section is read (and so cached)
    await life_record.read(LIU, Section.HOUSEHOLD, OFFICER)
    # then its key is the test's own, and its value is sealed (no personal data in clear)
    keys = [bytes(k).decode() async for k in resources.redis.scan_iter(match=f"{prefix}*")]
    assert keys == [f"{prefix}lr:{LIU.account_id}:household"]
    stored = await resources.redis.get(keys[0])
    assert stored is not None
    assert resources.keys.record_cache.is_sealed(stored)
