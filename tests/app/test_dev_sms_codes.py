"""Day one in development: the API log in var/logs/api.log and `dev-sms-codes`."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import signal
import stat
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.cli import main
from app.dev_sms import SMS_LOGGER, CodeRecorder, record_development_codes
from app.resources import Resources
from app.settings import Environment, Settings
from devstack.servers import free_port
from tests.conftest import graphql
from tests.identity.factories import REQUEST_CODE, SIGN_IN

ROOT = Path(__file__).resolve().parents[2]
FIRST, SECOND = "13907330004", "13907330005"


def server_environment(settings: Settings, data_dir: Path) -> dict[str, str]:
    """The environment that points `python -m app` at the test's servers and database."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("SZ_") and key not in {"MONGODB_URL", "REDIS_URL", "S3_ENDPOINT_URL"}
    }
    return env | {
        "SZ_ENVIRONMENT": "development",
        "SZ_DATA_DIR": str(data_dir),
        "MONGODB_URL": settings.mongodb_url.get_secret_value(),
        "SZ_MONGODB_DATABASE": settings.mongodb_database,
        "REDIS_URL": settings.redis_url.get_secret_value(),
        "SZ_REDIS_KEY_PREFIX": settings.redis_key_prefix,
        "S3_ENDPOINT_URL": settings.s3_endpoint_url or "",
        "SZ_S3_ACCESS_KEY_ID": settings.s3_access_key_id,
        "SZ_S3_SECRET_ACCESS_KEY": settings.s3_secret_access_key.get_secret_value(),
        "SZ_S3_BUCKET": settings.s3_bucket,
    }


@pytest.fixture
async def embedded_default(
    settings: Settings, resources: Resources, tmp_path: Path
) -> AsyncIterator[tuple[str, dict[str, str]]]:
    """`python -m demo dev` on the test's servers (given by URL), as scripts/run starts it.

    ``resources`` drops the test's database and keys afterwards.
    """
    env = server_environment(settings, tmp_path / "var")
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "demo",
        "dev",
        "--port",
        str(port),
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=url, timeout=5) as http:
            # Seeding and start-up (servers, the exchange process, the worker): seconds
            # alone, minutes on a loaded 2-core machine; a hung start still fails here.
            deadline = asyncio.get_running_loop().time() + 240
            while True:
                assert process.returncode is None, "python -m demo dev exited"
                assert asyncio.get_running_loop().time() < deadline, "no /healthz in 240 s"
                try:
                    if (await http.get("/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
        yield url, env
    finally:
        process.send_signal(signal.SIGINT)
        try:
            await asyncio.wait_for(process.wait(), 30)
        except TimeoutError:
            process.kill()
            await process.wait()


async def sms_codes(env: dict[str, str]) -> tuple[int, str]:
    """Run `python -m app dev-sms-codes` as a newcomer would: exit status and output."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app",
        "dev-sms-codes",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), 60)
    return await process.wait(), output.decode()


async def test_embedded_default_writes_its_log_and_dev_sms_codes_prints_usable_codes(
    embedded_default: tuple[str, dict[str, str]],
) -> None:
    url, env = embedded_default
    async with httpx.AsyncClient(base_url=url, timeout=10) as http:
        for phone in (FIRST, SECOND):
            sent = await graphql(http, REQUEST_CODE, {"phone": phone})
            assert sent["data"]["requestSignInCode"]["__typename"] == "SignInCodeSent", sent

        status, printed = await sms_codes(env)
        assert status == 0, printed
        rows = re.findall(r"^(\d{3}\*{4}\d{4})\s+(\d{6})\s", printed, re.MULTILINE)
        assert [phone for phone, _ in rows] == ["139****0005", "139****0004"]  # newest first
        assert FIRST not in printed
        assert SECOND not in printed

        # The printed code is the one that signs in.
        signed = await graphql(
            http,
            SIGN_IN,
            {"phone": SECOND, "code": rows[0][1], "device": {"name": "t", "platform": "WEB"}},
        )
        assert signed["data"]["signIn"]["__typename"] == "SignedIn", signed

    data_dir = Path(env["SZ_DATA_DIR"])
    api_log = (data_dir / "logs" / "api.log").read_text(encoding="utf-8")
    assert "identity.sms.development_code phone=139****0005" in api_log  # the app's log
    assert "POST /graphql" in api_log  # uvicorn's access log
    codes_file = data_dir / "dev-sms-codes.jsonl"
    assert stat.S_IMODE(codes_file.stat().st_mode) == 0o600
    assert SECOND not in codes_file.read_text(encoding="utf-8")


def test_dev_sms_codes_is_refused_outside_development(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], production_like: Any
) -> None:
    for name, value in production_like.items():
        monkeypatch.setenv(f"SZ_{name.upper()}", str(value))
    monkeypatch.setenv("SZ_ENVIRONMENT", "staging")
    assert main(["dev-sms-codes"]) == 2
    assert "only in development" in capsys.readouterr().err
    monkeypatch.setenv("SZ_ENVIRONMENT", "test")
    assert main(["dev-sms-codes"]) == 2


@pytest.fixture
def sms_handlers() -> Iterator[logging.Logger]:
    """The SMS logger, with any recorder a test attaches removed afterwards."""
    sms_logger = logging.getLogger(SMS_LOGGER)
    before = list(sms_logger.handlers)
    yield sms_logger
    for handler in sms_logger.handlers:
        if handler not in before:
            sms_logger.removeHandler(handler)


def test_codes_are_recorded_in_development_only(
    sms_handlers: logging.Logger, production_like: dict[str, Any], tmp_path: Path
) -> None:
    for environment in (Environment.TEST, Environment.STAGING):
        changes = production_like if environment is Environment.STAGING else {}
        other = Settings(
            _env_file=None, data_dir=tmp_path, **(changes | {"environment": environment})
        )
        assert record_development_codes(other) is None
    assert not any(isinstance(h, CodeRecorder) for h in sms_handlers.handlers)
    development = Settings(_env_file=None, data_dir=tmp_path, environment=Environment.DEVELOPMENT)
    assert isinstance(record_development_codes(development), CodeRecorder)
    assert list(tmp_path.iterdir()) == []  # nothing written until a code is sent
