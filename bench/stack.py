"""The servers and settings a benchmark runs against, started once for all of them.

SecantusDB, redis-server and SeaweedFS on free loopback ports under a temporary folder
(the tests' ``devstack.servers.dev_stack``), or the servers ``MONGODB_URL`` /
``REDIS_URL`` / ``S3_ENDPOINT_URL`` name; a database and Redis prefix of the benchmark's
own, named for it and this process.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from app.settings import Settings
from devstack.servers import DEV_S3_ACCESS_KEY, DEV_S3_BUCKET, DEV_S3_SECRET_KEY, dev_stack

GIVEN = ("MONGODB_URL", "REDIS_URL", "S3_ENDPOINT_URL")


def database_label() -> str:
    """What the figures were measured on, for the benchmark's output."""
    if os.environ.get("MONGODB_URL"):
        return "MONGODB_URL"
    return f"SecantusDB {importlib.metadata.version('secantusdb')} (in memory)"


@contextlib.contextmanager
def bench_settings(name: str) -> Iterator[Settings]:
    """Development settings on the benchmark's servers until the block ends."""
    given = {key: os.environ.get(key) for key in GIVEN}
    with (
        tempfile.TemporaryDirectory(prefix=f"sz-bench-{name}-") as folder,
        dev_stack(
            None,
            mongodb_url=given["MONGODB_URL"],
            redis_url=given["REDIS_URL"],
            s3_endpoint_url=given["S3_ENDPOINT_URL"],
        ) as stack,
    ):
        values: dict[str, Any] = {
            "environment": "development",
            "data_dir": Path(folder),
            "mongodb_url": stack.mongodb_url,
            "mongodb_database": f"bench_{name}_{os.getpid()}",
            "redis_url": stack.redis_url,
            "redis_key_prefix": f"bench-{name}-{os.getpid()}:",
            "s3_endpoint_url": stack.s3_endpoint_url,
        }
        if not given["S3_ENDPOINT_URL"]:
            values |= {
                "s3_access_key_id": DEV_S3_ACCESS_KEY,
                "s3_secret_access_key": DEV_S3_SECRET_KEY,
                "s3_bucket": DEV_S3_BUCKET,
            }
        yield Settings(_env_file=None, **values)
