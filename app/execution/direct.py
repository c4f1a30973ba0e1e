"""A field's own resolver function called without Strawberry's wrapper, where the
wrapper would do nothing but pass the arguments on.

Strawberry gives every field with a resolver function a wrapper (``from_resolver``):
per call it builds its ``Info``, converts the arguments (``get_arguments``: GraphQL
names to Python names, input objects to their classes), chains the field's
extensions, checks schema exception handlers and, for an async field, wraps the
function's coroutine in two more. For a field with no extension (so no permission
class), a schema with no exception handler, and arguments that are all leaves
(``convert_argument`` hands a leaf's value back as it is), what reaches the function
is only: the arguments renamed, the source as ``self``/``root``/``parent`` where the
function asks, and ``Info`` where it asks. :func:`direct_resolver` builds that call
once per field; the plans use it in place of the wrapper (~10 µs a call on the
benchmark machine, 3 coroutine frames fewer for an async field).

Anything else keeps Strawberry's wrapper: a field with extensions, an input object,
list, ``Maybe`` or ``GlobalID`` argument, a resolver class of its own, an async
generator, or a wrapper that is not the one this module knows
(``tests/app/test_execution_direct.py`` holds the two to the same calls).
"""

from __future__ import annotations

import inspect
from enum import Enum
from typing import Any, Protocol, cast

from graphql import GraphQLField, GraphQLResolveInfo, GraphQLSchema
from strawberry.scalars import ID
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.base import StrawberryMaybe, StrawberryOptional, StrawberryType
from strawberry.types.enum import StrawberryEnumDefinition
from strawberry.types.field import StrawberryField
from strawberry.types.fields.resolver import StrawberryResolver

_BACKREF = GraphQLCoreConverter.DEFINITION_BACKREF
# The wrappers ``GraphQLCoreConverter.from_resolver`` returns (what is replaced).
_WRAPPERS = frozenset(
    {
        "GraphQLCoreConverter.from_resolver.<locals>._resolver",
        "GraphQLCoreConverter.from_resolver.<locals>._async_resolver",
    }
)
# Argument types ``convert_argument`` returns unchanged (a value, or None).
_LEAVES: frozenset[object] = frozenset({int, str, bool, float, ID})


class DirectResolve(Protocol):
    """A field's resolver function behind graphql-core's resolver signature."""

    needs_info: bool
    """Whether it reads ``info`` (to build Strawberry's ``Info``); else pass None."""

    def __call__(
        self, source: Any, info: GraphQLResolveInfo[Any] | None, /, **arguments: Any
    ) -> Any:
        """The function's answer (an awaitable for an async function)."""


def direct_resolver(schema: GraphQLSchema, definition: GraphQLField) -> DirectResolve | None:
    """``definition``'s resolver function, called as Strawberry's wrapper would call it
    (same positional and keyword arguments), or None where the wrapper does more."""
    strawberry_field = (definition.extensions or {}).get(_BACKREF)
    wrapper = definition.resolve
    strawberry_schema = getattr(schema, "_strawberry_schema", None)
    if (
        not isinstance(strawberry_field, StrawberryField)
        or type(strawberry_field).get_result is not StrawberryField.get_result
        or strawberry_field.extensions
        or getattr(wrapper, "__qualname__", None) not in _WRAPPERS
        or strawberry_schema is None
        or strawberry_schema.schema_converter.exception_handlers
    ):
        return None
    resolver = strawberry_field.base_resolver
    if resolver is None or type(resolver).__call__ is not StrawberryResolver.__call__:
        return None
    function = resolver.wrapped_func
    if not callable(function) or inspect.isasyncgenfunction(resolver._unbound_wrapped_func):
        return None
    names: list[tuple[str, str]] = []
    name_of = strawberry_schema.config.name_converter.from_argument
    for argument in strawberry_field.arguments:
        if not _is_leaf(argument.type) or not isinstance(argument.python_name, str):
            return None
        names.append((name_of(argument), argument.python_name))
    takes_self = resolver.self_parameter is not None
    sources = [p.name for p in (resolver.root_parameter, resolver.parent_parameter) if p]
    info_parameter = resolver.info_parameter
    info_name = info_parameter.name if info_parameter is not None else None
    info_class = strawberry_schema.config.info_class

    def resolve(source: Any, info: GraphQLResolveInfo[Any] | None, **arguments: Any) -> Any:
        kwargs = {python: arguments[name] for name, python in names if name in arguments}
        for name in sources:
            kwargs[name] = source
        if info_name is not None:
            kwargs[info_name] = info_class(_raw_info=info, _field=strawberry_field)
        if takes_self:
            return function(source, **kwargs)
        return function(**kwargs)

    direct = cast("DirectResolve", resolve)
    direct.needs_info = info_name is not None
    return direct


def _is_leaf(annotation: StrawberryType | type | object) -> bool:
    """Whether ``convert_argument`` hands a value of this type back unchanged."""
    if isinstance(annotation, StrawberryMaybe):
        return False  # wrapped in ``Some``
    if isinstance(annotation, StrawberryOptional):
        annotation = annotation.of_type
    if annotation in _LEAVES:
        return True
    if isinstance(annotation, StrawberryEnumDefinition):
        return True
    return (
        isinstance(annotation, type)
        and issubclass(annotation, Enum)
        and isinstance(
            getattr(annotation, "__strawberry_definition__", None), StrawberryEnumDefinition
        )
    )
