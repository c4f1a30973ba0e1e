"""Decorating generated queries, and variable values for any query.

hypothesis-graphql writes queries with inline arguments, inline fragments on
abstract types and no directives. :func:`decorate` adds, at random, what the plans
must also get right: aliases, inline fragments with type conditions carrying
``@include``/``@skip`` on variables or literals, duplicated fields that merge or are
skipped, and named fragments. The result is validated; a decoration that would
make the document invalid is never made (see :func:`decorate`).
"""

from __future__ import annotations

import random
from typing import Any

from graphql import (
    ArgumentNode,
    BooleanValueNode,
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    InlineFragmentNode,
    NamedTypeNode,
    NameNode,
    NonNullTypeNode,
    OperationDefinitionNode,
    SelectionNode,
    SelectionSetNode,
    VariableDefinitionNode,
    VariableNode,
    get_named_type,
    print_ast,
    type_from_ast,
)

FLAGS = ("on", "off")
SCALAR_VALUES: dict[str, Any] = {
    "String": "x",
    "ID": "1",
    "Int": 3,
    "Float": 1.5,
    "Boolean": True,
    "DateTime": "2026-03-01T08:00:00+08:00",
    "Date": "2026-03-01",
    "Decimal": "12.5",
    "JSON": {},
}


def decorate(schema: GraphQLSchema, document: DocumentNode, r: random.Random) -> str:
    """``document`` with aliases, fragments and conditions added at random."""
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    root = schema.query_type
    assert root is not None
    fragments: list[FragmentDefinitionNode] = []
    selection_set = _rewrite(schema, operation.selection_set, root, r, fragments)
    body = print_ast(
        DocumentNode(
            definitions=(
                OperationDefinitionNode(
                    operation=operation.operation,
                    selection_set=selection_set,
                    variable_definitions=(),
                    directives=(),
                ),
                *fragments,
            )
        )
    )
    flags = tuple(
        VariableDefinitionNode(
            variable=VariableNode(name=NameNode(value=flag)),
            type=NonNullTypeNode(type=NamedTypeNode(name=NameNode(value="Boolean"))),
        )
        for flag in FLAGS
        if f"${flag}" in body  # an unused variable would make the document invalid
    )
    decorated = DocumentNode(
        definitions=(
            OperationDefinitionNode(
                operation=operation.operation,
                name=NameNode(value="Generated"),
                variable_definitions=(*(operation.variable_definitions or ()), *flags),
                directives=(),
                selection_set=selection_set,
            ),
            *fragments,
        )
    )
    # Valid by construction (aliases carry a suffix no field has; fragments sit on
    # their parent type); the fixed documents' test validates what it runs.
    return print_ast(decorated)


def _rewrite(
    schema: GraphQLSchema,
    selection_set: SelectionSetNode,
    parent: GraphQLNamedType,
    r: random.Random,
    fragments: list[FragmentDefinitionNode],
) -> SelectionSetNode:
    selections: list[SelectionNode] = []
    for selection in selection_set.selections:
        if isinstance(selection, InlineFragmentNode):
            condition = (
                schema.get_type(selection.type_condition.name.value)
                if selection.type_condition
                else parent
            )
            assert condition is not None
            selections.append(
                InlineFragmentNode(
                    type_condition=selection.type_condition,
                    directives=_maybe_condition(r),
                    selection_set=_rewrite(
                        schema, selection.selection_set, condition, r, fragments
                    ),
                )
            )
            continue
        assert isinstance(selection, FieldNode)
        field = selection
        if field.selection_set is not None and isinstance(
            parent, GraphQLObjectType | GraphQLInterfaceType
        ):
            definition = parent.fields.get(field.name.value)
            if definition is not None:
                field = FieldNode(
                    alias=field.alias,
                    name=field.name,
                    arguments=field.arguments,
                    directives=field.directives,
                    selection_set=_rewrite(
                        schema,
                        field.selection_set,
                        get_named_type(definition.type),
                        r,
                        fragments,
                    ),
                )
        selections.extend(_decorated(field, parent, r, fragments))
    return SelectionSetNode(selections=tuple(selections))


def _decorated(
    field: FieldNode,
    parent: GraphQLNamedType,
    r: random.Random,
    fragments: list[FragmentDefinitionNode],
) -> list[SelectionNode]:
    roll = r.random()
    on_parent = NamedTypeNode(name=NameNode(value=parent.name))
    if roll < 0.15 and field.alias is None:
        alias = NameNode(value=f"{field.name.value}_alias{r.randint(0, 99)}")
        return [FieldNode(**{**_fields(field), "alias": alias})]
    if roll < 0.3:
        inline = InlineFragmentNode(
            type_condition=on_parent,
            directives=_maybe_condition(r, always=True),
            selection_set=SelectionSetNode(selections=(field,)),
        )
        return [inline]
    if roll < 0.4:
        skipped = FieldNode(**{**_fields(field), "directives": (_condition(r, "skip"),)})
        return [field, skipped]
    if roll < 0.5:
        name = f"F{len(fragments)}"
        fragments.append(
            FragmentDefinitionNode(
                name=NameNode(value=name),
                type_condition=on_parent,
                directives=(),
                selection_set=SelectionSetNode(selections=(field,)),
            )
        )
        return [FragmentSpreadNode(name=NameNode(value=name), directives=_maybe_condition(r))]
    return [field]


def _fields(field: FieldNode) -> dict[str, Any]:
    return {
        "alias": field.alias,
        "name": field.name,
        "arguments": field.arguments,
        "directives": field.directives,
        "selection_set": field.selection_set,
    }


def _maybe_condition(r: random.Random, *, always: bool = False) -> tuple[DirectiveNode, ...]:
    if not always and r.random() < 0.6:
        return ()
    return (_condition(r, r.choice(("include", "skip"))),)


def _condition(r: random.Random, name: str) -> DirectiveNode:
    value: Any = (
        BooleanValueNode(value=r.random() < 0.5)
        if r.random() < 0.3
        else VariableNode(name=NameNode(value=r.choice(FLAGS)))
    )
    return DirectiveNode(
        name=NameNode(value=name), arguments=(ArgumentNode(name=NameNode(value="if"), value=value),)
    )


def variable_values(
    schema: GraphQLSchema, document: DocumentNode, r: random.Random
) -> dict[str, Any]:
    """Values for every variable the document's operations declare."""
    values: dict[str, Any] = {}
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        for variable in definition.variable_definitions or ():
            name = variable.variable.name.value
            input_type = type_from_ast(schema, variable.type)
            if name in FLAGS:
                values[name] = r.random() < 0.5
            elif input_type is not None:
                values[name] = _input_value(input_type, r)  # type: ignore[arg-type]
    return values


def _input_value(input_type: GraphQLInputType, r: random.Random) -> Any:
    if isinstance(input_type, GraphQLNonNull):
        return _input_value(input_type.of_type, r)
    if isinstance(input_type, GraphQLList):
        return [_input_value(input_type.of_type, r)]
    if isinstance(input_type, GraphQLScalarType):
        return SCALAR_VALUES.get(input_type.name, "x")
    if isinstance(input_type, GraphQLEnumType):
        return r.choice(list(input_type.values))
    assert isinstance(input_type, GraphQLInputObjectType)
    return {
        name: _input_value(field.type, r)
        for name, field in input_type.fields.items()
        if isinstance(field.type, GraphQLNonNull)
    }
