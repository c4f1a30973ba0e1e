"""Factories for the MongoDB and Redis clients, configured the same way everywhere."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import redis.asyncio as redis_async
from pymongo import AsyncMongoClient, monitoring


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
    """An async Redis client with a bounded pool and socket timeouts."""
    pool = redis_async.BlockingConnectionPool.from_url(
        url,
        max_connections=max_connections,
        timeout=timeout_seconds,
        socket_timeout=timeout_seconds,
        socket_connect_timeout=timeout_seconds,
        health_check_interval=30,
        decode_responses=False,
    )
    return redis_async.Redis(connection_pool=pool)
