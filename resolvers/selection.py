"""What an operation selects below the field being resolved, read off the parsed document.

Strawberry's ``info.selected_fields`` converts the whole subtree into its own selection
objects on every call; for a life record (eight sections, each asking whether provenance
departments are wanted) that conversion cost more than the rest of the request. Walking
graphql-core's nodes answers the same question without building anything.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    SelectionSetNode,
)

from kit.lru import BoundedLru
from resolvers.context import Info


def selects(info: Info, field_name: str) -> bool:
    """Whether ``field_name`` is selected anywhere below the field being resolved.

    Fragments (inline and named) are followed; ``@skip``/``@include`` are not evaluated,
    as with ``info.selected_fields``: a field that may be asked for counts as asked.
    """
    return field_name in _names(info, deep=True)


def selected_here(info: Info) -> frozenset[str]:
    """The names of the fields selected directly on the value being resolved (through
    fragments, not inside other fields), evaluated as :func:`selects` does."""
    return _names(info, deep=False)


# The answers per field of a parsed document: a cached or trusted document's nodes are
# the same objects on every request. Each entry holds its nodes, so an id is never
# matched to other nodes made at the same address later.
_KNOWN: BoundedLru[tuple[bool, tuple[int, ...]], tuple[tuple[FieldNode, ...], frozenset[str]]]
_KNOWN = BoundedLru(4096)


def _names(info: Info, *, deep: bool) -> frozenset[str]:
    raw = info._raw_info
    nodes = tuple(raw.field_nodes)
    key = (deep, tuple(map(id, nodes)))
    known = _KNOWN.get(key)
    if known is not None and all(a is b for a, b in zip(known[0], nodes, strict=True)):
        return known[1]
    names = frozenset(_names_below(nodes, raw.fragments, deep=deep))
    _KNOWN.put(key, (nodes, names))
    return names


def _names_below(
    field_nodes: tuple[FieldNode, ...],
    fragments: Mapping[str, FragmentDefinitionNode],
    *,
    deep: bool,
) -> Iterator[str]:
    followed: set[str] = set()
    pending: list[SelectionSetNode | None] = [node.selection_set for node in field_nodes]
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
