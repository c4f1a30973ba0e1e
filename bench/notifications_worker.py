"""``python -m bench.notifications_worker``: one notifications worker process for the
benchmark, wired with the demo's providers; settings from the environment (``SZ_…``).

``BENCH_PROFILE=path`` runs the worker under cProfile and writes the statistics to
``path`` when it stops (``python -m pstats path`` reads them): where the worker's CPU
goes, apart from the fake FCM's, which runs in its own process.
"""

from __future__ import annotations

import cProfile
import logging
import os
import sys

from app.cli import LOG_FORMAT, worker
from demo.providers import demo_providers

if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format=LOG_FORMAT)
    logging.getLogger("notifications.worker").setLevel(logging.INFO)
    profile_to = os.environ.get("BENCH_PROFILE")
    if not profile_to:
        sys.exit(worker(providers=demo_providers))
    profiler = cProfile.Profile()
    code = profiler.runcall(worker, providers=demo_providers)
    profiler.dump_stats(f"{profile_to}.{os.getpid()}")
    sys.exit(code)
