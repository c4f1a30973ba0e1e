"""Command line of the demo: ``dev`` (the embedded default) and ``seed`` (the demo data).

Both are for development (``seed`` also for tests) and refuse any other environment.
The product's own commands stay in ``python -m app``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

from app.cli import LOG_FORMAT, load_settings
from app.resources import StartupError


def seed_command() -> int:
    """Load the demo data into the configured servers (idempotent)."""
    from demo.seed import seed_settings

    settings = load_settings()
    try:
        counts = asyncio.run(seed_settings(settings))
    except StartupError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print("seeded: " + ", ".join(f"{name} {count}" for name, count in counts.items()))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m demo``."""
    parser = argparse.ArgumentParser(prog="python -m demo", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    dev = commands.add_parser(
        "dev",
        help="the embedded default: start local servers, seed, and serve with GraphiQL",
    )
    dev.add_argument("--host", default="127.0.0.1")
    dev.add_argument("--port", type=int, default=8000)
    commands.add_parser(
        "seed", help="load the demo data into the configured servers (development and tests)"
    )
    commands.add_parser(
        "worker",
        help="the notifications worker wired with the demo's providers (the embedded default "
        "starts one)",
    )
    commands.add_parser(
        "cases-repair",
        help="the applications' repair job (app's cases-repair) wired with the demo's providers",
    )
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    if args.command == "seed":
        return seed_command()
    if args.command == "worker":
        from app.cli import worker
        from demo.providers import demo_providers

        return worker(providers=demo_providers)
    if args.command == "cases-repair":
        from app.cli import cases_repair
        from demo.providers import demo_providers

        return cases_repair(providers=demo_providers)
    from demo.embedded import run_embedded

    return run_embedded(args.host, args.port)
