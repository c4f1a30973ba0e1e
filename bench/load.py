"""Drive a load against one endpoint and merge the figures of several runs exactly.

Two load generators give the same figures: Debian's ``wrk`` (preferred: C, cheap on the
CPU the server also needs) and :mod:`bench.loadgen` (Python, when ``wrk`` is missing).
Both report a full latency histogram, so percentiles over several interleaved slices
are computed from every sample, not averaged.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

WRK_SCRIPT = Path(__file__).with_name("wrk_report.lua")
WRK_INSTALL_HINT = "sudo apt-get install -y wrk   (Debian/Ubuntu; `brew install wrk` on macOS)"


class LoadError(RuntimeError):
    """The load generator failed; the message says how."""


@dataclass(frozen=True, slots=True)
class Target:
    """One endpoint and the exact request sent to it."""

    name: str
    method: str
    path: str
    body: bytes | None = None


@dataclass
class Figures:
    """What one or more load runs against one endpoint measured."""

    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latency_us: Counter[int] = field(default_factory=Counter)
    server_cpu_seconds: float | None = 0.0

    def add(self, other: Figures) -> None:
        """Merge another run into this one."""
        self.requests += other.requests
        self.errors += other.errors
        self.seconds += other.seconds
        self.latency_us.update(other.latency_us)
        if self.server_cpu_seconds is None or other.server_cpu_seconds is None:
            self.server_cpu_seconds = None
        else:
            self.server_cpu_seconds += other.server_cpu_seconds

    @property
    def requests_per_second(self) -> float:
        """Completed requests over the time the load ran."""
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile_ms(self, p: float) -> float:
        """Latency at percentile ``p`` (nearest rank), in milliseconds."""
        total = sum(self.latency_us.values())
        if total == 0:
            return float("nan")
        rank = max(1, -(-total * p // 100))  # ceil without floats drifting
        seen = 0
        for value, count in sorted(self.latency_us.items()):
            seen += count
            if seen >= rank:
                return value / 1000
        return max(self.latency_us) / 1000

    @property
    def cpu_us_per_request(self) -> float | None:
        """Server process CPU time (user + system) per completed request."""
        if self.server_cpu_seconds is None or not self.requests:
            return None
        return self.server_cpu_seconds * 1e6 / self.requests


class LoadGenerator(Protocol):
    """Keeps ``connections`` requests in flight against a target for ``seconds``."""

    name: str

    def run(self, target: Target, *, port: int, connections: int, seconds: int) -> Figures:
        """One closed-loop run; raises :class:`LoadError` when the tool fails."""
        ...


def _histogram(pairs: Iterable[tuple[int, int]]) -> Counter[int]:
    histogram: Counter[int] = Counter()
    for value, count in pairs:
        histogram[int(value)] += int(count)
    return histogram


class Wrk:
    """Debian's ``wrk`` with :data:`WRK_SCRIPT` for the request and the histogram."""

    def __init__(self, binary: str, *, timeout_seconds: int = 10) -> None:
        self.binary = binary
        self.timeout_seconds = timeout_seconds
        self.name = f"wrk ({binary})"

    def run(self, target: Target, *, port: int, connections: int, seconds: int) -> Figures:
        """Run ``wrk --latency`` once and read the report its Lua ``done()`` wrote."""
        with tempfile.TemporaryDirectory(prefix="sz-bench-wrk-") as folder:
            report = Path(folder) / "report.txt"
            env = {
                **os.environ,
                "BENCH_METHOD": target.method,
                "BENCH_BODY": (target.body or b"").decode(),
                "BENCH_REPORT": str(report),
            }
            argv = [
                self.binary,
                "--threads",
                "1",
                "--connections",
                str(connections),
                "--duration",
                f"{seconds}s",
                "--timeout",
                f"{self.timeout_seconds}s",
                "--latency",
                "--script",
                str(WRK_SCRIPT),
                f"http://127.0.0.1:{port}{target.path}",
            ]
            done = subprocess.run(
                argv, env=env, capture_output=True, text=True, timeout=seconds + 30, check=False
            )
            if done.returncode != 0 or not report.exists():
                raise LoadError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
            fields = dict(
                line.split(" ", 1) for line in report.read_text().splitlines() if " " in line
            )
        buckets = fields.get("latency_us", "").strip()
        return Figures(
            requests=int(fields["requests"]),
            errors=int(fields["errors"]),
            seconds=int(fields["duration_us"]) / 1e6,
            latency_us=_histogram(
                (int(v), int(c)) for v, c in (b.split(":") for b in buckets.split(",") if b)
            ),
        )


class PythonLoad:
    """:mod:`bench.loadgen` in a child process of its own (never the server's)."""

    name = "python (bench.loadgen, asyncio streams)"

    def __init__(self, *, timeout_seconds: int = 10) -> None:
        self.timeout_seconds = timeout_seconds

    def run(self, target: Target, *, port: int, connections: int, seconds: int) -> Figures:
        """Run the generator once and parse the JSON it prints."""
        with tempfile.TemporaryDirectory(prefix="sz-bench-load-") as folder:
            argv = [
                sys.executable,
                "-m",
                "bench.loadgen",
                "--port",
                str(port),
                "--method",
                target.method,
                "--path",
                target.path,
                "--connections",
                str(connections),
                "--seconds",
                str(seconds),
                "--timeout",
                str(self.timeout_seconds),
            ]
            if target.body is not None:
                body_file = Path(folder) / "body.json"
                body_file.write_bytes(target.body)
                argv += ["--body-file", str(body_file)]
            done = subprocess.run(
                argv,
                capture_output=True,
                text=True,
                timeout=seconds + self.timeout_seconds + 30,
                check=False,
                cwd=Path(__file__).resolve().parent.parent,
            )
        if done.returncode != 0:
            raise LoadError(f"bench.loadgen failed ({done.returncode}): {done.stderr}")
        figures = json.loads(done.stdout)
        if figures["failures"]:
            raise LoadError(f"bench.loadgen connections failed: {figures['failures']}")
        return Figures(
            requests=figures["requests"],
            errors=figures["errors"],
            seconds=figures["seconds"],
            latency_us=_histogram(figures["latency_us"]),
        )


def pick_load_generator(choice: str) -> LoadGenerator:
    """``wrk`` when installed (or asked for), else the Python generator; says which."""
    binary = shutil.which("wrk")
    if choice == "python":
        return PythonLoad()
    if binary is not None:
        return Wrk(binary)
    if choice == "wrk":
        raise LoadError(f"wrk is not installed; install it with: {WRK_INSTALL_HINT}")
    print(
        "note: wrk is not installed, so the Python load generator is used; it needs more CPU\n"
        "      beside the server and lowers the ceiling. For steadier figures install wrk:\n"
        f"      {WRK_INSTALL_HINT}",
        file=sys.stderr,
    )
    return PythonLoad()


def process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU time a process has used so far (Linux ``/proc``; else ``None``)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    # Fields 14 and 15 of proc(5); the list starts at field 3.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
