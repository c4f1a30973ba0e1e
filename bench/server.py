"""The app under test: ``create_app`` plus one bench-only plain FastAPI route.

Run as a child process by :mod:`bench.graphql_vs_rest`::

    python -m bench.server --port 8123 [--memory]

Settings come from the environment (``SZ_*``), as for the real service. ``--memory``
swaps ``app.state.services`` after start-up for services over an in-memory directory
holding the demo departments, so both endpoints then skip the database.

``BENCH_PROFILE=path`` serves under cProfile and writes the statistics to ``path`` when
the server stops (``bench.profile_graphql`` reads them: where a request's CPU goes).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import signal
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI, Request

from app.main import create_app
from app.settings import Settings
from bench.memory import memory_services
from demo.data.departments import DEPARTMENTS
from demo.providers import demo_providers
from directory.models import Department, DepartmentPage
from directory.service import DirectoryService
from kit.registry import ServiceRegistry
from kit.text import Localized
from resolvers.directory import CURSOR_KIND
from schema.common import encode_cursor
from schema.directory import DepartmentKind

REST_PATH = "/bench/rest/departments"


def _text(value: Localized) -> dict[str, str]:
    return {"zh": value.zh, "en": value.en}


def _node(department: Department) -> dict[str, Any]:
    contact = department.contact
    return {
        "code": department.code,
        "name": _text(department.name),
        "shortName": _text(department.short_name),
        "kind": DepartmentKind(department.kind.value).name,
        "contact": {
            "phone": contact.phone,
            "address": _text(contact.address),
            "officeHours": _text(contact.office_hours),
            "website": contact.website,
        },
    }


def page_document(page: DepartmentPage) -> dict[str, Any]:
    """The page as the GraphQL response of the benchmark query: ``{"data": {...}}``."""
    edges = [
        {"cursor": encode_cursor(CURSOR_KIND, item.code), "node": _node(item)}
        for item in page.items
    ]
    return {
        "data": {
            "departments": {
                "edges": edges,
                "pageInfo": {
                    "hasNextPage": page.has_next_page,
                    "endCursor": edges[-1]["cursor"] if edges else None,
                },
            }
        }
    }


def bench_app(settings: Settings, *, memory: bool) -> FastAPI:
    """The service's app with the plain route added; with ``memory``, in-memory services."""
    app = create_app(settings, providers=demo_providers)

    async def departments_rest(request: Request, first: int = 20) -> dict[str, Any]:
        """The benchmark query's answer from the same service call, without GraphQL."""
        services: ServiceRegistry = request.app.state.services
        page = await services.get(DirectoryService).list_departments(first=first)
        return page_document(page)

    app.add_api_route(REST_PATH, departments_rest, methods=["GET"], include_in_schema=False)

    if memory:
        started = app.router.lifespan_context

        @asynccontextmanager
        async def lifespan(app: FastAPI) -> AsyncIterator[Any]:
            # The real start-up runs first (clients opened, servers checked); only the
            # services both endpoints read from app.state are replaced afterwards.
            async with started(app) as state:
                app.state.services = memory_services(app.state.services, DEPARTMENTS)
                yield state

        app.router.lifespan_context = lifespan
    return app


def main(argv: Sequence[str] | None = None) -> int:
    """Serve the bench app on 127.0.0.1 with one uvicorn worker until stopped."""
    parser = argparse.ArgumentParser(prog="python -m bench.server", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--memory", action="store_true", help="serve from an in-memory directory")
    args = parser.parse_args(argv)
    settings = Settings(_env_file=None)
    config = uvicorn.Config(
        bench_app(settings, memory=args.memory),
        host="127.0.0.1",
        port=args.port,
        workers=1,
        log_level="warning",
        # One log line per request would be measured too; both endpoints lose it alike.
        access_log=False,
    )
    server = uvicorn.Server(config)
    profile_to = os.environ.get("BENCH_PROFILE")
    if not profile_to:
        server.run()
        return 0
    # uvicorn raises the signal that stopped it again once shut down; with the default
    # handler that would end the process before the statistics are written.
    signal.signal(signal.SIGTERM, _stopped)
    profiler = cProfile.Profile()
    try:
        profiler.runcall(server.run)
    except _Stopped:
        pass
    finally:
        profiler.dump_stats(profile_to)
    return 0


class _Stopped(Exception):
    """SIGTERM, raised again by uvicorn after its graceful shutdown."""


def _stopped(signum: int, _frame: object) -> None:
    raise _Stopped(signum)


if __name__ == "__main__":
    raise SystemExit(main())
