"""``python -m demo.exchange serve``: the demo data exchange as its own process.

It keeps its data in its own database (``--database``, default ``exchange``), on the
MongoDB-wire server ``--mongodb-url`` names; the API's database account needs no access
to it. Clients are given as ``--client ID=KEY_FILE`` (repeatable). ``--seed-demo`` loads
the demo registers and data sets at start (idempotent). ``--admin-key-file`` turns on
the test-only fault injection. Each option also reads an ``EXCHANGE_*`` variable.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import uvicorn
from pymongo import AsyncMongoClient

from demo.exchange.access import AccessRecords
from demo.exchange.server import ExchangeState, create_exchange_app
from demo.exchange.stores import DemoExchange, seed_exchange
from infra.exchange_signing import UnreadableClientKey, read_client_key

DEFAULT_DATABASE = "exchange"


def _client_keys(specs: Sequence[str]) -> dict[str, bytes]:
    keys: dict[str, bytes] = {}
    for spec in specs:
        client_id, _, path = spec.partition("=")
        if not client_id or not path:
            raise UnreadableClientKey(f"--client {spec!r}: expected ID=KEY_FILE")
        keys[client_id] = read_client_key(Path(path))
    return keys


async def _seed(url: str, database: str) -> dict[str, int]:
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        url, serverSelectionTimeoutMS=5000, tz_aware=True
    )
    try:
        return await seed_exchange(DemoExchange.over(mongo[database]))
    finally:
        await mongo.close()


def serve(args: argparse.Namespace) -> int:
    """Open the exchange's database, seed it if asked, and serve until stopped."""
    try:
        keys = _client_keys(args.client)
        admin = None if not args.admin_key_file else read_client_key(Path(args.admin_key_file))
    except UnreadableClientKey as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if not keys:
        print("error: no client: give --client ID=KEY_FILE (or EXCHANGE_CLIENTS)", file=sys.stderr)
        return 2
    if args.seed_demo:
        counts = asyncio.run(_seed(args.mongodb_url, args.database))
        print("exchange demo data: " + ", ".join(f"{k} {v}" for k, v in counts.items()), flush=True)
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        args.mongodb_url, serverSelectionTimeoutMS=5000, tz_aware=True
    )
    database = mongo[args.database]
    stores = DemoExchange.over(database)
    state = ExchangeState(
        stores=stores, access=AccessRecords(database), client_keys=keys, admin_key=admin
    )
    uvicorn.run(create_exchange_app(state), host=args.host, port=args.port, log_level="warning")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m demo.exchange``."""
    env = os.environ.get
    parser = argparse.ArgumentParser(prog="python -m demo.exchange", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("serve", help="serve the demo exchange over HTTP")
    run.add_argument("--host", default=env("EXCHANGE_HOST", "127.0.0.1"))
    run.add_argument("--port", type=int, default=int(env("EXCHANGE_PORT", "8100")))
    run.add_argument(
        "--mongodb-url",
        default=env("EXCHANGE_MONGODB_URL", "mongodb://127.0.0.1:27017/?directConnection=true"),
    )
    run.add_argument("--database", default=env("EXCHANGE_DATABASE", DEFAULT_DATABASE))
    run.add_argument(
        "--client",
        action="append",
        default=[c for c in env("EXCHANGE_CLIENTS", "").split(",") if c],
        help="ID=KEY_FILE of a client allowed to call (repeatable)",
    )
    run.add_argument("--admin-key-file", default=env("EXCHANGE_ADMIN_KEY_FILE"))
    run.add_argument(
        "--seed-demo", action="store_true", default=env("EXCHANGE_SEED_DEMO", "") == "1"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    return serve(args)


raise SystemExit(main())
