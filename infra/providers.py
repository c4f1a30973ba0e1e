"""Marks the providers that stand in for real ones, so a deployment can refuse them.

A provider is anything that talks to the world outside the service on its behalf: an
SMS or liveness vendor, a mini-program platform, a register or a department's data
set. Development and the demo run clearly labelled stand-ins for each; staging and
production must run only real adapters. The check looks at the objects actually
wired (``isinstance``), never at a configuration string, so no spelling of a setting
can slip a stand-in into production.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, ClassVar


class DevelopmentOnly:
    """Base of every development or demo provider; never wired outside development/tests.

    Subclasses say what they are in :attr:`label`, e.g. ``"development SMS (codes
    written to the log, never sent)"``, which is what a refused start-up names.
    """

    label: ClassVar[str]
    """What the stand-in is and why it is not real, for operators."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not getattr(cls, "label", ""):
            raise TypeError(f"{cls.__name__} must say what it stands in for in `label`")


def each_provider(wired: object) -> Iterator[object]:
    """Every provider in a slot: a slot may hold one or several (the life record's
    sources, by section)."""
    if isinstance(wired, Mapping):
        for value in wired.values():
            yield from each_provider(value)
    elif isinstance(wired, list | tuple | set | frozenset):
        for value in wired:
            yield from each_provider(value)
    else:
        yield wired


def development_only(slots: Iterable[tuple[str, object]]) -> dict[str, list[str]]:
    """The slots wired with a :class:`DevelopmentOnly` provider, with their labels.

    ``slots`` pairs each slot's name with what is wired in it; several stand-ins of
    one kind in a slot are named once.
    """
    found: dict[str, list[str]] = {}
    for slot, wired in slots:
        for provider in each_provider(wired):
            if isinstance(provider, DevelopmentOnly):
                labels = found.setdefault(slot, [])
                if provider.label not in labels:
                    labels.append(provider.label)
    return found
