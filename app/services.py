"""Wires the providers and domain services to the open clients and settings (one instance each).

Providers are the adapters to the world outside (SMS and liveness vendors, mini-program
platforms, registers, the departments' data). The product has development stand-ins for
the vendors only; registers and the departments' data have no adapter yet but the demo's,
which live in ``demo/`` (never imported here) and are injected by ``python -m demo``
and the tests. :func:`wire_providers` therefore refuses to start, in one line naming
each empty slot's setting. :func:`build_services` refuses stand-ins in staging and
production by looking at the objects wired, and a staging/production signing key that
is not there.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.applications_ports import (
    AccessLogReads,
    CaseFollowers,
    DisputeCases,
    RecordDisputeResolutions,
    WalletLicences,
)
from app.catalogue_prefill import CataloguePrefill
from app.exchange import EXCHANGE_SLOTS, exchange_adapters
from app.health import ProviderOutcomes
from app.identity_vendors import (
    faceid_carrier_check,
    faceid_liveness,
    platform_mini_program,
    wechat_app_secret,
)
from app.resources import Resources, StartupError
from app.settings import Environment, Settings
from app.wallet_licences import WalletEnterpriseLicences, WalletLicencesSection
from applications import wiring as applications_wiring
from applications.repositories.cases import CASES_KEY_PURPOSE
from applications.services.applying import ApplicationService
from applications.services.catalogue import CatalogueService
from applications.services.uploads import UploadService
from applications.uploads_models import MATERIAL_KEY_PURPOSE
from directory import wiring as directory_wiring
from directory.service import DirectoryService
from identity.adapters.carrier import CarrierRealNameCheck
from identity.adapters.legal_entities import LegalEntityRegister
from identity.adapters.liveness import DevelopmentLiveness, LivenessProvider
from identity.adapters.mini_program import DevelopmentMiniProgram, MiniProgramProvider
from identity.adapters.population import PopulationRegister
from identity.adapters.sms import DevelopmentSms, SmsSender
from identity.adapters.sms_aliyun import AliyunSms
from identity.adapters.sms_common import SIGN_IN_CODE, SmsTemplates
from identity.adapters.sms_failover import FailoverSms
from identity.adapters.sms_tencent import TencentSms
from identity.repositories.sessions import SessionRepository
from identity.repositories.sign_in_marks import SignInMarks
from identity.services.officers import OfficerService
from identity.services.sign_in import SignInService
from identity.tokens import AccessTokens, load_or_create_signing_key, load_public_key
from identity.wiring import IdentityClients, IdentityConfig, IdentityProviders
from identity.wiring import wire as wire_identity
from infra.crypto import FieldCipher, KeyedHash, derive_key
from infra.providers import development_only, each_provider
from infra.ratelimit import RateLimiter
from kit.registry import ServiceRegistry
from kit.wiring import Wired
from liferecord import wiring as liferecord_wiring
from liferecord.adapters.enterprise import EnterpriseDataSets, EntityRegister
from liferecord.adapters.sources import SectionSource
from liferecord.models import Section
from liferecord.services.corrections import RecordCorrections
from liferecord.services.data_tracker import DataTracker
from liferecord.services.disputes import DisputeService
from notifications import wiring as notifications_wiring
from notifications.adapters.wechat import WeChatSubscribeChannel
from notifications.live import CaseVisibility, LiveClients, LiveConfig, LiveProviders, wire_live
from notifications.ports import LivePublisher
from wallet import wiring as wallet_wiring
from wallet.adapters.sources import DepartmentLicenceSource
from wallet.models import SEALING_DEPARTMENTS
from wallet.seals import (
    KEY_FILE_SUFFIX,
    DepartmentSeal,
    SealAlgorithm,
    SealKeyring,
    SigningKey,
    generate_key,
    is_private,
    load_key,
    public_of,
    write_new_key,
)
from wallet.service import WalletService

S = TypeVar("S")


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
    case_visibility: CaseVisibility | None = None
    """Which cases an account may follow live (``caseProgress``); ``None``: the
    applications' own rule (the applicant only). Tests put a stand-in here."""
    licence_sources: Sequence[DepartmentLicenceSource] = ()
    """Departments whose own systems hold licences the wallet loads (none wired: none)."""


class IdentitySessions:
    """The live channel's view of identity's sessions: which are still signed in."""

    def __init__(self, sessions: SessionRepository) -> None:
        self._sessions = sessions

    async def active_among(self, session_ids: Collection[str]) -> set[str]:
        """The ids among ``session_ids`` of sessions neither revoked nor signed out."""
        return await self._sessions.active_ids(list(session_ids))


ProviderWiring = Callable[[Resources], Providers]
"""Builds the providers for a deployment (tests pass stand-ins for vendors this way)."""

SLOT_SETTINGS = {
    "sms": "SZ_SMS_PROVIDER",
    "liveness": "SZ_LIVENESS_PROVIDER",
    "mini_program": "SZ_MINI_PROGRAM_PROVIDER",
    "population_register": "SZ_EXCHANGE_PROVIDER",
    "carrier_check": "SZ_CARRIER_CHECK_PROVIDER",
    "legal_entity_register": "SZ_EXCHANGE_PROVIDER",
    "life_record_sources": "SZ_EXCHANGE_PROVIDER",
    "enterprise_register": "SZ_EXCHANGE_PROVIDER",
    "enterprise_data_sets": "SZ_EXCHANGE_PROVIDER",
    "licence_sources": "SZ_LICENCE_SOURCES",
}
"""The setting that names each slot's provider, for the refusal message."""


INTERNAL_SEAMS = frozenset({"case_visibility"})
"""Fields of :class:`Providers` that are no vendor or register slot: ``None`` wires the
product's own rule, and tests put a stand-in there (no staging check applies)."""


DEMO_ONLY_SLOTS = (
    "population_register",
    "carrier_check",
    "legal_entity_register",
    "life_record_sources",
    "enterprise_register",
    "enterprise_data_sets",
    "licence_sources",
)
"""Slots whose adapters are not vendors (``demo.providers`` has one for each)."""

OPTIONAL_SLOTS = frozenset({"licence_sources"})
"""Slots production may leave empty: no department licence source has a real adapter
yet, and the wallet works without one (approvals and officers issue licences)."""


@dataclass(frozen=True, slots=True)
class Vendors:
    """The product's own development stand-ins for the vendors (refused in staging)."""

    sms: SmsSender
    liveness: LivenessProvider
    mini_program: MiniProgramProvider


def development_vendors(resources: Resources) -> Vendors:
    """The vendors' development stand-ins, as development, the demo and tests run them.

    The SMS slot holds the real vendor(s) when ``SZ_SMS_PROVIDER`` names one.
    """
    settings = resources.settings
    return Vendors(
        # Codes go to the log in development only; tests read them from memory.
        sms=configured_sms(settings)
        or DevelopmentSms(log_codes=settings.environment is Environment.DEVELOPMENT),
        liveness=DevelopmentLiveness(resources.keys.development_liveness),
        mini_program=DevelopmentMiniProgram(),
    )


def configured_vendors(resources: Resources) -> Vendors:
    """The vendors the settings name: the real identity adapters where chosen
    (``SZ_LIVENESS_PROVIDER``, ``SZ_MINI_PROGRAM_PROVIDER``), else the stand-ins."""
    vendors = development_vendors(resources)
    return dataclasses.replace(
        vendors,
        liveness=faceid_liveness(resources) or vendors.liveness,
        mini_program=platform_mini_program(resources) or vendors.mini_program,
    )


def configured_carrier_check(resources: Resources) -> CarrierRealNameCheck | None:
    """FaceID's carrier check when ``SZ_CARRIER_CHECK_PROVIDER`` names it, else ``None``."""
    return faceid_carrier_check(resources)


def wire_providers(resources: Resources) -> Providers:
    """The providers the settings name; refuses while any slot has no real adapter.

    ``SZ_EXCHANGE_PROVIDER=http`` fills the registers' and departments' data slots
    (:mod:`app.exchange`), ``SZ_CARRIER_CHECK_PROVIDER`` the carrier check, and the
    vendor settings the vendors. The department licence sources have no real adapter
    yet: production wires none, so the wallet holds what approvals and officers issue.
    Anything missing or wrong (an empty slot, a stand-in in staging, a missing signing
    key or secret file) refuses the start (:class:`StartupError`) in one line naming each
    setting: the demo's providers exist only in ``demo/``, which ``python -m demo dev`` wires.
    """
    settings = resources.settings
    carrier_check = configured_carrier_check(resources)
    problems: list[str] = []
    exchange = None
    try:
        exchange = exchange_adapters(resources)
    except StartupError as error:
        problems.append(str(error))
    real = (set() if carrier_check is None else {"carrier_check"}) | (
        set() if exchange is None else set(EXCHANGE_SLOTS)
    )
    required = [slot for slot in DEMO_ONLY_SLOTS if slot not in OPTIONAL_SLOTS]
    empty = list(dict.fromkeys(SLOT_SETTINGS[s] for s in required if s not in real))
    if empty:
        problems.insert(
            0,
            f"no adapter is configured for {', '.join(empty)}: only the demo's exist so far, "
            "and `python -m demo dev` runs the embedded default with them",
        )
    slots: list[tuple[str, object]] = []
    try:
        vendors = configured_vendors(resources)
        slots = [
            (field.name, getattr(vendors, field.name)) for field in dataclasses.fields(vendors)
        ]
    except StartupError as error:
        problems.append(str(error))
    problems += _wiring_problems(settings, slots)
    if problems or exchange is None or carrier_check is None:
        raise StartupError(
            f"refusing to start in {settings.environment.value}: " + "; ".join(problems)
        )
    return Providers(
        sms=vendors.sms,
        liveness=vendors.liveness,
        mini_program=vendors.mini_program,
        carrier_check=carrier_check,
        population_register=exchange.population_register,
        legal_entity_register=exchange.legal_entity_register,
        life_record_sources=exchange.life_record_sources,
        enterprise_register=exchange.enterprise_register,
        enterprise_data_sets=exchange.enterprise_data_sets,
    )


def configured_sms(settings: Settings) -> SmsSender | None:
    """The real SMS vendor(s) ``SZ_SMS_PROVIDER`` names; ``None`` for ``development``.

    Raises :class:`StartupError` naming each missing setting or unreadable secret file.
    """
    if settings.sms_provider == "development":
        return None
    problems: list[str] = []
    built: list[SmsSender] = []
    for vendor in settings.sms_provider.split("+"):
        prefix = f"{vendor}_sms_"
        needed = {
            "tencent": ("secret_id", "secret_key_file", "sdk_app_id", "sign_name", "templates"),
            "aliyun": ("access_key_id", "access_key_secret_file", "sign_name", "templates"),
        }[vendor]
        values = {name: getattr(settings, prefix + name) for name in needed}
        missing = [f"SZ_{(prefix + name).upper()}" for name, value in values.items() if not value]
        secret_name = next(name for name in needed if name.endswith("_file"))
        secret = ""
        if not missing:
            path = values[secret_name]
            try:
                secret = path.read_text().strip()
            except OSError as error:
                missing.append(f"SZ_{(prefix + secret_name).upper()} ({type(error).__name__})")
            if not secret and not missing:
                missing.append(f"SZ_{(prefix + secret_name).upper()} (empty)")
        try:
            templates = SmsTemplates.of(values["templates"])
        except ValueError:
            if values["templates"]:  # an empty one is named missing already
                missing.append(f"SZ_{prefix.upper()}TEMPLATES (needs {SIGN_IN_CODE})")
        if missing:
            problems.append(f"SZ_SMS_PROVIDER={vendor} needs " + ", ".join(missing))
            continue
        if vendor == "tencent":
            built.append(
                TencentSms(
                    secret_id=values["secret_id"],
                    secret_key=secret,
                    sdk_app_id=values["sdk_app_id"],
                    sign_name=values["sign_name"],
                    templates=templates,
                    region=settings.tencent_sms_region,
                    endpoint=settings.tencent_sms_endpoint,
                    timeout_seconds=settings.sms_timeout_seconds,
                )
            )
        else:
            built.append(
                AliyunSms(
                    access_key_id=values["access_key_id"],
                    access_key_secret=secret,
                    sign_name=values["sign_name"],
                    templates=templates,
                    region=settings.aliyun_sms_region,
                    endpoint=settings.aliyun_sms_endpoint,
                    timeout_seconds=settings.sms_timeout_seconds,
                )
            )
    if problems:
        raise StartupError("; ".join(problems))
    return built[0] if len(built) == 1 else FailoverSms(*built)


def stand_ins(settings: Settings, slots: list[tuple[str, object]]) -> str | None:
    """In staging/production, what is wrong when any stand-in is wired, else ``None``.

    ``slots`` pairs each slot's name with what is wired there; names each offending
    slot's setting and what is wired there.
    """
    if not settings.is_production_like:
        return None
    named: dict[str, list[str]] = {}
    for slot, labels in development_only(slots).items():
        entry = named.setdefault(SLOT_SETTINGS.get(slot, slot), [])
        entry.extend(label for label in labels if label not in entry)
    if not named:
        return None
    listed = "; ".join(f"{setting}: {', '.join(labels)}" for setting, labels in named.items())
    return f"development providers are wired, and no real adapter exists yet for them: {listed}"


def _wiring_problems(settings: Settings, slots: list[tuple[str, object]]) -> list[str]:
    """Stand-ins refused here and a missing signing key, each as one phrase."""
    problems = [problem] if (problem := stand_ins(settings, slots)) else []
    try:
        access_tokens(settings)
    except StartupError as error:
        problems.append(str(error))
    try:
        seal_keyring(settings)
    except StartupError as error:
        problems.append(str(error))
    return problems


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


class DirectoryDepartments:
    """Identity's view of the directory (which codes exist), over the directory's service.

    Identity never imports the directory domain; this adapter is its only bridge.
    """

    def __init__(self, directory: DirectoryService) -> None:
        self._directory = directory

    async def exists(self, code: str) -> bool:
        """Whether the directory holds a department with ``code``."""
        [found] = await self._directory.departments_by_code([code])
        return found is not None


def seal_keyring(settings: Settings) -> SealKeyring:
    """Every sealing department's keys: configured files, or development keys.

    A department must have a seal when ``SZ_SEAL_DEPARTMENTS`` names it (unset: every
    department that issues some licence type) or ``SZ_SEAL_KEY_FILES`` lists it. Only
    development creates a missing key, under the data folder (mode 0600); tests
    without configured keys use fresh ones in memory. Staging and production only read
    existing keys and raise :class:`StartupError` naming each department without one,
    because a new key would seal licences no published key of the other instances
    verifies.
    """
    wanted = SEALING_DEPARTMENTS if settings.seal_departments is None else settings.seal_departments
    algorithm = SealAlgorithm(settings.seal_algorithm)
    seals: list[DepartmentSeal] = []
    missing: list[str] = []
    unreadable: list[str] = []
    for department in sorted(set(wanted) | set(settings.seal_key_files)):
        files = settings.seal_key_files.get(department, [])
        if not files:
            if settings.is_production_like:
                missing.append(department)
                continue
            seals.append(
                DepartmentSeal(department, _development_seal(settings, department, algorithm))
            )
            continue
        keys = []
        for path in files:
            try:
                keys.append(load_key(path))
            except (OSError, ValueError) as error:
                unreadable.append(f"{department} {path} ({type(error).__name__})")
        if len(keys) != len(files):
            continue
        current = keys[0]
        if not is_private(current):
            unreadable.append(f"{department} {files[0]} (the current key must be private)")
            continue
        seals.append(DepartmentSeal(department, current, tuple(public_of(key) for key in keys[1:])))
    problems = []
    if missing:
        problems.append(
            f"SZ_SEAL_KEY_FILES has no seal key for {', '.join(missing)}: "
            f"{settings.environment.value} never creates a seal key"
        )
    if unreadable:
        problems.append("SZ_SEAL_KEY_FILES names unreadable keys: " + ", ".join(unreadable))
    if problems:
        raise StartupError("; ".join(problems))
    return SealKeyring(seals)


def _development_seal(settings: Settings, department: str, algorithm: SealAlgorithm) -> SigningKey:
    if settings.environment is Environment.TEST:
        return generate_key(algorithm)
    name = f"{department}-{algorithm.value.lower()}.{KEY_FILE_SUFFIX[algorithm]}"
    path = settings.data_dir / "keys" / "seals" / name
    if path.exists():
        key = load_key(path)
        if is_private(key):
            return key
        raise StartupError(f"{path} does not hold a private seal key")
    return write_new_key(path, algorithm)


def build_services(resources: Resources, providers: Providers) -> ServiceRegistry:
    """The shared domain services, wired to the open clients and ``providers``.

    Raises :class:`StartupError` (no I/O needed) when staging or production would run
    a stand-in provider or lacks its signing key.
    """
    settings = resources.settings
    slots = [
        (field.name, getattr(providers, field.name)) for field in dataclasses.fields(providers)
    ]
    # Closed with the clients, also when the start is refused below.
    resources.closers.extend(_closers(slots))
    problems = [problem] if (problem := stand_ins(settings, slots)) else []
    try:
        tokens = access_tokens(settings)
    except StartupError as error:
        problems.append(str(error))
    try:
        seals = seal_keyring(settings)
    except StartupError as error:
        problems.append(str(error))
    if problems:
        raise StartupError(
            f"refusing to start in {settings.environment.value}: " + "; ".join(problems)
        )
    prefix = settings.redis_key_prefix
    master = settings.secret_key.get_secret_value().encode()
    limiter = RateLimiter(resources.redis, prefix=prefix)
    directory = directory_wiring.wire(resources.database)
    applications = applications_wiring.wire(
        applications_wiring.ApplicationsClients(
            database=resources.database,
            objects=resources.objects,
            material_cipher=FieldCipher(derive_key(master, MATERIAL_KEY_PURPOSE)),
        ),
        applications_wiring.ApplicationsConfig(),
        applications_wiring.ApplicationsProviders(),
    )
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
            departments=DirectoryDepartments(_service_of(directory, DirectoryService)),
        ),
    )
    wallet = wallet_wiring.wire(
        wallet_clients(resources),
        wallet_wiring.WalletConfig(seals=seals),
        wallet_wiring.WalletProviders(licence_sources=providers.licence_sources),
    )
    # The life record's licences, and the enterprise record's, are the wallet's.
    wallet_service = _service_of(wallet, WalletService)
    directory_service = _service_of(directory, DirectoryService)
    life_record_sources = {
        **providers.life_record_sources,
        Section.LICENCES: WalletLicencesSection(wallet_service, directory_service),
    }
    liferecord = liferecord_wiring.wire(
        liferecord_wiring.LifeRecordClients(
            database=resources.database,
            redis=resources.redis,
            key_prefix=prefix,
            cache_cipher=resources.keys.record_cache,
            limiter=limiter,
        ),
        liferecord_wiring.LifeRecordConfig(),
        liferecord_wiring.LifeRecordProviders(
            sources=life_record_sources,
            enterprise_register=providers.enterprise_register,
            enterprise_data_sets=providers.enterprise_data_sets,
            # Prefill reads the applications domain's catalogue; neither imports the other.
            catalogue=CataloguePrefill(_service_of(applications, CatalogueService)),
            enterprise_licences=WalletEnterpriseLicences(wallet_service, directory_service),
        ),
    )
    cases = applications_wiring.wire_cases(
        applications_wiring.ApplicationsClients(
            database=resources.database,
            objects=resources.objects,
            material_cipher=FieldCipher(derive_key(master, "application-materials/v1")),
            cipher=FieldCipher(derive_key(master, CASES_KEY_PURPOSE)),
        ),
        applications_wiring.ApplicationsConfig(),
        applications_wiring.ApplicationsProviders(
            officers=_service_of(identity, OfficerService),
            licences=WalletLicences(wallet_service),
            reads=AccessLogReads(_service_of(liferecord, DataTracker)),
            disputes=RecordDisputeResolutions(
                _service_of(liferecord, RecordCorrections), _service_of(identity, SignInService)
            ),
        ),
        catalogue=_service_of(applications, CatalogueService),
        uploads=_service_of(applications, UploadService),
    )
    # Disputes are worked as correction cases: close the loop once both are wired.
    _service_of(liferecord, DisputeService).attach_desk(
        DisputeCases(_service_of(cases, ApplicationService))
    )
    live = wire_live(
        LiveClients(redis=resources.redis),
        LiveConfig(redis_prefix=prefix, session_check_seconds=settings.live_session_check_seconds),
        LiveProviders(
            sessions=IdentitySessions(
                SessionRepository(
                    resources.database,
                    marks=SignInMarks(resources.redis, prefix=prefix),
                )
            ),
            case_visibility=providers.case_visibility
            or CaseFollowers(_service_of(cases, ApplicationService)),
        ),
    )
    domains = [
        directory,
        identity,
        liferecord,
        applications,
        wallet,
        cases,
        live,
        wire_notifications(resources),
    ]
    resources.repositories.extend(repo for wired in domains for repo in wired.repositories)
    # What /readyz reports of the providers' last calls (those that keep one).
    outcomes = ProviderOutcomes(wired for _, wired in slots)
    return ServiceRegistry([*_services(domains), outcomes])


def _closers(slots: list[tuple[str, object]]) -> list[Callable[[], Awaitable[object]]]:
    """Each wired provider's ``aclose`` (its HTTP connections), once per provider."""
    found: dict[int, Callable[[], Awaitable[object]]] = {}
    for _, wired in slots:
        for provider in each_provider(wired):
            close = getattr(provider, "aclose", None)
            if callable(close):
                found.setdefault(id(provider), close)
    return list(found.values())


def wallet_clients(resources: Resources) -> wallet_wiring.WalletClients:
    """The wallet's database and the keys derived for it (the API and the CLI use these)."""
    master = resources.settings.secret_key.get_secret_value().encode()
    return wallet_wiring.WalletClients(
        database=resources.database,
        content_cipher=FieldCipher(derive_key(master, "wallet-content/v1")),
        lookup=KeyedHash(derive_key(master, "wallet-docid/v1")),
        limiter=RateLimiter(resources.redis, prefix=resources.settings.redis_key_prefix),
    )


def wire_notifications(resources: Resources, *, live: LivePublisher | None = None) -> Wired:
    """The notifications domain over the open clients (also used alone by the operators'
    commands, which need no other domain); ``live`` replaces the Redis live publisher."""
    settings = resources.settings
    master = settings.secret_key.get_secret_value().encode()
    return notifications_wiring.wire(
        notifications_wiring.NotificationsClients(
            database=resources.database,
            redis=resources.redis,
            redis_prefix=settings.redis_key_prefix,
            content_cipher=FieldCipher(derive_key(master, "notifications-content/v1")),
            token_lookup=KeyedHash(derive_key(master, "notifications-token/v1")),
            firebase=resources.firebase,
        ),
        notifications_wiring.NotificationsConfig(
            device_stale_after=timedelta(days=settings.device_stale_days),
            lease=timedelta(seconds=settings.notification_lease_seconds),
            retry_base=timedelta(seconds=settings.notification_retry_base_seconds),
            max_attempts=settings.notification_max_attempts,
            fcm_endpoint=settings.fcm_endpoint_url,
        ),
        notifications_wiring.NotificationsProviders(channels=_wechat_channels(settings), live=live),
    )


def _wechat_channels(settings: Settings) -> tuple[WeChatSubscribeChannel, ...]:
    """WeChat subscription messages when a mini-program app id is configured."""
    if settings.wechat_app_id is None:
        return ()
    return (
        WeChatSubscribeChannel(
            app_id=settings.wechat_app_id,
            app_secret=wechat_app_secret(settings),
            template_ids=settings.wechat_template_ids,
            base_url=settings.wechat_endpoint,
        ),
    )


def _service_of(wired: Wired, kind: type[S]) -> S:
    """The one service of class ``kind`` a domain wired (one domain's service for another)."""
    found = [service for service in wired.services if isinstance(service, kind)]
    if len(found) != 1:
        raise StartupError(f"expected one {kind.__name__} to be wired, found {len(found)}")
    return found[0]


def _services(domains: list[Wired]) -> list[object]:
    return [service for wired in domains for service in wired.services]
