"""The life record's stores: the access log and disputes (MongoDB), the section cache (Redis)."""

from __future__ import annotations

from typing import Any

import redis.asyncio as redis_async
from pymongo.asynchronous.database import AsyncDatabase

Database = AsyncDatabase[dict[str, Any]]
"""The open database the life record's collections live in."""
Redis = redis_async.Redis
"""The Redis client the section cache uses."""
