"""``python -m tests.notifications.worker_process``: the notifications worker as its own
process (``app.cli.worker``), wired with the demo's providers as the tests' apps are;
settings come from the environment (``SZ_…``)."""

from __future__ import annotations

import logging
import sys

from app.cli import LOG_FORMAT, worker
from demo.providers import demo_providers

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    sys.exit(worker(providers=demo_providers))
