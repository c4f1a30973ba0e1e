"""The notifications domain's rules: inbox, devices, fan-out of events and push delivery."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current time (UTC, aware)."""
    return datetime.now(UTC)
