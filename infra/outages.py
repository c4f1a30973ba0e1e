"""One exception for "a server the operation needs is down, retry shortly".

Redis and MongoDB report a lost connection in their own ways (``redis.ConnectionError``,
``pymongo.errors.ServerSelectionTimeoutError`` …). Stores and services wrap their calls
in :func:`translate_outages`, so everything above them sees a single
:class:`Unavailable` naming the part and a sensible wait, and can answer a typed,
retryable refusal instead of a crash. Errors that are bugs (a wrong command, a failed
script) are not outages and pass through unchanged.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar

from pymongo.errors import ConnectionFailure
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ReadOnlyError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger("infra.outages")

P = ParamSpec("P")
T = TypeVar("T")

REDIS_RETRY_AFTER_SECONDS = 5
"""A Redis restart or failover takes seconds; the client reconnects by itself."""
MONGODB_RETRY_AFTER_SECONDS = 15
"""A replica set elects a new primary within about 12 s."""

# Lost or refused connections, timeouts, a pool with no free connection, a server still
# loading its data, a replica promoted a moment ago: all pass on their own.
_REDIS_OUTAGES = (RedisConnectionError, RedisTimeoutError, ReadOnlyError)
# ServerSelectionTimeoutError, AutoReconnect, NetworkTimeout, NotPrimaryError and
# WaitQueueTimeoutError are all ConnectionFailures.
_MONGODB_OUTAGES = (ConnectionFailure,)


class Unavailable(Exception):
    """A server the operation needs did not answer; nothing was done, retry later.

    ``part`` names it (``redis``, ``mongodb``) for logs and operators; clients are
    told only to retry after ``retry_after`` seconds.
    """

    def __init__(self, part: str, *, retry_after: int) -> None:
        super().__init__(f"{part} is unavailable")
        self.part = part
        self.retry_after = retry_after


@contextmanager
def translate_outages() -> Iterator[None]:
    """Turn a Redis or MongoDB outage raised inside the block into :class:`Unavailable`."""
    try:
        yield
    except _REDIS_OUTAGES as error:
        raise _unavailable("redis", REDIS_RETRY_AFTER_SECONDS, error) from error
    except _MONGODB_OUTAGES as error:
        raise _unavailable("mongodb", MONGODB_RETRY_AFTER_SECONDS, error) from error


def translates_outages(
    call: Callable[P, Coroutine[Any, Any, T]],
) -> Callable[P, Coroutine[Any, Any, T]]:
    """Decorate an async function so an outage inside it raises :class:`Unavailable`."""

    @functools.wraps(call)
    async def guarded(*args: P.args, **kwargs: P.kwargs) -> T:
        with translate_outages():
            return await call(*args, **kwargs)

    return guarded


def _unavailable(part: str, retry_after: int, error: Exception) -> Unavailable:
    # The driver's message can carry host names; its class says enough here.
    logger.warning("infra.unavailable part=%s error=%s", part, type(error).__name__)
    return Unavailable(part, retry_after=retry_after)
