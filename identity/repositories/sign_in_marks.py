"""Marks in Redis that say whether a sign-in remembered in a process is still current.

Checking an access token reads its session and its account (two database round trips,
most of a signed-in request's wait on a small server). An API instance remembers what
it read, in its own memory, for at most :data:`REMEMBERED_FOR`, and trusts it only while
two marks in Redis are still the ones it saw before reading: one for the session, one
for the account. Every write to a session or an account replaces the mark (after the
write), so the next request on every instance reads the database again; revoking a
session, signing out everywhere, a face check, binding or moving an identity take effect
at once, as before.

Why this ordering is safe: a request notes the marks, then reads the database. A write
that lands between the two replaces the mark after it, so what the request remembers
carries a mark that is no longer current and is never used.

Redis holds only the marks: random tokens under keys made of opaque ids, no personal
data. While Redis cannot be reached the marks are unknown and every request reads the
database (one reason an instance stops trusting its memory). When a write cannot replace
its mark, this instance stops trusting its memory for :data:`REMEMBERED_FOR`; another
instance may use what it remembered until then, and only if Redis kept the old mark
through the failure (logged as ``identity.sign_in_marks.replace_failed``).
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from redis.exceptions import RedisError

from identity.models import Account, Session
from identity.repositories import Redis
from kit.lru import BoundedLru

logger = logging.getLogger("identity.sign_in_marks")

REMEMBERED_FOR = 30.0
"""Seconds an instance may use a remembered sign-in whose marks are unchanged."""
_READ_BACKOFF = 1.0
_MARK_TTL_SECONDS = 24 * 3600
# A mark outlives every remembered entry by far; one that expired is made anew (and
# what was remembered under the old one is no longer used).


class SignInMarks:
    """The session and account marks, read together in one round trip."""

    def __init__(
        self,
        redis: Redis,
        *,
        prefix: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._redis = redis
        self._prefix = prefix
        self._clock = clock
        self._distrust_until = 0.0

    def _session_key(self, session_id: str) -> str:
        return f"{self._prefix}sign-in-mark:s:{session_id}"

    def _account_key(self, account_id: str) -> str:
        return f"{self._prefix}sign-in-mark:a:{account_id}"

    @property
    def trusted(self) -> bool:
        """Whether this instance may use what it remembers (no mark failed to change)."""
        return self._clock() >= self._distrust_until

    async def current(self, session_id: str, account_id: str) -> tuple[str, str] | None:
        """The two marks as they are now (made when missing); ``None`` when Redis cannot
        tell, or a recent write could not replace its mark: then nothing is remembered."""
        if not self.trusted:
            return None
        keys = (self._session_key(session_id), self._account_key(account_id))
        try:
            found: list[object] = list(await self._redis.mget(keys))
            if found[0] is None or found[1] is None:
                found = await self._made(keys, found)
        except (RedisError, OSError) as error:
            # Not asked again for a moment: a Redis that hangs costs one timeout a second.
            self._distrust_until = max(self._distrust_until, self._clock() + _READ_BACKOFF)
            logger.info("identity.sign_in_marks.unreadable error=%s", type(error).__name__)
            return None
        if found[0] is None or found[1] is None:
            return None
        return _text(found[0]), _text(found[1])

    async def _made(self, keys: tuple[str, str], found: list[object]) -> list[object]:
        """The missing marks set (``NX``: a mark another request set first is kept)."""
        pipe = self._redis.pipeline(transaction=False)
        for key, value in zip(keys, found, strict=True):
            if value is None:
                pipe.set(key, secrets.token_hex(12), nx=True, ex=_MARK_TTL_SECONDS)
        pipe.mget(keys)
        replies = await pipe.execute()
        made: list[object] = replies[-1]
        return made

    async def session_changed(self, session_id: str) -> None:
        """Replace the session's mark (call after the write)."""
        await self._replace([self._session_key(session_id)])

    async def accounts_changed(self, account_ids: Iterable[str]) -> None:
        """Replace each account's mark, which covers every session of the account (call
        after the write)."""
        await self._replace([self._account_key(account_id) for account_id in account_ids])

    async def _replace(self, keys: list[str]) -> None:
        if not keys:
            return
        try:
            pipe = self._redis.pipeline(transaction=False)
            for key in keys:
                pipe.set(key, secrets.token_hex(12), ex=_MARK_TTL_SECONDS)
            await pipe.execute()
        except (RedisError, OSError) as error:
            # The write itself stands; this instance forgets what it remembers for a while.
            self._distrust_until = self._clock() + REMEMBERED_FOR
            logger.warning("identity.sign_in_marks.replace_failed error=%s", type(error).__name__)


@dataclass(frozen=True, slots=True)
class _Remembered:
    session: Session
    account: Account
    marks: tuple[str, str]
    at: float


class RememberedSignIns:
    """An instance's memory of the sessions and accounts it read to check access tokens,
    used only while their marks (:class:`SignInMarks`) are unchanged.

    Only what was read is remembered, never a verdict: the caller checks revocation,
    the owner and the level against the clock on every request, as without it.
    """

    def __init__(
        self,
        marks: SignInMarks,
        *,
        maxsize: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._marks = marks
        self._kept: BoundedLru[str, _Remembered] = BoundedLru(maxsize)
        self._clock = clock

    async def read(
        self,
        session_id: str,
        account_id: str,
        load: Callable[[], Awaitable[tuple[Session | None, Account | None]]],
    ) -> tuple[Session | None, Account | None]:
        """The session and account, remembered or from ``load`` (the database)."""
        marks = await self._marks.current(session_id, account_id)
        if marks is not None:
            kept = self._kept.get(session_id)
            if (
                kept is not None
                and kept.marks == marks
                and kept.account.id == account_id
                and self._clock() - kept.at < REMEMBERED_FOR
            ):
                return kept.session, kept.account
        # The marks were noted before this read: a write landing meanwhile replaces
        # them, and what is kept here is then never used.
        session, account = await load()
        if marks is None or session is None or account is None:
            self._kept.pop(session_id)
        elif session.active and session.account_id == account.id == account_id:
            self._kept.put(session_id, _Remembered(session, account, marks, self._clock()))
        return session, account


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
