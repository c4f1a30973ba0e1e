"""Paths to values inside a section payload: ``items[0].certificateNumber``.

Clients name values the way the GraphQL schema spells them (camelCase, list items by
index); the path is checked against the section's model, so only fields that exist
can be prefilled or disputed. Provenance is metadata, never a path's target.
"""

from __future__ import annotations

import re
import types
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Union, get_args, get_origin

from liferecord.models import PAYLOAD_TYPES, Provenance, Record, Section

MAX_PATH_LENGTH = 200
MAX_INDEX = 999

_STEP = re.compile(r"^([a-z][a-zA-Z0-9]*)(?:\[(0|[1-9][0-9]{0,2})\])?$")
_UPPER = re.compile(r"([A-Z])")


class InvalidPath(ValueError):
    """The text is not a path to a field of the section's model."""


@dataclass(frozen=True, slots=True)
class Step:
    """One step of a path: a model field, and an item index when the field is a list."""

    name: str
    """The model's (snake_case) field name."""
    index: int | None


@dataclass(frozen=True, slots=True)
class FieldPath:
    """A checked path inside one section's payload."""

    section: Section
    steps: tuple[Step, ...]
    text: str
    """The path as the schema spells it (``items[0].certificateNumber``)."""
    leaf: bool
    """True when the path ends at one value (text, number, date), not a list or object."""


def _snake(name: str) -> str:
    return _UPPER.sub(r"_\1", name).lower()


def _list_item(annotation: Any) -> Any | None:
    """The item type of ``list[X]``, else ``None``."""
    if get_origin(annotation) is list:
        return get_args(annotation)[0]
    return None


def _without_none(annotation: Any) -> Any:
    """``X`` for ``X | None``."""
    if get_origin(annotation) in (Union, types.UnionType):
        kept = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(kept) == 1:
            return kept[0]
    return annotation


def _is_record(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, Record)


def parse_path(section: Section, text: str) -> FieldPath:
    """Check ``text`` against the model of ``section``; raises :class:`InvalidPath`."""
    if not text or len(text) > MAX_PATH_LENGTH:
        raise InvalidPath(text)
    model: Any = PAYLOAD_TYPES[section]
    steps: list[Step] = []
    annotation: Any = model
    for raw in text.split("."):
        match = _STEP.match(raw)
        if match is None or not _is_record(annotation):
            raise InvalidPath(text)
        name = _snake(match.group(1))
        fields = annotation.model_fields
        if name not in fields and f"{name}_zh" in fields:
            # The schema shows a text kept in Chinese and English as one field
            # (``address``, ``householdAddress``): that names the Chinese original.
            name = f"{name}_zh"
        field = fields.get(name)
        if field is None or name == "provenance":
            raise InvalidPath(text)
        annotation = _without_none(field.annotation)
        index = None if match.group(2) is None else int(match.group(2))
        item = _list_item(annotation)
        if index is not None:
            if item is None or index > MAX_INDEX:
                raise InvalidPath(text)
            annotation = item
        steps.append(Step(name, index))
    leaf = not _is_record(annotation) and _list_item(annotation) is None
    # The pattern admits one spelling per step (camelCase, no leading zeros), so the
    # text as given is already canonical.
    return FieldPath(section=section, steps=tuple(steps), text=text, leaf=leaf)


@dataclass(frozen=True, slots=True)
class FoundValue:
    """A value read along a path, with the provenance nearest to it."""

    value: str
    provenance: Provenance


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | int | str):
        return str(value)
    return None


def read_value(payload: Record, path: FieldPath) -> FoundValue | None:
    """The value at ``path`` as text, or ``None`` when the payload has none there.

    Its provenance is the innermost one along the way (a property's own, not its
    section's), so each value says exactly which department attests it.
    """
    current: object = payload
    for step in path.steps:
        current = getattr(current, step.name, None)
        if step.index is not None:
            if not isinstance(current, list) or step.index >= len(current):
                return None
            current = current[step.index]
    text = _text(current)
    provenance = nearest_provenance(payload, path)
    if text is None or provenance is None:
        return None
    return FoundValue(value=text, provenance=provenance)


def nearest_provenance(payload: Record, path: FieldPath) -> Provenance | None:
    """The innermost provenance along ``path``, as far as the payload goes.

    The department that attests a value (a utility company for its account) may not
    be the section's source (the exchange's merged feed); this names the former.
    """
    current: object = payload
    provenance: Provenance | None = None
    for step in path.steps:
        found = getattr(current, "provenance", None)
        if isinstance(found, Provenance):
            provenance = found
        current = getattr(current, step.name, None)
        if step.index is not None:
            if not isinstance(current, list) or step.index >= len(current):
                return provenance
            current = current[step.index]
        if current is None:
            return provenance
    found = getattr(current, "provenance", None)
    return found if isinstance(found, Provenance) else provenance
