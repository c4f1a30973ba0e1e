"""The embedded default: local servers, demo data and GraphiQL in one command."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from types import FrameType

from app.resources import StartupError
from app.settings import Environment, Settings


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def run_embedded(host: str, port: int) -> int:
    """Start SecantusDB, SeaweedFS and Redis under the data folder, seed, and serve.

    A URL in ``MONGODB_URL``/``REDIS_URL``/``S3_ENDPOINT_URL`` (or their ``SZ_`` forms)
    replaces the matching embedded server. Ctrl-C stops everything this started; data
    stays under the data folder for the next run.
    """
    from app.cli import _seed, serve
    from devstack.servers import (
        DEV_S3_ACCESS_KEY,
        DEV_S3_BUCKET,
        DEV_S3_SECRET_KEY,
        ServerStartError,
        dev_stack,
    )

    base = Settings()
    if base.environment is not Environment.DEVELOPMENT:
        print("error: the embedded default is for development only", file=sys.stderr)
        return 2

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
            settings = Settings(**overrides)  # type: ignore[arg-type]
            for server in stack.started:
                print(f"  {server.name:<10} {server.url}  (log: {server.log_path})", flush=True)
            counts = asyncio.run(_seed(settings))
            print("demo data: " + ", ".join(f"{k} {v}" for k, v in counts.items()), flush=True)
            log_file = data_dir / "logs" / "api.log"
            print(f"API log: {log_file}", flush=True)
            print(f"GraphiQL: http://{host}:{port}/graphql   (Ctrl-C stops everything)", flush=True)
            return serve(host, port, settings=settings, log_file=log_file)
    except (ServerStartError, StartupError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
