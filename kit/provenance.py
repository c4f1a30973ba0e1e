"""Walking a record for the provenance of every value inside it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypeVar

T = TypeVar("T")


def walk(value: Any, kind: type[T]) -> Iterator[T]:
    """Every instance of ``kind`` inside ``value``: pydantic models, dataclasses, lists.

    Used to collect the provenance of each value of a record (e.g. to batch the look-up
    of the departments they name), depth-first, repeats included.
    """
    if isinstance(value, kind):
        yield value
        return
    if isinstance(value, list | tuple):
        for item in value:
            yield from walk(item, kind)
        return
    fields = getattr(type(value), "model_fields", None)
    if fields is None:
        fields = getattr(type(value), "__dataclass_fields__", None)
    if fields is None:
        return
    for name in fields:
        yield from walk(getattr(value, name), kind)
