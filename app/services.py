"""Wires the providers and domain services to the open clients and settings (one instance each).

Providers are the adapters to the world outside (SMS and liveness vendors, mini-program
platforms, registers, the departments' data). Only development and demo stand-ins exist
so far; :func:`build_services` refuses them in staging and production by looking at the
objects wired, so start-up fails with one line naming each until real adapters come.
It also refuses a staging/production signing key that is not there.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.resources import Resources, StartupError
from app.settings import Environment, Settings
from demo.identity_adapters import (
    DevelopmentCarrierCheck,
    ExchangeLegalEntityRegister,
    ExchangePopulationRegister,
)
from directory.service import DirectoryService
from identity.adapters.carrier import CarrierRealNameCheck
from identity.adapters.legal_entities import LegalEntityRegister
from identity.adapters.liveness import DevelopmentLiveness, LivenessProvider
from identity.adapters.mini_program import DevelopmentMiniProgram, MiniProgramProvider
from identity.adapters.population import PopulationRegister
from identity.adapters.sms import DevelopmentSms, SmsSender
from identity.tokens import AccessTokens, load_or_create_signing_key, load_public_key
from identity.wiring import IdentityClients, IdentityConfig, IdentityProviders
from identity.wiring import wire as wire_identity
from infra.providers import development_only
from infra.ratelimit import RateLimiter
from kit.registry import ServiceRegistry
from kit.wiring import Wired
from liferecord.adapters.exchange import (
    ExchangeEnterpriseDataSets,
    ExchangeEntityRegister,
    demo_sources,
)
from liferecord.cache import SectionCache
from liferecord.data_tracker import DataTracker
from liferecord.disputes import DisputeService
from liferecord.enterprise import EnterpriseDataSets, EnterpriseRecordService, EntityRegister
from liferecord.models import Section
from liferecord.prefill import PrefillService
from liferecord.service import LifeRecordService
from liferecord.sources import SectionSource


@dataclass(frozen=True, slots=True)
class Providers:
    """What is wired in each provider slot; every field is walked by the stand-in check."""

    sms: SmsSender
    liveness: LivenessProvider
    mini_program: MiniProgramProvider
    population_register: PopulationRegister
    carrier_check: CarrierRealNameCheck
    legal_entity_register: LegalEntityRegister
    life_record_sources: Mapping[Section, SectionSource]
    enterprise_register: EntityRegister
    enterprise_data_sets: EnterpriseDataSets


ProviderWiring = Callable[[Resources], Providers]
"""Builds the providers for a deployment (tests pass stand-ins for vendors this way)."""

SLOT_SETTINGS = {
    "sms": "SZ_SMS_PROVIDER",
    "liveness": "SZ_LIVENESS_PROVIDER",
    "mini_program": "SZ_MINI_PROGRAM_PROVIDER",
    "population_register": "SZ_POPULATION_REGISTER",
    "carrier_check": "SZ_CARRIER_CHECK_PROVIDER",
    "legal_entity_register": "SZ_LEGAL_ENTITY_REGISTER",
    "life_record_sources": "SZ_LIFE_RECORD_SOURCES",
    "enterprise_register": "SZ_ENTERPRISE_RECORD_SOURCES",
    "enterprise_data_sets": "SZ_ENTERPRISE_RECORD_SOURCES",
}
"""The setting that names each slot's provider, for the refusal message."""


def wire_providers(resources: Resources) -> Providers:
    """The providers the settings name.

    Each setting has a single choice so far, the development or demo stand-in; the
    providers issue adds the real adapters as further choices here.
    """
    settings = resources.settings
    return Providers(
        # Codes go to the log in development only; tests read them from memory.
        sms=DevelopmentSms(log_codes=settings.environment is Environment.DEVELOPMENT),
        liveness=DevelopmentLiveness(resources.keys.development_liveness),
        mini_program=DevelopmentMiniProgram(),
        population_register=ExchangePopulationRegister(resources.registers),
        carrier_check=DevelopmentCarrierCheck(resources.registers),
        legal_entity_register=ExchangeLegalEntityRegister(resources.registers),
        life_record_sources=demo_sources(resources.department_records),
        enterprise_register=ExchangeEntityRegister(resources.registers),
        enterprise_data_sets=ExchangeEnterpriseDataSets(resources.enterprise_records),
    )


def stand_ins(settings: Settings, providers: Providers) -> str | None:
    """In staging/production, what is wrong when any stand-in is wired, else ``None``.

    Names each offending slot's setting and what is wired there.
    """
    if not settings.is_production_like:
        return None
    slots = [
        (field.name, getattr(providers, field.name)) for field in dataclasses.fields(providers)
    ]
    named: dict[str, list[str]] = {}
    for slot, labels in development_only(slots).items():
        entry = named.setdefault(SLOT_SETTINGS.get(slot, slot), [])
        entry.extend(label for label in labels if label not in entry)
    if not named:
        return None
    listed = "; ".join(f"{setting}: {', '.join(labels)}" for setting, labels in named.items())
    return f"development providers are wired, and no real adapter exists yet for them: {listed}"


def access_tokens(settings: Settings) -> AccessTokens:
    """The token issuer: the configured key, or a development key under the data folder.

    Only development creates a key (under the data folder, or at a configured path
    that does not exist yet); tests without a configured key use a fresh one in
    memory. Staging and production only ever read an existing key: a missing or
    unreadable file raises :class:`StartupError`, because a new key would silently
    invalidate every token the other instances issue and verify.
    """
    key_file = settings.jwt_signing_key_file
    signing_key: Ed25519PrivateKey
    if key_file is None:
        if settings.environment is Environment.TEST:
            signing_key = Ed25519PrivateKey.generate()
        else:
            signing_key = load_or_create_signing_key(settings.data_dir / "keys" / "jwt-ed25519.pem")
    elif settings.is_production_like and not key_file.is_file():
        raise StartupError(
            f"SZ_JWT_SIGNING_KEY_FILE {key_file} does not exist: {settings.environment.value} "
            "never creates a signing key"
        )
    else:
        try:
            signing_key = load_or_create_signing_key(key_file)
        except (OSError, ValueError) as error:
            raise StartupError(
                f"SZ_JWT_SIGNING_KEY_FILE {key_file} cannot be read as a PEM Ed25519 private "
                f"key: {type(error).__name__}"
            ) from None
    return AccessTokens(
        signing_key,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        ttl=timedelta(seconds=settings.access_token_ttl_seconds),
        previous_keys=tuple(load_public_key(p) for p in settings.jwt_previous_public_key_files),
    )


def wire_domains(resources: Resources, providers: Providers) -> Wired:
    """Every domain's repositories (for index creation) and services, wired to the clients.

    Raises :class:`StartupError` (no I/O needed) when staging or production would run
    a stand-in provider or lacks its signing key.
    """
    settings = resources.settings
    problems = [problem] if (problem := stand_ins(settings, providers)) else []
    try:
        tokens = access_tokens(settings)
    except StartupError as error:
        problems.append(str(error))
    if problems:
        raise StartupError(
            f"refusing to start in {settings.environment.value}: " + "; ".join(problems)
        )
    prefix = settings.redis_key_prefix
    identity = wire_identity(
        IdentityClients(database=resources.database, redis=resources.redis, keys=resources.keys),
        IdentityConfig(
            tokens=tokens,
            refresh_token_ttl=timedelta(days=settings.refresh_token_ttl_days),
            redis_prefix=prefix,
        ),
        IdentityProviders(
            sms=providers.sms,
            liveness=providers.liveness,
            mini_program=providers.mini_program,
            population_register=providers.population_register,
            legal_entity_register=providers.legal_entity_register,
            carrier_check=providers.carrier_check,
        ),
    )
    limiter = RateLimiter(resources.redis, prefix=prefix)
    life_record = LifeRecordService(
        providers.life_record_sources,
        SectionCache(resources.redis, resources.keys.record_cache, prefix=prefix),
        resources.access_log,
        limiter,
    )
    return Wired(
        repositories=[*identity.repositories],
        services=[
            DirectoryService(resources.departments),
            *identity.services,
            life_record,
            PrefillService(life_record),  # demo catalogue until the applications issue
            DisputeService(resources.disputes, life_record, limiter),
            DataTracker(resources.access_log),
            EnterpriseRecordService(providers.enterprise_register, providers.enterprise_data_sets),
        ],
    )


def build_services(resources: Resources, providers: Providers) -> ServiceRegistry:
    """The shared domain services, wired to the open clients and ``providers``.

    Raises :class:`StartupError` as :func:`wire_domains` does. Creates no index: use
    :func:`start_services` to serve.
    """
    return ServiceRegistry(wire_domains(resources, providers).services)


async def start_services(resources: Resources, providers: Providers) -> ServiceRegistry:
    """:func:`build_services`, after creating the indexes of every wired repository."""
    wired = wire_domains(resources, providers)
    for repository in wired.repositories:
        await repository.ensure_indexes()
    return ServiceRegistry(wired.services)
