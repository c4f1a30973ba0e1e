"""The last call outcome of a vendor adapter, kept in memory for ``/readyz``.

``/readyz`` must say how each vendor fared without calling it (that would send an
SMS or bill a face check), so every real adapter remembers how its last call ended.
Per process; nothing personal is kept (no phone, name, code or token).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime


def utc_now() -> datetime:
    """The current time (UTC); adapters take it as their default clock."""
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Outcome:
    """How a provider's last call ended, for ``/readyz`` (no personal data)."""

    outcome: str
    """``ok``, ``refused_user`` (the citizen's input was refused) or a failure reason."""
    at: datetime
    code: str | None = None

    def as_json(self) -> dict[str, str]:
        """The outcome as ``/readyz`` shows it."""
        shown = {"outcome": self.outcome, "at": self.at.isoformat(timespec="seconds")}
        if self.code:
            shown["code"] = self.code
        return shown


class OutcomeRecorder:
    """Keeps the last call's outcome in memory (per process) under ``provider_name``."""

    provider_name: str

    def __init__(self, clock: Callable[[], datetime] = utc_now, *, name: str | None = None) -> None:
        if name is not None:
            self.provider_name = name
        self._clock = clock
        self.last_outcome: Outcome | None = None

    def outcomes(self) -> dict[str, Outcome | None]:
        """The last outcome of each provider behind this one (here: this one)."""
        return {self.provider_name: self.last_outcome}

    def record(self, outcome: str, code: str | None = None) -> None:
        """Remember how the call that just ended ended."""
        self.last_outcome = Outcome(outcome, self._clock(), code)
