"""Identity's stores, the only identity modules that speak to MongoDB or Redis.

MongoDB: accounts, sessions, enterprises and agent grants, mini-program links, the
identity audit, and identity moves (one transaction over several of these). Redis:
one-time codes, liveness tickets and mini-program link tickets, all short-lived and
holding no personal data in clear.
"""

from __future__ import annotations

from typing import Any, TypeAlias

import redis.asyncio as redis_async
from pymongo.asynchronous.database import AsyncDatabase

Document: TypeAlias = dict[str, Any]
"""A stored MongoDB document."""
Database: TypeAlias = AsyncDatabase[Document]
"""The database the identity collections live in."""
Redis: TypeAlias = redis_async.Redis
"""The Redis client of the short-lived stores."""
