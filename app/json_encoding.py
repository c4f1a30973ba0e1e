"""GraphQL responses encoded with orjson, byte for byte as ``json.dumps`` wrote them.

Clients, proxies and the benchmarks' checks saw Strawberry's encoding
(``json.dumps(data, separators=(",", ":"))``: every non-ASCII character escaped as
``\\uXXXX``). orjson is several times faster but writes UTF-8 and spells a few floats
differently, so its output is brought back to the same bytes:

- non-ASCII text: ``backslashreplace`` (C speed) gives ``\\uXXXX`` for most characters;
  the ``\\xNN`` (U+0080–U+00FF) and ``\\UXXXXXXXX`` (beyond the BMP, which JSON writes
  as a surrogate pair) it also gives are rewritten;
- DEL (U+007F), which orjson leaves raw and ``json`` escapes;
- floats below 1e-4, written ``0.00001`` or ``1e-7`` by orjson and ``1e-05``/``1e-07``
  by Python: when the output might hold one (``0.0000`` or ``e-<digit>`` anywhere, in a
  string too) the standard library encodes the whole response instead;
- whatever orjson refuses (integers beyond 64 bits, keys that are not strings, lone
  surrogates) is encoded by the standard library too.

One difference is deliberate and kept out at the door: ``NaN`` and ``Infinity`` are
not JSON. orjson writes ``null`` for them; the router refuses them in request bodies
(``reject_non_finite``) and GraphQL's ``Float`` never serializes them.
"""

from __future__ import annotations

import json
import re

import orjson

# Output orjson spells differently from ``float.__repr__`` (see the module docstring).
# Two searches, not one alternation: a pattern with a literal prefix is scanned for at
# memchr speed, an alternation byte by byte (ten times slower on a 9 kB page).
_SMALL_EXPONENT = re.compile(rb"e-[1-9](?![0-9])")
# An escaped backslash (kept as it is), or an escape ``backslashreplace`` wrote.
_ESCAPES = re.compile(rb"\\\\|\\x([0-9a-f]{2})|\\U([0-9a-f]{8})")


def encode_stdlib(data: object) -> bytes:
    """The encoding Strawberry used (and still the reference): ``json.dumps``, compact."""
    return json.dumps(data, separators=(",", ":")).encode("ascii")


def encode_response(data: object) -> bytes:
    """``data`` as JSON, the same bytes as :func:`encode_stdlib`, mostly by orjson."""
    try:
        raw = orjson.dumps(data)
    except TypeError:  # orjson.JSONEncodeError is one
        return encode_stdlib(data)
    if b"0.0000" in raw or _SMALL_EXPONENT.search(raw) is not None:
        return encode_stdlib(data)
    if not raw.isascii():
        raw = raw.decode("utf-8").encode("ascii", "backslashreplace")
        if b"\\x" in raw or b"\\U" in raw:
            raw = _ESCAPES.sub(_json_escape, raw)
    if b"\x7f" in raw:
        raw = raw.replace(b"\x7f", b"\\u007f")
    return raw


def _json_escape(match: re.Match[bytes]) -> bytes:
    latin1, astral = match.group(1), match.group(2)
    if latin1 is not None:
        return b"\\u00" + latin1
    if astral is not None:
        code = int(astral, 16) - 0x10000
        high, low = 0xD800 | (code >> 10), 0xDC00 | (code & 0x3FF)
        return f"\\u{high:04x}\\u{low:04x}".encode("ascii")
    return match.group(0)


def reject_non_finite(constant: str) -> float:
    """``json.loads``' ``parse_constant``: ``NaN`` and ``Infinity`` are not JSON."""
    raise ValueError(f"{constant} is not a JSON value")
