"""The plans call a field's resolver function without Strawberry's wrapper only where
the wrapper would pass the same arguments (``app/execution/direct.py``).

A small Strawberry schema whose resolvers echo what they receive is run twice per
query: by graphql-core through Strawberry's wrappers, and by the plans. The answers,
errors included, must be the same.
"""

from __future__ import annotations

import asyncio
import enum
from typing import Annotated, Any

import pytest
import strawberry
from graphql import GraphQLObjectType, parse
from strawberry.extensions.field_extension import FieldExtension
from strawberry.permission import BasePermission
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from app.execution import PlannedExecutor, plan_for
from app.execution.direct import direct_resolver
from app.graphql import build_schema


@strawberry.enum
class Colour(enum.Enum):
    """An enum argument (its member reaches the function)."""

    RED = "red"
    BLUE = "blue"


def _echo(**received: Any) -> str:
    return ",".join(
        f"{name}={value!r}" if not isinstance(value, strawberry.Info) else f"{name}=Info"
        for name, value in sorted(received.items())
    )


@strawberry.input
class Box:
    """An input object argument: converted by Strawberry, so its wrapper stays."""

    width: int


class Never(BasePermission):
    message = "not for you"

    def has_permission(self, source: Any, info: strawberry.Info, **kwargs: Any) -> bool:
        return False


class Shout(FieldExtension):
    """An extension: the wrapper runs it, so the field keeps its wrapper."""

    def resolve(self, next_: Any, source: Any, info: strawberry.Info, **kwargs: Any) -> Any:
        return str(next_(source, info, **kwargs)).upper()


def _secret() -> str | None:
    return "secret"


def _word(word: str) -> str:
    return word


def _unbound(info: strawberry.Info, times: int = 2) -> str:
    # A function outside any class: no source is passed to it.
    return _echo(times=times, info=info)


NEVER: list[type[BasePermission]] = [Never]
SHOUT: list[FieldExtension] = [Shout()]


@strawberry.type
class Child:
    """Resolvers asking for the source under each of its names."""

    label: str

    @strawberry.field
    def as_self(self, times: int = 1) -> str:
        return self.label * times

    @strawberry.field
    def as_root(self, root: Any, info: strawberry.Info) -> str:
        return f"{root.label}:{info.field_name}:{info.path.key}"

    @strawberry.field
    def as_parent(self, parent: strawberry.Parent[Child]) -> str:
        return parent.label


@strawberry.type
class Query:
    """Resolvers of every shape the direct path takes, and some it leaves."""

    @strawberry.field
    def plain(self) -> str:
        return "plain"

    @strawberry.field
    def camel_args(
        self,
        first_count: int,
        maybe_text: str | None = None,
        colour: Colour | None = None,
        ratio: float = 0.5,
        flag: bool = False,
        ident: strawberry.ID | None = None,
    ) -> str:
        return _echo(
            first_count=first_count,
            maybe_text=maybe_text,
            colour=colour,
            ratio=ratio,
            flag=flag,
            ident=ident,
        )

    @strawberry.field
    def renamed(self, value: Annotated[int, strawberry.argument(name="v")] = 3) -> str:
        return _echo(value=value)

    @strawberry.field
    def no_default(self, text: str | None) -> str | None:
        # Without ``text`` in the query the call itself fails, on both paths.
        return _echo(text=text)

    @strawberry.field
    async def later(self, info: strawberry.Info, delay: int = 0) -> str:
        await asyncio.sleep(delay / 1000)
        return _echo(info=info, delay=delay, path=info.path.key)

    @strawberry.field
    def fails(self, code: int) -> str | None:
        raise ValueError(f"failed {code}")

    @strawberry.field
    async def fails_later(self) -> str | None:
        raise ValueError("failed later")

    @strawberry.field
    def child(self, label: str) -> Child:
        return Child(label=label)

    @strawberry.field
    def boxed(self, box: Box) -> int | None:
        return box.width

    guarded: str | None = strawberry.field(resolver=_secret, permission_classes=NEVER)
    shouted: str = strawberry.field(resolver=_word, extensions=SHOUT)
    unbound: str = strawberry.field(resolver=_unbound)


SCHEMA = strawberry.Schema(query=Query)
DIRECT = {
    "plain",
    "camelArgs",
    "renamed",
    "noDefault",
    "later",
    "fails",
    "failsLater",
    "child",
    "unbound",
}
"""The root fields called without the wrapper (not boxed, guarded, shouted)."""

DOCUMENTS = [
    "{ plain }",
    "{ a: camelArgs(firstCount: 2) b: camelArgs(firstCount: 1, maybeText: null, "
    'colour: BLUE, ratio: 2, flag: true, ident: "x") }',
    "query($n: Int!, $c: Colour) { camelArgs(firstCount: $n, colour: $c) }",
    "{ renamed r: renamed(v: 9) }",
    '{ noDefault n: noDefault(text: null) t: noDefault(text: "t") }',
    "{ later l2: later(delay: 2) plain }",
    "{ fails(code: 7) plain }",
    "{ failsLater plain }",
    '{ child(label: "ab") { asSelf twice: asSelf(times: 2) asRoot asParent } }',
    "{ boxed(box: { width: 4 }) guarded plain }",
    '{ shouted(word: "hi") }',
    "{ unbound u3: unbound(times: 3) }",
]


async def _run(document: str, executor: type[Any]) -> dict[str, Any]:
    schema = SCHEMA
    schema.execution_context_class = executor
    answers = []
    for _ in range(3):  # walked, then compiled once hot
        result = await schema.execute(document, variable_values={"n": 5, "c": "RED"})
        answers.append(
            {
                "data": result.data,
                "errors": [(e.message, e.path) for e in result.errors or ()],
            }
        )
    assert answers[0] == answers[1] == answers[2]
    if executor is PlannedExecutor:  # the plan ran, with the direct calls in it
        plan = plan_for(schema._schema, parse(document))
        assert plan is not None
        assert plan.runs == 3
        resolvers = {
            field.field_name: field.resolve is not field.definition.resolve
            for root in plan.roots.values()
            for field in root.fields
        }
        assert resolvers == {name: name in DIRECT for name in resolvers}
    return answers[0]


@pytest.mark.parametrize("document", DOCUMENTS)
async def test_the_plans_pass_what_strawberrys_wrapper_passes(document: str) -> None:
    # given: graphql-core's answer, every resolver through Strawberry's wrapper
    expected = await _run(document, StrawberryGraphQLCoreExecutionContext)
    # when: the plans answer
    planned = await _run(document, PlannedExecutor)
    # then: the same data and errors, and the resolvers ran (not all null)
    assert planned == expected
    assert planned["data"] is not None


def test_only_fields_whose_wrapper_just_passes_arguments_are_called_directly() -> None:
    # given
    schema = SCHEMA._schema
    assert schema.query_type is not None
    fields = schema.query_type.fields
    direct = {name for name, field in fields.items() if direct_resolver(schema, field)}
    # then: the wrapper stays for an input object, a permission class, an extension
    assert direct == DIRECT
    child = schema.type_map["Child"]
    assert isinstance(child, GraphQLObjectType)
    resolved = {name for name, field in child.fields.items() if direct_resolver(schema, field)}
    assert resolved == {"asSelf", "asRoot", "asParent"}  # not ``label``: no function
    # and a resolver that takes no info is not given one
    plain = direct_resolver(schema, fields["plain"])
    later = direct_resolver(schema, fields["later"])
    assert plain is not None
    assert later is not None
    assert (plain.needs_info, later.needs_info) == (False, True)


def test_the_city_schema_calls_its_hot_resolvers_directly() -> None:
    # given the app's schema
    schema = build_schema()._schema
    assert schema.query_type is not None
    query = schema.query_type.fields
    life_record = schema.type_map["LifeRecord"]
    assert isinstance(life_record, GraphQLObjectType)
    # then: the directory and the life record's sections skip the wrapper
    assert direct_resolver(schema, query["departments"]) is not None
    assert all(direct_resolver(schema, field) for field in life_record.fields.values())
    # and a guarded field keeps it (its guard is an extension)
    assert direct_resolver(schema, query["enterpriseWallet"]) is None
