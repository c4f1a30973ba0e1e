"""What a service needs of a rate limiter (Redis implements it in ``infra.ratelimit``)."""

from __future__ import annotations

from typing import Protocol


class Limiter(Protocol):
    """Counts events per key in fixed windows, shared by every API instance."""

    async def hit(self, key: str, *, limit: int, window_seconds: int) -> int | None:
        """Count one event: ``None`` when within ``limit``, else seconds until allowed."""

    async def undo(self, key: str) -> None:
        """Take back one counted event (when the action it guarded did not happen)."""
