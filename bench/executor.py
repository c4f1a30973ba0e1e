"""In-process executor micro-benchmark: graphql-core's ``execute`` against the plans.

    .venv/bin/python -m bench.executor [--seconds 4]

Both run the same parsed document on the same schema in one process, in alternating
slices (so drift hits both alike), as Strawberry calls them (its execution context,
its ``is_awaitable``); no HTTP, no JSON, no parsing or validation. Two pages:

- the departments page of :mod:`bench.graphql_vs_rest` (14 items, ~300 fields), with
  the real resolvers over an in-memory directory;
- the full life record of :mod:`bench.liferecord_concurrency` (8 sections, unions,
  provenance on every item): its resolvers need Redis and the database, so here every
  value comes from memory through the differential test's stand-ins
  (``tests/app/execution_standins.py``) with no errors, nulls or awaitables, drawn
  in a first run and then written down as plain objects (``World.record``), so
  attribute reads cost what a dataclass's do: a stand-in's Python ``__getattr__``
  (and the ``AttributeError`` it raises for every ``__await__`` probe) would add the
  same cost to both sides, several hundred µs that real sources do not have.

Prints a table (µs per execution, speed-up), then the figures as one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from graphql import DocumentNode, ExecutionResult, GraphQLSchema, execute, parse
from strawberry.execution.is_awaitable import optimized_is_awaitable
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from app.execution import PlannedExecutor
from app.graphql import GraphQLLimits, build_schema
from bench.graphql_vs_rest import QUERY as DEPARTMENTS_QUERY
from bench.liferecord_concurrency import QUERY as LIFE_RECORD_QUERY
from bench.memory import InMemoryDepartmentRepository
from demo.data.departments import DEPARTMENTS
from directory.service import DirectoryService
from kit.registry import ServiceRegistry
from resolvers.context import Context
from tests.app.execution_standins import StandIn, World, standin_schema

EXECUTORS: dict[str, type[Any]] = {
    "graphql-core": StrawberryGraphQLCoreExecutionContext,
    "plan": PlannedExecutor,
}


@dataclass
class Page:
    """One document on one schema, and how to make each execution's inputs."""

    name: str
    schema: GraphQLSchema
    document: DocumentNode
    context: Callable[[], Any]
    root: Callable[[], Any]


async def execute_once(page: Page, executor: type[Any]) -> ExecutionResult:
    """One execution, as Strawberry makes it."""
    result = execute(
        page.schema,
        page.document,
        root_value=page.root(),
        context_value=page.context(),
        executor_class=executor,
        is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]
    )
    if optimized_is_awaitable(result):
        return await result  # type: ignore[no-any-return, misc]
    return result  # type: ignore[return-value]


def departments_page() -> Page:
    """The departments page with the real resolvers over an in-memory directory."""
    services = ServiceRegistry([DirectoryService(InMemoryDepartmentRepository(DEPARTMENTS))])
    return Page(
        "departments page (14 items)",
        build_schema(GraphQLLimits())._schema,
        parse(DEPARTMENTS_QUERY),
        lambda: Context(services=services),
        lambda: None,
    )


def life_record_page() -> Page:
    """The full life record, every value from memory (stand-ins, nothing wrong)."""
    worlds: list[World] = []
    schema = standin_schema(lambda: worlds[0], type_checks=False)
    document = parse(LIFE_RECORD_QUERY)
    seed = _fullest_seed(schema, document, worlds)
    world = World(schema, seed, wrong_rate=0.0, memo=True, first_member=True)
    worlds[:] = [world]
    root = world.root()
    assert isinstance(root, StandIn)
    execute(schema, document, root_value=root, context_value=None)
    world.record(root)
    return Page("full life record (8 sections)", schema, document, lambda: None, world.root)


def _fullest_seed(schema: GraphQLSchema, document: DocumentNode, worlds: list[World]) -> int:
    """The seed whose world answers with the most data (every section a section)."""

    def size(seed: int) -> int:
        world = World(schema, seed, wrong_rate=0.0, first_member=True)
        worlds[:] = [world]
        result = execute(schema, document, root_value=world.root(), context_value=None)
        assert isinstance(result, ExecutionResult)
        return len(json.dumps(result.data))

    return max(range(40), key=size)


async def measure(page: Page, seconds: float) -> dict[str, float]:
    """µs per execution for each executor, over alternating slices."""
    answers = {name: await execute_once(page, cls) for name, cls in EXECUTORS.items()}
    first, second = ((a.data, [e.formatted for e in a.errors or ()]) for a in answers.values())
    if first != second:
        raise SystemExit(f"{page.name}: the executors disagree")
    totals = dict.fromkeys(EXECUTORS, 0.0)
    counts = dict.fromkeys(EXECUTORS, 0)
    slice_seconds = seconds / 10
    for round_ in range(10):
        order = list(EXECUTORS.items())
        for name, cls in order if round_ % 2 == 0 else order[::-1]:
            start = time.process_time()
            while time.process_time() - start < slice_seconds / 2:
                await execute_once(page, cls)
                counts[name] += 1
            totals[name] += time.process_time() - start
    return {name: totals[name] / counts[name] * 1e6 for name in EXECUTORS}


async def run(seconds: float) -> list[tuple[str, dict[str, float]]]:
    """Both pages, measured."""
    pages: Sequence[Page] = (departments_page(), life_record_page())
    return [(page.name, await measure(page, seconds)) for page in pages]


def _table(figures: list[tuple[str, dict[str, float]]]) -> str:
    lines = [
        f"{'page':32} {'graphql-core µs':>16} {'plan µs':>10} {'speed-up':>9}",
        "-" * 70,
    ]
    for name, us in figures:
        speedup = us["graphql-core"] / us["plan"]
        lines.append(f"{name:32} {us['graphql-core']:16.1f} {us['plan']:10.1f} {speedup:8.1f}x")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Measure and print."""
    parser = argparse.ArgumentParser(prog="python -m bench.executor", description=__doc__)
    parser.add_argument("--seconds", type=float, default=4.0, help="CPU seconds per page")
    args = parser.parse_args(argv)
    figures = asyncio.run(run(args.seconds))
    print(_table(figures))
    print(
        json.dumps(
            {
                name: {
                    "graphql_core_us": round(us["graphql-core"], 1),
                    "plan_us": round(us["plan"], 1),
                    "speedup": round(us["graphql-core"] / us["plan"], 2),
                }
                for name, us in figures
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
