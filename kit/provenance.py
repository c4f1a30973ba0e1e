"""Walking a record for the provenance of every value inside it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from types import UnionType
from typing import Any, TypeVar, Union, get_args, get_origin

T = TypeVar("T")

_LEAVES = (str, bytes, int, float, Decimal, date, datetime, time, Enum, type(None))
"""Values that hold nothing inside them (``bool`` is an ``int``)."""

_FIELDS: dict[type, tuple[str, ...]] = {}
"""The fields of each model or dataclass type met that may hold something inside them,
worked out once per type."""


def _scalar(annotation: Any) -> bool:
    """Whether a field so annotated can only hold scalars (``str``, ``date | None``…)."""
    if isinstance(annotation, type):
        return issubclass(annotation, _LEAVES)
    if get_origin(annotation) in (Union, UnionType):
        return all(_scalar(arg) for arg in get_args(annotation))
    return False


def _fields_of(cls: type) -> tuple[str, ...]:
    names = _FIELDS.get(cls)
    if names is None:
        fields = getattr(cls, "model_fields", None)
        if fields is not None:  # pydantic: annotations resolved
            names = tuple(n for n, f in fields.items() if not _scalar(f.annotation))
        else:  # a dataclass's annotations may be strings: keep every field
            names = tuple(getattr(cls, "__dataclass_fields__", ()))
        _FIELDS[cls] = names
    return names


def walk(value: Any, kind: type[T]) -> Iterator[T]:
    """Every instance of ``kind`` inside ``value``: pydantic models, dataclasses, lists.

    Used to collect the provenance of each value of a record (e.g. to batch the look-up
    of the departments they name), depth-first, repeats included. Scalars are never
    descended into, and the walk keeps its own stack (a record's every value would
    otherwise cost a generator).
    """
    pending = [value]
    while pending:
        current = pending.pop()
        if isinstance(current, kind):
            yield current
            continue
        if isinstance(current, list | tuple):
            children: list[Any] = list(current)
        else:
            names = _fields_of(type(current))
            if not names:
                continue
            children = [getattr(current, name) for name in names]
        pending.extend(child for child in reversed(children) if not isinstance(child, _LEAVES))
