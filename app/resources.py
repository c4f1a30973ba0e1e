"""The clients the service holds open for its lifetime, and how they open and close."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import firebase_admin
import redis.asyncio as redis_async
from firebase_admin import credentials
from pymongo import AsyncMongoClient, monitoring
from pymongo.asynchronous.database import AsyncDatabase

from app.settings import Settings, redact_url
from identity.crypto import DerivedKeys
from infra.clients import mongo_client, redis_client
from infra.objectstore import ObjectStore
from kit.wiring import HasIndexes

logger = logging.getLogger("app.resources")

PING_TIMEOUT_SECONDS = 2.0


class StartupError(RuntimeError):
    """The service must not start: ``str()`` is one line saying why, for operators.

    The commands print it as ``error: …`` and exit with status 2.
    """


class ServerUnreachable(StartupError):
    """A server the service needs could not be reached at start-up.

    ``str()`` is one line naming the part and its URL (credentials removed).
    """

    def __init__(self, part: str, url: str, reason: str) -> None:
        super().__init__(f"cannot reach {part} at {url}: {reason}")
        self.part = part


@dataclass
class Resources:
    """Open clients for MongoDB, Redis, S3 and (when configured) Firebase."""

    settings: Settings
    mongo: AsyncMongoClient[dict[str, Any]]
    database: AsyncDatabase[dict[str, Any]]
    redis: redis_async.Redis
    objects: ObjectStore
    firebase: firebase_admin.App | None = None
    repositories: list[HasIndexes] = field(default_factory=list)
    """The wired domains' repositories (``app.services.build_services`` adds them)."""
    closers: list[Callable[[], Awaitable[object]]] = field(default_factory=list)
    """What else to close with the clients: the exchange's and the vendor adapters' HTTP
    connections (``app.services.build_services`` adds them)."""
    keys: DerivedKeys = field(init=False)

    def __post_init__(self) -> None:
        self.keys = DerivedKeys(self.settings.secret_key.get_secret_value())

    def probes(self, *, starting: bool = False) -> dict[str, Callable[[], Awaitable[Any]]]:
        """One cheap reachability check per server, by part name.

        At start-up the S3 check also creates the bucket when it is missing.
        """
        return {
            "mongodb": lambda: self.mongo.admin.command("ping"),
            "redis": self.redis.ping,
            "s3": self.objects.ensure_bucket if starting else self.objects.ping,
        }

    def urls(self) -> dict[str, str]:
        """Where each part lives, without credentials."""
        return {
            "mongodb": redact_url(self.settings.mongodb_url.get_secret_value()),
            "redis": redact_url(self.settings.redis_url.get_secret_value()),
            "s3": self.settings.s3_endpoint_url or "AWS S3",
        }

    async def check(
        self, wait_seconds: float = PING_TIMEOUT_SECONDS, *, starting: bool = False
    ) -> dict[str, str | None]:
        """Probe every part concurrently: ``None`` when reachable, else a short reason."""

        async def run(probe: Callable[[], Awaitable[Any]]) -> str | None:
            try:
                await asyncio.wait_for(probe(), wait_seconds)
            except TimeoutError:
                return f"no answer within {wait_seconds:g}s"
            except Exception as error:  # any failure means "not reachable"
                code = getattr(error, "response", {}).get("Error", {}).get("Code")
                return f"{type(error).__name__} {code}" if code else type(error).__name__
            return None

        probes = self.probes(starting=starting)
        results = await asyncio.gather(*(run(p) for p in probes.values()))
        return dict(zip(probes, results, strict=True))

    async def ensure_ready(self) -> None:
        """Raise :class:`ServerUnreachable` for the first part that does not answer."""
        urls = self.urls()
        for part, reason in (
            await self.check(self.settings.mongodb_timeout_ms / 1000, starting=True)
        ).items():
            if reason is not None:
                raise ServerUnreachable(part, urls[part], reason)

    async def ensure_indexes(self) -> None:
        """Create every wired repository's indexes (idempotent, safe on every start).

        The domains' wiring modules hand their repositories over when the services are
        built (:func:`app.services.build_services`).
        """
        for repository in self.repositories:
            await repository.ensure_indexes()

    async def close(self) -> None:
        """Close every client, the vendors' first; never raises."""
        for close in self.closers:
            with contextlib.suppress(Exception):
                await close()
        self.closers.clear()
        with contextlib.suppress(Exception):
            await self.mongo.close()
        with contextlib.suppress(Exception):
            await self.redis.aclose()
        with contextlib.suppress(Exception):
            self.objects.close()
        if self.firebase is not None:
            # delete_app closes FCM's async client with asyncio.run: not on this loop.
            with contextlib.suppress(Exception):
                await asyncio.to_thread(firebase_admin.delete_app, self.firebase)


def open_resources(
    settings: Settings, *, mongo_listeners: Sequence[monitoring.CommandListener] = ()
) -> Resources:
    """Build the clients (no I/O yet: they connect lazily).

    ``mongo_listeners`` observe every database command (tests count them).
    """
    mongo = mongo_client(
        settings.mongodb_url.get_secret_value(),
        timeout_ms=settings.mongodb_timeout_ms,
        listeners=mongo_listeners,
    )
    firebase = None
    if settings.firebase_credentials_file is not None:
        firebase = firebase_admin.initialize_app(
            credentials.Certificate(str(settings.firebase_credentials_file)),
            name=f"smart-zhuzhou-{id(settings)}",
        )
    return Resources(
        settings=settings,
        mongo=mongo,
        database=mongo[settings.mongodb_database],
        redis=redis_client(
            settings.redis_url.get_secret_value(),
            max_connections=settings.redis_max_connections,
            timeout_seconds=settings.redis_timeout_seconds,
        ),
        objects=ObjectStore.connect(
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
            access_key_id=settings.s3_access_key_id,
            secret_access_key=settings.s3_secret_access_key.get_secret_value(),
            bucket=settings.s3_bucket,
            timeout_seconds=settings.s3_timeout_seconds,
        ),
        firebase=firebase,
    )


async def start_opened(resources: Resources) -> None:
    """Check every server of opened ``resources`` answers, and create indexes.

    Closes the clients when a server does not answer.
    """
    try:
        await resources.ensure_ready()
        await resources.ensure_indexes()
    except BaseException:
        await resources.close()
        raise
    logger.info("app.resources.ready %s", resources.urls())


async def start_resources(
    settings: Settings, *, mongo_listeners: Sequence[monitoring.CommandListener] = ()
) -> Resources:
    """Open the clients, check every server answers, and create indexes."""
    resources = open_resources(settings, mongo_listeners=mongo_listeners)
    await start_opened(resources)
    return resources
