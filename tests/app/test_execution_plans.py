"""Differential test: compiled plans answer exactly as graphql-core's executor.

Every document runs twice on the same seeded stand-in world
(``tests/app/execution_standins.py``): once through Strawberry's graphql-core
execution context, once through :class:`PlannedExecutor`. Data (key order included),
error messages, paths and locations, and the order of the errors must be identical.

What is run: every query in the README, every ``.graphql`` document under
``documents/`` (the trusted documents' folder, when present), the hand-written
documents below, and 1,000 queries hypothesis-graphql writes from our schema, each
decorated at random (seeded by its text) with aliases, inline fragments with type
conditions, named fragments, and ``@include``/``@skip`` on variables and literals.

What the spec allows to differ, and how this test treats it: the spec leaves the
order of the ``errors`` list unspecified, and lets non-serial fields resolve in any
order, so errors from concurrent resolvers could come out in another order. The
plans create and gather awaitables exactly where graphql-core does, so this test
demands the same order anyway (stricter than the spec); everything else, data,
null propagation, messages and paths, the spec fixes.
"""

from __future__ import annotations

import asyncio
import gc
import json
import random
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import graphql
import pytest
from graphql import (
    DocumentNode,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    parse,
    validate,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import queries
from strawberry.execution.is_awaitable import optimized_is_awaitable
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from app.execution import PLANS, PlannedExecutor, plan_for
from app.execution.codegen import HOT_AFTER
from app.graphql import GraphQLLimits, build_schema
from tests.app.execution_decorate import decorate, variable_values
from tests.app.execution_standins import World, standin_schema

# graphql-core leaves unstarted coroutines of nulled subtrees to the collector (see
# _drop_abandoned_coroutines); their "never awaited" warning is expected here.
pytestmark = pytest.mark.filterwarnings("ignore:coroutine .* was never awaited:RuntimeWarning")

ROOT = Path(__file__).resolve().parents[2]
README_BLOCKS = re.findall(
    r"```graphql\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.DOTALL
)

_world: list[World] = []
SCHEMA: GraphQLSchema = standin_schema(lambda: _world[0])

# Hand-written: the shapes the generated documents reach only by luck.
HANDWRITTEN = {
    "directives with variables and literals": """
    query Q($on: Boolean!, $off: Boolean!) {
      a: departments(first: 3) @include(if: $on) { edges { cursor } }
      departments(first: 2) @skip(if: $off) {
        edges { node { code ... on Department @include(if: $off) { kind } } }
        pageInfo @include(if: true) { hasNextPage endCursor }
        edges @skip(if: $on) { node { name { zh } } }
      }
    }""",
    "named fragments nested, aliases on one field": """
    query { ...Top }
    fragment Top on Query {
      x: departments(first: 1) { ...Page } y: departments(first: 2) { ...Page }
    }
    fragment Page on DepartmentConnection { edges { node { ...Node c2: code } } }
    fragment Node on Department { code name { zh en } contact { phone } }
    """,
}


def documents() -> Iterator[tuple[str, str]]:
    """Every fixed query to compare, with where it comes from."""
    for number, block in enumerate(README_BLOCKS, 1):
        for index, definition in enumerate(parse(block).definitions, 1):
            if (
                isinstance(definition, OperationDefinitionNode)
                and definition.operation is OperationType.QUERY
            ):
                text = graphql.print_ast(DocumentNode(definitions=(definition,)))
                yield f"README block {number} #{index}", text
    folder = ROOT / "documents"
    for path in sorted(folder.rglob("*.graphql")) if folder.is_dir() else ():
        yield str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")
    yield from HANDWRITTEN.items()


LOOP = asyncio.new_event_loop()


def run(document: DocumentNode, variables: dict[str, Any], seed: int, executor: type[Any]) -> Any:
    """One execution of ``document`` on the world of ``seed``, as a comparable value."""
    _world[:] = [World(SCHEMA, seed)]

    async def go() -> Any:
        result = graphql.execute(
            SCHEMA,
            document,
            root_value=_world[0].root(),
            variable_values=variables,
            executor_class=executor,
            is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]
        )
        if isinstance(result, graphql.ExecutionResult):
            return result
        return await result

    gc.disable()  # so that what the run allocates stays young, see below
    try:
        result = LOOP.run_until_complete(go())
        # Work settled in the background (siblings of a propagated error) ends here,
        # not during the next run.
        pending = asyncio.all_tasks(LOOP)
        if pending:
            LOOP.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        data = json.dumps(result.data, default=repr)
        errors = [
            (e.message, e.path, [tuple(loc) for loc in e.locations or ()])
            for e in result.errors or ()
        ]
        del result  # its errors' tracebacks hold the run's frames
    finally:
        _world[0].close_unawaited()
        _drop_abandoned_coroutines()
        gc.enable()
    return data, errors


def _drop_abandoned_coroutines() -> None:
    """Collect what the run left behind, now.

    When a non-null error nulls a parent, graphql-core (and so the plan) leaves its
    siblings' unstarted coroutines to the garbage collector, which warns "never
    awaited". Left to run at a random later moment, that warning can fire inside a
    frame with no ``__import__`` (a namedtuple's ``__new__``) and become an
    unraisable error; collected here, with that expected warning silenced, it cannot.
    With the collector off during the run, all of it is in the youngest generation,
    which is quick to collect (a full collection costs ~0.1 s under Hypothesis).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        gc.collect(0)


def assert_same(
    document: str, variables: dict[str, Any], seed: int, *, compiled_too: bool = False
) -> None:
    """The plan's answer is graphql-core's, exactly; with ``compiled_too``, also once
    the plan is hot and its selections run as generated code (``app/execution/codegen``)."""
    parsed = parse(document)
    expected = run(parsed, variables, seed, StrawberryGraphQLCoreExecutionContext)
    planned = run(parsed, variables, seed, PlannedExecutor)
    assert planned == expected, document
    if compiled_too:
        plan = plan_for(SCHEMA, parsed)
        assert plan is None or plan.runs >= HOT_AFTER - 1
        assert run(parsed, variables, seed, PlannedExecutor) == expected, document


@pytest.mark.parametrize(("where", "document"), list(documents()), ids=lambda v: str(v)[:50])
def test_fixed_documents_answer_as_graphql_core(where: str, document: str) -> None:
    # given: a query, its variables, and three worlds (one with no wrong values)
    assert validate(SCHEMA, parse(document)) == [], where
    variables = variable_values(SCHEMA, parse(document), random.Random(where))
    for seed in range(3):
        # when / then: run twice each, so the second run uses the cached plan
        assert_same(document, variables, seed)
        assert_same(document, variables, seed + 100)


def test_the_app_schema_runs_queries_from_plans() -> None:
    # given / when
    schema = build_schema(GraphQLLimits())
    # then
    assert schema.execution_context_class is PlannedExecutor


def test_plan_for_compiles_trusted_documents_once_and_refuses_what_it_cannot_plan() -> None:
    # given
    PLANS.clear()
    query = parse(HANDWRITTEN["directives with variables and literals"])
    mutation = parse("mutation { signOut { __typename } }")
    # when
    first = plan_for(SCHEMA, query)
    again = plan_for(SCHEMA, parse(HANDWRITTEN["directives with variables and literals"]))
    # then: one plan for the text, whoever parsed it; mutations stay generic
    assert first is not None
    assert first is again
    assert first.conditional_variables == ("off", "on")
    assert plan_for(SCHEMA, mutation) is None


def test_a_pinned_plan_outlives_a_flood_of_ad_hoc_documents() -> None:
    # given a trusted document's plan pinned (as the router does at start-up)
    PLANS.clear()
    trusted = HANDWRITTEN["directives with variables and literals"]
    pinned = plan_for(SCHEMA, parse(trusted), pinned=True)
    # when more ad-hoc documents than the LRU holds are planned
    for n in range(PLANS.maxsize + 10):
        plan_for(SCHEMA, parse(f"query Q{n} {{ __typename }}"))
    # then the trusted plan is still the same object, and the LRU stayed bounded
    assert pinned is not None
    assert plan_for(SCHEMA, parse(trusted)) is pinned
    assert len(PLANS) == PLANS.maxsize + 1


def test_the_plan_is_used_and_cached() -> None:
    # given
    document = HANDWRITTEN["named fragments nested, aliases on one field"]
    PLANS.clear()
    # when
    assert_same(document, {}, 1)
    assert_same(document, {}, 2)
    # then: one plan, compiled for the one set of conditional values
    assert len(PLANS) == 1


_CUSTOM_SCALARS = {
    "DateTime": st.just(graphql.StringValueNode(value="2026-03-01T08:00:00+08:00")),
    "Date": st.just(graphql.StringValueNode(value="2026-03-01")),
    "Decimal": st.just(graphql.StringValueNode(value="12.5")),
    "JSON": st.just(graphql.NullValueNode()),
}
# One root field a document: small documents, generated ~6x faster than over all
# root fields at once, so 1,000 of them fit in CI's time.
GENERATED = st.one_of(
    *(
        queries(SCHEMA, fields=[name], custom_scalars=_CUSTOM_SCALARS, print_ast=lambda n: n)
        for name in SCHEMA.query_type.fields  # type: ignore[union-attr]
    )
)


@settings(
    max_examples=1000,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(GENERATED, st.integers(0, 2**16))
def test_generated_documents_answer_as_graphql_core(document: DocumentNode, seed: int) -> None:
    # given: a generated query, decorated with fragments, aliases and directives
    r = random.Random(seed)
    text = decorate(SCHEMA, document, r)
    variables = variable_values(SCHEMA, parse(text), r)
    # when / then: walked the first time, compiled the second
    assert_same(text, variables, seed, compiled_too=True)


def test_stand_ins_reach_every_case() -> None:
    """The worlds really produce errors, nulls in non-null fields and awaitables."""
    text = HANDWRITTEN["named fragments nested, aliases on one field"]
    messages = [
        m for seed in range(40) for m, _, _ in run(parse(text), {}, seed, PlannedExecutor)[1]
    ]
    assert any(m.startswith("raised at") for m in messages)
    assert any(m.startswith("returned at") for m in messages)
    assert any(m.startswith("Cannot return null for non-nullable field") for m in messages)


@settings(
    max_examples=50,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(GENERATED, st.integers(0, 2**16))
def test_decorated_documents_stay_valid(document: DocumentNode, seed: int) -> None:
    """The decoration is valid by construction; checked on a sample (validating all
    1,000 would cost more than running them)."""
    text = decorate(SCHEMA, document, random.Random(seed))
    assert validate(SCHEMA, parse(text)) == [], text
