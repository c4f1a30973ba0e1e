"""Operations about the API itself."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

import strawberry

from resolvers.context import Info
from resolvers.errors import authentication_required
from schema.errors import PublicError

MAX_HEARTBEATS = 1000
MIN_INTERVAL_SECONDS = 1.0
MAX_INTERVAL_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class LivePolicy:
    """What the live channel allows in this deployment (set by the composition root).

    Anonymous heartbeats help developers try a WebSocket in GraphiQL; anywhere else an
    anonymous caller could hold server timers open for free, so they need a sign-in.
    """

    anonymous_heartbeat: bool = False


def live_policy(info: Info) -> LivePolicy:
    """The policy of the schema running this operation (strict when it names none)."""
    policy = getattr(info.schema, "live_policy", None)
    return policy if isinstance(policy, LivePolicy) else LivePolicy()


@strawberry.type(description="A sign of life on a live subscription.")
class Heartbeat:
    """One tick of the heartbeat subscription."""

    sequence: int = strawberry.field(description="1 for the first tick, then counting up.")
    at: datetime = strawberry.field(description="Server time (UTC) of this tick.")


@strawberry.type
class SystemSubscription:
    """Live subscriptions about the connection itself."""

    @strawberry.subscription(
        description="Ticks every `intervalSeconds` so clients can check their live channel. "
        "Needs a signed-in caller (outside development): without one, an error with "
        "`extensions.code` AUTHENTICATION_REQUIRED. Case-progress subscriptions arrive with "
        "the notifications issue."
    )
    async def heartbeat(
        self,
        info: Info,
        interval_seconds: Annotated[
            float,
            strawberry.argument(
                description=f"Seconds between ticks, {MIN_INTERVAL_SECONDS:g} to "
                f"{MAX_INTERVAL_SECONDS:g}."
            ),
        ] = 15.0,
        count: Annotated[
            int,
            strawberry.argument(
                description=f"Ticks before the stream ends, 1 to {MAX_HEARTBEATS}."
            ),
        ] = MAX_HEARTBEATS,
    ) -> AsyncGenerator[Heartbeat, None]:
        """Yield ``count`` heartbeats, ``interval_seconds`` apart (the first at once)."""
        if info.context.principal is None and not live_policy(info).anonymous_heartbeat:
            refusal = authentication_required(info.context)
            raise PublicError(
                refusal.message_en,
                code="AUTHENTICATION_REQUIRED",
                extra={"reason": refusal.reason.value},
            )
        if not MIN_INTERVAL_SECONDS <= interval_seconds <= MAX_INTERVAL_SECONDS:
            raise PublicError(
                f"intervalSeconds must be between {MIN_INTERVAL_SECONDS:g} and "
                f"{MAX_INTERVAL_SECONDS:g}.",
                code="INVALID_INTERVAL",
                field="intervalSeconds",
            )
        if not 1 <= count <= MAX_HEARTBEATS:
            raise PublicError(
                f"count must be between 1 and {MAX_HEARTBEATS}.",
                code="INVALID_COUNT",
                field="count",
            )
        for sequence in range(1, count + 1):
            if sequence > 1:
                await asyncio.sleep(interval_seconds)
            yield Heartbeat(sequence=sequence, at=datetime.now(UTC))
