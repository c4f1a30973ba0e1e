"""The life record's one wiring point: repositories, stores and services over the clients.

The composition root hands over the open clients (:class:`LifeRecordClients`), the
domain's configuration (:class:`LifeRecordConfig`) and what is wired in its provider
slots (:class:`LifeRecordProviders`: the departments' sources, the register of legal
entities, the enterprise data sets and the service catalogue prefill reads), and gets
back the repositories (for their indexes) and the services (for the registry).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from infra.crypto import FieldCipher
from kit.ratelimit import Limiter
from kit.wiring import Wired
from liferecord.adapters.catalogue import PrefillCatalogue
from liferecord.adapters.enterprise import (
    EnterpriseDataSets,
    EnterpriseLicenceSource,
    EntityRegister,
)
from liferecord.adapters.sources import SectionSource
from liferecord.models import Section
from liferecord.repositories import Database, Redis
from liferecord.repositories.access_log import AccessLogRepository
from liferecord.repositories.cache import SectionCache
from liferecord.repositories.disputes import DisputeRepository
from liferecord.services.corrections import RecordCorrections
from liferecord.services.data_tracker import DataTracker
from liferecord.services.disputes import DisputeService
from liferecord.services.enterprise_record import DEFAULT_TIMEOUT_SECONDS, EnterpriseRecordService
from liferecord.services.life_record import LifeRecordService
from liferecord.services.prefill import PrefillService


@dataclass(frozen=True, slots=True)
class LifeRecordClients:
    """The open clients the life record uses, and the keys it needs.

    ``cache_cipher`` seals cached sections (``DerivedKeys.record_cache``); ``limiter``
    is the rate limiter every domain shares; ``key_prefix`` starts every Redis key.
    """

    database: Database
    redis: Redis
    key_prefix: str
    cache_cipher: FieldCipher
    limiter: Limiter


@dataclass(frozen=True, slots=True)
class LifeRecordConfig:
    """The life record's own settings (today's defaults; none is read from Settings yet)."""

    enterprise_timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    """How long each department may take for its part of an enterprise's record."""


@dataclass(frozen=True, slots=True)
class LifeRecordProviders:
    """What talks to the departments for the life record: one slot per kind of system."""

    sources: Mapping[Section, SectionSource]
    """One department source per section served (a section without one is not offered)."""
    enterprise_register: EntityRegister
    enterprise_data_sets: EnterpriseDataSets
    catalogue: PrefillCatalogue
    """The service catalogue prefill reads (the applications domain's, through an adapter)."""
    enterprise_licences: EnterpriseLicenceSource
    """The enterprises' licences: the licence wallet's, through an adapter."""


def wire(
    clients: LifeRecordClients, config: LifeRecordConfig, providers: LifeRecordProviders
) -> Wired:
    """The life record's repositories and services, wired to ``clients`` and ``providers``."""
    access_log = AccessLogRepository(clients.database)
    disputes = DisputeRepository(clients.database)
    cache = SectionCache(clients.redis, clients.cache_cipher, prefix=clients.key_prefix)
    life_record = LifeRecordService(providers.sources, cache, access_log, clients.limiter)
    dispute_service = DisputeService(disputes, life_record, clients.limiter)
    return Wired(
        repositories=[access_log, disputes],
        services=[
            life_record,
            PrefillService(life_record, catalogue=providers.catalogue),
            dispute_service,
            RecordCorrections(life_record, cache, disputes, dispute_service),
            DataTracker(access_log),
            EnterpriseRecordService(
                providers.enterprise_register,
                providers.enterprise_data_sets,
                providers.enterprise_licences,
                timeout_seconds=config.enterprise_timeout_seconds,
            ),
        ],
    )
