"""Start-up refuses bad configuration with one clear line.

Unreachable servers are refused the same way (``tests/demo/test_cli.py``, through the
demo's seed: the product's own ``serve`` refuses earlier, having no register to wire).
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from app.settings import Environment, Settings, redact_url
from devstack.servers import DevStack

ROOT = Path(__file__).resolve().parents[2]


async def run_app(*args: str, env: dict[str, str]) -> tuple[int, str]:
    """Run ``python -m app`` with only the given SZ_ settings; return (code, stderr)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SZ_")}
    clean.pop("MONGODB_URL", None)
    clean.pop("REDIS_URL", None)
    clean.pop("S3_ENDPOINT_URL", None)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app",
        *args,
        cwd=ROOT,
        env=clean | env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, stderr.decode()


def stack_env(servers: DevStack) -> dict[str, str]:
    return {
        "SZ_ENVIRONMENT": "test",
        "SZ_MONGODB_URL": servers.mongodb_url,
        "SZ_REDIS_URL": servers.redis_url,
        "SZ_S3_ENDPOINT_URL": servers.s3_endpoint_url,
        "SZ_MONGODB_TIMEOUT_MS": "800",
        "SZ_REDIS_TIMEOUT_SECONDS": "0.8",
        "SZ_S3_TIMEOUT_SECONDS": "0.8",
        "SZ_MONGODB_DATABASE": "startup_probe",
    }


async def test_production_with_placeholder_secrets_refuses_to_start(servers: DevStack) -> None:
    code, stderr = await run_app(
        "serve",
        env=stack_env(servers)
        | {
            "SZ_ENVIRONMENT": "production",
            "SZ_S3_ACCESS_KEY_ID": "zhuzhou-dev",
            "SZ_S3_SECRET_ACCESS_KEY": "zhuzhou-dev-secret",
        },
    )
    assert code != 0
    assert "refusing to start in production" in stderr
    assert "SZ_S3_SECRET_ACCESS_KEY" in stderr
    assert "Traceback" not in stderr


def test_production_settings_reject_each_placeholder(production_like: dict[str, Any]) -> None:
    production = production_like | {"environment": Environment.PRODUCTION}
    assert Settings(_env_file=None, **production).is_production_like
    for field, value, named in [
        ("s3_secret_access_key", "zhuzhou-dev-secret", "SZ_S3_SECRET_ACCESS_KEY"),
        ("s3_access_key_id", "zhuzhou-dev", "SZ_S3_ACCESS_KEY_ID"),
        ("secret_key", "zhuzhou-dev-secret-key-not-for-production", "SZ_SECRET_KEY"),
        ("secret_key", "too-short", "SZ_SECRET_KEY"),
        ("jwt_signing_key_file", None, "SZ_JWT_SIGNING_KEY_FILE"),
    ]:
        with pytest.raises(ValidationError, match=named):
            Settings(_env_file=None, **(production | {field: value}))


def test_staging_hides_graphiql_and_development_accepts_placeholders(
    production_like: dict[str, Any],
) -> None:
    staging = Settings(_env_file=None, **production_like)
    assert staging.graphiql_enabled is False
    development = Settings(_env_file=None, environment=Environment.DEVELOPMENT)
    assert development.graphiql_enabled is True


def test_settings_read_the_unprefixed_server_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONGODB_URL", "mongodb://db.example:27017/")
    monkeypatch.setenv("REDIS_URL", "redis://cache.example:6379/1")
    monkeypatch.setenv("S3_ENDPOINT_URL", "http://s3.example:8333")
    settings = Settings(_env_file=None)
    assert settings.mongodb_url.get_secret_value() == "mongodb://db.example:27017/"
    assert settings.redis_url.get_secret_value() == "redis://cache.example:6379/1"
    assert settings.s3_endpoint_url == "http://s3.example:8333"


def test_redact_url_removes_user_and_password_only() -> None:
    assert (
        redact_url("mongodb://u:p@a:1,b:2/db?replicaSet=rs0")
        == "mongodb://***@a:1,b:2/db?replicaSet=rs0"
    )
    assert redact_url("redis://:secret@h:6379/0") == "redis://***@h:6379/0"
    assert redact_url("http://h:8333") == "http://h:8333"


async def test_development_liveness_results_are_signed_only_in_development(
    servers: DevStack,
) -> None:
    refused, stderr = await run_app("dev-liveness-result", "ticket-1", env=stack_env(servers))
    assert refused == 2
    assert "only in development" in stderr
    allowed, _ = await run_app(
        "dev-liveness-result",
        "ticket-1",
        env=stack_env(servers) | {"SZ_ENVIRONMENT": "development"},
    )
    assert allowed == 0
