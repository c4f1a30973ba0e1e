"""``python -m bench.notifications_worker``: one notifications worker process for the
benchmark, wired with the demo's providers; settings from the environment (``SZ_…``)."""

from __future__ import annotations

import logging
import sys

from app.cli import LOG_FORMAT, worker
from demo.providers import demo_providers

if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format=LOG_FORMAT)
    logging.getLogger("notifications.worker").setLevel(logging.INFO)
    sys.exit(worker(providers=demo_providers))
