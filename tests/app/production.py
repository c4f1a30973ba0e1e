"""Production as an operator configures it, with every real adapter pointed at a local fake.

``production_environment`` is the ``SZ_*`` environment of a production instance: real
vendors chosen by their settings, credentials in secret files, endpoints at the fakes
that :func:`production_fakes` serves (no vendor is reachable from tests). The app is
then built from that environment as ``python -m app serve`` builds it
(``Settings()``, ``create_app``) and started through its lifespan.

THE EXCHANGE (for the lead, after merging branch x1). Two functions below are the only
places that know the registers and the departments' data are not served over HTTP yet:

- :func:`exchange_environment` returns no setting today; with x1 it returns
  ``SZ_EXCHANGE_PROVIDER=http``, ``SZ_EXCHANGE_URL`` (the exchange process the test
  session starts), ``SZ_EXCHANGE_CLIENT_ID`` and ``SZ_EXCHANGE_CLIENT_KEY_FILE``;
- :func:`production_providers` wires the vendors from the settings with the product's
  own functions, and the exchange's slots with :func:`pending_exchange`; with x1 it
  becomes ``app.services.wire_providers`` itself (the product's wiring).
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI

from app.main import create_app
from app.resources import Resources
from app.services import (
    Providers,
    ProviderWiring,
    configured_carrier_check,
    configured_vendors,
)
from app.settings import Settings
from demo.data.liferecord import life_records
from demo.data.people import LIU_JIANJUN
from devstack.servers import PRODLIKE_S3_ACCESS_KEY, PRODLIKE_S3_SECRET_KEY, DevStack
from identity.adapters.population import RegisteredPerson
from identity.models import Gender
from liferecord.adapters.http import HttpSectionSource
from liferecord.models import Record, Section
from tests.conftest import _drop_test_data
from tests.identity.identity_vendor_fakes import (
    FakeAlipay,
    FakeFaceId,
    FakeWeChat,
    private_pem,
    public_pem,
    rsa_key,
    serve,
)
from tests.identity.sms_fakes import FakeAliyunSms, FakeTencentSms, serving
from tests.liferecord.department_server import Answer, DepartmentEndpoint, department_endpoint
from tests.vendors import EmptyEnterpriseDataSets, EmptyLegalEntityRegister

TENCENT_SMS_ID, TENCENT_SMS_KEY = "AKIDprod0123456789", "tencent-sms-production-key"
ALIYUN_ID, ALIYUN_SECRET = "LTAIprod0123456789", "aliyun-sms-production-secret"
FACEID_ID, FACEID_KEY = "AKIDfaceprod000000000000000000000", "faceid-production-key"
WECHAT_APP_ID, WECHAT_SECRET = "wxprod0123456789", "wechat-production-app-secret"
ALIPAY_APP_ID = "2021000000000777"
PROVIDENT_FUND_PATH = "/v1/residents/{id_number}/provident-fund"
PROVIDENT_FUND_DEPARTMENT = "430200-GJJ"

VENDOR_SETTINGS = (
    "SZ_SMS_PROVIDER",
    "SZ_LIVENESS_PROVIDER",
    "SZ_MINI_PROGRAM_PROVIDER",
    "SZ_CARRIER_CHECK_PROVIDER",
)
"""The vendor slots' settings: each names a real adapter in production."""


@dataclass
class ProductionFakes:
    """Every vendor production calls, served locally, and where each listens."""

    tencent_sms: FakeTencentSms
    tencent_sms_url: str
    aliyun_sms: FakeAliyunSms
    aliyun_sms_url: str
    faceid: FakeFaceId
    wechat: FakeWeChat
    alipay: FakeAlipay
    alipay_app_key: rsa.RSAPrivateKey
    provident_fund: DepartmentEndpoint
    """The housing provident fund's endpoint (a life record section over HTTP)."""

    def sms_codes(self, phone: str) -> list[str]:
        """Every code Tencent SMS accepted for ``phone``, oldest first."""
        return [
            request["TemplateParamSet"][0]
            for request in self.tencent_sms.accepted
            if request["PhoneNumberSet"] == [phone] and request["TemplateParamSet"]
        ]


def provident_fund_payload() -> Record:
    """Liu Jianjun's provident fund as the department's endpoint answers it."""
    return next(
        item.payload
        for item in life_records(datetime.now(UTC).date())
        if item.section is Section.PROVIDENT_FUND and item.resident == LIU_JIANJUN
    )


@contextlib.asynccontextmanager
async def production_fakes() -> AsyncIterator[ProductionFakes]:
    """Every fake production talks to, each on its own local port, for the block."""
    tencent = FakeTencentSms(TENCENT_SMS_ID, TENCENT_SMS_KEY)
    aliyun = FakeAliyunSms(ALIYUN_ID, ALIYUN_SECRET)
    faceid = FakeFaceId(FACEID_ID, FACEID_KEY, encryption_key=rsa_key())
    wechat = FakeWeChat(WECHAT_APP_ID, WECHAT_SECRET)
    app_key = rsa_key()
    alipay = FakeAlipay(ALIPAY_APP_ID, app_key.public_key())
    async with (
        serving(tencent) as tencent_url,
        serving(aliyun) as aliyun_url,
        serve(faceid.app) as faceid_url,
        serve(wechat.app) as wechat_url,
        serve(alipay.app) as alipay_url,
        department_endpoint() as provident_fund,
    ):
        faceid.url, wechat.url, alipay.url = faceid_url, wechat_url, alipay_url
        provident_fund.answer(Answer(200, provident_fund_payload().model_dump_json().encode()))
        yield ProductionFakes(
            tencent, tencent_url, aliyun, aliyun_url, faceid, wechat, alipay, app_key,
            provident_fund,
        )  # fmt: skip


def _secret(folder: Path, name: str, content: str | bytes) -> str:
    path = folder / name
    if isinstance(content, str):
        path.write_text(content + "\n")
    else:
        path.write_bytes(content)
    path.chmod(0o600)
    return str(path)


def production_environment(
    servers: DevStack, folder: Path, fakes: ProductionFakes, production_like: dict[str, Any]
) -> dict[str, str]:
    """The ``SZ_*`` variables of a production instance, secrets in files under ``folder``.

    ``production_like`` (the tests' fixture) gives the signing and seal key files.
    """
    secrets = folder / "secrets"
    secrets.mkdir(exist_ok=True)
    database = f"production_{folder.name[-24:]}".replace("-", "_")
    return (
        {
            "SZ_ENVIRONMENT": "production",
            "SZ_MONGODB_URL": servers.mongodb_url,
            "SZ_MONGODB_DATABASE": database,
            "SZ_REDIS_URL": servers.redis_url,
            "SZ_REDIS_KEY_PREFIX": f"{database}:",
            "SZ_S3_ENDPOINT_URL": servers.s3_endpoint_url,
            "SZ_S3_ACCESS_KEY_ID": PRODLIKE_S3_ACCESS_KEY,
            "SZ_S3_SECRET_ACCESS_KEY": PRODLIKE_S3_SECRET_KEY,
            "SZ_SECRET_KEY": "production-secret-key-for-tests-0123456789abcdef",
            "SZ_JWT_SIGNING_KEY_FILE": str(production_like["jwt_signing_key_file"]),
            "SZ_SEAL_KEY_FILES": production_like["seal_key_files"],
            "SZ_DATA_DIR": str(folder / "var"),
        }
        | sms_environment(secrets, fakes)
        | faceid_environment(secrets, fakes)
        | mini_program_environment(secrets, fakes)
        | exchange_environment(secrets, fakes)
    )


def sms_environment(secrets: Path, fakes: ProductionFakes) -> dict[str, str]:
    """Tencent SMS, failing over to Alibaba Cloud SMS."""
    return {
        "SZ_SMS_PROVIDER": "tencent+aliyun",
        "SZ_SMS_TIMEOUT_SECONDS": "1",
        "SZ_TENCENT_SMS_ENDPOINT": fakes.tencent_sms_url,
        "SZ_TENCENT_SMS_SECRET_ID": TENCENT_SMS_ID,
        "SZ_TENCENT_SMS_SECRET_KEY_FILE": _secret(secrets, "tencent-sms", TENCENT_SMS_KEY),
        "SZ_TENCENT_SMS_SDK_APP_ID": "1400009999",
        "SZ_TENCENT_SMS_SIGN_NAME": "智慧株洲",
        "SZ_TENCENT_SMS_TEMPLATES": json.dumps({"sign_in_code": "1110", "identity_moved": "2220"}),
        "SZ_ALIYUN_SMS_ENDPOINT": fakes.aliyun_sms_url,
        "SZ_ALIYUN_SMS_ACCESS_KEY_ID": ALIYUN_ID,
        "SZ_ALIYUN_SMS_ACCESS_KEY_SECRET_FILE": _secret(secrets, "aliyun-sms", ALIYUN_SECRET),
        "SZ_ALIYUN_SMS_SIGN_NAME": "智慧株洲",
        "SZ_ALIYUN_SMS_TEMPLATES": json.dumps(
            {"sign_in_code": "SMS_1110", "identity_moved": "SMS_2220"}
        ),
    }


def faceid_environment(secrets: Path, fakes: ProductionFakes) -> dict[str, str]:
    """FaceID for both the carrier check and the face check, sensitive fields encrypted."""
    assert fakes.faceid.encryption_key is not None
    return {
        "SZ_LIVENESS_PROVIDER": "tencent-faceid",
        "SZ_CARRIER_CHECK_PROVIDER": "tencent-faceid",
        "SZ_FACEID_ENDPOINT": fakes.faceid.url,
        "SZ_FACEID_SECRET_ID": FACEID_ID,
        "SZ_FACEID_SECRET_KEY_FILE": _secret(secrets, "faceid", FACEID_KEY),
        "SZ_FACEID_RULE_ID": "1",
        "SZ_FACEID_SIMILARITY_THRESHOLD": "80",
        "SZ_FACEID_ENCRYPTION_KEY_FILE": _secret(
            secrets, "faceid-public.pem", public_pem(fakes.faceid.encryption_key)
        ),
    }


def mini_program_environment(secrets: Path, fakes: ProductionFakes) -> dict[str, str]:
    """WeChat (sign-in and subscription messages share its secret) and Alipay."""
    return {
        "SZ_MINI_PROGRAM_PROVIDER": "platforms",
        "SZ_WECHAT_APP_ID": WECHAT_APP_ID,
        "SZ_WECHAT_APP_SECRET_FILE": _secret(secrets, "wechat", WECHAT_SECRET),
        "SZ_WECHAT_ENDPOINT": fakes.wechat.url,
        "SZ_ALIPAY_APP_ID": ALIPAY_APP_ID,
        "SZ_ALIPAY_ENDPOINT": fakes.alipay.url + "/gateway.do",
        "SZ_ALIPAY_PRIVATE_KEY_FILE": _secret(
            secrets, "alipay-app.pem", private_pem(fakes.alipay_app_key)
        ),
        "SZ_ALIPAY_PUBLIC_KEY_FILE": _secret(
            secrets, "alipay-public.pem", public_pem(fakes.alipay.alipay_key)
        ),
    }


# --- The exchange: the one place to fill in once branch x1 is merged ------------------


def exchange_environment(secrets: Path, fakes: ProductionFakes) -> dict[str, str]:
    """The exchange's settings. LEAD, after x1: return the HTTP exchange's, e.g.

    ``{"SZ_EXCHANGE_PROVIDER": "http", "SZ_EXCHANGE_URL": <the session's exchange>,
    "SZ_EXCHANGE_CLIENT_ID": "…", "SZ_EXCHANGE_CLIENT_KEY_FILE": _secret(secrets, …)}``.
    """
    return {}


class PendingExchangeRegister:
    """Stands in for the population register over the HTTP exchange until x1 is merged.

    Test only, and deliberately not ``DevelopmentOnly`` (as ``tests.vendors``): it
    knows the journey's one resident, as the exchange's register would.
    """

    async def lookup(self, id_number: str) -> RegisteredPerson | None:
        """Liu Jianjun, or nobody."""
        if id_number != LIU_JIANJUN.id_number:
            return None
        return RegisteredPerson(
            id_number=LIU_JIANJUN.id_number,
            name=LIU_JIANJUN.name,
            birth_date=LIU_JIANJUN.birth_date,
            gender=Gender(LIU_JIANJUN.gender.value),
        )


def pending_exchange(resources: Resources, provident_fund_url: str) -> dict[str, Any]:
    """The exchange's slots until x1: the registers stand in (above); the provident fund
    is the product's real HTTP section source at its fake department endpoint."""
    entities = EmptyLegalEntityRegister()
    http = httpx.AsyncClient()
    resources.closers.append(http.aclose)
    return {
        "population_register": PendingExchangeRegister(),
        "legal_entity_register": entities,
        "enterprise_register": entities,
        "enterprise_data_sets": EmptyEnterpriseDataSets(),
        "life_record_sources": {
            Section.PROVIDENT_FUND: HttpSectionSource(
                http,
                section=Section.PROVIDENT_FUND,
                department_code=PROVIDENT_FUND_DEPARTMENT,
                freshness=timedelta(hours=1),
                base_url=provident_fund_url,
                path_template=PROVIDENT_FUND_PATH,
                api_key="gjj-production-key",
            )
        },
    }


def production_providers(provident_fund_url: str) -> ProviderWiring:
    """The wiring production runs. LEAD, after x1: ``app.services.wire_providers``."""

    def wire(resources: Resources) -> Providers:
        vendors = configured_vendors(resources)
        carrier_check = configured_carrier_check(resources)
        assert carrier_check is not None, "SZ_CARRIER_CHECK_PROVIDER names no real adapter"
        return Providers(
            sms=vendors.sms,
            liveness=vendors.liveness,
            mini_program=vendors.mini_program,
            carrier_check=carrier_check,
            **pending_exchange(resources, provident_fund_url),
        )

    return wire


@pytest.fixture
async def fakes() -> AsyncIterator[ProductionFakes]:
    """Every vendor's fake, served for the test."""
    async with production_fakes() as served:
        yield served


@pytest.fixture
def environment(
    servers: DevStack, tmp_path: Path, fakes: ProductionFakes, production_like: dict[str, Any]
) -> dict[str, str]:
    """The production environment at the test's fakes, servers and key files."""
    return production_environment(servers, tmp_path, fakes, production_like)


@contextlib.contextmanager
def configured(monkeypatch: pytest.MonkeyPatch, environment: dict[str, str]) -> Iterator[Settings]:
    """Settings read from the process environment, as ``python -m app serve`` reads them."""
    with monkeypatch.context() as patch:
        for name in [name for name in os.environ if name.startswith("SZ_")]:
            patch.delenv(name)
        for name, value in environment.items():
            patch.setenv(name, value)
        yield Settings(_env_file=None)


@contextlib.asynccontextmanager
async def started(settings: Settings, providers: ProviderWiring) -> AsyncIterator[FastAPI]:
    """The app started and, after the block, stopped through its lifespan."""
    app = create_app(settings, providers=providers)
    try:
        async with app.router.lifespan_context(app):
            yield app
    finally:
        await _drop_test_data(settings)
