"""The notifications worker: its own process (``python -m app worker``), any number of
instances.

Three loops run side by side in each instance, with a watcher that wakes the first:

- **outbox**: claims one outbox event at a time (a MongoDB lease, ``kit.outbox``), turns
  it into notifications (:class:`~notifications.services.fanout.FanOut`) and completes
  it; a failure gives it back with an exponential backoff with jitter, and the outbox
  dead-letters it after its last attempt. A worker that dies loses its lease, and
  another takes the event again (idempotency keys make that harmless). When the outbox
  is empty it waits until the outbox's change stream shows a committed append (the
  **wake** watcher), or ``idle_wait`` at most: the poll stays, so an append the stream
  misses (it broke, the database restarted) waits one poll, never forever.
- **push**: takes batches from the push queue (a Redis Streams consumer group) and
  sends them (:class:`~notifications.services.delivery.PushDelivery`).
- **upkeep**: releases deliveries whose quiet hours are over and prunes stale devices.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Awaitable
from datetime import timedelta

from kit.outbox_repository import OutboxRepository
from notifications.models import backoff
from notifications.ports import PushQueue
from notifications.repositories.deliveries import DeliveryRepository
from notifications.services import Clock, utc_now
from notifications.services.delivery import PushDelivery
from notifications.services.devices import DeviceService
from notifications.services.fanout import BATCH, FanOut

logger = logging.getLogger("notifications.worker")


def worker_name() -> str:
    """This process's name among the workers (host and pid)."""
    return f"{socket.gethostname()}-{os.getpid()}"


class NotificationWorker:
    """One worker instance's loops (start with :meth:`run`, stop with :meth:`stop`)."""

    def __init__(
        self,
        outbox: OutboxRepository,
        fanout: FanOut,
        delivery: PushDelivery,
        deliveries: DeliveryRepository,
        devices: DeviceService,
        queue: PushQueue,
        *,
        name: str | None = None,
        lease: timedelta = timedelta(seconds=60),
        retry_base: timedelta = timedelta(seconds=2),
        retry_cap: timedelta = timedelta(minutes=10),
        idle_wait: timedelta = timedelta(milliseconds=500),
        upkeep_every: timedelta = timedelta(seconds=30),
        clock: Clock = utc_now,
    ) -> None:
        self.name = name or worker_name()
        self._outbox = outbox
        self._fanout = fanout
        self._delivery = delivery
        self._deliveries = deliveries
        self._devices = devices
        self._queue = queue
        self._lease = lease
        self._retry_base = retry_base.total_seconds()
        self._retry_cap = retry_cap.total_seconds()
        self._idle = idle_wait.total_seconds()
        self._upkeep_every = upkeep_every.total_seconds()
        self._clock = clock
        self._stopping = asyncio.Event()
        self._woken = asyncio.Event()

    def stop(self) -> None:
        """Ask every loop to finish its current item and end."""
        self._stopping.set()

    async def run(self) -> None:
        """Run the loops until :meth:`stop`."""
        await self._queue.start()
        logger.info("notifications.worker.started name=%s", self.name)
        watcher = asyncio.create_task(self._wake_loop())
        loops = [self._outbox_loop(), self._push_loop(), self._upkeep_loop()]
        try:
            await asyncio.gather(*loops)
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
        logger.info("notifications.worker.stopped name=%s", self.name)

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    async def _guarded(self, step: str, work: Awaitable[bool]) -> bool:
        """Run one step; an outage (database or Redis restarting) is logged and waited out."""
        try:
            return await work
        except Exception as error:
            logger.warning("notifications.worker.%s_failed error=%s", step, type(error).__name__)
            await self._pause(1.0)
            return False

    async def _wake_loop(self) -> None:
        """Wake the outbox loop on each committed append (reopened after a failure)."""
        while not self._stopping.is_set():
            try:
                async for _ in self._outbox.appended():
                    self._woken.set()
            except Exception as error:
                logger.warning("notifications.worker.wake_failed error=%s", type(error).__name__)
            await self._pause(1.0)

    async def _outbox_loop(self) -> None:
        while not self._stopping.is_set():
            # Cleared before the claim: an append committed after it wakes the wait below.
            self._woken.clear()
            if not await self._guarded("outbox", self.handle_one_event()):
                await self._idle_until_woken()

    async def _idle_until_woken(self) -> None:
        waits = {
            asyncio.ensure_future(self._woken.wait()),
            asyncio.ensure_future(self._stopping.wait()),
        }
        _, pending = await asyncio.wait(
            waits, timeout=self._idle, return_when=asyncio.FIRST_COMPLETED
        )
        for waiting in pending:
            waiting.cancel()

    async def handle_one_event(self) -> bool:
        """Claim and handle one outbox event; ``False`` when there was none."""
        claimed = await self._outbox.claim(self.name, now=self._clock(), lease=self._lease)
        if claimed is None:
            return False
        event = claimed.event
        renewing = asyncio.create_task(self._keep_lease(event.id))
        try:
            queued = await self._fanout.handle(event)
        except Exception as error:
            delay = backoff(claimed.attempts, event.id, base=self._retry_base, cap=self._retry_cap)
            status = await self._outbox.retry_later(
                event.id, self.name, at=self._clock() + delay, error=type(error).__name__
            )
            logger.warning(
                "notifications.worker.event_failed kind=%s event=%s status=%s error=%s",
                event.kind,
                event.id,
                status,
                type(error).__name__,
            )
            return True
        finally:
            renewing.cancel()
        await self._outbox.complete(event.id, self.name, now=self._clock())
        logger.info(
            "notifications.worker.event_done kind=%s event=%s pushes=%d",
            event.kind,
            event.id,
            queued,
        )
        return True

    async def _keep_lease(self, event_id: str) -> None:
        """Renew the event's lease every third of it while it is handled: an announcement's
        fan-out to every device can outlast one lease (measured: 10,000 devices on
        SecantusDB took 5 minutes), and another worker would then do it all again."""
        every = self._lease.total_seconds() / 3
        while True:
            await asyncio.sleep(every)
            with contextlib.suppress(Exception):  # a missed renewal only risks a repeat
                await self._outbox.renew(event_id, self.name, until=self._clock() + self._lease)

    async def _push_loop(self) -> None:
        while not self._stopping.is_set():
            await self._guarded("push", self.handle_push_batches(wait_ms=int(self._idle * 1000)))

    async def handle_push_batches(self, *, wait_ms: int = 0) -> bool:
        """Process the batches due now; ``False`` when there were none."""
        batches = await self._queue.next_batches(self.name, wait_ms=wait_ms)
        for batch in batches:
            await self._delivery.process(batch)
        return bool(batches)

    async def _upkeep_loop(self) -> None:
        while not self._stopping.is_set():
            await self._guarded("upkeep", self.upkeep())
            await self._pause(self._upkeep_every)

    async def upkeep(self) -> bool:
        """Queue deliveries whose quiet hours are over; prune stale devices."""
        while due := await self._deliveries.due_held(now=self._clock(), limit=BATCH):
            await self._queue.enqueue(due)
        pruned = await self._devices.prune_stale()
        if pruned:
            logger.info("notifications.devices.pruned count=%d", pruned)
        return True
