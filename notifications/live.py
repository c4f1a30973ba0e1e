"""Live updates: Redis pub/sub between the API instances, fanned out to local subscribers.

The notifications worker publishes; every API instance holding a subscriber for a
channel receives the message and hands it to that instance's GraphQL subscriptions
(``notificationReceived``, ``caseProgress``).

Message contract (the worker publishes this; :class:`RedisLivePublisher` is the
reference implementation, and the worker's ``notifications/adapters/redis_live.py`` with
``services/fanout.py`` publish the same). Each message is one JSON object (UTF-8):

``{redis_key_prefix}live:account:{account_id}``: a notification the account received;
``{redis_key_prefix}live:broadcast``: an announcement to everyone (same shape)::

    {"type": "notification",                       # optional; anything else is dropped
     "id": "ntf_…",                                # the inbox notification's id
     "kind": "applications.case.approved",         # the outbox event kind
     "category": "cases",                          # optional (inbox categories)
     "urgent": false,                              # optional, default false
     "title": {"zh": "…", "en": "…"},              # or one string for both languages
     "body": {"zh": "…", "en": "…"},               # idem
     "deepLink": "smartzhuzhou://cases/case_…",
     "createdAt": "2026-12-02T13:49:04.123456+00:00"}  # ISO 8601 with its offset

``{redis_key_prefix}live:case:{case_id}``: progress of one case, from an
``applications.case.*`` outbox event (its payload: /work/notes/events.md)::

    {"type": "case_progress",                      # optional; anything else is dropped
     "eventId": "evt_…",                           # optional: the outbox event's id
     "kind": "applications.case.approved",
     "caseId": "case_…", "reference": "ZZ20261202-000123", "state": "approved",
     "subCaseId": "sub_…" | null, "department": "…" | null,
     "itemCode": "…" | null, "bundleCode": "…" | null,   # optional
     "occurredAt": "2026-12-02T13:49:04+00:00"}

The event payload's own snake_case keys (``case_id``, ``sub_case_id``, ``item_code``,
``bundle_code``) are read too, so a producer may publish the payload as it is plus
``kind`` and ``occurredAt``. Keys not named here are ignored. A message that does not
fit (or a case message on another case's channel) is logged
(``notifications.live.message_dropped``) and dropped, never delivered. Pub/sub keeps
nothing at rest; delivery is at most once per connected subscriber: a message
published while an instance is cut off from Redis is not replayed (the inbox holds
every notification; clients re-read it when their subscription restarts).

Subscribing side: one Redis pub/sub connection per API instance (:class:`LiveRelay`),
which SUBSCRIBEs to exactly the channels its local subscribers want and fans each
message out to them, so Redis sends an instance each message once, whatever the number
of WebSockets, and never sends it messages nobody there listens to. The connection is
opened on the first local subscriber and closed after the last; when Redis goes away
the relay reconnects with jittered exponential backoff and subscribes again.

:class:`LiveUpdates` is the service the resolvers use: it refuses a case the caller may
not see (:class:`CaseVisibility`), and ends every stream whose session was revoked or
signed out (checked every ``session_check_seconds``, one batched read per instance).

Redis is reached through the small protocols below (the composition root passes its
``redis.asyncio`` client), so this module imports no driver.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, Protocol, TypeVar

from kit.text import Localized
from kit.wiring import Wired

logger = logging.getLogger("notifications.live")

T = TypeVar("T")

CASE_KIND_PREFIX = "applications.case."
SESSION_CHECK_BATCH = 1000
"""Sessions asked about in one read when the open streams' sessions are checked."""


# --- What a subscriber receives ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LiveNotification:
    """A notification the signed-in account just received (the inbox holds it too)."""

    id: str
    kind: str
    title: Localized
    body: Localized
    deep_link: str
    created_at: datetime
    category: str | None = None
    urgent: bool = False


@dataclass(frozen=True, slots=True)
class CaseProgress:
    """One progress event of a case (an ``applications.case.*`` outbox event)."""

    case_id: str
    kind: str
    occurred_at: datetime
    reference: str
    state: str
    sub_case_id: str | None = None
    department: str | None = None
    item_code: str | None = None
    bundle_code: str | None = None
    event_id: str | None = None

    @property
    def change(self) -> str:
        """What happened: the kind's last part (``approved``, ``supplement_requested``…)."""
        return self.kind.removeprefix(CASE_KIND_PREFIX)


class Refusal(StrEnum):
    """Why a live stream was not opened."""

    SESSION_ENDED = "SESSION_ENDED"
    """The caller's session was revoked or signed out after the connection opened."""
    CASE_NOT_FOUND = "CASE_NOT_FOUND"
    """No case the caller may see has this id (whether or not it exists)."""


class EndReason(StrEnum):
    """Why an open live stream ended before its subscriber left."""

    SESSION_ENDED = "SESSION_ENDED"
    """The session was revoked or signed out."""
    TOO_SLOW = "TOO_SLOW"
    """The subscriber fell too far behind; it may subscribe again (and re-read the inbox)."""


class LiveStreamEnded(Exception):
    """Raised by a stream's iterator when the server ended it (not a request failure)."""

    def __init__(self, reason: EndReason) -> None:
        super().__init__(reason.value)
        self.reason = reason


# --- Channels and the message contract ------------------------------------------------


def account_channel(prefix: str, account_id: str) -> str:
    """The channel of an account's notifications."""
    return f"{prefix}live:account:{account_id}"


def case_channel(prefix: str, case_id: str) -> str:
    """The channel of a case's progress events."""
    return f"{prefix}live:case:{case_id}"


def broadcast_channel(prefix: str) -> str:
    """The channel of announcements to everyone."""
    return f"{prefix}live:broadcast"


def encode(message: Mapping[str, Any]) -> bytes:
    """One message as the contract's compact UTF-8 JSON (datetimes as ISO 8601)."""

    def default(value: object) -> str:
        if isinstance(value, datetime):
            if value.tzinfo is None:
                raise ValueError("live messages carry timezone-aware datetimes only")
            return value.isoformat()
        raise TypeError(f"{type(value).__name__} is not JSON")

    return json.dumps(message, separators=(",", ":"), ensure_ascii=False, default=default).encode()


def notification_message(notification: LiveNotification) -> dict[str, Any]:
    """The contract's message for ``notification`` (what the worker publishes)."""
    return {
        "type": "notification",
        "id": notification.id,
        "kind": notification.kind,
        "category": notification.category,
        "urgent": notification.urgent,
        "title": {"zh": notification.title.zh, "en": notification.title.en},
        "body": {"zh": notification.body.zh, "en": notification.body.en},
        "deepLink": notification.deep_link,
        "createdAt": notification.created_at.isoformat(),
    }


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise ValueError(f"{key} must be a non-empty string")
    return value


def _optional_text(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{key} must be a string or null")
    return value


def _moment(data: Mapping[str, Any], key: str) -> datetime:
    moment = datetime.fromisoformat(_text(data, key))
    if moment.tzinfo is None:
        raise ValueError(f"{key} must carry its UTC offset")
    return moment


def _either(data: Mapping[str, Any], key: str, alias: str) -> Any:
    return data[key] if key in data else data.get(alias)


def _localized(data: Mapping[str, Any], key: str) -> Localized:
    value = data.get(key)
    if isinstance(value, str) and value:
        return Localized(value, value)
    if isinstance(value, Mapping):
        return Localized(_text(value, "zh"), _text(value, "en"))
    raise ValueError(f"{key} must be a non-empty string or {{zh, en}}")


def _of_type(data: Mapping[str, Any], expected: str) -> None:
    kind = data.get("type", expected)
    if kind != expected:
        raise ValueError(f"type {kind!r} is not {expected!r}")


def parse_notification(data: Mapping[str, Any]) -> LiveNotification:
    """A notification from its message; ``ValueError`` when it does not fit the contract."""
    _of_type(data, "notification")
    urgent = data.get("urgent", False)
    if not isinstance(urgent, bool):
        raise ValueError("urgent must be true or false")
    return LiveNotification(
        id=_text(data, "id"),
        kind=_text(data, "kind"),
        title=_localized(data, "title"),
        body=_localized(data, "body"),
        deep_link=_text(data, "deepLink"),
        created_at=_moment(data, "createdAt"),
        category=_optional_text(data, "category"),
        urgent=urgent,
    )


def parse_case_progress(data: Mapping[str, Any]) -> CaseProgress:
    """A case's progress event from its message; ``ValueError`` when it does not fit.

    Reads the contract's camelCase keys, or the event payload's snake_case ones.
    """
    _of_type(data, "case_progress")
    kind = _text(data, "kind")
    if not kind.startswith(CASE_KIND_PREFIX):
        raise ValueError(f"kind must start with {CASE_KIND_PREFIX}")
    fields = {
        name: _either(data, camel, snake)
        for name, camel, snake in (
            ("case_id", "caseId", "case_id"),
            ("sub_case_id", "subCaseId", "sub_case_id"),
            ("item_code", "itemCode", "item_code"),
            ("bundle_code", "bundleCode", "bundle_code"),
        )
    }
    return CaseProgress(
        case_id=_text(fields, "case_id"),
        kind=kind,
        occurred_at=_moment(data, "occurredAt"),
        reference=_text(data, "reference"),
        state=_text(data, "state"),
        sub_case_id=_optional_text(fields, "sub_case_id"),
        department=_optional_text(data, "department"),
        item_code=_optional_text(fields, "item_code"),
        bundle_code=_optional_text(fields, "bundle_code"),
        event_id=_optional_text(data, "eventId"),
    )


# --- What this module needs from the world -------------------------------------------


class CaseVisibility(Protocol):
    """Whether an account may see a case (the applications domain answers)."""

    async def may_see(self, account_id: str, case_id: str) -> bool:
        """True when ``account_id`` may follow ``case_id``'s progress."""
        ...


class SessionStatus(Protocol):
    """Which sessions are still signed in (identity answers)."""

    async def active_among(self, session_ids: Collection[str]) -> set[str]:
        """The ids among ``session_ids`` of sessions neither revoked nor signed out."""
        ...


class PubSubConnection(Protocol):
    """The part of a ``redis.asyncio`` PubSub the relay uses."""

    async def subscribe(self, *channels: str) -> Any:
        """SUBSCRIBE (the confirmation arrives as a message)."""
        ...

    def unsubscribe(self, *channels: str) -> Awaitable[Any]:
        """UNSUBSCRIBE."""
        ...

    async def get_message(
        self,
        ignore_subscribe_messages: bool = False,
        timeout: float | None = 0.0,  # noqa: ASYNC109 (redis-py's signature)
    ) -> Any:
        """The next message, or ``None`` after ``timeout`` seconds without one."""
        ...

    async def aclose(self) -> Any:
        """Close the connection."""
        ...


class LiveRedis(Protocol):
    """The part of a ``redis.asyncio.Redis`` client live updates use."""

    def pubsub(self) -> PubSubConnection:
        """A new pub/sub connection (connects on first use)."""
        ...

    def publish(self, channel: str, message: bytes) -> Awaitable[int]:
        """PUBLISH; the number of Redis connections that received the message."""
        ...


# --- Publishing ----------------------------------------------------------------------


class RedisLivePublisher:
    """Publishes live messages to every API instance (reference for the worker)."""

    def __init__(self, redis: LiveRedis, *, prefix: str) -> None:
        self._redis = redis
        self._prefix = prefix

    async def to_account(self, account_id: str, message: Mapping[str, Any]) -> int:
        """Publish a notification message (see the module's contract) to an account.

        Returns how many API instances listened (0 when the account has no live
        subscription anywhere: nothing is lost, the inbox holds the notification).
        """
        return await self._redis.publish(account_channel(self._prefix, account_id), encode(message))

    async def to_case(self, case_id: str, message: Mapping[str, Any]) -> int:
        """Publish a case progress message (see the module's contract) to a case."""
        return await self._redis.publish(case_channel(self._prefix, case_id), encode(message))

    async def to_everyone(self, message: Mapping[str, Any]) -> int:
        """Publish an announcement (a notification message) to every signed-in account."""
        return await self._redis.publish(broadcast_channel(self._prefix), encode(message))


# --- Subscribing: one connection per instance, fanned out ---------------------------


class LiveStream(Generic[T]):
    """One local subscriber's messages from its channels, in order of arrival.

    Iterating waits for the next message; it raises :class:`LiveStreamEnded` when the
    server ends the stream. :meth:`close` (idempotent) unsubscribes.
    """

    def __init__(
        self,
        relay: LiveRelay,
        channels: tuple[str, ...],
        parse: Callable[[Mapping[str, Any]], T],
        *,
        account_id: str,
        session_id: str,
        capacity: int,
        on_close: Callable[[LiveStream[Any]], None] | None = None,
    ) -> None:
        self.channels = channels
        self.account_id = account_id
        self.session_id = session_id
        self._relay = relay
        self._parse = parse
        self._capacity = capacity
        self._pending: deque[T] = deque()
        self._wake = asyncio.Event()
        self._on_close = on_close
        self.ended: EndReason | None = None
        self.closed = False

    def offer(self, channel: str, data: Mapping[str, Any]) -> None:
        """Queue one decoded message of ``channel`` (the relay calls this); drop what
        does not fit."""
        if self.ended is not None or self.closed:
            return
        try:
            item = self._parse(data)
        except (ValueError, TypeError) as error:
            logger.warning(
                "notifications.live.message_dropped channel_kind=%s reason=%s",
                channel.rsplit("live:", 1)[-1].split(":")[0],  # account, case, broadcast
                error,
            )
            return
        if len(self._pending) >= self._capacity:
            self.end(EndReason.TOO_SLOW)
            return
        self._pending.append(item)
        self._wake.set()

    def end(self, reason: EndReason) -> None:
        """End the stream: its iterator raises :class:`LiveStreamEnded` at once."""
        if self.ended is None:
            self.ended = reason
            self._pending.clear()
            self._wake.set()

    def close(self) -> None:
        """Stop listening (idempotent)."""
        if self.closed:
            return
        self.closed = True
        self._relay.leave(self)
        if self._on_close is not None:
            self._on_close(self)

    def __aiter__(self) -> AsyncIterator[T]:
        return self

    async def __anext__(self) -> T:
        while True:
            if self.ended is not None:
                raise LiveStreamEnded(self.ended)
            if self._pending:
                return self._pending.popleft()
            if self.closed:
                raise StopAsyncIteration
            self._wake.clear()
            await self._wake.wait()


@dataclass(frozen=True, slots=True)
class Backoff:
    """Waits between reconnection attempts: exponential, capped, with full jitter."""

    base_seconds: float = 0.1
    cap_seconds: float = 5.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait before attempt ``attempt`` (1 for the first retry)."""
        ceiling = min(self.cap_seconds, self.base_seconds * 2 ** min(attempt - 1, 30))
        return random.uniform(ceiling / 2, ceiling)  # noqa: S311 (jitter, not a secret)


class LiveRelay:
    """This instance's one Redis pub/sub connection, fanned out to its local streams.

    One task owns the connection: it (un)subscribes to match the channels local
    streams want, reads messages, decodes each once and offers it to every stream of
    its channel. It runs while some stream is open, and reconnects after a lost
    connection (Redis restarted, the connection killed) with backoff, subscribing to
    every wanted channel again.
    """

    def __init__(
        self,
        redis: LiveRedis,
        *,
        poll_seconds: float = 0.05,
        backoff: Backoff | None = None,
    ) -> None:
        self._redis = redis
        self._poll = poll_seconds
        self._backoff = backoff or Backoff()
        self._streams: dict[str, set[LiveStream[Any]]] = {}
        self._changed = False
        """Channels were added or dropped since the connection last matched them."""
        self._healthy = False
        """The current connection has read from Redis at least once."""
        self._task: asyncio.Task[None] | None = None
        self.reconnections = 0
        """Connections lost and opened again since this relay was built (for tests)."""

    def join(self, stream: LiveStream[Any]) -> None:
        """Start delivering ``stream``'s channel to it (subscribing within a poll)."""
        for channel in stream.channels:
            listeners = self._streams.setdefault(channel, set())
            self._changed |= not listeners
            listeners.add(stream)
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(
                self._run(), name="notifications.live.relay"
            )

    def leave(self, stream: LiveStream[Any]) -> None:
        """Stop delivering to ``stream`` (unsubscribing from its channel when it was the last)."""
        for channel in stream.channels:
            listeners = self._streams.get(channel)
            if listeners is None:
                continue
            listeners.discard(stream)
            if not listeners:
                del self._streams[channel]
                self._changed = True

    @property
    def channels(self) -> set[str]:
        """The channels some local stream listens to."""
        return set(self._streams)

    async def _run(self) -> None:
        attempt = 0
        try:
            while self._streams:
                pubsub = self._redis.pubsub()
                try:
                    await self._serve(pubsub)
                    attempt = 0
                except Exception as error:  # any failure of the connection: open a new one
                    # A connection that worked for a while starts the backoff afresh.
                    attempt = 1 if self._healthy else attempt + 1
                    self._healthy = False
                    self.reconnections += 1
                    delay = self._backoff.delay(attempt)
                    logger.warning(
                        "notifications.live.redis_lost error=%s attempt=%d retry_in=%.2fs",
                        type(error).__name__,
                        attempt,
                        delay,
                    )
                    await _close_quietly(pubsub)
                    await asyncio.sleep(delay)
                finally:  # also when cancelled (the process stopping)
                    await _close_quietly(pubsub)
        finally:
            # No await between the last look at the streams and this: a stream that
            # joins after it starts a new task.
            self._task = None

    async def _serve(self, pubsub: PubSubConnection) -> None:
        """Serve until no stream is left; raises when the connection fails."""
        subscribed: set[str] = set()
        self._changed = True
        while self._streams:
            if self._changed:  # only then: a set of every channel costs O(channels)
                self._changed = False
                wanted = set(self._streams)
                if joined := wanted - subscribed:
                    await pubsub.subscribe(*sorted(joined))
                    subscribed |= joined
                if left := subscribed - wanted:
                    await pubsub.unsubscribe(*sorted(left))
                    subscribed -= left
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=self._poll)
            self._healthy = True
            if message is not None and message.get("type") == "message":
                self._dispatch(message["channel"], message["data"])

    def _dispatch(self, raw_channel: bytes | str, raw_data: bytes | str) -> None:
        channel = raw_channel.decode() if isinstance(raw_channel, bytes) else raw_channel
        listeners = self._streams.get(channel)
        if not listeners:
            return
        try:
            data = json.loads(raw_data)
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
        except ValueError as error:
            logger.warning("notifications.live.message_dropped reason=%s", error)
            return
        for stream in list(listeners):
            stream.offer(channel, data)


async def _close_quietly(pubsub: PubSubConnection) -> None:
    with contextlib.suppress(Exception):
        await pubsub.aclose()


# --- The service the resolvers use ----------------------------------------------------


class LiveUpdates:
    """Opens live streams for signed-in callers, and ends them when their session ends."""

    def __init__(
        self,
        relay: LiveRelay,
        sessions: SessionStatus,
        visibility: CaseVisibility,
        *,
        prefix: str,
        session_check_seconds: float,
        capacity: int = 256,
    ) -> None:
        self._relay = relay
        self._sessions = sessions
        self._visibility = visibility
        self._prefix = prefix
        self._check_seconds = session_check_seconds
        self._capacity = capacity
        self._streams: set[LiveStream[Any]] = set()
        self._idle = asyncio.Event()
        self._watchdog: asyncio.Task[None] | None = None

    async def open_notifications(
        self, account_id: str, session_id: str
    ) -> LiveStream[LiveNotification] | Refusal:
        """The account's new notifications and the announcements to everyone, from now on."""
        if not await self._session_active(session_id):
            return Refusal.SESSION_ENDED
        channels = (account_channel(self._prefix, account_id), broadcast_channel(self._prefix))
        return self._open(channels, parse_notification, account_id, session_id)

    async def open_case_progress(
        self, account_id: str, session_id: str, case_id: str
    ) -> LiveStream[CaseProgress] | Refusal:
        """A case's progress events from now on, when the account may see the case."""
        if not await self._session_active(session_id):
            return Refusal.SESSION_ENDED
        if not await self._visibility.may_see(account_id, case_id):
            logger.info("notifications.live.case_refused")
            return Refusal.CASE_NOT_FOUND

        def parse(data: Mapping[str, Any]) -> CaseProgress:
            event = parse_case_progress(data)
            if event.case_id != case_id:
                raise ValueError("case_id differs from the channel's")
            return event

        return self._open((case_channel(self._prefix, case_id),), parse, account_id, session_id)

    @property
    def open_streams(self) -> int:
        """How many streams this instance serves."""
        return len(self._streams)

    @property
    def channels(self) -> set[str]:
        """The channels this instance listens to for its streams."""
        return self._relay.channels

    def _open(
        self,
        channels: tuple[str, ...],
        parse: Callable[[Mapping[str, Any]], T],
        account_id: str,
        session_id: str,
    ) -> LiveStream[T]:
        stream = LiveStream(
            self._relay,
            channels,
            parse,
            account_id=account_id,
            session_id=session_id,
            capacity=self._capacity,
            on_close=self._forget,
        )
        self._streams.add(stream)
        self._idle.clear()
        self._relay.join(stream)
        if self._watchdog is None:
            self._watchdog = asyncio.get_running_loop().create_task(
                self._watch_sessions(), name="notifications.live.sessions"
            )
        return stream

    def _forget(self, stream: LiveStream[Any]) -> None:
        self._streams.discard(stream)
        if not self._streams:
            self._idle.set()

    async def _session_active(self, session_id: str) -> bool:
        return session_id in await self._sessions.active_among([session_id])

    async def _watch_sessions(self) -> None:
        """Every ``session_check_seconds``, end the streams of sessions that ended."""
        try:
            while self._streams:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._idle.wait(), self._check_seconds)
                if not self._streams:
                    break
                await self._end_revoked()
        finally:
            self._watchdog = None

    async def _end_revoked(self) -> None:
        streams = list(self._streams)
        ids = sorted({s.session_id for s in streams})
        active: set[str] = set()
        try:
            for start in range(0, len(ids), SESSION_CHECK_BATCH):
                active |= await self._sessions.active_among(
                    ids[start : start + SESSION_CHECK_BATCH]
                )
        except Exception as error:  # an outage ends no stream: check again next time
            logger.warning("notifications.live.session_check_failed error=%s", type(error).__name__)
            return
        ended = [s for s in streams if s.session_id not in active]
        for stream in ended:
            stream.end(EndReason.SESSION_ENDED)
        if ended:
            logger.info("notifications.live.session_ended streams=%d", len(ended))


# --- Wiring --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LiveClients:
    """The open client live updates use."""

    redis: LiveRedis


@dataclass(frozen=True, slots=True)
class LiveConfig:
    """What the deployment decides for live updates."""

    redis_prefix: str
    """Put before every channel name (deployments and tests share servers)."""
    session_check_seconds: float = 30.0
    """How often open streams' sessions are checked (at most 60 s)."""
    backoff: Backoff = Backoff()
    """Waits between reconnections to Redis."""


@dataclass(frozen=True, slots=True)
class LiveProviders:
    """The other domains' answers live updates need."""

    sessions: SessionStatus
    case_visibility: CaseVisibility


def wire_live(clients: LiveClients, config: LiveConfig, providers: LiveProviders) -> Wired:
    """The live-update service (one relay per instance) and the reference publisher."""
    relay = LiveRelay(clients.redis, backoff=config.backoff)
    updates = LiveUpdates(
        relay,
        providers.sessions,
        providers.case_visibility,
        prefix=config.redis_prefix,
        session_check_seconds=config.session_check_seconds,
    )
    publisher = RedisLivePublisher(clients.redis, prefix=config.redis_prefix)
    return Wired(repositories=[], services=[updates, publisher])
