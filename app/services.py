"""Wires the domain services to the open clients and settings (one instance each)."""

from __future__ import annotations

from datetime import timedelta

from app.resources import Resources
from app.settings import Environment, Settings
from directory.service import DirectoryService
from identity.carrier import DevelopmentCarrierCheck
from identity.enterprises import EnterpriseService
from identity.ipregion import OfflineIpRegions
from identity.legal_entities import ExchangeLegalEntityRegister
from identity.link_repository import MiniProgramLinkRepository
from identity.liveness import DevelopmentLiveness, LivenessService, LivenessTickets
from identity.miniprogram import DevelopmentMiniProgram, MiniProgramSignIn
from identity.move_repository import IdentityMoves
from identity.otp import OneTimeCodes
from identity.population import ExchangePopulationRegister
from identity.realname import RealNameBinder, RealNameService
from identity.service import SignInService
from identity.sms import DevelopmentSms
from identity.tokens import AccessTokens, load_or_create_signing_key, load_public_key
from infra.ratelimit import RateLimiter
from liferecord.adapters.exchange import demo_sources
from liferecord.cache import SectionCache
from liferecord.data_tracker import DataTracker
from liferecord.disputes import DisputeService
from liferecord.enterprise import EnterpriseRecordService
from liferecord.prefill import PrefillService
from liferecord.service import LifeRecordService
from resolvers.context import Services


def access_tokens(settings: Settings) -> AccessTokens:
    """The token issuer: the configured key, or a development key under the data folder."""
    key_file = settings.jwt_signing_key_file
    if key_file is None:
        if settings.environment is Environment.TEST:
            from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

            signing_key = Ed25519PrivateKey.generate()
        else:
            signing_key = load_or_create_signing_key(settings.data_dir / "keys" / "jwt-ed25519.pem")
    else:
        signing_key = load_or_create_signing_key(key_file)
    return AccessTokens(
        signing_key,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        ttl=timedelta(seconds=settings.access_token_ttl_seconds),
        previous_keys=tuple(load_public_key(p) for p in settings.jwt_previous_public_key_files),
    )


def build_services(resources: Resources) -> Services:
    """The shared domain services, wired to the open clients."""
    settings = resources.settings
    prefix = settings.redis_key_prefix
    limiter = RateLimiter(resources.redis, prefix=prefix)
    sms = DevelopmentSms()  # the only provider so far; production refuses it in Settings
    sign_in = SignInService(
        resources.accounts,
        resources.sessions,
        OneTimeCodes(resources.redis, resources.keys.one_time_codes, prefix=prefix),
        limiter,
        sms,
        access_tokens(settings),
        OfflineIpRegions(),
        resources.keys.lookup,
        refresh_ttl=timedelta(days=settings.refresh_token_ttl_days),
    )
    binder = RealNameBinder(
        resources.accounts,
        ExchangePopulationRegister(resources.registers),  # demo register adapter
        IdentityMoves(resources.database, resources.accounts, resources.identity_audit),
        resources.identity_audit,
        sms,
        resources.keys.lookup,
    )
    life_record = LifeRecordService(
        demo_sources(resources.department_records),  # demo adapters over the exchange
        SectionCache(resources.redis, resources.keys.record_cache, prefix=prefix),
        resources.access_log,
        limiter,
    )
    return Services(
        directory=DirectoryService(resources.departments),
        sign_in=sign_in,
        mini_program=MiniProgramSignIn(
            DevelopmentMiniProgram(),  # the only provider so far; refused in production
            MiniProgramLinkRepository(resources.database, resources.accounts),
            resources.redis,
            resources.keys.lookup,
            sign_in,
            prefix=prefix,
        ),
        real_name=RealNameService(
            binder,
            DevelopmentCarrierCheck(resources.registers),  # answers from the demo register
            limiter,
        ),
        liveness=LivenessService(
            resources.sessions,
            binder,
            # NOT a real liveness check (the only provider so far); refused in production.
            DevelopmentLiveness(resources.keys.development_liveness),
            LivenessTickets(resources.redis, resources.keys.field_cipher, prefix=prefix),
            limiter,
        ),
        enterprises=EnterpriseService(
            resources.enterprises,
            resources.accounts,
            ExchangeLegalEntityRegister(resources.registers),  # demo register adapter
            resources.keys.lookup,
        ),
        life_record=life_record,
        prefill=PrefillService(life_record),  # demo catalogue until the applications issue
        disputes=DisputeService(resources.disputes, life_record, limiter),
        data_tracker=DataTracker(resources.access_log),
        enterprise_record=EnterpriseRecordService(
            resources.registers,
            resources.enterprise_records,  # demo data on the exchange
        ),
        development_sms=sms,
    )
