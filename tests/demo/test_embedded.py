"""The embedded default (``python -m demo dev``) on a data folder an earlier release left.

Runs the real command in a child process: its servers keep their data under the
folder, which must end up readable by the user only, with no personal data an earlier
release kept in clear.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pymongo
import pytest
import redis
from pymongo.collection import Collection

from devstack.servers import dev_stack, free_port
from tests.identity.factories import REQUEST_CODE, SIGN_IN

REPO = Path(__file__).resolve().parents[2]
UNUSED_S3 = "http://127.0.0.1:9"  # the earlier release's folder is prepared without S3
OLD_ACCOUNT = "acc_earlier_release"
OLD_PHONE = "+8613907339901"
# In the household an earlier release cached in clear (JSON escapes the Chinese).
CLEAR_MARKER = "Room 901, Building 9, earlier-release-marker"


def _leave_an_earlier_release_folder(var: Path) -> None:
    """Data as a release before encryption left it: clear phone, clear cache, 0644 files."""
    with dev_stack(var, s3_endpoint_url=UNUSED_S3) as stack:
        mongo: pymongo.MongoClient[dict[str, Any]]
        with pymongo.MongoClient(stack.mongodb_url) as mongo:
            accounts: Collection[dict[str, Any]] = mongo["smart_zhuzhou"]["accounts"]
            accounts.create_index("phone", unique=True, name="phone_unique")
            accounts.insert_one(
                {"_id": OLD_ACCOUNT, "phone": OLD_PHONE, "created_at": datetime.now(UTC)}
            )
        cache = redis.Redis.from_url(stack.redis_url)
        cached = {"fetched_at": datetime.now(UTC).isoformat(), "payload": {"en": CLEAR_MARKER}}
        cache.set(f"sz:lr:{OLD_ACCOUNT}:household", json.dumps(cached))
        cache.close()
    for path in [var, *var.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)


def _aof_text(var: Path) -> bytes:
    return b"".join(p.read_bytes() for p in (var / "redis" / "appendonlydir").iterdir())


@contextlib.contextmanager
def running_embedded(var: Path, output: Path) -> Iterator[str]:
    """``python -m demo dev`` on ``var`` until the block ends; yields its URL once ready."""
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("SZ_") and key not in {"MONGODB_URL", "REDIS_URL", "S3_ENDPOINT_URL"}
    }
    env |= {"SZ_DATA_DIR": str(var), "PYTHONPATH": str(REPO)}
    with output.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "demo", "dev", "--port", str(port)],
            cwd=output.parent,  # no stray .env of the repository
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            assert process.poll() is None, output.read_text()
            assert time.monotonic() < deadline, output.read_text()
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            time.sleep(0.5)
        yield url
    finally:
        # Ctrl-C's path: uvicorn stops, then the servers it started (Redis flushes).
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(60)


def _graphql(url: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(f"{url}/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _open_to_others(var: Path) -> list[str]:
    return [
        f"{path.lstat().st_mode & 0o777:o} {path.relative_to(var)}"
        for path in [var, *var.rglob("*")]
        if not path.is_symlink() and path.lstat().st_mode & 0o077
    ]


def test_an_earlier_release_folder_is_migrated_and_made_private(tmp_path: Path) -> None:
    # given a data folder an earlier release left
    var = tmp_path / "var"
    _leave_an_earlier_release_folder(var)
    assert CLEAR_MARKER.encode() in _aof_text(var)  # its clear cache value is on disk
    assert _open_to_others(var)
    output = tmp_path / "dev.out"
    # when the embedded default runs on it, and the phone's holder signs in
    with running_embedded(var, output) as url:
        sent = _graphql(url, REQUEST_CODE, {"phone": OLD_PHONE})["data"]["requestSignInCode"]
        assert sent["__typename"] == "SignInCodeSent", sent
        code = re.findall(r"development_code phone=\S+ code=(\d{6})", output.read_text())[-1]
        device = {"name": "Old phone", "platform": "ANDROID"}
        signed_in = _graphql(url, SIGN_IN, {"phone": OLD_PHONE, "code": code, "device": device})
    # then it is the holder's old account, found by the phone's keyed hash
    assert signed_in["data"]["signIn"]["accountId"] == OLD_ACCOUNT, signed_in
    # and the clear cache value has left Redis and its append-only file
    assert "dropped 1 cached sections" in output.read_text()
    assert CLEAR_MARKER.encode() not in _aof_text(var)
    # and nothing under the folder is open to other users: the servers' files, the
    # logs, the development signing key, and what the earlier release left
    assert (var / "keys" / "jwt-ed25519.pem").exists()
    assert {"mongo", "redis", "s3", "logs", "keys"} <= {p.name for p in var.iterdir()}
    assert _open_to_others(var) == []


def test_the_embedded_default_runs_a_notifications_worker_and_stops_it(tmp_path: Path) -> None:
    # given a fresh data folder
    var, output = tmp_path / "var", tmp_path / "dev.log"

    # when the embedded default runs, then is stopped as Ctrl-C stops it
    with running_embedded(var, output):
        worker_log = var / "logs" / "worker.log"
        deadline = time.monotonic() + 60
        while "worker.started" not in (worker_log.read_text() if worker_log.exists() else ""):
            assert time.monotonic() < deadline, worker_log.read_text()
            time.sleep(0.5)
        [pid] = [
            int(line.split("pid ")[1].split()[0])
            for line in output.read_text().splitlines()
            if line.startswith("notifications worker: pid ")
        ]
        os.kill(pid, 0)  # alive beside the API

    # then the worker said it started and stopped, and is gone
    assert "worker.stopped" in worker_log.read_text()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_the_embedded_default_runs_the_exchange_on_its_own_database(tmp_path: Path) -> None:
    # given a fresh data folder
    var, output = tmp_path / "var", tmp_path / "dev.log"
    # when the embedded default runs
    with running_embedded(var, output):
        lines = output.read_text().splitlines()
        [mongodb_url] = [line.split()[1] for line in lines if line.strip().startswith("SecantusDB")]
        [exchange_url] = [line.split()[1] for line in lines if line.strip().startswith("Exchange")]
        mongo: pymongo.MongoClient[dict[str, Any]]
        with pymongo.MongoClient(mongodb_url) as mongo:
            api_collections = mongo["smart_zhuzhou"].list_collection_names()
            exchange_collections = mongo["exchange"].list_collection_names()
        unsigned = httpx.get(f"{exchange_url}/v1/residents/430204198405122130", timeout=5)
    # then the registers are in the exchange's database only, behind signatures
    assert not [name for name in api_collections if name.startswith("exchange")]
    assert "exchange_population" in exchange_collections
    assert unsigned.status_code == 401
    assert (var / "keys" / "exchange-client.key").stat().st_mode & 0o077 == 0
