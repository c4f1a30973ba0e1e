"""Operations about the API itself."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from datetime import UTC, datetime
from typing import Annotated

import strawberry

from schema.errors import PublicError

MAX_HEARTBEATS = 1000


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
        "Case-progress subscriptions arrive with the notifications issue."
    )
    async def heartbeat(
        self,
        interval_seconds: Annotated[
            float, strawberry.argument(description="Seconds between ticks, 0.01 to 60.")
        ] = 15.0,
        count: Annotated[
            int,
            strawberry.argument(
                description=f"Ticks before the stream ends, 1 to {MAX_HEARTBEATS}."
            ),
        ] = MAX_HEARTBEATS,
    ) -> AsyncGenerator[Heartbeat, None]:
        """Yield ``count`` heartbeats, ``interval_seconds`` apart (the first at once)."""
        if not 0.01 <= interval_seconds <= 60:
            raise PublicError(
                "intervalSeconds must be between 0.01 and 60.",
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
