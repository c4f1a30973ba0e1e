"""Compiled selection sets (``app/execution/codegen.py``): what ends up in generated code.

That they answer as graphql-core does is the differential test's job
(``test_execution_plans.py`` runs every fixed document six times, so hot selections run
compiled). Here: a client's names never reach the generated source, a document run once
is not compiled (the next run is), and a trusted document's pinned plan is compiled at
once.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from types import CodeType
from typing import Any

from graphql import ExecutionResult, GraphQLObjectType, execute, parse
from strawberry.execution.is_awaitable import optimized_is_awaitable
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

from app.execution import PLANS, PlannedExecutor, plan_for
from app.execution.codegen import PLAIN_OBJECTS, learn
from app.execution.plans import Abstract, Completion, ListOf, NonNull, ObjectSelection
from app.graphql import GraphQLLimits, build_schema
from bench.memory import InMemoryDepartmentRepository
from demo.data.departments import DEPARTMENTS
from directory.service import DirectoryService
from kit.registry import ServiceRegistry
from resolvers.context import Context

SCHEMA = build_schema(GraphQLLimits())._schema
SERVICES = ServiceRegistry([DirectoryService(InMemoryDepartmentRepository(DEPARTMENTS))])

# Aliases a client chooses; GraphQL names, but ones that read like Python.
DOCUMENT = """
query Sneaky {
  departments(first: 3) {
    edges {
      __import__: cursor
      exec: node { os: code system: name { zh __class__: en } kind }
    }
  }
}
"""
CLIENT_NAMES = {"__import__", "exec", "os", "system", "__class__"}
BACKREF = GraphQLCoreConverter.DEFINITION_BACKREF
# And the Python attributes of the schema's plain fields, which it reads as attributes.
PYTHON_ATTRIBUTES = {
    backref.python_name
    for type_ in SCHEMA.type_map.values()
    if isinstance(type_, GraphQLObjectType)
    for field in type_.fields.values()
    if isinstance(backref := (field.extensions or {}).get(BACKREF), StrawberryField)
}
# What generated code may name: the constants codegen binds (``_p0``, ``_n0``, …), the
# locals of nested objects (``s1``, ``r1``, ``a1``), and these.
GENERATED_NAME = re.compile(r"_[a-z]+[0-9]+|[sra][0-9]+")
FIXED_NAMES = {
    *("run", "ex", "source", "path", "is_awaitable", "results", "awaitable_fields", "field"),
    *("value", "kind", "coerced", "result", "raw_error", "completed", "field_path", ".0"),
    *("Path", "Undefined", "UNSET", "PLAIN", "isinstance", "type", "dict", "Exception"),
    *("completion", "append", "settle_in_background", "_gather_fields", "_field_error"),
    *("_resolved", "_execute_field", "_await_completed", "_run_selection", "id", "str", "int"),
    *("plain", "PLAIN_OBJECTS", "KNOWN_IS_AWAITABLE", "NO_TYPES", "learn", "__dict__", "__await__"),
    *("list", "info", "build_resolve_info", "definition", "nodes", "parent_type"),
    *("_complete_iterable", "_complete_abstract", "slow"),
}


def run_once() -> ExecutionResult:
    async def go() -> ExecutionResult:
        result = execute(
            SCHEMA,
            parse(DOCUMENT),
            context_value=Context(services=SERVICES),
            executor_class=PlannedExecutor,
            is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]
        )
        if optimized_is_awaitable(result):
            return await result  # type: ignore[no-any-return, misc]
        assert isinstance(result, ExecutionResult)
        return result

    return asyncio.run(go())


def compiled_functions(*, pinned: bool = False) -> Iterator[Any]:
    plans = PLANS._pinned if pinned else PLANS._plans
    for plan in plans.values():
        for root in (plan.roots if plan else {}).values():
            if root.run is not None:
                yield root.run
            for field in root.fields:
                yield from _selection_runs(field.completion)


def _selection_runs(completion: Completion) -> Iterator[Any]:
    while isinstance(completion, NonNull | ListOf):
        completion = completion.inner if isinstance(completion, NonNull) else completion.item
    selections: list[ObjectSelection] = []
    if isinstance(completion, ObjectSelection):
        selections = [completion]
    elif isinstance(completion, Abstract):
        selections = list(completion.by_type.values())
    for selection in selections:
        if selection.run is not None:
            yield selection.run
        for field in selection.fields or ():
            yield from _selection_runs(field.completion)


def _code_strings(code: CodeType) -> Iterator[str]:
    yield from code.co_names
    yield from code.co_varnames
    for constant in code.co_consts:
        if isinstance(constant, str):
            yield constant
        elif isinstance(constant, CodeType):
            yield from _code_strings(constant)


def test_client_names_never_reach_the_generated_source() -> None:
    # given: a document whose aliases read like Python, run until its selections are hot
    PLANS.clear()
    first = run_once()
    second = run_once()
    # then: the answers are the same, under the client's names
    assert first.errors is None
    assert second.data == first.data
    edge = second.data["departments"]["edges"][0]  # type: ignore[index]
    assert set(edge) == {"__import__", "exec"}
    assert set(edge["exec"]["system"]) == {"zh", "__class__"}
    # and the compiled code names only what codegen made up: the client's names are
    # values bound to generated identifiers, never source text
    functions = list(compiled_functions())
    assert functions
    bound: set[str] = set()
    for function in functions:
        names = set(_code_strings(function.__code__))
        assert not names & CLIENT_NAMES
        unexpected = {n for n in names if not GENERATED_NAME.fullmatch(n)} - FIXED_NAMES
        unexpected -= PYTHON_ATTRIBUTES
        assert not unexpected
        bound |= {v for v in function.__globals__.values() if isinstance(v, str)}
    assert bound >= CLIENT_NAMES


def test_a_document_run_once_is_walked_and_compiled_when_run_again() -> None:
    # given
    PLANS.clear()
    # when: one run (a flood of distinct ad-hoc documents is only ever this)
    first = run_once()
    # then: nothing was compiled
    assert not list(compiled_functions())
    # when: the same document again
    second = run_once()
    # then: its selections ran compiled, with the same answer
    assert list(compiled_functions())
    assert second.data == first.data


def test_a_trusted_documents_pinned_plan_is_compiled_on_its_first_run() -> None:
    # given: the plan pinned, as the router does for trusted documents at start-up
    PLANS.clear()
    plan = plan_for(SCHEMA, parse(DOCUMENT), pinned=True)
    assert plan is not None
    assert plan.pinned
    # when
    run_once()
    # then
    assert list(compiled_functions(pinned=True))


def test_only_types_whose_objects_cannot_be_awaitable_are_learned_as_plain() -> None:
    # given: a plain class, and classes where is_awaitable's answer depends on more
    class Plain:
        pass

    class WithGetattr:
        def __getattr__(self, name: str) -> object:
            return name

    class WithAwait:
        def __await__(self) -> Iterator[None]:
            yield None

    class Slotted:
        __slots__ = ("x",)

    class Raised(Exception):
        pass

    class Disguised:
        __class__ = WithAwait  # type: ignore[assignment]

    kinds = (Plain, WithGetattr, WithAwait, Slotted, Raised, Disguised)
    # when
    for kind in kinds:
        learn(kind)
    # then
    assert [kind in PLAIN_OBJECTS for kind in kinds] == [True, False, False, False, False, False]
