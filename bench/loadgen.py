"""A small closed-loop HTTP/1.1 load generator, used when ``wrk`` is not installed.

Each connection is one keep-alive socket on asyncio streams that sends a request, reads
the whole response and sends the next, until the time is up (as ``wrk`` does). Standard
library only (uvloop when present), so that it starts fast in its own process::

    python -m bench.loadgen --port 8123 --path /graphql --method POST --body-file q.json

It prints one JSON object: ``requests``, ``errors``, ``seconds`` and ``latency_us`` (a
histogram as ``[[microseconds, count], ...]``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path


class ProtocolError(Exception):
    """The server answered something this client does not understand."""


@dataclass
class Tally:
    """What all connections saw."""

    requests: int = 0
    errors: int = 0
    latency_us: Counter[int] = field(default_factory=Counter)


def build_request(method: str, host: str, port: int, path: str, body: bytes | None) -> bytes:
    """The raw request bytes, sent unchanged on every iteration."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}"]
    if body is not None:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii") + (body or b"")


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one response; returns its status and whether the server keeps the connection."""
    head = await reader.readuntil(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 "):
        raise ProtocolError(head[:40].decode("latin-1"))
    status = int(head[9:12])
    length: int | None = None
    chunked = False
    keep_alive = True
    for line in head[:-4].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding":
            chunked = b"chunked" in value.lower()
        elif name == b"connection":
            keep_alive = b"close" not in value.lower()
    if chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length is not None:
        await reader.readexactly(length)
    else:
        raise ProtocolError("response without Content-Length or chunked body")
    return status, keep_alive


async def _connection(host: str, port: int, request: bytes, stop_at: float, tally: Tally) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < stop_at:
            started = time.perf_counter_ns()
            writer.write(request)
            status, keep_alive = await read_response(reader)
            tally.latency_us[(time.perf_counter_ns() - started) // 1000] += 1
            tally.requests += 1
            if status >= 400:
                tally.errors += 1
            if not keep_alive:
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
    finally:
        writer.close()


async def run(
    *,
    host: str,
    port: int,
    request: bytes,
    connections: int,
    seconds: float,
    grace_seconds: float,
) -> dict[str, object]:
    """Keep ``connections`` requests in flight for ``seconds``; the figures as a dict.

    Connections still waiting ``grace_seconds`` after the end are cancelled and counted
    as errors.
    """
    tally = Tally()
    started = time.perf_counter()
    stop_at = started + seconds
    tasks = [
        asyncio.create_task(_connection(host, port, request, stop_at, tally))
        for _ in range(connections)
    ]
    done, pending = await asyncio.wait(tasks, timeout=seconds + grace_seconds)
    for task in pending:
        task.cancel()
    failures = [t.exception() for t in done if t.exception() is not None]
    return {
        "requests": tally.requests,
        "errors": tally.errors + len(pending) + len(failures),
        "seconds": time.perf_counter() - started,
        "latency_us": sorted(tally.latency_us.items()),
        "failures": sorted({repr(f) for f in failures}),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run one load and print its figures as JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.loadgen", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--method", default="GET")
    parser.add_argument("--path", default="/")
    parser.add_argument("--body-file", type=Path, help="request body (sent as JSON)")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--timeout", type=float, default=10.0)
    args = parser.parse_args(argv)
    body = args.body_file.read_bytes() if args.body_file else None
    request = build_request(args.method, args.host, args.port, args.path, body)
    try:
        import uvloop
    except ImportError:  # the standard loop is only slower
        runner = asyncio.run
    else:
        runner = uvloop.run
    figures = runner(
        run(
            host=args.host,
            port=args.port,
            request=request,
            connections=args.connections,
            seconds=args.seconds,
            grace_seconds=args.timeout,
        )
    )
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
