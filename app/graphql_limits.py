"""Depth and alias limits that measure each fragment once.

Strawberry's ``QueryDepthLimiter`` and ``MaxAliasesLimiter`` walk a fragment again at
every spread: ``fragment F1 on Query { ...F2 ...F2 }`` repeated twenty times (about a
hundred tokens) took eight seconds of CPU to validate, a chain of three hundred
fragments overflowed the stack, and a spread of an unknown fragment raised
``KeyError``. These rules measure every selection set and fragment once per document;
an unknown fragment or a cycle counts as nothing here, since graphql-core's own rules
(``KnownFragmentNames``, ``NoFragmentCycles``) report them.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
)

TOO_NESTED = "The document nests selections or fragments too deeply."


class DocumentMeasure:
    """Depth and alias count of a document's selection sets, each fragment measured once.

    ``depth`` is how many levels of selection sets lie below a selection set (0 when
    all its fields are leaves). Outside introspection, fields starting with ``__`` are
    not followed (the introspection rule bounds them).
    """

    def __init__(self, document: DocumentNode) -> None:
        self._fragments = {
            definition.name.value: definition.selection_set
            for definition in document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }
        self._depths: dict[tuple[str, bool], int] = {}
        self._aliases: dict[str, int] = {}
        self._open: set[tuple[str, bool] | str] = set()

    def depth(self, selection_set: SelectionSetNode, *, introspection: bool = False) -> int:
        """Levels of selection sets below ``selection_set``."""
        deepest = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                below = selection.selection_set
                if below is None or (not introspection and selection.name.value.startswith("__")):
                    continue
                deepest = max(deepest, 1 + self.depth(below, introspection=introspection))
            elif isinstance(selection, InlineFragmentNode):
                inline = self.depth(selection.selection_set, introspection=introspection)
                deepest = max(deepest, inline)
            elif isinstance(selection, FragmentSpreadNode):
                deepest = max(deepest, self._fragment_depth(selection.name.value, introspection))
        return deepest

    def aliases(self, selection_set: SelectionSetNode) -> int:
        """Aliased fields in ``selection_set``, counting a fragment at each of its spreads."""
        count = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                count += selection.alias is not None
                if selection.selection_set is not None:
                    count += self.aliases(selection.selection_set)
            elif isinstance(selection, InlineFragmentNode):
                count += self.aliases(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                count += self._fragment_aliases(selection.name.value)
        return count

    def _fragment_depth(self, name: str, introspection: bool) -> int:
        key = (name, introspection)
        if key not in self._depths:
            selection_set = self._fragments.get(name)
            if selection_set is None or key in self._open:
                return 0
            self._open.add(key)
            self._depths[key] = self.depth(selection_set, introspection=introspection)
            self._open.discard(key)
        return self._depths[key]

    def _fragment_aliases(self, name: str) -> int:
        if name not in self._aliases:
            selection_set = self._fragments.get(name)
            if selection_set is None or name in self._open:
                return 0
            self._open.add(name)
            self._aliases[name] = self.aliases(selection_set)
            self._open.discard(name)
        return self._aliases[name]


def operation_limits_rule(*, max_depth: int, max_aliases: int) -> type[ValidationRule]:
    """A rule bounding each operation's depth and the document's aliases."""

    class OperationLimitsRule(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            measure = DocumentMeasure(context.document)
            operations = [
                definition
                for definition in context.document.definitions
                if isinstance(definition, OperationDefinitionNode)
            ]
            try:
                aliases = 0
                for operation in operations:
                    if measure.depth(operation.selection_set) > max_depth:
                        name = operation.name.value if operation.name else "anonymous"
                        self.report_error(
                            GraphQLError(
                                f"'{name}' exceeds maximum operation depth of {max_depth}",
                                [operation],
                            )
                        )
                    aliases += measure.aliases(operation.selection_set)
            except RecursionError:
                self.report_error(GraphQLError(TOO_NESTED))
                return
            if aliases > max_aliases:
                self.report_error(GraphQLError(f"{aliases} aliases found. Allowed: {max_aliases}"))

    return OperationLimitsRule


def introspection_depth_rule(max_depth: int) -> type[ValidationRule]:
    """A rule limiting how deep a selection may go below any ``__`` field.

    The operation depth limit does not follow ``__`` fields (the standard introspection
    query is deeper than any operation needs), so a chain of ``ofType { ofType { … } }``
    would otherwise pass however deep it is.
    """

    class IntrospectionDepthRule(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self._measure = DocumentMeasure(context.document)

        def enter_field(self, node: FieldNode, *_args: Any) -> Any:
            if not node.name.value.startswith("__") or node.selection_set is None:
                return None
            try:
                depth = 1 + self._measure.depth(node.selection_set, introspection=True)
            except RecursionError:
                self.report_error(GraphQLError(TOO_NESTED, [node]))
                return self.SKIP
            if depth > max_depth:
                self.report_error(
                    GraphQLError(
                        f"Introspection selection exceeds maximum depth of {max_depth}.", [node]
                    )
                )
            return self.SKIP

    return IntrospectionDepthRule
