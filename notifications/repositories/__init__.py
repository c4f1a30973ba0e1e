"""The notifications domain's collections (the only modules here, with adapters, that
import the drivers)."""

from __future__ import annotations

from typing import Any

import redis.asyncio as redis_async
from pymongo.asynchronous.database import AsyncDatabase

Document = dict[str, Any]
Database = AsyncDatabase[Document]
"""The open database the domain's collections live in."""
Redis = redis_async.Redis
"""The Redis client (live publishing, the push queue)."""
