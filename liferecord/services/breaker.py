"""A circuit breaker per department source, so a failing department is not hammered."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class CircuitBreaker:
    """Opens after ``failure_threshold`` failures in a row; lets one trial through later.

    Per process: each API instance learns on its own that a department is down, which
    costs at most ``failure_threshold`` slow requests per instance and needs no shared
    state on the request path.
    """

    failure_threshold: int = 5
    open_seconds: float = 30.0
    clock: Callable[[], float] = time.monotonic
    _failures: int = 0
    _opened_at: float | None = None
    _trial_running: bool = field(default=False, repr=False)

    def allow(self) -> bool:
        """May a call go to the source now? (Half-open: exactly one trial at a time.)"""
        if self._opened_at is None:
            return True
        if self.clock() - self._opened_at < self.open_seconds or self._trial_running:
            return False
        self._trial_running = True
        return True

    def retry_after(self) -> int:
        """Seconds until the next trial call is allowed (at least 1)."""
        if self._opened_at is None:
            return 1
        return max(1, int(self.open_seconds - (self.clock() - self._opened_at) + 0.999))

    def succeeded(self) -> None:
        """The source answered: close the circuit."""
        self._failures = 0
        self._opened_at = None
        self._trial_running = False

    def failed(self) -> None:
        """The source failed: count it, and (re)open when over the threshold."""
        self._failures += 1
        self._trial_running = False
        if self._failures >= self.failure_threshold:
            self._opened_at = self.clock()

    @property
    def is_open(self) -> bool:
        """True while calls are being refused."""
        return self._opened_at is not None
