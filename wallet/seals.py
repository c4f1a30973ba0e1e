"""Electronic seals (电子印章): the departments' signing keys, their ids, rotation, JWKS.

Three algorithms:

- ``SM2-SM3``: SM2 signatures with SM3 (GB/T 32918, GB/T 35276), the one China's
  e-licence and e-seal standards (GB/T 36901–36905, GB/T 38540) call for, through
  ``gmalg`` (pure Python, ships as a wheel: nothing to compile on a fresh machine or in
  the image; slow — see bench/seals.py). The signer's ID is the
  standard's default ``1234567812345678``; a signature is ``r || s``, 64 bytes.
- ``EdDSA`` (Ed25519) and ``ES256`` (ECDSA P-256 with SHA-256, ``r || s`` as in JOSE),
  through ``cryptography``.

A key's id (``kid``) is derived from its public key (the RFC 7638 thumbprint of its
JWK, first 16 bytes, base64url), so it needs no configuration and never collides
between departments. Each department has one current key, which seals, and any number
of previous keys, which still verify while they are published.

Key files: PEM (PKCS#8 private or SubjectPublicKeyInfo public) for Ed25519 and P-256;
hex for SM2 (64 hex digits of the private key, or 130 of the uncompressed public key
``04 || x || y``), because PEM tooling rarely knows the SM2 curve.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol, TypeGuard

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from gmalg import SM2

SM2_DEFAULT_ID = b"1234567812345678"
"""The signer ID of GB/T 35276 when none is agreed (it enters SM2's Z value)."""

SM2_ORDER = 0xFFFFFFFE_FFFFFFFF_FFFFFFFF_FFFFFFFF_7203DF6B_21C6052B_53BBF409_39D54123
"""n, the order of the SM2 recommended curve's base point (GB/T 32918.5)."""

_P256_BYTES = 32


class SealAlgorithm(StrEnum):
    """A signature algorithm a seal may use (its JWKS ``alg``)."""

    SM2_SM3 = "SM2-SM3"
    ED25519 = "EdDSA"
    ES256 = "ES256"


def b64url(raw: bytes) -> str:
    """Base64url without padding (as JOSE writes binary values)."""
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    """The bytes of :func:`b64url`'s output; ``ValueError`` when it is not base64url."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class VerifyingKey(Protocol):
    """A public seal key: it checks signatures and describes itself as a JWK."""

    @property
    def alg(self) -> SealAlgorithm:
        """The algorithm it verifies."""

    @property
    def kid(self) -> str:
        """Its id, derived from the public key."""

    def verify(self, message: bytes, signature: bytes) -> bool:
        """Whether ``signature`` is this key's over ``message``."""

    def jwk(self) -> dict[str, str]:
        """The public key as a JWK (key type members only, no ``kid`` or ``alg``)."""


class SigningKey(Protocol):
    """A private seal key."""

    @property
    def public(self) -> VerifyingKey:
        """The public half, which verifies."""

    def sign(self, message: bytes) -> bytes:
        """A fresh signature over ``message``."""

    def export(self) -> bytes:
        """The private key as a key file holds it (PEM, or hex for SM2)."""


def thumbprint_kid(jwk: Mapping[str, str]) -> str:
    """RFC 7638: SHA-256 over the required members in canonical JSON; 16 bytes, base64url."""
    required = {"EC": ("crv", "kty", "x", "y"), "OKP": ("crv", "kty", "x")}[jwk["kty"]]
    members = json.dumps({name: jwk[name] for name in required}, separators=(",", ":"))
    return b64url(hashlib.sha256(members.encode()).digest()[:16])


class Sm2PublicKey:
    """An SM2 public key (uncompressed point, 65 bytes)."""

    alg = SealAlgorithm.SM2_SM3

    def __init__(self, point: bytes) -> None:
        if len(point) != 65 or point[0] != 4 or not SM2().verify_pk(point):
            raise ValueError("not an SM2 public key on the curve")
        self.point = point
        self._verifier = SM2(pk=point, uid=SM2_DEFAULT_ID)
        # gmalg keeps one SM3 object per SM2 instance and resets it on every hash, so
        # two threads using the same instance would mix their digests: one at a time.
        self._lock = threading.Lock()
        self.kid = thumbprint_kid(self.jwk())

    def verify(self, message: bytes, signature: bytes) -> bool:
        """Whether ``signature`` (``r || s``) is valid over ``message`` with the default ID."""
        if len(signature) != 64:
            return False
        r, s = signature[:32], signature[32:]
        # The range check GB/T 32918.2 asks for (r, s in [1, n-1]) before anything else.
        if not (
            0 < int.from_bytes(r, "big") < SM2_ORDER and 0 < int.from_bytes(s, "big") < SM2_ORDER
        ):
            return False
        with self._lock:
            return bool(self._verifier.verify(message, r, s))

    def jwk(self) -> dict[str, str]:
        """``kty`` EC, ``crv`` SM2 (not registered with IANA; the usual spelling)."""
        return {
            "kty": "EC",
            "crv": "SM2",
            "x": b64url(self.point[1:33]),
            "y": b64url(self.point[33:]),
        }


class Sm2PrivateKey:
    """An SM2 private key."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) != 32 or not 0 < int.from_bytes(secret, "big") < SM2_ORDER - 1:
            raise ValueError("not an SM2 private key")
        self._secret = secret
        public = SM2().generate_pk(secret)
        self._signer = SM2(sk=secret, uid=SM2_DEFAULT_ID, pk=public)
        self._lock = threading.Lock()  # see Sm2PublicKey: gmalg's hash state is shared
        self.public = Sm2PublicKey(public)

    @classmethod
    def generate(cls) -> Sm2PrivateKey:
        """A new random key (the library draws from the system's random source)."""
        secret, _ = SM2().generate_keypair()
        # gmalg gives the integer's minimal bytes: a key below 2^248 comes back shorter.
        return cls(bytes(secret).rjust(32, b"\0"))

    def sign(self, message: bytes) -> bytes:
        """``r || s`` over SM3(Z || message)."""
        with self._lock:
            r, s = self._signer.sign(message)
        return bytes(r).rjust(32, b"\0") + bytes(s).rjust(32, b"\0")

    def export(self) -> bytes:
        """The private key in hex, one line."""
        return self._secret.hex().encode() + b"\n"


class Ed25519Public:
    """An Ed25519 public key."""

    alg = SealAlgorithm.ED25519

    def __init__(self, key: Ed25519PublicKey) -> None:
        self._key = key
        self.kid = thumbprint_kid(self.jwk())

    def verify(self, message: bytes, signature: bytes) -> bool:
        """Whether ``signature`` is valid over ``message``."""
        try:
            self._key.verify(signature, message)
        except InvalidSignature:
            return False
        return True

    def jwk(self) -> dict[str, str]:
        """``kty`` OKP, ``crv`` Ed25519 (RFC 8037)."""
        raw = self._key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return {"kty": "OKP", "crv": "Ed25519", "x": b64url(raw)}


class Ed25519Private:
    """An Ed25519 private key."""

    def __init__(self, key: Ed25519PrivateKey) -> None:
        self._key = key
        self.public = Ed25519Public(key.public_key())

    @classmethod
    def generate(cls) -> Ed25519Private:
        """A new random key."""
        return cls(Ed25519PrivateKey.generate())

    def sign(self, message: bytes) -> bytes:
        """The 64-byte Ed25519 signature."""
        return self._key.sign(message)

    def export(self) -> bytes:
        """PKCS#8 PEM."""
        return _pem(self._key)


class P256Public:
    """An ECDSA P-256 public key (ES256)."""

    alg = SealAlgorithm.ES256

    def __init__(self, key: ec.EllipticCurvePublicKey) -> None:
        if not isinstance(key.curve, ec.SECP256R1):
            raise ValueError("not a P-256 key")
        self._key = key
        self.kid = thumbprint_kid(self.jwk())

    def verify(self, message: bytes, signature: bytes) -> bool:
        """Whether ``signature`` (``r || s``, 64 bytes) is valid over ``message``."""
        if len(signature) != 2 * _P256_BYTES:
            return False
        r = int.from_bytes(signature[:_P256_BYTES], "big")
        s = int.from_bytes(signature[_P256_BYTES:], "big")
        try:
            self._key.verify(encode_dss_signature(r, s), message, ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            return False
        return True

    def jwk(self) -> dict[str, str]:
        """``kty`` EC, ``crv`` P-256 (RFC 7518)."""
        numbers = self._key.public_numbers()
        return {
            "kty": "EC",
            "crv": "P-256",
            "x": b64url(numbers.x.to_bytes(_P256_BYTES, "big")),
            "y": b64url(numbers.y.to_bytes(_P256_BYTES, "big")),
        }


class P256Private:
    """An ECDSA P-256 private key (ES256)."""

    def __init__(self, key: ec.EllipticCurvePrivateKey) -> None:
        self._key = key
        self.public = P256Public(key.public_key())

    @classmethod
    def generate(cls) -> P256Private:
        """A new random key."""
        return cls(ec.generate_private_key(ec.SECP256R1()))

    def sign(self, message: bytes) -> bytes:
        """``r || s`` (JOSE form), 64 bytes."""
        r, s = decode_dss_signature(self._key.sign(message, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(_P256_BYTES, "big") + s.to_bytes(_P256_BYTES, "big")

    def export(self) -> bytes:
        """PKCS#8 PEM."""
        return _pem(self._key)


def _pem(key: Ed25519PrivateKey | ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def generate_key(alg: SealAlgorithm) -> SigningKey:
    """A new private key for ``alg``."""
    if alg is SealAlgorithm.SM2_SM3:
        return Sm2PrivateKey.generate()
    if alg is SealAlgorithm.ED25519:
        return Ed25519Private.generate()
    return P256Private.generate()


def parse_key(data: bytes) -> SigningKey | VerifyingKey:
    """A key file's key: PEM (Ed25519 or P-256, private or public) or hex (SM2).

    Raises ``ValueError`` saying what the file is not, never quoting its content.
    """
    text = data.strip()
    if text.startswith(b"-----BEGIN"):
        if b"PRIVATE KEY" in text.split(b"\n", 1)[0]:
            private = serialization.load_pem_private_key(text, password=None)
            if isinstance(private, Ed25519PrivateKey):
                return Ed25519Private(private)
            if isinstance(private, ec.EllipticCurvePrivateKey):
                return P256Private(private)
            raise ValueError("a PEM private key that is neither Ed25519 nor P-256")
        public = serialization.load_pem_public_key(text)
        if isinstance(public, Ed25519PublicKey):
            return Ed25519Public(public)
        if isinstance(public, ec.EllipticCurvePublicKey):
            return P256Public(public)
        raise ValueError("a PEM public key that is neither Ed25519 nor P-256")
    try:
        raw = bytes.fromhex(text.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        raise ValueError("neither PEM nor hex") from None
    if len(raw) == 32:
        return Sm2PrivateKey(raw)
    if len(raw) == 65:
        return Sm2PublicKey(raw)
    raise ValueError("hex of neither an SM2 private key (32 bytes) nor public key (65 bytes)")


def load_key(path: Path) -> SigningKey | VerifyingKey:
    """The key in ``path`` (see :func:`parse_key`); ``OSError`` or ``ValueError`` otherwise."""
    return parse_key(path.read_bytes())


def write_new_key(path: Path, alg: SealAlgorithm) -> SigningKey:
    """Create ``path`` (mode 0600, folder 0700) holding a new ``alg`` key; never overwrites."""
    key = generate_key(alg)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(key.export())
    return key


@dataclass(frozen=True, slots=True)
class DepartmentSeal:
    """One department's keys: the current one seals, the previous ones still verify."""

    department: str
    current: SigningKey
    previous: tuple[VerifyingKey, ...] = ()

    def keys(self) -> tuple[VerifyingKey, ...]:
        """Every published public key, the current one first."""
        return (self.current.public, *self.previous)


@dataclass(frozen=True, slots=True)
class PublishedKey:
    """A public key with the department it belongs to."""

    department: str
    key: VerifyingKey
    current: bool


class SealKeyring:
    """Every department's seal keys, by department and by key id."""

    def __init__(self, seals: Iterable[DepartmentSeal]) -> None:
        self._seals = {seal.department: seal for seal in seals}
        self._by_kid: dict[str, PublishedKey] = {}
        for seal in self._seals.values():
            for index, key in enumerate(seal.keys()):
                self._by_kid.setdefault(key.kid, PublishedKey(seal.department, key, index == 0))

    @property
    def departments(self) -> frozenset[str]:
        """The departments that have a seal."""
        return frozenset(self._seals)

    def current(self, department: str) -> SigningKey | None:
        """The key that seals for ``department`` now, or ``None`` when it has none."""
        seal = self._seals.get(department)
        return seal.current if seal else None

    def published(self, kid: str) -> PublishedKey | None:
        """The published key with id ``kid``, or ``None`` (unknown or no longer published)."""
        return self._by_kid.get(kid)

    def jwks(self) -> dict[str, Any]:
        """The public keys, JWKS-style: each with ``kid``, ``alg``, ``use`` and department."""
        keys = [
            published.key.jwk()
            | {
                "kid": kid,
                "alg": published.key.alg.value,
                "use": "sig",
                "department": published.department,
                "status": "current" if published.current else "previous",
            }
            for kid, published in self._by_kid.items()
        ]
        return {"keys": keys}


def is_private(key: SigningKey | VerifyingKey) -> TypeGuard[SigningKey]:
    """Whether ``key`` (from :func:`load_key`) is a private key, which can seal."""
    return isinstance(key, Sm2PrivateKey | Ed25519Private | P256Private)


def public_of(key: SigningKey | VerifyingKey) -> VerifyingKey:
    """The public half of ``key`` (itself when it is public)."""
    return key.public if is_private(key) else key  # type: ignore[return-value]


KEY_FILE_SUFFIX = {
    SealAlgorithm.SM2_SM3: "hex",
    SealAlgorithm.ED25519: "pem",
    SealAlgorithm.ES256: "pem",
}
"""The suffix of a generated key file: hex for SM2, PEM otherwise."""


def key_from_jwk(jwk: Mapping[str, Any]) -> VerifyingKey:
    """The public key a published JWK describes (as ``/.well-known/seals.json`` lists them).

    What an offline verifier does with the published keys; ``ValueError`` for a JWK that
    is none of ours (another curve, a bad point).
    """
    try:
        kty, crv = jwk["kty"], jwk["crv"]
        if kty == "OKP" and crv == "Ed25519":
            return Ed25519Public(Ed25519PublicKey.from_public_bytes(b64url_decode(jwk["x"])))
        x, y = b64url_decode(jwk["x"]), b64url_decode(jwk["y"])
        if kty == "EC" and crv == "SM2":
            return Sm2PublicKey(b"\x04" + x + y)
        if kty == "EC" and crv == "P-256":
            numbers = ec.EllipticCurvePublicNumbers(
                int.from_bytes(x, "big"), int.from_bytes(y, "big"), ec.SECP256R1()
            )
            return P256Public(numbers.public_key())
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"not a seal key JWK ({type(error).__name__})") from None
    raise ValueError("not a seal key JWK (unknown kty/crv)")
