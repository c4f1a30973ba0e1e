"""identity.wiring: one call builds identity's repositories and services from the clients."""

from __future__ import annotations

from datetime import timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.resources import Resources
from demo.data.people import LIU_JIANJUN
from identity.adapters.liveness import DevelopmentLiveness
from identity.adapters.mini_program import DevelopmentMiniProgram
from identity.adapters.sms import DevelopmentSms
from identity.models import Device, DevicePlatform, MiniProgramPlatform, Principal
from identity.services.enterprises import EnterpriseService
from identity.services.liveness import LivenessService
from identity.services.mini_program import LinkRequired, MiniProgramSignIn
from identity.services.officers import OfficerService
from identity.services.real_name import RealNameService
from identity.services.sign_in import SignInService
from identity.tokens import AccessTokens
from identity.wiring import IdentityClients, IdentityConfig, IdentityProviders, wire
from kit.registry import ServiceRegistry
from kit.wiring import Wired
from tests.vendors import (
    EmptyLegalEntityRegister,
    EmptyPopulationRegister,
    NoDepartments,
    UnknownPhoneCarrier,
)

DEVICE = Device(name="Test phone", platform=DevicePlatform.ANDROID)


def _wired(resources: Resources, prefix: str, sms: DevelopmentSms) -> Wired:
    tokens = AccessTokens(
        Ed25519PrivateKey.generate(), issuer="test", audience="test", ttl=timedelta(minutes=5)
    )
    return wire(
        IdentityClients(database=resources.database, redis=resources.redis, keys=resources.keys),
        IdentityConfig(tokens=tokens, refresh_token_ttl=timedelta(days=1), redis_prefix=prefix),
        IdentityProviders(
            sms=sms,
            liveness=DevelopmentLiveness(resources.keys.development_liveness),
            mini_program=DevelopmentMiniProgram(),
            population_register=EmptyPopulationRegister(),
            legal_entity_register=EmptyLegalEntityRegister(),
            carrier_check=UnknownPhoneCarrier(),
            departments=NoDepartments(),
        ),
    )


async def test_wire_hands_over_each_service_and_the_repositories_that_hold_indexes(
    resources: Resources,
) -> None:
    # given
    sms = DevelopmentSms(log_codes=False)
    wired = _wired(resources, resources.settings.redis_key_prefix, sms)
    # when
    for repository in wired.repositories:
        await repository.ensure_indexes()
    # then every service is found by its class, once
    registry = ServiceRegistry(wired.services)
    kinds = [
        SignInService,
        MiniProgramSignIn,
        RealNameService,
        LivenessService,
        EnterpriseService,
        OfficerService,
    ]
    assert [type(registry.get(kind)) for kind in kinds] == kinds
    assert registry.get(DevelopmentSms) is sms
    assert len(wired.services) == len(kinds) + 1
    # and every identity collection has its indexes
    database = resources.database
    expected = {
        "accounts": {"phone_hash_unique", "id_hash_unique"},
        "sessions": {"account_recent", "expires_ttl"},
        "enterprises": {"legal_representative"},
        "agent_grants": {"agent_enterprise", "enterprise_revoked", "one_unrevoked_grant"},
        "identity_audit": {"account_recent", "at_ttl"},
        "mini_program_links": {"account"},
    }
    for collection, names in expected.items():
        assert names <= set(await database[collection].index_information()), collection


async def test_every_redis_key_identity_writes_carries_the_configured_prefix(
    resources: Resources,
) -> None:
    # given identity wired with a prefix of its own, under the test's prefix
    test_prefix = resources.settings.redis_key_prefix
    prefix = f"{test_prefix}wired:"
    sms = DevelopmentSms(log_codes=False)
    registry = ServiceRegistry(_wired(resources, prefix, sms).services)
    for repository in _wired(resources, prefix, sms).repositories:
        await repository.ensure_indexes()
    # when identity writes each kind of key: codes and limits, link tickets, liveness tickets
    sign_in = registry.get(SignInService)
    await sign_in.request_code("+8613907339001", "203.0.113.5")
    signed_in = await sign_in.sign_in(
        "+8613907339001", sms.last_code["+8613907339001"], DEVICE, None
    )
    linking = await registry.get(MiniProgramSignIn).sign_in_with_code(
        MiniProgramPlatform.WECHAT, "dev-wiring", DEVICE, None
    )
    assert isinstance(linking, LinkRequired)
    principal = Principal(
        account_id=signed_in.account.id,
        session_id=signed_in.tokens.session_id,
        level=signed_in.level,
    )
    await registry.get(LivenessService).start_binding(
        principal, LIU_JIANJUN.name, LIU_JIANJUN.id_number
    )
    # then every key the test's prefix holds is under identity's prefix, of each kind
    keys = [key.decode() async for key in resources.redis.scan_iter(match=f"{test_prefix}*")]
    assert keys
    assert all(key.startswith(prefix) for key in keys), keys
    kinds = {key.removeprefix(prefix).split(":")[0] for key in keys}
    assert kinds == {"rl", "mp-link", "liveness"}  # the code was redeemed: no otp key left
