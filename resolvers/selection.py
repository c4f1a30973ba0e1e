"""What an operation selects below the field being resolved, read off the parsed document.

Strawberry's ``info.selected_fields`` converts the whole subtree into its own selection
objects on every call; for a life record (eight sections, each asking whether provenance
departments are wanted) that conversion cost more than the rest of the request. Walking
graphql-core's nodes answers the same question without building anything.
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import FieldNode, FragmentSpreadNode, InlineFragmentNode, SelectionSetNode

from resolvers.context import Info


def selects(info: Info, field_name: str) -> bool:
    """Whether ``field_name`` is selected anywhere below the field being resolved.

    Fragments (inline and named) are followed; ``@skip``/``@include`` are not evaluated,
    as with ``info.selected_fields``: a field that may be asked for counts as asked.
    """
    return any(name == field_name for name in _names_below(info, deep=True))


def selected_here(info: Info) -> set[str]:
    """The names of the fields selected directly on the value being resolved (through
    fragments, not inside other fields), evaluated as :func:`selects` does."""
    return set(_names_below(info, deep=False))


def _names_below(info: Info, *, deep: bool) -> Iterator[str]:
    raw = info._raw_info
    fragments = raw.fragments
    followed: set[str] = set()
    pending: list[SelectionSetNode | None] = [node.selection_set for node in raw.field_nodes]
    while pending:
        selection_set = pending.pop()
        if selection_set is None:
            continue
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                yield selection.name.value
                if deep:
                    pending.append(selection.selection_set)
            elif isinstance(selection, InlineFragmentNode):
                pending.append(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = fragments.get(name)
                if fragment is not None and name not in followed:
                    followed.add(name)
                    pending.append(fragment.selection_set)
