"""Taking show-codes apart and putting them back together, as a forger would."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import cbor2

from wallet.showcode import PREFIX, b45decode, b45encode


def parts(token: str) -> list[Any]:
    """``[protected, unprotected, payload, signature]`` of a show-code."""
    sign1 = cbor2.loads(b45decode(token[len(PREFIX) :]))
    protected, unprotected, payload, signature = sign1.value
    return [protected, dict(unprotected), payload, signature]


def packed(items: list[Any]) -> str:
    """A show-code made of ``items`` (no signing: what a forger can do)."""
    return PREFIX + b45encode(cbor2.dumps(cbor2.CBORTag(18, items)))


def with_disclosures(token: str, change: Callable[[list[bytes]], list[bytes]]) -> str:
    """``token`` with its disclosures changed by ``change``."""
    items = parts(token)
    items[1] = {"sd_claims": change(list(items[1]["sd_claims"]))}
    return packed(items)


def disclosure(name: str, value: str | int) -> bytes:
    """A new disclosure, as a forger would make one."""
    return cbor2.dumps([os.urandom(16), name, value], canonical=True)


def with_claims(token: str, change: Callable[[dict[Any, Any]], None]) -> str:
    """``token`` with its signed claims changed (the signature kept)."""
    items = parts(token)
    claims = dict(cbor2.loads(items[2]))
    change(claims)
    items[2] = cbor2.dumps(claims, canonical=True)
    return packed(items)
