"""Builds the identity domain from the open clients, its configuration and its providers.

The composition root calls :func:`wire` once at start-up, creates the indexes of the
repositories it returns and registers the services; nothing else constructs an
identity repository or service.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from identity.adapters.carrier import CarrierRealNameCheck
from identity.adapters.departments import DepartmentDirectory
from identity.adapters.ip_regions import IpRegions, OfflineIpRegions
from identity.adapters.legal_entities import LegalEntityRegister
from identity.adapters.liveness import LivenessProvider
from identity.adapters.mini_program import MiniProgramProvider
from identity.adapters.population import PopulationRegister
from identity.adapters.sms import SmsSender
from identity.crypto import DerivedKeys
from identity.repositories import Database, Redis
from identity.repositories.accounts import AccountRepository
from identity.repositories.audit import IdentityAudit
from identity.repositories.enterprises import EnterpriseRepository
from identity.repositories.liveness_tickets import LivenessTickets
from identity.repositories.mini_program_links import MiniProgramLinkRepository
from identity.repositories.mini_program_tickets import MiniProgramLinkTickets
from identity.repositories.moves import IdentityMoves
from identity.repositories.one_time_codes import OneTimeCodes
from identity.repositories.role_grants import RoleGrantRepository
from identity.repositories.sessions import SessionRepository
from identity.repositories.sign_in_marks import RememberedSignIns, SignInMarks
from identity.services.enterprises import EnterpriseService
from identity.services.liveness import LivenessService
from identity.services.mini_program import MiniProgramSignIn
from identity.services.officers import OfficerService
from identity.services.real_name import RealNameBinder, RealNameService
from identity.services.sign_in import SignInService
from identity.tokens import AccessTokens
from infra.ratelimit import RateLimiter
from kit.outbox_repository import OutboxRepository
from kit.wiring import HasIndexes, Wired


@dataclass(frozen=True, slots=True)
class IdentityClients:
    """The open clients identity uses, and the keys derived from the master secret."""

    database: Database
    redis: Redis
    keys: DerivedKeys


@dataclass(frozen=True, slots=True)
class IdentityConfig:
    """What the deployment decides for identity (the app reads it from its settings)."""

    tokens: AccessTokens
    """The access-token issuer, with the signing key the environment allows."""
    refresh_token_ttl: timedelta
    """How long a session lives without a refresh."""
    redis_prefix: str
    """Put before every Redis key identity writes (deployments and tests share servers)."""


@dataclass(frozen=True, slots=True)
class IdentityProviders:
    """The adapters to the world outside, one per slot (development stand-ins or vendors)."""

    sms: SmsSender
    liveness: LivenessProvider
    mini_program: MiniProgramProvider
    population_register: PopulationRegister
    legal_entity_register: LegalEntityRegister
    carrier_check: CarrierRealNameCheck
    departments: DepartmentDirectory
    """Which department codes exist (the composition root asks the directory)."""
    ip_regions: IpRegions = field(default_factory=OfflineIpRegions)


def wire(clients: IdentityClients, config: IdentityConfig, providers: IdentityProviders) -> Wired:
    """Identity's repositories (those with indexes) and services, wired to each other.

    The SMS provider is handed over with the services: the development stand-in is
    found in the registry by tests and the development tools (``dev-sms-codes``).
    """
    database, redis, keys = clients.database, clients.redis, clients.keys
    prefix = config.redis_prefix
    limiter = RateLimiter(redis, prefix=prefix)
    marks = SignInMarks(redis, prefix=prefix)
    accounts = AccountRepository(database, keys.field_cipher, keys.lookup, marks=marks)
    sessions = SessionRepository(database, marks=marks, outbox=OutboxRepository(database))
    enterprises = EnterpriseRepository(database)
    audit = IdentityAudit(database)
    links = MiniProgramLinkRepository(database, accounts)
    sign_in = SignInService(
        accounts,
        sessions,
        OneTimeCodes(redis, keys.one_time_codes, prefix=prefix),
        limiter,
        providers.sms,
        config.tokens,
        providers.ip_regions,
        keys.lookup,
        refresh_ttl=config.refresh_token_ttl,
        remembered=RememberedSignIns(marks),
    )
    binder = RealNameBinder(
        accounts,
        providers.population_register,
        IdentityMoves(database, accounts, audit),
        audit,
        providers.sms,
        keys.lookup,
    )
    services: list[object] = [
        sign_in,
        MiniProgramSignIn(
            providers.mini_program,
            links,
            MiniProgramLinkTickets(redis, keys.lookup, prefix=prefix),
            keys.lookup,
            sign_in,
        ),
        RealNameService(binder, providers.carrier_check, limiter),
        LivenessService(
            sessions,
            binder,
            providers.liveness,
            LivenessTickets(redis, keys.field_cipher, prefix=prefix),
            limiter,
        ),
        EnterpriseService(enterprises, accounts, providers.legal_entity_register, keys.lookup),
        officer_service(database, keys, providers.departments, marks),
        providers.sms,
    ]
    repositories: list[HasIndexes] = [
        accounts,
        sessions,
        enterprises,
        audit,
        links,
        RoleGrantRepository(database),
    ]
    return Wired(repositories=repositories, services=services)


def officer_service(
    database: Database, keys: DerivedKeys, departments: DepartmentDirectory, marks: SignInMarks
) -> OfficerService:
    """The role grants' service alone (the operator's ``grant-administrator`` command uses it)."""
    accounts = AccountRepository(database, keys.field_cipher, keys.lookup, marks=marks)
    return OfficerService(RoleGrantRepository(database), accounts, departments)
