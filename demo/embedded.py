"""The embedded default (``python -m demo dev``): local servers, demo data and GraphiQL."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

import redis.asyncio as redis_async
from redis.exceptions import RedisError

from app.resources import StartupError
from app.settings import Environment, Settings


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def run_embedded(host: str, port: int) -> int:
    """Start SecantusDB, SeaweedFS, Redis and the demo exchange, seed, and serve.

    The demo exchange runs as its own process with its own database (``exchange`` on
    the same SecantusDB), unless ``SZ_EXCHANGE_PROVIDER=embedded`` or ``SZ_EXCHANGE_URL``
    is given.

    A URL in ``MONGODB_URL``/``REDIS_URL``/``S3_ENDPOINT_URL`` (or their ``SZ_`` forms)
    replaces the matching embedded server. Ctrl-C stops everything this started; data
    stays under the data folder for the next run, readable by the user only (folders
    0700, files 0600).
    """
    from app.cli import serve
    from demo.providers import demo_providers
    from demo.seed import seed_settings
    from devstack.servers import (
        DEV_EXCHANGE_CLIENT_ID,
        DEV_S3_ACCESS_KEY,
        DEV_S3_BUCKET,
        DEV_S3_SECRET_KEY,
        PRIVATE_UMASK,
        ServerStartError,
        dev_stack,
        exchange_client_key,
        start_exchange,
    )

    base = Settings()
    if base.environment is not Environment.DEVELOPMENT:
        print("error: the embedded default is for development only", file=sys.stderr)
        return 2
    # What this process writes under the data folder (the development signing key,
    # anything else) is as private as the servers' files.
    os.umask(PRIVATE_UMASK)

    def given(name: str) -> str | None:
        return os.environ.get(f"SZ_{name}") or os.environ.get(name)

    # uvicorn re-raises SIGTERM after its graceful shutdown; as KeyboardInterrupt it
    # unwinds through dev_stack, which stops the servers (the default would just die).
    signal.signal(signal.SIGTERM, _interrupt)
    data_dir = base.data_dir.resolve()
    print(f"starting embedded servers under {data_dir} …", flush=True)
    try:
        with dev_stack(
            data_dir,
            mongodb_url=given("MONGODB_URL"),
            redis_url=given("REDIS_URL"),
            s3_endpoint_url=given("S3_ENDPOINT_URL"),
        ) as stack:
            overrides: dict[str, object] = {
                "mongodb_url": stack.mongodb_url,
                "redis_url": stack.redis_url,
                "s3_endpoint_url": stack.s3_endpoint_url,
            }
            if given("S3_ENDPOINT_URL") is None:
                overrides |= {
                    "s3_access_key_id": DEV_S3_ACCESS_KEY,
                    "s3_secret_access_key": DEV_S3_SECRET_KEY,
                    "s3_bucket": DEV_S3_BUCKET,
                }
            if given("EXCHANGE_PROVIDER") != "embedded" and given("EXCHANGE_URL") is None:
                # The demo exchange as its own process, on its own database, seeded
                # there; the API reaches it only over signed HTTP.
                key_file = exchange_client_key(data_dir / "keys")
                exchange = start_exchange(
                    stack.mongodb_url,
                    data_dir / "logs",
                    clients={DEV_EXCHANGE_CLIENT_ID: key_file},
                )
                stack.started.append(exchange)
                overrides |= {
                    "exchange_provider": "http",
                    "exchange_url": exchange.url,
                    "exchange_client_id": DEV_EXCHANGE_CLIENT_ID,
                    "exchange_client_key_file": key_file,
                }
            settings = Settings(**overrides)  # type: ignore[arg-type]
            for server in stack.started:
                print(f"  {server.name:<10} {server.url}  (log: {server.log_path})", flush=True)
            counts = asyncio.run(seed_settings(settings))
            print("demo data: " + ", ".join(f"{k} {v}" for k, v in counts.items()), flush=True)
            dropped = asyncio.run(
                _drop_clear_cache(settings, rewrite_aof=given("REDIS_URL") is None)
            )
            if dropped:
                print(f"dropped {dropped} cached sections an earlier release kept in clear")
            log_file = data_dir / "logs" / "api.log"
            print(f"API log: {log_file}", flush=True)
            worker_log = data_dir / "logs" / "worker.log"
            worker = _start_worker(overrides, worker_log)
            print(f"notifications worker: pid {worker.pid}  (log: {worker_log})", flush=True)
            print(f"GraphiQL: http://{host}:{port}/graphql   (Ctrl-C stops everything)", flush=True)
            try:
                return serve(
                    host, port, settings=settings, log_file=log_file, providers=demo_providers
                )
            finally:
                _stop_worker(worker)
    except (ServerStartError, StartupError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _start_worker(overrides: dict[str, object], log_path: Path) -> subprocess.Popen[bytes]:
    """``python -m demo worker`` on the same servers, so notifications flow in the demo."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ) | {f"SZ_{key.upper()}": str(value) for key, value in overrides.items()}
    with log_path.open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "demo", "worker"], env=env, stdout=log, stderr=subprocess.STDOUT
        )


def _stop_worker(worker: subprocess.Popen[bytes]) -> None:
    """Ask the worker to finish its current item, then wait for it (kill after 15 s)."""
    if worker.poll() is None:
        worker.terminate()
        try:
            worker.wait(15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(5)


async def _drop_clear_cache(settings: Settings, *, rewrite_aof: bool) -> int:
    """Delete life-record sections an earlier release cached in clear; returns how many.

    With ``rewrite_aof`` (the Redis is ours), Redis then rewrites its append-only file,
    so the clear values also leave the disk instead of waiting for its own next rewrite.
    """
    from identity.crypto import DerivedKeys
    from infra.clients import redis_client
    from liferecord.repositories.cache import SectionCache

    redis = redis_client(
        settings.redis_url.get_secret_value(),
        max_connections=2,
        timeout_seconds=settings.redis_timeout_seconds,
    )
    try:
        keys = DerivedKeys(settings.secret_key.get_secret_value())
        cache = SectionCache(redis, keys.record_cache, prefix=settings.redis_key_prefix)
        dropped = await cache.drop_unsealed()
        if dropped and rewrite_aof:
            with contextlib.suppress(RedisError):  # one already running: the next will do
                await redis.bgrewriteaof()
            await _rewritten(redis)
        return dropped
    finally:
        await redis.aclose()


async def _rewritten(redis: redis_async.Redis, *, wait_seconds: float = 30.0) -> None:
    """Wait (bounded) until Redis has no append-only file rewrite running or scheduled."""
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        info = await redis.info("persistence")
        if not info.get("aof_rewrite_in_progress") and not info.get("aof_rewrite_scheduled"):
            return
        await asyncio.sleep(0.1)
