"""Execution plans: a validated document compiled once against the schema.

A plan is what graphql-core's generic executor works out again on every request,
worked out once: which fields each concrete type selects (fragments, type conditions
and ``@include``/``@skip`` resolved), each field's definition, resolver and argument
values (when they use no variable), and how its value is completed (non-null and
list wrappers unrolled, a leaf's serializer looked up). :mod:`app.execution.executor`
runs it with graphql-core's own semantics.

``@include``/``@skip`` may depend on variables, so an :class:`OperationPlan` holds one
:class:`RootPlan` per combination of those variables' values. Object selections under
an abstract type are compiled the first time a concrete type shows up, since a union
may have many members a document never meets.

What a plan does not express makes :func:`plannable` answer False, and the executor
then runs graphql-core's generic path: subscriptions, mutations (serial, rare, not
worth it), ``@defer``/``@stream``, fragment variables, error propagation disabled.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum, Flag
from typing import Any

from graphql import (
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLAbstractType,
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLError,
    GraphQLField,
    GraphQLID,
    GraphQLInt,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    GraphQLString,
    OperationDefinitionNode,
    OperationType,
    VariableNode,
    Visitor,
    is_abstract_type,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
    visit,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.execution.values import get_argument_values
from graphql.pyutils import Undefined
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

from app.execution.direct import direct_resolver
from kit.lru import BoundedLru

# Resolvers Strawberry builds for plain attribute fields ignore ``info``; it marks them.
_DEFAULT_MARK = "_is_default"
# Strawberry's own ``is_type_of`` (for types with interfaces) ignores ``info`` too.
_STRAWBERRY_IS_TYPE_OF = "_get_is_type_of.<locals>.is_type_of"
_BACKREF = GraphQLCoreConverter.DEFINITION_BACKREF
_INCREMENTAL = frozenset({"defer", "stream"})
_CONDITIONAL = frozenset({"include", "skip"})


# ------------------------------------------------------------------ completions


@dataclass(slots=True)
class NonNull:
    """A non-null wrapper: null (or an error) from ``inner`` propagates upward."""

    type: GraphQLNonNull[Any]
    inner: Completion


@dataclass(slots=True)
class ListOf:
    """A list: each item completed with ``item``."""

    type: GraphQLList[Any]
    item: Completion


@dataclass(slots=True)
class Leaf:
    """A scalar or enum: ``serialize`` looked up once."""

    type: GraphQLLeafType
    serialize: Callable[[Any], Any]
    # The Python type that ``serialize`` returns unchanged (``str`` for the built-in
    # String and ID, ``bool`` for Boolean), so the executor may skip the call for it.
    passthrough: builtins.type | None = None
    # Answers of ``serialize`` worked out once, for compiled selections: for the
    # built-in Int, an ``int`` in 32-bit range is itself; for an enum, each member of
    # its Python enum (``members_of``), by identity, and each raw ``str`` value.
    bounded_int: bool = False
    members_of: builtins.type | None = None
    members: dict[int, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class ObjectSelection:
    """A concrete object type with the fields the document selects on it.

    ``fields`` is filled on first use (by the executor, which has the variables that
    ``@include``/``@skip`` read); ``is_type_of`` is None when the type has none.
    """

    type: GraphQLObjectType
    details: FieldDetailsList
    is_type_of: Callable[..., Any] | None
    is_type_of_needs_info: bool
    fields: list[FieldPlan] | None = None
    # The fields compiled to Python once its plan is hot (``app/execution/codegen``).
    run: Callable[[Any, Any, Any], Any] | None = None


@dataclass(slots=True)
class Abstract:
    """An interface or union: one :class:`ObjectSelection` per concrete type met."""

    type: GraphQLAbstractType
    details: FieldDetailsList
    by_type: dict[str, ObjectSelection] = field(default_factory=dict)


Completion = NonNull | ListOf | Leaf | ObjectSelection | Abstract


@dataclass(slots=True)
class FieldPlan:
    """One response key of a selection: everything ``execute_field`` looks up."""

    response_name: str
    field_name: str
    parent_type: GraphQLObjectType
    definition: GraphQLField
    resolve: Callable[..., Any] | None  # None: the executor's default field resolver
    needs_info: bool
    details: FieldDetailsList
    nodes: list[FieldNode]
    # Coerced once when no argument names a variable; else coerced per request.
    static_args: dict[str, Any] | None
    completion: Completion
    # For Strawberry's plain attribute fields: what its resolver would call, called
    # directly (``getter(source, attribute)``), the wrapper and ``info`` skipped.
    getter: Callable[[Any, str], Any] | None
    attribute: str
    # The leaf a plain attribute field completes to (through one non-null), for the
    # executor's fast path; None for any other field.
    leaf: Leaf | None
    # Likewise the object type (no ``is_type_of``) a plain attribute field completes to.
    plain_object: ObjectSelection | None


@dataclass(slots=True)
class RootPlan:
    """The root fields of one operation for one set of ``@include``/``@skip`` values."""

    root_type: GraphQLObjectType
    fields: list[FieldPlan]
    run: Callable[[Any, Any, Any], Any] | None = None


@dataclass(slots=True)
class OperationPlan:
    """A compiled operation; roots keyed by the values of its conditional variables."""

    operation: OperationDefinitionNode
    conditional_variables: tuple[str, ...]
    roots: dict[tuple[Any, ...], RootPlan] = field(default_factory=dict)
    # Executions so far, and whether the plan is a trusted document's (pinned): its
    # selections are compiled to Python once it is hot (``app/execution/codegen``).
    runs: int = 0
    pinned: bool = False


# ------------------------------------------------------------------ compiling


def completion_for(return_type: GraphQLOutputType, details: FieldDetailsList) -> Completion:
    """How a value of ``return_type`` is completed, wrappers unrolled once."""
    if is_non_null_type(return_type):
        assert isinstance(return_type, GraphQLNonNull)
        return NonNull(return_type, completion_for(return_type.of_type, details))
    if is_list_type(return_type):
        assert isinstance(return_type, GraphQLList)
        return ListOf(return_type, completion_for(return_type.of_type, details))
    if is_leaf_type(return_type):
        assert isinstance(return_type, GraphQLLeafType)
        return leaf(return_type)
    if is_abstract_type(return_type):
        return Abstract(return_type, details)
    assert is_object_type(return_type), return_type
    return object_selection(return_type, details)


def leaf(leaf_type: GraphQLLeafType) -> Leaf:
    """A leaf's completion, with what its serializer answers for the common values."""
    serialize = leaf_type.coerce_output_value
    passthrough: type | None = None
    if leaf_type in (GraphQLString, GraphQLID):
        passthrough = str
    elif leaf_type is GraphQLBoolean:
        passthrough = bool
    completion = Leaf(leaf_type, serialize, passthrough, bounded_int=leaf_type is GraphQLInt)
    if isinstance(leaf_type, GraphQLEnumType):
        completion.raw = _answers(serialize, (v.value for v in leaf_type.values.values()), str)
        # Strawberry's enums also take the members of their Python enum. Every instance
        # of a plain Enum class is a member (a Flag makes new ones: not tabled).
        wrapped = getattr(leaf_type, "wrapped_cls", None)
        if (
            isinstance(wrapped, type)
            and issubclass(wrapped, Enum)
            and not issubclass(wrapped, Flag)
        ):
            members = list(wrapped.__members__.values())
            answers = _answers(serialize, members, wrapped)
            if all(member in answers for member in members):
                completion.members_of = wrapped
                completion.members = {id(m): answers[m] for m in members}
    return completion


def _answers(serialize: Callable[[Any], Any], values: Iterable[Any], kind: type) -> dict[Any, Any]:
    """``serialize``'s answer for each value of exactly type ``kind`` that it serializes."""
    answers: dict[Any, Any] = {}
    for value in values:
        if type(value) is not kind:
            continue
        try:
            answer = serialize(value)
        except Exception:  # noqa: S112 - left to run time, where it is raised again
            continue
        if answer is not None and answer is not Undefined:
            answers[value] = answer
    return answers


def object_selection(object_type: GraphQLObjectType, details: FieldDetailsList) -> ObjectSelection:
    """An object type's completion; its fields are compiled on first use."""
    is_type_of = object_type.is_type_of
    needs_info = is_type_of is not None and not getattr(is_type_of, "__qualname__", "").endswith(
        _STRAWBERRY_IS_TYPE_OF
    )
    return ObjectSelection(object_type, details, is_type_of, needs_info)


def field_plans(
    schema: GraphQLSchema, parent_type: GraphQLObjectType, grouped: GroupedFieldSet
) -> list[FieldPlan]:
    """The plans of a collected field set; unknown fields are left out, as graphql-core does."""
    plans: list[FieldPlan] = []
    for response_name, details in grouped.items():
        node = details[0].node
        definition = schema.get_field(parent_type, node.name.value)
        if definition is None:
            continue
        completion = completion_for(definition.type, details)
        direct = direct_resolver(schema, definition)  # ~1 µs a field, once per plan
        resolve = definition.resolve if direct is None else direct
        static_args: dict[str, Any] | None = {}
        if definition.args or node.arguments:
            static_args = _static_arguments(definition, node)
        getter, attribute = _plain_attribute(definition)
        leaf = completion.inner if isinstance(completion, NonNull) else completion
        plain_leaf = getter is not None and static_args == {} and isinstance(leaf, Leaf)
        plans.append(
            FieldPlan(
                response_name=response_name,
                field_name=node.name.value,
                parent_type=parent_type,
                definition=definition,
                resolve=resolve,
                needs_info=(
                    (resolve is None or not getattr(resolve, _DEFAULT_MARK, False))
                    if direct is None
                    else direct.needs_info
                )
                or _completion_needs_info(completion),
                details=details,
                nodes=[detail.node for detail in details],
                static_args=static_args,
                completion=completion,
                getter=getter,
                attribute=attribute,
                leaf=leaf if plain_leaf and isinstance(leaf, Leaf) else None,
                plain_object=(
                    leaf
                    if getter is not None
                    and static_args == {}
                    and isinstance(leaf, ObjectSelection)
                    and leaf.is_type_of is None
                    else None
                ),
            )
        )
    return plans


def _plain_attribute(definition: GraphQLField) -> tuple[Callable[[Any, str], Any] | None, str]:
    """``(getter, name)`` when the field's resolver is Strawberry's for a plain attribute
    (it calls ``field.default_resolver(source, field.python_name)`` and nothing else)."""
    resolve = definition.resolve
    if resolve is None or not getattr(resolve, _DEFAULT_MARK, False):
        return None, ""
    strawberry_field = (definition.extensions or {}).get(_BACKREF)
    if (
        not isinstance(strawberry_field, StrawberryField)
        or type(strawberry_field).get_result is not StrawberryField.get_result
        or strawberry_field.base_resolver is not None
        or not isinstance(strawberry_field.python_name, str)
    ):
        return None, ""
    return strawberry_field.default_resolver, strawberry_field.python_name


def _completion_needs_info(completion: Completion) -> bool:
    """Whether completing needs ``info`` even when the resolver does not: type
    resolution of an abstract type, and an ``is_type_of`` that reads it."""
    while isinstance(completion, NonNull | ListOf):
        completion = completion.inner if isinstance(completion, NonNull) else completion.item
    if isinstance(completion, Abstract):
        return True
    return isinstance(completion, ObjectSelection) and completion.is_type_of_needs_info


def _static_arguments(definition: GraphQLField, node: FieldNode) -> dict[str, Any] | None:
    """The field's arguments coerced now, or None when they read variables (or fail:
    the error is then raised per request, where graphql-core raises it)."""
    if _uses_variables(node):
        return None
    try:
        return get_argument_values(definition, node)
    except GraphQLError:
        return None


def _uses_variables(node: FieldNode) -> bool:
    found: list[bool] = []

    class Finder(Visitor):
        def enter_variable(self, *_: Any) -> None:
            found.append(True)

    for argument in node.arguments or ():
        visit(argument, Finder())
    return bool(found)


# ------------------------------------------------------------------ what may be planned


Fragments = Mapping[str, FragmentDefinitionNode]


def plannable(operation: OperationDefinitionNode, fragments: Fragments) -> bool:
    """Whether a plan expresses this operation exactly (else graphql-core runs it)."""
    if operation.operation is not OperationType.QUERY:
        return False
    if any(fragment.variable_definitions for fragment in fragments.values()):
        return False
    names: set[str] = set()

    class Directives(Visitor):
        def enter_directive(self, node: DirectiveNode, *_: Any) -> None:
            names.add(node.name.value)

    for node in (operation, *fragments.values()):
        visit(node, Directives())
    return not names & _INCREMENTAL and not any(
        directive.name.value == "experimental_disableErrorPropagation"
        for directive in operation.directives or ()
    )


def conditional_variables(
    operation: OperationDefinitionNode, fragments: Fragments
) -> tuple[str, ...]:
    """The variables that ``@include``/``@skip`` read anywhere in the document."""
    names: set[str] = set()

    class Conditions(Visitor):
        def enter_directive(self, node: DirectiveNode, *_: Any) -> None:
            if node.name.value in _CONDITIONAL:
                for argument in node.arguments or ():
                    if isinstance(argument.value, VariableNode):
                        names.add(argument.value.name.value)

    for node in (operation, *fragments.values()):
        visit(node, Conditions())
    return tuple(sorted(names))


# ------------------------------------------------------------------ the cache


class PlanCache:
    """A bounded LRU of operation plans, per schema.

    Keyed by the operation's source text and name when it has locations (so
    the same text parsed twice shares one plan), else by the operation node itself.
    """

    def __init__(self, maxsize: int = 512) -> None:
        self.maxsize = maxsize
        self._plans: BoundedLru[tuple[Any, ...], OperationPlan | None] = BoundedLru(maxsize)
        self._pinned: dict[tuple[Any, ...], OperationPlan | None] = {}

    def __len__(self) -> int:
        return len(self._plans) + len(self._pinned)

    def pin(
        self, schema: GraphQLSchema, operation: OperationDefinitionNode, fragments: Fragments
    ) -> OperationPlan | None:
        """Compile ``operation`` now and keep its plan for good: trusted documents, so a
        flood of ad-hoc documents cannot evict the app's own plans from the LRU."""
        key = _key(schema, operation)
        if key not in self._pinned:
            plan = self._plans.pop(key) or _compiled(operation, fragments)
            if plan is not None:
                plan.pinned = True
            self._pinned[key] = plan
        return self._pinned[key]

    def get(
        self, schema: GraphQLSchema, operation: OperationDefinitionNode, fragments: Fragments
    ) -> OperationPlan | None:
        """The plan for ``operation`` of ``document``, compiled on first use; None when
        the operation cannot be planned (then graphql-core runs it)."""
        key = _key(schema, operation)
        if key in self._pinned:
            return self._pinned[key]
        return self._plans.get_or_make(key, lambda: _compiled(operation, fragments))

    def clear(self) -> None:
        """Forget every plan (tests, or a schema reload)."""
        self._plans.clear()
        self._pinned.clear()


def _compiled(operation: OperationDefinitionNode, fragments: Fragments) -> OperationPlan | None:
    """The plan of ``operation``, or None when graphql-core must run it."""
    if not plannable(operation, fragments):
        return None
    return OperationPlan(operation, conditional_variables(operation, fragments))


def _key(schema: GraphQLSchema, operation: OperationDefinitionNode) -> tuple[Any, ...]:
    # The schema itself (hashed by identity), not its id: an id may be reused by a
    # later schema once this one is gone, and a plan holds this schema's definitions.
    name = operation.name.value if operation.name else None
    if operation.loc is not None:
        return (schema, operation.loc.source.body, name)
    # Without locations the node's identity is the key; the tuple keeps it alive so
    # its id cannot be reused by another document while the entry lives.
    return (schema, id(operation), operation)


PLANS = PlanCache()


def plan_for(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None = None,
    *,
    pinned: bool = False,
) -> OperationPlan | None:
    """The cached plan of a parsed and validated document's operation (compiled now if
    new); None when a plan cannot express it.

    Trusted documents call this at start-up with the graphql-core schema
    (``strawberry_schema._schema``); :class:`~app.execution.executor.PlannedExecutor`
    then finds the plan by the operation's source text and name, so the document
    parsed again per request (or by the parser cache) still hits it. Root fields for
    each combination of ``@include``/``@skip`` variables are compiled on first use.
    ``pinned`` keeps the plan outside the LRU (trusted documents).
    """
    operation = _operation(document, operation_name)
    if operation is None:
        return None
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    if pinned:
        return PLANS.pin(schema, operation, fragments)
    return PLANS.get(schema, operation, fragments)


def _operation(
    document: DocumentNode, operation_name: str | None
) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is None:
        return operations[0] if len(operations) == 1 else None
    for operation in operations:
        if operation.name and operation.name.value == operation_name:
            return operation
    return None


def conditional_key(plan: OperationPlan, coerced: Mapping[str, Any]) -> tuple[Any, ...]:
    """The values of the plan's conditional variables in one request."""
    return tuple(coerced.get(name) for name in plan.conditional_variables)
