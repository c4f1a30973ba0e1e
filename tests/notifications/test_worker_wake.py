"""The idle worker is woken by the outbox's change stream when an append commits, and
still polls: a worker whose stream is broken delivers all the same, only later."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI

from tests.notifications.conftest import append, case_event, worker_of


async def _inbox_of(app: FastAPI, account_id: str) -> int:
    found = app.state.resources.database["notifications"]
    return int(await found.count_documents({"account_id": account_id}))


async def _seconds_until_inboxed(app: FastAPI, account_id: str, limit: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < limit:
        if await _inbox_of(app, account_id):
            return time.monotonic() - started
        await asyncio.sleep(0.02)
    raise AssertionError(f"nothing reached {account_id}'s inbox within {limit} s")


async def _run_briefly(app: FastAPI, account_id: str, limit: float) -> float:
    worker = worker_of(app)
    running = asyncio.create_task(worker.run())
    try:
        await asyncio.sleep(1.0)  # the outbox is empty: the worker idles
        await append(app, case_event(account_id))
        return await _seconds_until_inboxed(app, account_id, limit)
    finally:
        worker.stop()
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running


async def test_an_idle_worker_wakes_on_a_committed_append_long_before_its_poll(
    app: FastAPI,
) -> None:
    # given a worker whose poll comes only every 60 s
    worker_of(app)._idle = 60.0
    # when an event is appended while it idles
    waited = await _run_briefly(app, "acc_woken", limit=30.0)
    # then it handles the event at once (the stream woke it, not the poll)
    assert waited < 30.0


async def test_a_worker_whose_wake_up_stream_breaks_still_delivers_by_polling(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a worker polling every 0.5 s whose change stream always fails
    worker = worker_of(app)

    async def broken() -> AsyncIterator[None]:
        raise ConnectionError("change stream unavailable")
        yield None

    monkeypatch.setattr(worker._outbox, "appended", broken)
    # when an event is appended, then the poll finds it
    assert await _run_briefly(app, "acc_polled", limit=30.0) < 30.0
