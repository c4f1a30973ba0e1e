"""The show-code (亮证) token: COSE_Sign1 over CBOR claims, selective disclosure, base45.

Why this format: a show-code is a QR code on a phone screen, scanned by a counter
clerk's or a shop's camera, often offline. The EU Digital COVID Certificate's layout
(CBOR claims in a COSE_Sign1, base45 into the QR code's alphanumeric mode) was scanned
billions of times in exactly that setting, and binary CBOR plus base45 makes a smaller
QR code than a JSON/base64url token such as an SD-JWT carrying the same data (see
bench/wallet_verify.py for the bytes and QR versions measured). The DCC's zlib step is
left out: salts, digests and the signature are random bytes, which it only lengthened.
Selective disclosure follows the IETF SD-CWT draft (SD-JWT's mechanism in CBOR): the
signed claims carry the SHA-256 digest of every field's salted disclosure; the token
carries only the disclosures the holder chose, in the unprotected header. A verifier
recomputes each disclosure's digest and finds it among the signed ones, so a value
altered or a field added (extended) is caught and named, while undisclosed fields stay
hidden behind their salted digests.

Layout (text): ``ZZL1:`` + base45(COSE_Sign1), where COSE_Sign1 is CBOR tag 18
of ``[protected, unprotected, payload, signature]``:

- protected: ``{1: alg, 4: kid}``; alg is -8 (EdDSA), -7 (ES256) or the text
  ``"SM2-SM3"`` (SM2 with SM3 and the default signer ID, no IANA number yet); kid is
  the UTF-8 of the key's id in ``/.well-known/seals.json``, whose department must be
  ``iss``;
- unprotected: ``{"sd_claims": [disclosure, ...]}``, each a CBOR byte string holding
  ``[salt (16 bytes), field name, value]``;
- payload (CBOR map): ``1`` iss (department code), ``2`` sub (the licence URI's
  document id, 16 bytes: the URI is ``urn:zhuzhou:licence:<iss>:<typ>:<hex>``), ``4`` exp,
  ``6`` iat (seconds since the epoch), ``7`` cti (token id), ``"typ"`` (licence type),
  ``"issued"`` / ``"expires"`` (ISO dates, expires may be null), ``"_sd"`` (each
  disclosure's SHA-256, first 16 bytes), ``"status"``:
  ``{"status_list": {"idx": n}}`` as the IETF Token Status List puts it (the list's
  ``uri`` is left out to keep the code small: it is the issuer's list, published at
  ``/wallet/status-lists/<iss>``);
- signature: over ``Sig_structure = ["Signature1", protected, b"", payload]``.

A show-code is minted with the department's *current* key and lives five minutes: one
signed by a key the department has since rotated to "previous" is refused as
``rotated_out_key``, one by a key no longer published as ``unknown_key``.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

import cbor2

from wallet.models import SCHEMAS, LicenceType
from wallet.seals import SealAlgorithm, SigningKey, VerifyingKey

PREFIX = "ZZL1:"
"""Names the format and its version at the start of every show-code."""
NUMBER_FIELD = "number"
"""The document number, disclosable like a typed field."""
MAX_TOKEN_CHARS = 4000
_COSE_ALG = {SealAlgorithm.ED25519: -8, SealAlgorithm.ES256: -7, SealAlgorithm.SM2_SM3: "SM2-SM3"}
_ALG_OF = {value: alg for alg, value in _COSE_ALG.items()}
_SALT_BYTES = 16
DIGEST_BYTES = 16
URI_PREFIX = "urn:zhuzhou:licence"
_SD_CLAIMS = "sd_claims"


class ShowCodeFailure(StrEnum):
    """Why a show-code is not authentic (or no longer usable)."""

    MALFORMED = "malformed"
    """Not a show-code at all (wrong prefix, encoding or structure)."""
    TAMPERED = "tampered"
    """The signature does not match the signed content, or its key is another department's."""
    UNKNOWN_KEY = "unknown_key"
    """No published key has its key id."""
    ROTATED_OUT_KEY = "rotated_out_key"
    """Signed by a key its department no longer signs with."""
    EXPIRED_TOKEN = "expired_token"  # noqa: S105 - a reason, not a secret
    """Its five minutes are over: ask the holder for a fresh one."""
    DISCLOSURE_MISMATCH = "disclosure_mismatch"
    """A disclosed field was altered, added or repeated after signing."""
    UNKNOWN_LICENCE = "unknown_licence"
    """Authentically signed, but the licence is not on record (online check only)."""
    TAMPERED_LICENCE = "tampered_licence"
    """The licence on record no longer matches its seal (online check only)."""


@dataclass(frozen=True, slots=True)
class PublishedSealKey:
    """A key as a verifier knows it: its department, and whether it is current."""

    department: str
    key: VerifyingKey
    current: bool


KeyLookup = Callable[[str], PublishedSealKey | None]
"""The published key with a key id, or ``None`` (the keyring online, the JWKS offline)."""


@dataclass(frozen=True, slots=True)
class ShowCodeClaims:
    """What a show-code's signature covers, besides the disclosed fields."""

    token_id: str
    issuer: str
    uri: str
    type: LicenceType
    issued_on: date
    expires_on: date | None
    issued_at: datetime
    expires_at: datetime
    status_index: int | None
    """The licence's slot in its issuer's status list (``/wallet/status-lists/<iss>``)."""


@dataclass(frozen=True, slots=True)
class ShowCodeCheck:
    """The outcome of checking a show-code: authentic or why not, and what it discloses.

    ``claims`` is set whenever the signature verified (also for an expired token, so
    the holder's log can name the licence); ``disclosed`` only when authentic.
    """

    authentic: bool
    failure: ShowCodeFailure | None = None
    claims: ShowCodeClaims | None = None
    disclosed: Mapping[str, str | int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ShowCodeContent:
    """What to put in a show-code: the licence's facts and every field (disclosed or not)."""

    issuer: str
    uri: str
    type: LicenceType
    issued_on: date
    expires_on: date | None
    fields: Mapping[str, str | int]
    status_index: int | None


def disclosable(type_: LicenceType) -> tuple[str, ...]:
    """The names a show-code of ``type_`` may disclose: the number and the typed fields."""
    return (NUMBER_FIELD, *(spec.name for spec in SCHEMAS[type_].fields))


def mint(
    content: ShowCodeContent,
    disclose: Sequence[str],
    signer: SigningKey,
    *,
    now: datetime,
    lifetime_seconds: int,
) -> tuple[str, ShowCodeClaims]:
    """A signed show-code disclosing the fields named in ``disclose`` (each in ``fields``)."""
    disclosures = {
        name: cbor2.dumps([os.urandom(_SALT_BYTES), name, value], canonical=True)
        for name, value in content.fields.items()
    }
    digests = sorted(_digest(d) for d in disclosures.values())
    issued_at = int(now.timestamp())
    token_id = os.urandom(8)
    claims: dict[Any, Any] = {
        1: content.issuer,
        2: _docid(content.uri, content.issuer, content.type),
        4: issued_at + lifetime_seconds,
        6: issued_at,
        7: token_id,
        "typ": content.type.value,
        "issued": content.issued_on.isoformat(),
        "expires": content.expires_on.isoformat() if content.expires_on else None,
        "_sd": digests,
    }
    if content.status_index is not None:
        claims["status"] = {"status_list": {"idx": content.status_index}}
    protected = cbor2.dumps({1: _COSE_ALG[signer.public.alg], 4: signer.public.kid.encode()})
    payload = cbor2.dumps(claims, canonical=True)
    signature = signer.sign(_to_be_signed(protected, payload))
    unprotected = {_SD_CLAIMS: [disclosures[name] for name in disclose]}
    sign1 = cbor2.CBORTag(18, [protected, unprotected, payload, signature])
    return PREFIX + b45encode(cbor2.dumps(sign1)), _claims(claims)


def check(token: str, keys: KeyLookup, *, now: datetime) -> ShowCodeCheck:
    """Check ``token`` with the published keys only (what an offline verifier can do)."""
    try:
        protected_bytes, unprotected, payload, signature = _open(token)
        protected = cbor2.loads(protected_bytes)
        claims_map = cbor2.loads(payload)
        claims = _claims(claims_map)
        kid = protected[4].decode()
        alg = _ALG_OF[protected[1]]
        shown = unprotected.get(_SD_CLAIMS, [])
        if not isinstance(shown, list | tuple) or not all(isinstance(d, bytes) for d in shown):
            raise ValueError("disclosures")
    except (ValueError, KeyError, TypeError, AttributeError, IndexError, EOFError):
        return ShowCodeCheck(False, ShowCodeFailure.MALFORMED)
    except cbor2.CBORDecodeError:
        return ShowCodeCheck(False, ShowCodeFailure.MALFORMED)
    published = keys(kid)
    if published is None:
        return ShowCodeCheck(False, ShowCodeFailure.UNKNOWN_KEY)
    if published.department != claims.issuer or published.key.alg is not alg:
        return ShowCodeCheck(False, ShowCodeFailure.TAMPERED)
    if not published.key.verify(_to_be_signed(protected_bytes, payload), signature):
        return ShowCodeCheck(False, ShowCodeFailure.TAMPERED)
    if not published.current:
        return ShowCodeCheck(False, ShowCodeFailure.ROTATED_OUT_KEY, claims)
    if now >= claims.expires_at:
        return ShowCodeCheck(False, ShowCodeFailure.EXPIRED_TOKEN, claims)
    disclosed = _disclosed(shown, claims_map.get("_sd"), claims.type)
    if disclosed is None:
        return ShowCodeCheck(False, ShowCodeFailure.DISCLOSURE_MISMATCH, claims)
    return ShowCodeCheck(True, None, claims, disclosed)


def _digest(disclosure: bytes) -> bytes:
    """SHA-256 of a disclosure, its first 16 bytes (128 bits against second preimages).

    Truncated to keep the QR code small: full digests of a business licence's eight
    fields alone would add 128 bytes (about 190 base45 characters).
    """
    return hashlib.sha256(disclosure).digest()[:DIGEST_BYTES]


def _docid(uri: str, issuer: str, type_: LicenceType) -> bytes:
    """The URI's document id as 16 bytes (the rest of the URI is ``iss`` and ``typ``)."""
    prefix = f"{URI_PREFIX}:{issuer}:{type_.value}:"
    if not uri.startswith(prefix):
        raise ValueError("the URI does not match the issuer and type")
    return bytes.fromhex(uri[len(prefix) :])


def licence_uri(issuer: str, type_: LicenceType, docid: bytes) -> str:
    """A licence's URI from the claims of its show-code."""
    return f"{URI_PREFIX}:{issuer}:{type_.value}:{docid.hex()}"


def _to_be_signed(protected: bytes, payload: bytes) -> bytes:
    return cbor2.dumps(["Signature1", protected, b"", payload])


def _open(token: str) -> tuple[bytes, Mapping[Any, Any], bytes, bytes]:
    if not token.startswith(PREFIX) or len(token) > MAX_TOKEN_CHARS:
        raise ValueError("prefix")
    sign1 = cbor2.loads(b45decode(token[len(PREFIX) :]))
    if not isinstance(sign1, cbor2.CBORTag) or sign1.tag != 18:
        raise ValueError("not COSE_Sign1")
    protected, unprotected, payload, signature = sign1.value
    if not all(isinstance(part, bytes) for part in (protected, payload, signature)):
        raise ValueError("parts")
    if not isinstance(unprotected, Mapping):
        raise ValueError("unprotected")
    return protected, unprotected, payload, signature


def _claims(claims: Mapping[Any, Any]) -> ShowCodeClaims:
    status = claims.get("status", {}).get("status_list", {})
    expires = claims["expires"]
    issuer, type_ = str(claims[1]), LicenceType(claims["typ"])
    return ShowCodeClaims(
        token_id=bytes(claims[7]).hex(),
        issuer=issuer,
        uri=licence_uri(issuer, type_, bytes(claims[2])),
        type=type_,
        issued_on=date.fromisoformat(claims["issued"]),
        expires_on=date.fromisoformat(expires) if expires is not None else None,
        issued_at=datetime.fromtimestamp(int(claims[6]), UTC),
        expires_at=datetime.fromtimestamp(int(claims[4]), UTC),
        status_index=int(status["idx"]) if "idx" in status else None,
    )


def _disclosed(
    shown: Sequence[bytes], signed: object, type_: LicenceType
) -> dict[str, str | int] | None:
    """The disclosed fields, or ``None`` when one is not among the signed digests."""
    if not isinstance(signed, list | tuple):
        return None
    digests = set(signed)
    allowed = set(disclosable(type_))
    fields: dict[str, str | int] = {}
    for disclosure in shown:
        if _digest(disclosure) not in digests:
            return None
        try:
            _salt, name, value = cbor2.loads(disclosure)
        except (ValueError, TypeError, cbor2.CBORDecodeError):
            return None
        if name not in allowed or name in fields or not isinstance(value, str | int):
            return None
        fields[name] = value
    return fields


_B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_B45_VALUE = {char: index for index, char in enumerate(_B45)}


def b45encode(data: bytes) -> str:
    """Base45 (RFC 9285): the QR code's alphanumeric alphabet, 3 characters per 2 bytes."""
    out = []
    for index in range(0, len(data) - 1, 2):
        value = data[index] * 256 + data[index + 1]
        value, c = divmod(value, 45)
        e, d = divmod(value, 45)
        out += [_B45[c], _B45[d], _B45[e]]
    if len(data) % 2:
        d, c = divmod(data[-1], 45)
        out += [_B45[c], _B45[d]]
    return "".join(out)


def b45decode(text: str) -> bytes:
    """The bytes of :func:`b45encode`'s output; ``ValueError`` for anything else."""
    try:
        values = [_B45_VALUE[char] for char in text]
    except KeyError:
        raise ValueError("not base45") from None
    out = bytearray()
    for index in range(0, len(values), 3):
        chunk = values[index : index + 3]
        if len(chunk) == 3:
            value = chunk[0] + chunk[1] * 45 + chunk[2] * 45 * 45
            if value > 0xFFFF:
                raise ValueError("not base45")
            out += value.to_bytes(2, "big")
        elif len(chunk) == 2:
            value = chunk[0] + chunk[1] * 45
            if value > 0xFF:
                raise ValueError("not base45")
            out.append(value)
        else:
            raise ValueError("not base45")
    return bytes(out)
