"""``python -m demo seed`` loads the demo data in development and tests only, and says
in one line why it cannot."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from app.resources import Resources
from app.settings import Settings, redact_url
from devstack.servers import DevStack, free_port
from directory.repository import DepartmentRepository
from tests.app.test_startup import ROOT, stack_env

EXCHANGE = [
    "exchange_population",
    "exchange_legal_entities",
    "exchange_household",
    "exchange_enterprise_tax_credit",
]


async def run_demo(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    """``python -m demo`` with only the given settings: (exit status, stdout, stderr)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SZ_")}
    for name in ("MONGODB_URL", "REDIS_URL", "S3_ENDPOINT_URL"):
        clean.pop(name, None)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "demo",
        *args,
        cwd=ROOT,
        env=clean | env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()


def server_env(settings: Settings, environment: str) -> dict[str, str]:
    """The test's own servers and database, in ``environment``."""
    env = {
        "SZ_ENVIRONMENT": environment,
        "SZ_MONGODB_URL": settings.mongodb_url.get_secret_value(),
        "SZ_MONGODB_DATABASE": settings.mongodb_database,
        "SZ_REDIS_URL": settings.redis_url.get_secret_value(),
        "SZ_REDIS_KEY_PREFIX": settings.redis_key_prefix,
        "SZ_S3_ENDPOINT_URL": settings.s3_endpoint_url or "",
    }
    return env | {
        "SZ_S3_ACCESS_KEY_ID": settings.s3_access_key_id,
        "SZ_S3_SECRET_ACCESS_KEY": settings.s3_secret_access_key.get_secret_value(),
        "SZ_S3_BUCKET": settings.s3_bucket,
    }


async def test_seed_loads_the_demo_data_in_a_test_environment(
    settings: Settings, resources: Resources
) -> None:
    # when the demo's seed command runs against the test's servers
    code, stdout, stderr = await run_demo("seed", env=server_env(settings, "test"))
    # then the directory and the demo exchange hold the demo data
    assert code == 0, stderr
    assert stdout.startswith("seeded: departments ")
    assert await DepartmentRepository(resources.database).by_codes(["430200-GA"])
    names = await resources.database.list_collection_names()
    assert set(EXCHANGE) <= set(names)
    # and the wallet holds the departments' licences, loaded through their sources
    assert "wallet_licences " in stdout
    assert await resources.database["licences"].count_documents({}) > 0


@pytest.mark.parametrize("environment", ["staging", "production"])
async def test_seed_refuses_outside_development_and_tests_touching_nothing(
    settings: Settings,
    resources: Resources,
    production_like: dict[str, str],
    tmp_path: Path,
    environment: str,
) -> None:
    # given production-like settings that would otherwise be accepted, on the test's servers
    env = server_env(settings, environment) | {
        "SZ_S3_ACCESS_KEY_ID": "zhuzhou-prodlike",
        "SZ_S3_SECRET_ACCESS_KEY": "prodlike-secret-for-tests-only",
        "SZ_SECRET_KEY": str(production_like["secret_key"]),
        "SZ_JWT_SIGNING_KEY_FILE": str(production_like["jwt_signing_key_file"]),
    }
    # when the demo's seed command runs
    code, stdout, stderr = await run_demo("seed", env=env)
    # then it refuses in one line, and the database holds no demo data
    assert code == 2, stdout + stderr
    lines = stderr.strip().splitlines()
    assert lines == [
        f"error: refusing to seed in {environment}: the demo data is for development and "
        "tests only (SZ_ENVIRONMENT=development)"
    ]
    names = await resources.database.list_collection_names()
    assert not [name for name in names if name == "departments" or name.startswith("exchange_")]


@pytest.mark.parametrize(
    ("part", "variable", "url"),
    [
        (
            "mongodb",
            "SZ_MONGODB_URL",
            "mongodb://admin:hunter2@127.0.0.1:{port}/?directConnection=true",
        ),
        ("redis", "SZ_REDIS_URL", "redis://:hunter2@127.0.0.1:{port}/0"),
        ("s3", "SZ_S3_ENDPOINT_URL", "http://127.0.0.1:{port}"),
    ],
)
async def test_an_unreachable_server_at_start_is_one_line_naming_it_without_credentials(
    servers: DevStack, part: str, variable: str, url: str
) -> None:
    # given a part pointing at a port where nothing listens (``python -m app serve``
    # refuses before any server is contacted: it has no register to wire)
    dead = url.format(port=free_port())
    # when the demo's seed starts the app's clients
    code, _, stderr = await run_demo("seed", env=stack_env(servers) | {variable: dead})
    # then it exits non-zero with one line naming the part and URL, minus the password
    assert code == 2
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith(f"error: cannot reach {part} at {redact_url(dead)}")
    assert "hunter2" not in stderr
