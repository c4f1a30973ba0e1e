"""What the servers hold for a test, read raw, as an operator (or a stolen disk) would."""

from __future__ import annotations

from collections.abc import Iterable

import httpx
from bson import json_util
from fastapi import FastAPI

from app.resources import Resources


def _raw(value: bytes | str) -> bytes:
    return value if isinstance(value, bytes) else value.encode()


def _lines(values: Iterable[bytes | str]) -> bytes:
    return b"\n".join(_raw(value) for value in values)


async def redis_contents(resources: Resources) -> bytes:
    """Every Redis key of the test and every value under it, as one blob to search."""
    redis = resources.redis
    blob = bytearray()
    async for key in redis.scan_iter(match=f"{resources.settings.redis_key_prefix}*"):
        blob += _raw(key) + b"\n"
        kind = _raw(await redis.type(key)).decode()
        if kind == "string":
            blob += _raw(await redis.get(key) or b"")
        elif kind == "hash":
            fields = (await redis.hgetall(key)).items()
            blob += _lines(_raw(field) + b"=" + _raw(value) for field, value in fields)
        elif kind == "list":
            blob += _lines(await redis.lrange(key, 0, -1))
        elif kind == "set":
            blob += _lines(await redis.smembers(key))
        else:
            raise AssertionError(f"no reader for a Redis {kind} yet: extend redis_contents")
        blob += b"\n"
    return bytes(blob)


async def mongo_contents(resources: Resources) -> str:
    """Every document of the service's own collections (not the demo exchange's), as text."""
    names = sorted(await resources.database.list_collection_names())
    parts = []
    for name in names:
        if name.startswith("exchange_"):  # the data exchange: another system's database
            continue
        async for doc in resources.database[name].find():
            parts.append(f"{name}: {json_util.dumps(doc, ensure_ascii=False)}")
    return "\n".join(parts)


def client_from(app: FastAPI, address: str) -> httpx.AsyncClient:
    """An in-process HTTP client whose requests come from ``address``."""
    transport = httpx.ASGITransport(app=app, client=(address, 40123))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")
