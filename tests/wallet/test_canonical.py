"""The canonical serialisation a seal signs is stable: key order, Unicode, no floats."""

from __future__ import annotations

import pytest

from wallet.canonical import Canonical, NotCanonical, canonical_json


def test_key_order_does_not_change_the_bytes() -> None:
    one: Canonical = {"b": 1, "a": {"y": [1, "二"], "x": None}, "c": True}
    other: Canonical = {"c": True, "a": {"x": None, "y": [1, "二"]}, "b": 1}
    assert canonical_json(one) == canonical_json(other)
    assert canonical_json(one) == '{"a":{"x":null,"y":[1,"二"]},"b":1,"c":true}'.encode()


def test_unicode_is_written_as_utf8_not_escapes() -> None:
    assert (
        canonical_json({"name": "株洲市市场监督管理局"})
        == '{"name":"株洲市市场监督管理局"}'.encode()
    )
    assert canonical_json({"q": 'a"b\\c\n'}) == b'{"q":"a\\"b\\\\c\\n"}'


def test_values_without_one_canonical_form_are_refused() -> None:
    with pytest.raises(NotCanonical):
        canonical_json({"area": 1.5})  # type: ignore[dict-item]
    # "é" as e + combining acute is not NFC: it would sign different bytes for the same text
    with pytest.raises(NotCanonical):
        canonical_json({"name": "Cafe\u0301"})
    assert canonical_json({"name": "Caf\u00e9"}) == '{"name":"Café"}'.encode()
