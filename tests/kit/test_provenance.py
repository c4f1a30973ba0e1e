"""Walking a record for every provenance inside it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pydantic import BaseModel

from kit.provenance import walk


class Source(BaseModel):
    code: str


class Month(BaseModel):
    month: str
    amount: float | None
    source: Source


class Scheme(BaseModel):
    name: str
    started: date
    months: list[Month]
    source: Source


@dataclass
class Wrapper:
    schemes: tuple[Scheme, ...]
    note: str


def test_every_instance_is_found_depth_first_with_repeats() -> None:
    # given sources at three depths, one repeated, inside a dataclass, models and lists
    record = Wrapper(
        schemes=(
            Scheme(
                name="pension",
                started=date(2020, 1, 1),
                months=[
                    Month(month="2026-01", amount=1.0, source=Source(code="a")),
                    Month(month="2026-02", amount=None, source=Source(code="b")),
                ],
                source=Source(code="c"),
            ),
            Scheme(name="medical", started=date(2021, 1, 1), months=[], source=Source(code="a")),
        ),
        note="Source(code='x') in a string is not a source",
    )
    # when / then
    assert [s.code for s in walk(record, Source)] == ["a", "b", "c", "a"]


def test_a_value_that_is_the_kind_is_found_and_scalars_hold_nothing() -> None:
    assert [s.code for s in walk(Source(code="z"), Source)] == ["z"]
    for scalar in ("text", 3, 2.5, True, None, date(2026, 12, 3)):
        assert list(walk(scalar, Source)) == []
    assert list(walk([Source(code="q"), "q", [Source(code="r")]], Source)) == [
        Source(code="q"),
        Source(code="r"),
    ]
