"""Where the CPU of one ``/graphql`` request goes, layer by layer (cProfile).

    .venv/bin/python -m bench.profile_graphql [--target trusted] [--seconds 10]

Serves the bench app in memory (mode (b) of :mod:`bench.graphql_vs_rest`) under cProfile
(``BENCH_PROFILE``), loads one endpoint with the Python load generator, stops the server,
and prints the cumulative CPU per request of each layer, from uvicorn's protocol to the
response bytes. cProfile slows Python calls several times over, so the absolute figures
are inflated; read the shares (the last column), and scale them by the unprofiled CPU per
request that ``bench.graphql_vs_rest`` reports.
"""

from __future__ import annotations

import argparse
import os
import pstats
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bench.graphql_vs_rest import (
    AD_HOC,
    REST,
    TRUSTED,
    TRUSTED_GET,
    _settings_values,
    bench_server,
)
from bench.load import pick_load_generator
from devstack.servers import dev_stack

TARGETS = {t.name: t for t in (AD_HOC, TRUSTED, TRUSTED_GET, REST)}

# (label, file fragment, function name): cumulative time of each, per request. Layers
# nest (uvicorn's cycle holds the middleware, which holds the route, …).
LAYERS: tuple[tuple[str, str, str], ...] = (
    ("uvicorn: bytes in (httptools callbacks)", "httptools_impl.py", "data_received"),
    ("uvicorn: ASGI cycle (everything below)", "httptools_impl.py", "run_asgi"),
    ("uvicorn: response bytes out", "httptools_impl.py", "send"),
    ("CORS middleware (app/cors.py)", "app/cors.py", "__call__"),
    ("body size limit (app/http_limits.py)", "app/http_limits.py", "__call__"),
    ("starlette: router dispatch", "starlette/routing.py", "__call__"),
    ("fastapi: route handler (all below)", "fastapi/routing.py", "app"),
    ("fastapi: solve_dependencies", "fastapi/dependencies/utils.py", "solve_dependencies"),
    ("our context (app/context.py get_context)", "app/context.py", "get_context"),
    ("strawberry view run (GuardedGraphQLRouter)", "app/graphql.py", "run"),
    ("  parse_http_body + document lookup", "app/graphql.py", "parse_http_body"),
    ("  execute_single (admit + schema.execute)", "app/graphql.py", "execute_single"),
    ("    CitySchema.execute", "app/graphql.py", "execute"),
    ("    strawberry execute (extensions, caches)", "strawberry/schema/execute.py", "execute"),
    ("      graphql-core execute (plan executor)", "graphql/execution/executor.py", "execute"),
    ("      PlannedExecutor.execute_operation", "app/execution/executor.py", "execute_operation"),
    ("  process_result", "strawberry/http/__init__.py", "process_result"),
    ("  create_response (orjson encoding)", "strawberry/fastapi/router.py", "create_response"),
    ("    encode_response", "app/json_encoding.py", "encode_response"),
    ("fastapi: serialize_response", "fastapi/routing.py", "serialize_response"),
)


def layer_figures(stats_path: Path, requests: int) -> list[tuple[str, float]]:
    """(label, cumulative µs per request) of each layer found in the statistics."""
    stats = pstats.Stats(str(stats_path))
    table = stats.stats  # type: ignore[attr-defined]
    rows: list[tuple[str, float]] = []
    for label, fragment, name in LAYERS:
        total = 0.0
        for (filename, _line, function), (_cc, _nc, _tt, cumulative, _callers) in table.items():
            if function == name and filename.endswith(fragment):
                total = max(total, cumulative)
        rows.append((label, total / requests * 1e6))
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    """Profile one endpoint and print the layers."""
    parser = argparse.ArgumentParser(prog="python -m bench.profile_graphql", description=__doc__)
    parser.add_argument("--target", choices=sorted(TARGETS), default=TRUSTED.name)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--top", type=int, default=30, help="functions listed by own time")
    args = parser.parse_args(argv)
    target = TARGETS[args.target]
    load = pick_load_generator("python")
    with (
        tempfile.TemporaryDirectory(prefix="sz-profile-") as folder,
        dev_stack(None) as stack,
    ):
        urls = {"mongodb": stack.mongodb_url, "redis": stack.redis_url, "s3": stack.s3_endpoint_url}
        values = _settings_values(urls, started_s3=True)
        stats_path = Path(folder) / "server.prof"
        env = {**os.environ, **{f"SZ_{k.upper()}": v for k, v in values.items()}}
        env["BENCH_PROFILE"] = str(stats_path)
        with bench_server(env, memory=True, log_dir=Path(folder)) as server:
            port = int(server.url.rsplit(":", 1)[1])
            figures = load.run(
                target, port=port, connections=args.connections, seconds=args.seconds
            )
        # The server wrote its statistics as it stopped (readiness probes are a handful).
        requests = figures.requests
        rows = layer_figures(stats_path, requests)
        whole = rows[1][1] + rows[0][1] or 1.0
        print(f"{target.name}: {requests} requests profiled ({figures.errors} errors)")
        print(f"{'layer':52}{'µs/req (profiled)':>18}{'share':>8}")
        for label, us in rows:
            print(f"{label:52}{us:18.0f}{us / whole:8.0%}")
        print()
        pstats.Stats(str(stats_path)).sort_stats("tottime").print_stats(args.top)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
