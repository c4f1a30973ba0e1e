"""What the servers hold for a test, read raw, as an operator (or a stolen disk) would."""

from __future__ import annotations

import httpx
from bson import json_util
from fastapi import FastAPI

from app.resources import Resources


async def redis_contents(resources: Resources) -> bytes:
    """Every Redis key of the test and every value under it, as one blob to search."""
    redis = resources.redis
    blob = bytearray()
    async for key in redis.scan_iter(match=f"{resources.settings.redis_key_prefix}*"):
        blob += key + b"\n"
        kind = (await redis.type(key)).decode()
        if kind == "string":
            blob += await redis.get(key) or b""
        elif kind == "hash":
            for field, value in (await redis.hgetall(key)).items():
                blob += field + b"=" + value + b"\n"
        elif kind == "list":
            blob += b"\n".join(await redis.lrange(key, 0, -1))
        elif kind == "set":
            blob += b"\n".join(await redis.smembers(key))
        elif kind == "zset":
            blob += b"\n".join(await redis.zrange(key, 0, -1))
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
