"""Push throughput: one announcement to 10,000 devices through firebase-admin's real
messaging code against a local fake of Google's OAuth and FCM endpoints.

    .venv/bin/python -m bench.notifications_fanout                # 10,000 devices, 1 and 2 workers
    .venv/bin/python -m bench.notifications_fanout --devices 2000 --workers 1

For each worker count: a fresh database and Redis prefix, the devices inserted (tokens
encrypted as the product stores them), N worker processes (``bench.notifications_worker``),
then one announcement; the clock runs from the announcement's outbox event to the last
delivery recorded ``accepted``. The fake (its own process, uvicorn) answers every send
with a message name and counts them. Servers as the tests start them (SecantusDB in
memory, redis-server), or ``MONGODB_URL`` / ``REDIS_URL``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

from app.resources import open_resources, start_opened
from app.services import wire_notifications
from app.settings import Environment, Settings
from bench.notifications_fake import PROJECT, wait_until_listening
from devstack.servers import dev_stack, free_port
from infra.crypto import FieldCipher, KeyedHash, derive_key
from kit.text import Localized
from notifications.services.operations import OperationsService

ROOT = Path(__file__).resolve().parents[1]


def write_service_account(folder: Path, token_uri: str) -> Path:
    """A service-account JSON with a fresh key and the fake's token endpoint."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    path = folder / "service-account.json"
    path.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": PROJECT,
                "private_key_id": "bench",
                "private_key": pem,
                "client_email": f"push@{PROJECT}.iam.gserviceaccount.com",
                "client_id": "1",
                "token_uri": token_uri,
            }
        )
    )
    return path


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux ``/proc``; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def spawn(module: list[str], env: dict[str, str], log: Path | None) -> subprocess.Popen[bytes]:
    """``python -m <module…>`` from the project's folder, its output to ``log``."""
    return subprocess.Popen(
        [sys.executable, "-m", *module],
        cwd=ROOT,
        env=env,
        stdout=None if log is None else log.open("wb"),
        stderr=subprocess.STDOUT,
    )


def fake_sent(endpoint: str) -> int:
    """Messages the fake FCM has answered so far."""
    return int(httpx.get(f"{endpoint}/stats", timeout=10).json()["sent"])


def wait_for_line(log: Path, needle: str, seconds: float = 60) -> None:
    """Block until ``log`` holds ``needle``."""
    deadline = time.monotonic() + seconds
    while needle not in log.read_text(errors="replace"):
        if time.monotonic() > deadline:
            raise RuntimeError(f"no {needle!r} in {log}")
        time.sleep(0.1)


def environment_of(settings: Settings) -> dict[str, str]:
    """``SZ_…`` variables that give a process the same settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SZ_")}
    for name, value in settings.model_dump().items():
        if value is None:
            continue
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if isinstance(value, dict | list):
            value = json.dumps(value, default=str)
        env[f"SZ_{name.upper()}"] = str(getattr(value, "value", value))
    env.pop("MONGODB_URL", None)
    env.pop("REDIS_URL", None)
    return env


async def seed_devices(settings: Settings, count: int) -> None:
    """``count`` Android devices of ``count`` accounts, stored as the product stores them."""
    resources = open_resources(settings)
    await start_opened(resources)
    master = settings.secret_key.get_secret_value().encode()
    cipher = FieldCipher(derive_key(master, "notifications-content/v1"))
    lookup = KeyedHash(derive_key(master, "notifications-token/v1"))
    wired = wire_notifications(resources)
    for repository in wired.repositories:
        await repository.ensure_indexes()
    now = datetime.now(UTC)
    docs = []
    for n in range(count):
        device_id, token = f"dev_{n:08d}", f"bench-token-{n:08d}"
        docs.append(
            {
                "_id": device_id,
                "account_id": f"acc_{n:08d}",
                "platform": "android",
                "app_version": "1.0",
                "locale": "zh-CN",
                "token": cipher.encrypt(token, context=device_id),
                "token_hash": lookup.digest(token),
                "created_at": now,
                "last_seen_at": now,
            }
        )
    devices = resources.database["notification_devices"]
    for start in range(0, count, 1000):
        await devices.insert_many(docs[start : start + 1000])
    await resources.close()


async def run_once(base: Settings, workers: int, devices: int, folder: Path) -> dict[str, Any]:
    """One measurement with ``workers`` worker processes."""
    suffix = uuid.uuid4().hex[:8]
    settings = Settings(
        _env_file=None,
        **base.model_dump()
        | {"mongodb_database": f"bench_{suffix}", "redis_key_prefix": f"bench:{suffix}:"},
    )
    await seed_devices(settings, devices)
    logs = [folder / f"worker-{suffix}-{n}.log" for n in range(workers)]
    processes = [
        spawn(
            [os.environ.get("BENCH_WORKER_MODULE", "bench.notifications_worker")],
            environment_of(settings),
            log,
        )
        for log in logs
    ]
    resources = open_resources(settings)
    try:
        for log in logs:
            await asyncio.to_thread(wait_for_line, log, "notifications.worker.started")
        wired = wire_notifications(resources)
        [operations] = [s for s in wired.services if isinstance(s, OperationsService)]
        deliveries = resources.database["notification_deliveries"]
        endpoint = str(settings.fcm_endpoint_url)
        sent_before, first_at = await asyncio.to_thread(fake_sent, endpoint), None
        cpu_before = sum(cpu_seconds(p.pid) for p in processes)
        started = time.perf_counter()
        await operations.announce(
            Localized("停水通知", "Water outage"), Localized("明日停水", "No water tomorrow")
        )
        # The fake's count first (cheap), the database's only once all are sent: a
        # count every 250 ms over a growing collection cost SecantusDB, which serialises
        # commands, time the workers' writes then waited for.
        while (sent := await asyncio.to_thread(fake_sent, endpoint) - sent_before) < devices:
            if sent and first_at is None:
                first_at = time.perf_counter() - started
            await asyncio.sleep(0.1)
        while True:
            if await deliveries.count_documents({"status": "accepted"}) >= devices:
                break
            await asyncio.sleep(0.1)
        elapsed = time.perf_counter() - started
        cpu = sum(cpu_seconds(p.pid) for p in processes) - cpu_before
        load = os.getloadavg()[0]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(30)
        # SecantusDB can be slow to drop a large database: the figures are already in.
        with contextlib.suppress(Exception):
            await resources.mongo.drop_database(settings.mongodb_database)
        await resources.close()
    return {
        "workers": workers,
        "devices": devices,
        "seconds": round(elapsed, 2),
        "messages_per_second": round(devices / elapsed),
        "per_worker": round(devices / elapsed / workers),
        "first_sent_after_s": round(first_at or 0, 2),
        "worker_cpu_ms_per_message": round(cpu * 1000 / devices, 3),
        "messages_per_worker_cpu_second": round(devices / cpu) if cpu else None,
        "load_average": round(load, 1),
    }


async def main_async(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Start the servers and the fake, then measure each worker count."""
    with tempfile.TemporaryDirectory(prefix="sz-bench-push-") as folder_name:
        folder = Path(folder_name)
        port = free_port()
        fake = spawn(["bench.notifications_fake", str(port)], dict(os.environ), None)
        try:
            await asyncio.to_thread(wait_until_listening, port)
            credentials = write_service_account(folder, f"http://127.0.0.1:{port}/token")
            with dev_stack(
                None,
                mongodb_url=os.environ.get("MONGODB_URL"),
                redis_url=os.environ.get("REDIS_URL"),
                s3_endpoint_url=os.environ.get("S3_ENDPOINT_URL"),
            ) as stack:
                base = Settings(
                    _env_file=None,
                    environment=Environment.TEST,
                    mongodb_url=stack.mongodb_url,
                    redis_url=stack.redis_url,
                    s3_endpoint_url=stack.s3_endpoint_url,
                    s3_access_key_id="zhuzhou-dev",
                    firebase_credentials_file=credentials,
                    fcm_endpoint_url=f"http://127.0.0.1:{port}",
                    data_dir=folder,
                )
                from devstack.servers import DEV_S3_ACCESS_KEY, DEV_S3_BUCKET, DEV_S3_SECRET_KEY

                base = Settings(
                    _env_file=None,
                    **base.model_dump()
                    | {
                        "s3_access_key_id": DEV_S3_ACCESS_KEY,
                        "s3_secret_access_key": DEV_S3_SECRET_KEY,
                        "s3_bucket": DEV_S3_BUCKET,
                    },
                )
                results = []
                for workers in args.workers:
                    results.append(await run_once(base, workers, args.devices, folder))
                    print_line(results[-1])  # at once: a later, longer run may be cut short
                return results
        finally:
            fake.terminate()
            fake.wait(10)


def print_line(result: dict[str, Any]) -> None:
    """One line of figures for one worker count."""
    print(
        f"{result['workers']} worker(s): {result['devices']} devices in "
        f"{result['seconds']} s = {result['messages_per_second']} messages/s "
        f"({result['per_worker']}/s per worker; first sent after "
        f"{result['first_sent_after_s']} s); worker CPU "
        f"{result['worker_cpu_ms_per_message']} ms/message = "
        f"{result['messages_per_worker_cpu_second']} messages per CPU-second; "
        f"load average {result['load_average']} on {os.cpu_count()} CPUs",
        flush=True,
    )


def main() -> int:
    """Parse arguments and print one line per worker count, then JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=10_000)
    parser.add_argument("--workers", type=int, nargs="*", default=[1, 2])
    args = parser.parse_args()
    results = asyncio.run(main_async(args))
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
