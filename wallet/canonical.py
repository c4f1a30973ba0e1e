"""The canonical serialisation a seal signs: deterministic JSON, one byte string per value.

The rules, which a third-party verifier must follow to rebuild the signed bytes:

- JSON (RFC 8259) with object keys sorted by Unicode code point (they are ASCII names),
  no whitespace at all (separators ``,`` and ``:``), encoded as UTF-8;
- non-ASCII text is written as itself, never as ``\\u`` escapes (only ``"``, ``\\`` and
  control characters are escaped, as JSON requires);
- only strings, integers, booleans, ``null``, arrays and objects: no floating-point
  numbers (their text is not unique), no NaN;
- strings must already be in Unicode normalisation form NFC (the issuing service
  normalises what it is given), so that a verifier that normalises gets the same bytes.

Within these limits the output equals RFC 8785 (JCS) for the values we sign.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Mapping, Sequence
from typing import TypeAlias

Canonical: TypeAlias = "str | int | bool | Sequence[Canonical] | Mapping[str, Canonical] | None"
"""A value :func:`canonical_json` accepts."""


class NotCanonical(ValueError):
    """The value has no canonical form (a float, a non-NFC string, a non-text key)."""


def canonical_json(value: Canonical) -> bytes:
    """The canonical bytes of ``value``; :class:`NotCanonical` when it has none."""
    _check(value, "$")
    text = json.dumps(
        value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    )
    return text.encode("utf-8")


def _check(value: object, where: str) -> None:
    if value is None or isinstance(value, bool | int):
        return
    if isinstance(value, str):
        if unicodedata.normalize("NFC", value) != value:
            raise NotCanonical(f"{where}: text is not in Unicode normalisation form NFC")
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise NotCanonical(f"{where}: object keys must be text")
            _check(key, where)
            _check(item, f"{where}.{key}")
        return
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check(item, f"{where}[{index}]")
        return
    raise NotCanonical(f"{where}: {type(value).__name__} has no canonical form")
