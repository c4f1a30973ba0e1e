"""Production as an operator configures it, with every real adapter pointed at a local fake.

``production_environment`` is the ``SZ_*`` environment of a production instance: real
vendors chosen by their settings, credentials in secret files, endpoints at the fakes
that :func:`production_fakes` serves (no vendor is reachable from tests). The app is
then built from that environment as ``python -m app serve`` builds it
(``Settings()``, ``create_app``) and started through its lifespan.

The registers and the departments' data come from the demo exchange the test session
runs as its own process (``exchange_process``), over signed HTTP, as production reads
the province's exchange; the app is wired by the product's own
``app.services.wire_providers``.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI

from app.main import create_app
from app.services import ProviderWiring
from app.settings import Settings
from devstack.servers import PRODLIKE_S3_ACCESS_KEY, PRODLIKE_S3_SECRET_KEY, DevStack
from tests.conftest import ExchangeProcess, _drop_test_data
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

TENCENT_SMS_ID, TENCENT_SMS_KEY = "AKIDprod0123456789", "tencent-sms-production-key"
ALIYUN_ID, ALIYUN_SECRET = "LTAIprod0123456789", "aliyun-sms-production-secret"
FACEID_ID, FACEID_KEY = "AKIDfaceprod000000000000000000000", "faceid-production-key"
WECHAT_APP_ID, WECHAT_SECRET = "wxprod0123456789", "wechat-production-app-secret"
ALIPAY_APP_ID = "2021000000000777"
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

    def sms_codes(self, phone: str) -> list[str]:
        """Every code Tencent SMS accepted for ``phone``, oldest first."""
        return [
            request["TemplateParamSet"][0]
            for request in self.tencent_sms.accepted
            if request["PhoneNumberSet"] == [phone] and request["TemplateParamSet"]
        ]


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
    ):
        faceid.url, wechat.url, alipay.url = faceid_url, wechat_url, alipay_url
        yield ProductionFakes(
            tencent, tencent_url, aliyun, aliyun_url, faceid, wechat, alipay, app_key
        )


def _secret(folder: Path, name: str, content: str | bytes) -> str:
    path = folder / name
    if isinstance(content, str):
        path.write_text(content + "\n")
    else:
        path.write_bytes(content)
    path.chmod(0o600)
    return str(path)


def production_environment(
    servers: DevStack,
    folder: Path,
    fakes: ProductionFakes,
    production_like: dict[str, Any],
    exchange: ExchangeProcess,
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
        | exchange_environment(exchange)
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


def exchange_environment(exchange: ExchangeProcess) -> dict[str, str]:
    """The exchange's settings: the session's exchange process, our client key in a file."""
    return {
        "SZ_EXCHANGE_PROVIDER": "http",
        "SZ_EXCHANGE_URL": exchange.url,
        "SZ_EXCHANGE_CLIENT_ID": exchange.client_id,
        "SZ_EXCHANGE_CLIENT_KEY_FILE": str(exchange.key_file),
    }


@pytest.fixture
async def fakes() -> AsyncIterator[ProductionFakes]:
    """Every vendor's fake, served for the test."""
    async with production_fakes() as served:
        yield served


@pytest.fixture
def environment(
    servers: DevStack,
    tmp_path: Path,
    fakes: ProductionFakes,
    production_like: dict[str, Any],
    exchange_process: ExchangeProcess,
) -> dict[str, str]:
    """The production environment at the test's fakes, servers, exchange and key files."""
    return production_environment(servers, tmp_path, fakes, production_like, exchange_process)


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
