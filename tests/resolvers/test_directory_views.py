"""Directory views are built once per record value and rebuilt when the record changes."""

from __future__ import annotations

import copy
import dataclasses

from demo.data.departments import DEPARTMENTS
from kit.text import Localized
from resolvers.directory import department_edge, department_type


def test_a_record_and_an_equal_copy_share_one_view() -> None:
    # given
    record = DEPARTMENTS[0]
    # when
    first = department_type(record)
    again = department_type(copy.deepcopy(record))
    # then
    assert again is first
    assert department_edge(record).node is first
    assert first.name.zh == record.name.zh


def test_a_changed_record_gets_a_new_view() -> None:
    # given
    record = DEPARTMENTS[1]
    before = department_type(record)
    renamed = dataclasses.replace(record, name=Localized(zh="新名称", en="New name"))
    # when
    after = department_type(renamed)
    # then
    assert after is not before
    assert after.name.zh == "新名称"
    assert department_edge(renamed).node is after
    assert department_edge(renamed).cursor == department_edge(record).cursor
