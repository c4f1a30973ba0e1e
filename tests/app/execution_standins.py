"""A schema whose every value is a seeded stand-in, for the plans' differential test.

:func:`standin_schema` builds the real schema afresh and keeps its Strawberry wiring
(plain attribute fields still read attributes with Strawberry's resolver), but:

- every field with a resolver of its own answers through :class:`World` instead;
- sources are :class:`StandIn` objects whose attributes :class:`World` makes up;
- abstract types resolve to the concrete type each stand-in was made as, and some
  object types get an ``is_type_of`` (sync or async) that checks it.

A value is drawn from the field's type with a ``random.Random`` seeded by the run's
seed and the value's position (source key, field, arguments), so two executions of
one document see the same values whatever order they ask in: real values, nulls,
returned and raised exceptions, awaitables (that return or raise), invalid scalars,
and now and then an abstract value of a type that is not a possible type.
"""

from __future__ import annotations

import asyncio
import random
import zlib
from collections.abc import Callable, Coroutine
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLType,
    get_named_type,
    is_abstract_type,
    is_leaf_type,
)
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

from app.graphql import build_schema

Info = GraphQLResolveInfo[Any]

SCALARS: dict[str, Callable[[random.Random], Any]] = {
    "String": lambda r: r.choice(["", "株洲", "zhuzhou", "a\nb"]),
    "ID": lambda r: r.choice(["1", "abc", 7]),
    "Int": lambda r: r.choice([0, -1, 2**31 - 1, 42]),
    "Float": lambda r: r.choice([0.5, -2.0, 3]),
    "Boolean": lambda r: r.random() < 0.5,
    "DateTime": lambda r: datetime(2026, 1, r.randint(1, 28), 8, 30, tzinfo=UTC),
    "Date": lambda r: date(2026, r.randint(1, 12), 1),
    "Decimal": lambda r: Decimal("12.50"),
    "JSON": lambda r: {"a": r.randint(0, 9), "b": ["x"]},
}
# Values no scalar serializes: the leaf's coercion error, on both paths.
INVALID = (object(), {"not": "a scalar"}, float("nan"))
# And per scalar, values just outside what it serializes.
OUT_OF_RANGE: dict[str, tuple[Any, ...]] = {"Int": (2**31, -(2**31) - 1)}


# Per schema: the plain attribute fields' types, worked out once.
ATTRIBUTES: dict[int, dict[tuple[str, str], GraphQLType]] = {}
# And per object type whose plain attributes are all leaves (or lists of them), those.
LEAF_ATTRIBUTES: dict[int, dict[str, list[tuple[str, GraphQLType]]]] = {}


class StandInError(Exception):
    """What a stand-in raises or returns as a field error."""


class StandIn:
    """A source object of one concrete type; its attributes come from the world."""

    __slots__ = ("_key", "_memo", "_type_name", "_world")

    def __init__(self, world: World, type_name: str, key: str) -> None:
        self._world = world
        self._type_name = type_name
        self._key = key
        self._memo: dict[str, Any] = {}  # attributes handed out, when the world keeps them

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return self._world.attribute(self, name)

    def __repr__(self) -> str:
        return f"StandIn({self._type_name})"


class Recorded:
    """A stand-in's answers written down as a plain object: its attributes sit in its
    ``__dict__`` and it has no ``__getattr__``, as the app's dataclasses. The benchmark
    runs on these (:meth:`World.record`): a ``StandIn`` pays a Python call for every
    attribute read and a raised ``AttributeError`` for every ``__await__`` probe, a cost
    real sources do not have and that both executors would pay alike.
    """

    def __init__(self, type_name: str, key: str) -> None:
        self._type_name = type_name
        self._key = key

    def __repr__(self) -> str:
        return f"Recorded({self._type_name})"


class World:
    """Draws every value of one run from ``seed``."""

    def __init__(
        self,
        schema: GraphQLSchema,
        seed: int,
        *,
        wrong_rate: float = 0.15,
        memo: bool = False,
        first_member: bool = False,
    ) -> None:
        self.schema = schema
        self.seed = seed
        self.wrong_rate = wrong_rate
        # With nothing wrong every answer is a plain value that may be handed out again:
        # the benchmark keeps them, so it measures the executor, not the drawing.
        self.memo: dict[str, Any] | None = {} if memo and wrong_rate == 0 else None
        self.awaitables: list[Coroutine[Any, Any, Any]] = []
        self._recorded_root: Recorded | None = None
        # Abstract values always of the first possible type (the benchmark's success
        # members: ``LifeRecord``, each ``...Section``), instead of one at random.
        self.first_member = first_member
        attributes = ATTRIBUTES.get(id(schema))
        if attributes is None:
            attributes = ATTRIBUTES[id(schema)] = _attribute_types(schema)
            LEAF_ATTRIBUTES[id(schema)] = _leaf_attributes(attributes)
        self.attributes = attributes

    def close_unawaited(self) -> None:
        """Close the awaitables the run never awaited (a nulled parent's children, as
        graphql-core leaves them), so none warns later from some unrelated frame."""
        for awaitable in self.awaitables:
            awaitable.close()
        self.awaitables.clear()

    def rng(self, key: str) -> random.Random:
        """The generator for one position."""
        return random.Random(f"{self.seed}|{key}")

    def root(self) -> StandIn | Recorded:
        """The root value."""
        if self._recorded_root is not None:
            return self._recorded_root
        return StandIn(self, "Query", "root")

    def record(self, root: StandIn) -> None:
        """Write down every value handed out so far (memo mode), from ``root`` down, as
        :class:`Recorded` objects: later runs read them as plain attributes."""
        memo = self.memo
        assert memo is not None, "only a world that keeps its answers can record them"
        copies: dict[int, Recorded] = {}

        def recorded(value: Any) -> Any:
            if isinstance(value, list):
                return [recorded(item) for item in value]
            if not isinstance(value, StandIn):
                return value
            copy = copies.get(id(value))
            if copy is None:
                copy = copies[id(value)] = Recorded(value._type_name, value._key)
                copy.__dict__.update((name, recorded(v)) for name, v in value._memo.items())
            return copy

        self._recorded_root = recorded(root)
        for key, value in memo.items():
            memo[key] = recorded(value)

    def attribute(self, source: StandIn, name: str) -> Any:
        """A plain attribute of a stand-in (Strawberry's resolver reads it by getattr)."""
        if self.memo is not None:
            kept = source._memo
            if name not in kept:
                kept[name] = self._attribute(source, name)
            return kept[name]
        return self._attribute(source, name)

    def _attribute(self, source: StandIn, name: str) -> Any:
        field_type = self.attributes.get((source._type_name, name))
        if field_type is None:
            raise AttributeError(name)
        key = f"{source._key}.{name}"
        return self.answer(field_type, key)

    def resolve(self, source: Any, info: Info, **args: Any) -> Any:
        """A field with a resolver of its own."""
        base = source._key if isinstance(source, StandIn | Recorded) else "?"
        key = f"{base}.{info.field_name}({sorted(args.items())!r})"
        return self.answer(info.return_type, key)

    def answer(self, field_type: GraphQLType, key: str) -> Any:
        """What a resolver does: sometimes raise, else a value (maybe awaitable)."""
        memo = self.memo
        if memo is not None:
            typed = f"{key}:{id(field_type)}"
            if typed not in memo:
                memo[typed] = self.value(field_type, key, self.rng(key), depth=0)
            return memo[typed]
        r = self.rng(key)
        if r.random() < self.wrong_rate / 4:
            raise StandInError(f"raised at {key}")
        return self.value(field_type, key, r, depth=0)

    def value(self, field_type: GraphQLType, key: str, r: random.Random, depth: int) -> Any:
        """A value of ``field_type``: right most of the time, else null, an error, or
        an awaitable of either."""
        roll = r.random()
        wrong = self.wrong_rate
        if roll < wrong / 3:
            return None
        if roll < wrong * 2 / 3:
            return StandInError(f"returned at {key}")
        if roll < wrong:
            inner = self.value(field_type, key + "~", r, depth)
            awaitable = _awaitable(inner, yield_first=r.random() < 0.3, raise_it=r.random() < 0.5)
            self.awaitables.append(awaitable)
            return awaitable
        if isinstance(field_type, GraphQLNonNull):
            return self.value(field_type.of_type, key, r, depth)
        if isinstance(field_type, GraphQLList):
            count = r.randint(0, 3 if depth < 3 else 1)
            return [
                self.value(field_type.of_type, f"{key}[{index}]", r, depth + 1)
                for index in range(count)
            ]
        if isinstance(field_type, GraphQLScalarType):
            if wrong and r.random() < 0.03:
                return r.choice(INVALID + OUT_OF_RANGE.get(field_type.name, ()))
            return SCALARS[field_type.name](r)
        if isinstance(field_type, GraphQLEnumType):
            if wrong and r.random() < 0.03:
                return "NOT_A_MEMBER"
            raw = r.choice(list(field_type.values.values())).value
            # A Strawberry enum takes its raw values and, as resolvers return them, the
            # members of its Python enum.
            members = getattr(field_type, "wrapped_cls", None)
            if members is not None and r.random() < 0.5:
                return members(raw)
            return raw
        if is_abstract_type(field_type):
            possible = list(self.schema.get_possible_types(field_type))
            if self.first_member:
                return StandIn(self, possible[0].name, key)
            if r.random() < 0.03:
                return StandIn(self, "Query", key)  # not a possible type
            return self.source(r.choice(possible).name, key, r)
        assert isinstance(field_type, GraphQLObjectType)
        return self.source(field_type.name, key, r)

    def source(self, type_name: str, key: str, r: random.Random) -> StandIn | Recorded:
        """An object: a stand-in, or (in a world with wrong values, half the time, when
        all its attributes are leaves) a plain object with every attribute drawn now, as
        the app's dataclasses, which the executor tells from awaitables by type. A
        quarter of those hold an ``__await__`` of their own, which makes graphql-core
        try to await them."""
        leaves = LEAF_ATTRIBUTES[id(self.schema)].get(type_name)
        if not self.wrong_rate or leaves is None or r.random() < 0.5:
            return StandIn(self, type_name, key)
        made = Recorded(type_name, key)
        for name, field_type in leaves:
            place = f"{key}.{name}"
            made.__dict__[name] = self.value(field_type, place, self.rng(place), depth=0)
        if r.random() < 0.25:
            made.__dict__["__await__"] = lambda: iter(())
        return made


async def _awaitable(value: Any, *, yield_first: bool, raise_it: bool) -> Any:
    if yield_first:
        await asyncio.sleep(0)
    if raise_it and isinstance(value, StandInError):
        raise value
    return value


def _leaf_attributes(
    attributes: dict[tuple[str, str], GraphQLType],
) -> dict[str, list[tuple[str, GraphQLType]]]:
    by_type: dict[str, list[tuple[str, GraphQLType]]] = {}
    for (type_name, name), field_type in attributes.items():
        by_type.setdefault(type_name, []).append((name, field_type))
    return {
        type_name: fields
        for type_name, fields in by_type.items()
        if all(is_leaf_type(get_named_type(field_type)) for _, field_type in fields)
    }


def _attribute_types(schema: GraphQLSchema) -> dict[tuple[str, str], GraphQLType]:
    """``(type name, python attribute) -> field type`` for plain attribute fields."""
    found: dict[tuple[str, str], GraphQLType] = {}
    for type_ in schema.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.name.startswith("__"):
            continue
        for field in type_.fields.values():
            strawberry_field = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
            if getattr(field.resolve, "_is_default", False) and isinstance(
                strawberry_field, StrawberryField
            ):
                found[(type_.name, strawberry_field.python_name)] = field.type
    return found


def standin_schema(world_of: Callable[[], World], *, type_checks: bool = True) -> GraphQLSchema:
    """The real schema, answering through the world ``world_of()`` returns now;
    ``type_checks=False`` leaves every object type without ``is_type_of``."""
    schema = build_schema()._schema

    def resolve(source: Any, info: Info, **args: Any) -> Any:
        return world_of().resolve(source, info, **args)

    def resolve_type(value: Any, _info: Info, _type: Any) -> Any:
        if not isinstance(value, StandIn | Recorded):
            return None
        # With type checks, about half the values (by their place) resolve later.
        if type_checks and zlib.crc32(value._key.encode()) % 2:
            return _later(value._type_name)
        return value._type_name

    for index, type_ in enumerate(sorted(schema.type_map.values(), key=lambda t: t.name)):
        if type_.name.startswith("__"):
            continue
        if is_abstract_type(type_):
            type_.resolve_type = resolve_type
        if not isinstance(type_, GraphQLObjectType):
            continue
        type_.is_type_of = _is_type_of(type_.name, index % 3 if type_checks else 0)
        for field in type_.fields.values():
            if not getattr(field.resolve, "_is_default", False):
                field.resolve = resolve
    return schema


async def _later(value: Any) -> Any:
    return value


def _is_type_of(name: str, kind: int) -> Callable[[Any, Info], Any] | None:
    if kind == 0:
        return None

    def check(value: Any, _info: Info) -> bool:
        return isinstance(value, StandIn | Recorded) and value._type_name == name

    if kind == 1:
        return check

    async def check_later(value: Any, info: Info) -> bool:
        return check(value, info)

    return check_later
