"""Factories for the MongoDB and Redis clients, configured the same way everywhere."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import redis.asyncio as redis_async
from pymongo import AsyncMongoClient, monitoring
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import ConnectionError as RedisConnectionError

REDIS_RETRIES = 3
"""Attempts after the first on a lost connection, with backoff (~0.1 s, 0.2 s, 0.4 s)."""
REDIS_HEALTH_CHECK_SECONDS = 10
"""A connection idle this long is PINGed before use."""


def mongo_client(
    url: str,
    *,
    timeout_ms: int,
    app_name: str = "smart-zhuzhou",
    listeners: Sequence[monitoring.CommandListener] = (),
) -> AsyncMongoClient[dict[str, Any]]:
    """An async MongoDB client with timezone-aware datetimes and bounded waits."""
    return AsyncMongoClient(
        url,
        appname=app_name,
        tz_aware=True,
        serverSelectionTimeoutMS=timeout_ms,
        connectTimeoutMS=timeout_ms,
        retryWrites=True,
        event_listeners=list(listeners),
    )


def redis_client(url: str, *, max_connections: int, timeout_seconds: float) -> redis_async.Redis:
    """An async Redis client with a bounded pool, socket timeouts and reconnection.

    After a Redis restart every pooled connection is dead. A command that finds its
    connection closed reconnects and is sent again, with jittered
    exponential backoff, so a restart costs no failed request; only a Redis that
    stays away past the retries raises. Lua scripts are reloaded by redis-py when the
    restarted server no longer knows them.
    """
    pool = redis_async.BlockingConnectionPool.from_url(
        url,
        max_connections=max_connections,
        timeout=timeout_seconds,
        socket_timeout=timeout_seconds,
        socket_connect_timeout=timeout_seconds,
        health_check_interval=REDIS_HEALTH_CHECK_SECONDS,
        # Only lost connections are retried: a timeout means Redis is slow or cut off,
        # and sending the command again would double the wait for nothing.
        retry=Retry(
            ExponentialWithJitterBackoff(cap=1.0, base=0.1),
            REDIS_RETRIES,
            supported_errors=(RedisConnectionError,),
        ),
        retry_on_error=[RedisConnectionError],
        decode_responses=False,
    )
    return redis_async.Redis(connection_pool=pool)
