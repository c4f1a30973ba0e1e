"""The directory entries named by the provenance of one life record, in one lookup."""

from __future__ import annotations

import asyncio
import logging

from directory.service import DirectoryService
from resolvers.context import Info
from resolvers.directory import DEPARTMENT_BY_CODE, department_type
from schema.directory import Department

logger = logging.getLogger("resolvers.liferecord")

Found = dict[str, Department | None]


class ProvenanceDepartments:
    """One directory lookup for the provenance of all the sections a query asks for.

    The section fields of a life record start together and get their values at
    different times (each department answers at its own pace). Looked up one section at
    a time, the departments would cost one query per section that happened to finish
    alone: a number that changes with timing. Instead each section, once it has its
    value, waits until every sibling has its value too, and the last one looks up all
    their codes at once: straight from the directory's memory when it keeps every one of
    them (no read, no task), else through the request's DataLoader (so codes already
    loaded in this request are not asked for again). Since the response waits for the
    slowest section anyway, the wait costs nothing.
    """

    def __init__(self) -> None:
        self._running = 0
        self._codes: set[str] = set()
        self._round: asyncio.Future[Found] | None = None
        self._lookup: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """A section begins; it must end with :meth:`departments` or :meth:`abandon`."""
        if self._round is None:
            self._round = asyncio.get_running_loop().create_future()
        self._running += 1
        # Let every sibling section start before any of them can finish.
        await asyncio.sleep(0)

    def abandon(self, info: Info) -> None:
        """A section ends without a value (it failed): do not keep its siblings waiting."""
        self._finish(info, set())

    async def departments(self, info: Info, codes: set[str], *, wanted: bool) -> Found:
        """The directory entries of ``codes``, once every sibling section has its value.

        ``wanted`` is False when this section's query does not show department names: it
        then neither waits nor looks anything up.
        """
        round_ = self._finish(info, codes if wanted else set())
        if not wanted or not codes:
            return {}
        found = await round_
        return {code: found.get(code) for code in codes}

    def _finish(self, info: Info, codes: set[str]) -> asyncio.Future[Found]:
        round_ = self._round
        if round_ is None:
            raise RuntimeError("a section finished that never started")
        self._codes |= codes
        self._running -= 1
        if self._running == 0:
            wanted, self._codes, self._round = sorted(self._codes), set(), None
            try:
                kept = info.context.service(DirectoryService).kept_by_code(wanted)
            except Exception:  # the names are a nicety: the lookup below logs what is wrong
                kept = None
            if kept is not None:  # all in the directory's memory: no read, no task
                round_.set_result(
                    {code: department_type(d) for code, d in zip(wanted, kept, strict=True)}
                )
            else:
                self._lookup = asyncio.ensure_future(_look_up(info, wanted, round_))
        return round_


async def _look_up(info: Info, codes: list[str], into: asyncio.Future[Found]) -> None:
    found: Found = {}
    if codes:
        try:
            departments = await info.context.loader(DEPARTMENT_BY_CODE).load_many(codes)
        except Exception:  # the names are a nicety: the sections still show without them
            logger.warning("resolvers.liferecord.departments_unavailable", exc_info=True)
        else:
            found = {
                code: None if department is None else department_type(department)
                for code, department in zip(codes, departments, strict=True)
            }
    if not into.done():
        into.set_result(found)
