"""Staging and production run only real providers, and never create a signing key.

The product's own wiring has no register or department source yet: it refuses to start
in every environment, pointing at the demo (``python -m demo dev``), whose wiring
(``demo.providers``) tests inject.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.main import create_app
from app.resources import StartupError, open_resources
from app.services import SLOT_SETTINGS, Providers, access_tokens, build_services
from app.settings import Environment, Settings
from demo.providers import demo_providers
from devstack.servers import DevStack, free_port
from identity.adapters.sms import DevelopmentSms
from tests.app.test_startup import ROOT, stack_env
from tests.conftest import graphql
from tests.identity.factories import REQUEST_CODE, a_phone, sent_code
from tests.vendors import vendor_stand_ins

VENDOR_STAND_IN_LABELS = [
    "development SMS (codes written to the log, never sent)",
    "development liveness",
    "development mini-program sign-in",
]
EMPTY_SLOT_SETTINGS = [
    "SZ_EXCHANGE_PROVIDER",
    "SZ_CARRIER_CHECK_PROVIDER",
]
"""The settings of the slots production needs (licence sources are optional)."""


async def run_serve(env: dict[str, str]) -> tuple[int, str]:
    """Run ``python -m app serve`` with only the given SZ_ settings; (code, stderr).

    A server that starts instead of refusing is killed and fails the test.
    """
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SZ_")}
    for name in ("MONGODB_URL", "REDIS_URL", "S3_ENDPOINT_URL"):
        clean.pop(name, None)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app",
        "serve",
        "--port",
        str(free_port()),
        cwd=ROOT,
        env=clean | env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        _, stderr = await asyncio.wait_for(process.communicate(), 60)
    except TimeoutError:
        process.kill()
        await process.wait()
        pytest.fail("the service started instead of refusing")
    assert process.returncode is not None
    return process.returncode, stderr.decode()


def prodlike_env(servers: DevStack, environment: str, key_file: Path) -> dict[str, str]:
    return stack_env(servers) | {
        "SZ_ENVIRONMENT": environment,
        "SZ_SECRET_KEY": "staging-secret-key-for-tests-0123456789abcdef",
        "SZ_S3_ACCESS_KEY_ID": "zhuzhou-prodlike",
        "SZ_S3_SECRET_ACCESS_KEY": "prodlike-secret-for-tests-only",
        "SZ_JWT_SIGNING_KEY_FILE": str(key_file),
    }


def staging(settings: Settings, production_like: dict[str, Any], **changes: Any) -> Settings:
    return Settings(_env_file=None, **(settings.model_dump() | production_like | changes))


async def test_serve_without_the_demo_refuses_in_one_line_pointing_at_it(tmp_path: Path) -> None:
    # given development settings and no server at all (the wiring is checked first)
    env = {
        "SZ_ENVIRONMENT": "development",
        "SZ_DATA_DIR": str(tmp_path / "var"),
        "SZ_MONGODB_URL": f"mongodb://127.0.0.1:{free_port()}/",
    }
    # when the product's own command serves
    code, stderr = await run_serve(env)
    # then it exits 2 with one line naming each empty slot and the demo's command
    assert code == 2, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: refusing to start in development: no adapter is ")
    for setting in EMPTY_SLOT_SETTINGS:
        assert setting in lines[0]
    assert "`python -m demo dev` runs the embedded default" in lines[0]
    assert "cannot reach" not in stderr
    assert "Traceback" not in stderr


@pytest.mark.parametrize("environment", ["staging", "production"])
async def test_production_like_start_refuses_every_stand_in_in_one_line(
    servers: DevStack, tmp_path: Path, production_like: dict[str, Any], environment: str
) -> None:
    # given production-like settings, a real key, and the value that used to slip through
    env = prodlike_env(servers, environment, production_like["jwt_signing_key_file"])
    env["SZ_PROVIDERS"] = "city-gateway"
    # when the service starts
    code, stderr = await run_serve(env)
    # then it exits 2 with one line naming every stand-in, every empty slot, and the
    # setting of each
    assert code == 2, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith(f"error: refusing to start in {environment}: ")
    for label in VENDOR_STAND_IN_LABELS:
        assert label in lines[0]
    for setting in set(SLOT_SETTINGS.values()) - {"SZ_LICENCE_SOURCES"}:
        assert setting in lines[0]
    assert "Traceback" not in stderr


@pytest.mark.parametrize(
    "slot", [field.name for field in dataclasses.fields(Providers) if field.name in SLOT_SETTINGS]
)
async def test_a_stand_in_in_any_one_slot_stops_staging_naming_that_slot(
    settings: Settings, production_like: dict[str, Any], slot: str
) -> None:
    # given staging wired with vendors' adapters except one development stand-in
    resources = open_resources(staging(settings, production_like))
    try:
        development = demo_providers(resources)
        providers = dataclasses.replace(
            vendor_stand_ins(resources), **{slot: getattr(development, slot)}
        )
        # when the services are built, then start-up is refused naming that slot only
        with pytest.raises(StartupError) as refused:
            build_services(resources, providers)
        # … while the same wiring without the stand-in is accepted
        build_services(resources, vendor_stand_ins(resources))
    finally:
        await resources.close()
    message = str(refused.value)
    assert message.startswith("refusing to start in staging: development providers are wired")
    others = {setting for name, setting in SLOT_SETTINGS.items() if setting != SLOT_SETTINGS[slot]}
    assert SLOT_SETTINGS[slot] in message
    assert not [setting for setting in others if setting in message]


async def test_a_staging_app_does_not_start_with_the_development_wiring(
    settings: Settings, production_like: dict[str, Any]
) -> None:
    app = create_app(staging(settings, production_like))
    with pytest.raises(StartupError, match="SZ_SMS_PROVIDER"):
        async with app.router.lifespan_context(app):
            pass


@pytest.mark.parametrize("environment", [Environment.STAGING, Environment.PRODUCTION])
async def test_production_like_never_creates_a_signing_key(
    settings: Settings, production_like: dict[str, Any], tmp_path: Path, environment: Environment
) -> None:
    # given a mistyped key path
    missing = tmp_path / "keys" / "jwt-signing.pme"
    configured = staging(
        settings, production_like, environment=environment, jwt_signing_key_file=missing
    )
    resources = open_resources(configured)
    try:
        # when the services are built (with real providers), then start-up is refused
        with pytest.raises(StartupError) as refused:
            build_services(resources, vendor_stand_ins(resources))
    finally:
        await resources.close()
    assert str(refused.value) == (
        f"refusing to start in {environment.value}: SZ_JWT_SIGNING_KEY_FILE {missing} does "
        f"not exist: {environment.value} never creates a signing key"
    )
    # and no key was made
    assert not missing.exists()
    assert not missing.parent.exists()


async def test_a_missing_key_file_stops_production_in_one_line_without_creating_it(
    servers: DevStack, tmp_path: Path
) -> None:
    missing = tmp_path / "jwt-typo.pem"
    code, stderr = await run_serve(prodlike_env(servers, "production", missing))
    assert code == 2, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert f"SZ_JWT_SIGNING_KEY_FILE {missing} does not exist" in lines[0]
    assert not missing.exists()


def test_development_creates_its_signing_key_under_the_data_folder(tmp_path: Path) -> None:
    development = Settings(_env_file=None, environment=Environment.DEVELOPMENT, data_dir=tmp_path)
    first = access_tokens(development)
    key_file = tmp_path / "keys" / "jwt-ed25519.pem"
    assert key_file.is_file()
    assert access_tokens(development).jwks() == first.jwks()


async def test_sign_in_codes_are_not_logged_outside_development(
    app: FastAPI, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    # given a test run (not development)
    caplog.set_level(logging.DEBUG)
    phone = a_phone()
    # when a code is sent
    sent = await graphql(client, REQUEST_CODE, {"phone": phone})
    assert sent["data"]["requestSignInCode"]["__typename"] == "SignInCodeSent", sent
    # then the code is nowhere in the log
    code = sent_code(app, phone)
    assert caplog.records
    assert not [r for r in caplog.records if code in r.getMessage()]


async def test_the_development_sms_logs_codes_only_when_asked(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    await DevelopmentSms(log_codes=True).send_sign_in_code("+8613907330001", "424242")
    await DevelopmentSms(log_codes=False).send_sign_in_code("+8613907330001", "535353")
    messages = [r.getMessage() for r in caplog.records]
    assert any("424242" in m for m in messages)
    assert not any("535353" in m for m in messages)
