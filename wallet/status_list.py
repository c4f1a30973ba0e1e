"""Status lists (IETF OAuth Token Status List): suspension and revocation for offline checks.

Each issuing department publishes one list: two bits per licence, at the licence's
``status_index`` (which its show-codes carry as ``status.status_list.idx``), packed
least-significant bits first, zlib-compressed and base64url-encoded as ``lst``, exactly
as the draft specifies. Status values: ``0`` valid, ``1`` invalid (revoked), ``2``
suspended. Expiry is not in the list: the show-code carries the licence's signed
expiry date.

The list travels as a Status List Token in its JWT form: a JWS (compact) with
``typ: statuslist+jwt`` signed by the department's current seal key (``alg`` and
``kid`` as in ``/.well-known/seals.json``), whose claims are ``sub`` (the list's URI,
``urn:zhuzhou:status-list:<department>``), ``iat``, ``exp`` (how long an offline
verifier may rely on it), ``ttl`` (when to fetch a fresh one) and
``status_list: {bits: 2, lst}``.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import IntEnum

from wallet.models import LicenceStatus
from wallet.seals import SigningKey, b64url, b64url_decode
from wallet.showcode import KeyLookup

BITS = 2
MEDIA_TYPE = "application/statuslist+jwt"
LIFETIME_SECONDS = 24 * 3600
"""How long an offline verifier may rely on a list (``exp``)."""
TTL_SECONDS = 300
"""How often a verifier should fetch a fresh list (``ttl``)."""
MAX_ENTRIES = 1 << 24


class StatusValue(IntEnum):
    """The draft's status values (two bits)."""

    VALID = 0
    INVALID = 1
    SUSPENDED = 2


def list_uri(department: str) -> str:
    """The ``sub`` of a department's status list."""
    return f"urn:zhuzhou:status-list:{department}"


def pack(size: int, statuses: Mapping[int, LicenceStatus]) -> str:
    """``lst``: ``size`` two-bit entries, those in ``statuses`` set (the rest valid)."""
    data = bytearray((size * BITS + 7) // 8)
    per_byte = 8 // BITS
    for index, status in statuses.items():
        if not 0 <= index < size:
            continue
        value = _value(status)
        data[index // per_byte] |= value << ((index % per_byte) * BITS)
    return b64url(zlib.compress(bytes(data), 9))


def unpack(lst: str, bits: int = BITS) -> bytes:
    """The raw bytes of ``lst``; ``ValueError`` when it is not a compressed list."""
    if bits != BITS:
        raise ValueError("only two-bit lists")
    inflater = zlib.decompressobj()
    data = inflater.decompress(b64url_decode(lst), MAX_ENTRIES * BITS // 8)
    if inflater.unconsumed_tail:
        raise ValueError("too large")
    return data


def status_at(data: bytes, index: int) -> StatusValue:
    """The status of entry ``index``; ``IndexError`` past the end of the list."""
    per_byte = 8 // BITS
    if index < 0 or index // per_byte >= len(data):
        raise IndexError(index)
    raw = (data[index // per_byte] >> ((index % per_byte) * BITS)) & ((1 << BITS) - 1)
    return StatusValue(raw) if raw in StatusValue._value2member_map_ else StatusValue.INVALID


def _value(status: LicenceStatus) -> int:
    if status is LicenceStatus.REVOKED:
        return StatusValue.INVALID
    if status is LicenceStatus.SUSPENDED:
        return StatusValue.SUSPENDED
    return StatusValue.VALID


def sign_status_list(
    department: str,
    size: int,
    statuses: Mapping[int, LicenceStatus],
    signer: SigningKey,
    *,
    now: datetime,
) -> str:
    """The department's Status List Token (JWS compact), signed with ``signer``."""
    header = {"alg": signer.public.alg.value, "kid": signer.public.kid, "typ": "statuslist+jwt"}
    issued_at = int(now.timestamp())
    claims = {
        "sub": list_uri(department),
        "iss": department,
        "iat": issued_at,
        "exp": issued_at + LIFETIME_SECONDS,
        "ttl": TTL_SECONDS,
        "status_list": {"bits": BITS, "lst": pack(size, statuses)},
    }
    signing_input = f"{_b64_json(header)}.{_b64_json(claims)}"
    return f"{signing_input}.{b64url(signer.sign(signing_input.encode()))}"


@dataclass(frozen=True, slots=True)
class StatusList:
    """A verified status list of one department."""

    department: str
    issued_at: datetime
    expires_at: datetime
    data: bytes

    def status(self, index: int) -> StatusValue:
        """The status at ``index`` (an index past the end reads as invalid)."""
        try:
            return status_at(self.data, index)
        except IndexError:
            return StatusValue.INVALID


class StatusListRejected(ValueError):
    """A status list token that is malformed, forged or out of date (the message says which)."""


def verify_status_list(token: str, keys: KeyLookup, *, now: datetime) -> StatusList:
    """Check a Status List Token with the published keys; :class:`StatusListRejected` if not.

    The key must be published and belong to the list's department (``iss``), the
    signature must match and ``exp`` must not have passed.
    """
    try:
        header_part, claims_part, signature_part = token.strip().split(".")
        header = json.loads(b64url_decode(header_part))
        claims = json.loads(b64url_decode(claims_part))
        signature = b64url_decode(signature_part)
        department = str(claims["iss"])
        status_list = claims["status_list"]
        if header.get("typ") != "statuslist+jwt" or claims["sub"] != list_uri(department):
            raise StatusListRejected("not a status list of ours")
        published = keys(str(header["kid"]))
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        if isinstance(error, StatusListRejected):
            raise
        raise StatusListRejected("malformed status list") from None
    if published is None:
        raise StatusListRejected("status list signed by an unknown key")
    if published.department != department or published.key.alg.value != header.get("alg"):
        raise StatusListRejected("status list signed by another department's key")
    if not published.key.verify(f"{header_part}.{claims_part}".encode(), signature):
        raise StatusListRejected("status list signature does not match")
    expires_at = datetime.fromtimestamp(int(claims["exp"]), UTC)
    if now >= expires_at:
        raise StatusListRejected("status list has expired: fetch a fresh one")
    try:
        data = unpack(str(status_list["lst"]), int(status_list["bits"]))
    except (ValueError, KeyError, TypeError, zlib.error):
        raise StatusListRejected("malformed status list") from None
    return StatusList(
        department=department,
        issued_at=datetime.fromtimestamp(int(claims["iat"]), UTC),
        expires_at=expires_at,
        data=data,
    )


def _b64_json(value: object) -> str:
    return b64url(json.dumps(value, separators=(",", ":"), sort_keys=True).encode())
