"""The worker as its own process and its failures: start-up line, SIGTERM, a worker
killed with kill -9 in the middle of a batch (another takes over), the database
restarted under a running worker (it resumes)."""

from __future__ import annotations

import asyncio
import collections
import json
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from app.main import create_app
from app.settings import Settings
from demo.providers import demo_providers
from devstack.servers import start_secantus
from kit.text import Localized
from notifications.services.delivery import IN_FLIGHT
from notifications.services.devices import DeviceService
from notifications.services.operations import OperationsService
from tests.conftest import _drop_test_data
from tests.notifications.conftest import append, case_event, delivery_statuses, worker_of
from tests.notifications.fake_google import FakeGoogleServer

ROOT = Path(__file__).resolve().parents[2]


def settings_env(settings: Settings) -> dict[str, str]:
    """The ``SZ_…`` environment that makes a process read the same settings."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("SZ_")}
    for name, value in settings.model_dump().items():
        if value is None:
            continue
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if isinstance(value, dict | list):
            value = json.dumps(value, default=str)
        env[f"SZ_{name.upper()}"] = str(value.value if hasattr(value, "value") else value)
    env.pop("MONGODB_URL", None)
    env.pop("REDIS_URL", None)
    return env


class WorkerProcess:
    """``python -m tests.notifications.worker_process`` with an app's settings."""

    def __init__(self, settings: Settings, log: Path) -> None:
        self.log = log
        self._file = log.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.notifications.worker_process"],
            cwd=ROOT,
            env=settings_env(settings),
            stdout=self._file,
            stderr=subprocess.STDOUT,
        )

    def text(self) -> str:
        """What it logged so far."""
        return self.log.read_text(errors="replace")

    async def wait_for_line(self, needle: str, seconds: float = 120) -> None:
        """Wait until the log holds ``needle`` (a loaded machine starts processes slowly)."""
        for _ in range(int(seconds * 10)):
            if needle in self.text():
                return
            if self.process.poll() is not None:
                break
            await asyncio.sleep(0.1)
        raise AssertionError(f"no {needle!r} in the worker's log:\n{self.text()[-3000:]}")

    def kill(self, signum: int) -> int:
        """Send ``signum`` and wait for the exit status."""
        self.process.send_signal(signum)
        status = self.process.wait(30)
        self._file.close()
        return status


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[list[WorkerProcess]]:
    """Worker processes started by a test; killed at the end if still running."""
    started: list[WorkerProcess] = []
    yield started
    for worker in started:
        if worker.process.poll() is None:
            worker.kill(signal.SIGKILL)


async def _until(check: Any, seconds: float = 30) -> None:
    for _ in range(int(seconds * 20)):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("timed out")


async def test_the_worker_process_says_push_is_off_without_credentials(
    app: FastAPI, tmp_path: Path, workers: list[WorkerProcess]
) -> None:
    worker = WorkerProcess(app.state.settings, tmp_path / "worker.log")
    workers.append(worker)
    await worker.wait_for_line("notifications.worker.started")
    assert "push is off (no SZ_FIREBASE_CREDENTIALS_FILE): inbox and live subscriptions only" in (
        worker.text()
    )
    assert worker.kill(signal.SIGTERM) == 0
    assert "worker.stopped" in worker.text()


async def test_the_worker_process_delivers_pushes_and_stops_cleanly_on_sigterm(
    push_app: FastAPI,
    fake_google: FakeGoogleServer,
    tmp_path: Path,
    workers: list[WorkerProcess],
) -> None:
    # given a citizen's phone and a worker process
    devices = push_app.state.services.get(DeviceService)
    await devices.register(
        "acc_someone", token="proc-phone", platform="android", app_version="1", locale="en"
    )
    worker = WorkerProcess(push_app.state.settings, tmp_path / "worker.log")
    workers.append(worker)
    await worker.wait_for_line("notifications.worker.started")
    assert "push channels: fcm" in worker.text()
    # when an event is appended
    await append(push_app, case_event("acc_someone"))
    # then the worker pushes it
    await _until(lambda: _received(fake_google, "proc-phone"))
    assert worker.kill(signal.SIGTERM) == 0


async def _received(fake: FakeGoogleServer, token: str) -> bool:
    return bool(fake.app.sent_to(token))


@pytest.mark.parametrize(
    "push_changes",
    [{"notification_max_attempts": 20, "notification_retry_base_seconds": 0.2}],
)
async def test_a_worker_killed_mid_batch_is_taken_over_and_each_phone_shows_one_notification(
    push_app: FastAPI,
    fake_google: FakeGoogleServer,
    tmp_path: Path,
    workers: list[WorkerProcess],
) -> None:
    # given 300 phones, a slow FCM (each answer takes 1 s) and an announcement
    devices = push_app.state.services.get(DeviceService)
    tokens = [f"phone-{n:03d}" for n in range(300)]
    for n, token in enumerate(tokens):
        await devices.register(
            f"acc_{n:03d}", token=token, platform="android", app_version="1", locale="zh-CN"
        )
    fake = fake_google.app
    fake.delay = 1.0
    first = WorkerProcess(push_app.state.settings, tmp_path / "first.log")
    workers.append(first)
    # (a loaded machine can take long to start a process: the clock starts once it runs)
    await first.wait_for_line("notifications.worker.started")
    await push_app.state.services.get(OperationsService).announce(
        Localized("停水通知", "Water outage"), Localized("明日停水", "No water tomorrow")
    )
    # when the worker dies (kill -9) after 200 sends, its fourth chunk in flight at FCM
    await _until(lambda: _arrived(fake, 200))
    assert first.kill(signal.SIGKILL) == -signal.SIGKILL
    fake.delay = 0.0
    second = WorkerProcess(push_app.state.settings, tmp_path / "second.log")
    workers.append(second)
    # then the other worker takes the batch over and every delivery is accepted
    await second.wait_for_line("notifications.worker.started")
    await _until(lambda: _all_accepted(push_app, 300), seconds=60)
    received = collections.Counter(m["token"] for m in fake.messages)
    assert set(received) == set(tokens)
    # FCM takes no idempotency key: a message it had accepted before the kill, whose
    # answer the worker did not live to record, goes twice (at-least-once). It carries
    # its notification id as the Android tag, so the phone replaces it: each phone
    # shows the announcement exactly once, and none is missing.
    [notification_id] = {m["data"]["notification_id"] for m in fake.messages}
    assert {m["android"]["notification"]["tag"] for m in fake.messages} == {notification_id}
    assert {token: fake.shown(token) for token in tokens} == {
        token: [notification_id] for token in tokens
    }
    # and the re-sends are bounded by what can be in flight: one chunk at FCM and the
    # chunk before it being recorded
    duplicates = sum(count - 1 for count in received.values())
    print(f"re-sent after kill -9: {duplicates} of 300")
    assert duplicates <= 2 * IN_FLIGHT


async def _arrived(fake_server: Any, count: int) -> bool:
    return bool(len(fake_server.arrivals) >= count)


async def _all_accepted(app: FastAPI, count: int) -> bool:
    return await delivery_statuses(app) == [("accepted", None)] * count


async def test_a_running_worker_resumes_after_the_database_restarts(settings: Settings) -> None:
    with tempfile.TemporaryDirectory(prefix="sz-worker-db-") as folder:
        scratch = Path(folder)
        server = start_secantus(scratch / "db", scratch / "logs")
        port = int(server.url.rsplit(":", 1)[1].split("/")[0])
        app = create_app(
            Settings(
                _env_file=None,
                **settings.model_dump() | {"mongodb_url": server.url, "mongodb_timeout_ms": 500},
            ),
            providers=demo_providers,
        )
        try:
            async with app.router.lifespan_context(app):
                worker = worker_of(app)
                running = asyncio.create_task(worker.run())
                # given a worker that handled a first event
                await append(app, case_event("acc_1", "submitted"))
                await _until(lambda: _inbox_size(app, 1))
                # when the database goes away and comes back (same data, same port)
                await asyncio.to_thread(server.stop)
                await asyncio.sleep(1.5)
                server = await asyncio.to_thread(
                    start_secantus, scratch / "db", scratch / "logs", port=port
                )
                # then the worker takes the next events without being restarted
                for change in ("accepted", "approved"):
                    await append(app, case_event("acc_1", change))
                await _until(lambda: _inbox_size(app, 3))
                # and completes them all (waited for: a completion can meet a timeout on
                # a loaded machine, and then the event's lease runs out and it is retried)
                await _until(lambda: _done_count(app, 3), seconds=90)
                worker.stop()
                await asyncio.wait_for(running, 10)
        finally:
            server.stop()
            await _drop_test_data(settings)


async def _done_count(app: FastAPI, count: int) -> bool:
    try:
        done = await app.state.resources.database["outbox"].count_documents({"status": "done"})
    except Exception:  # the database is restarting
        return False
    return bool(done == count)


async def _inbox_size(app: FastAPI, count: int) -> bool:
    try:
        found = await app.state.resources.database["notifications"].count_documents({})
    except Exception:  # the database is restarting
        return False
    return bool(found == count)
