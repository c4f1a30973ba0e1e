"""Keys derived from the master secret: keyed hashes, field encryption, signing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_FIELD_VERSION = "v1"


def derive_key(master: bytes, purpose: str) -> bytes:
    """A 32-byte key for one ``purpose``, derived with HKDF-SHA256 from the master secret.

    Separate keys per purpose mean that a leak of one (say the OTP key) says nothing
    about the others.
    """
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"smart-zhuzhou", info=purpose.encode()
    ).derive(master)


class KeyedHash:
    """HMAC-SHA256 under a derived key: for lookups of values we must not store in clear."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def digest(self, value: str) -> str:
        """Hex digest of ``value``."""
        return hmac.new(self._key, value.encode(), hashlib.sha256).hexdigest()

    def matches(self, value: str, digest: str) -> bool:
        """Constant-time check that ``value`` hashes to ``digest``."""
        return hmac.compare_digest(self.digest(value), digest)


class FieldCipher:
    """AES-256-GCM for single personal-data fields (e.g. resident ID numbers).

    The ciphertext names its key version so that keys can be rotated later.
    """

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    def encrypt(self, plaintext: str, *, context: str) -> str:
        """Encrypt ``plaintext``, bound to ``context`` (e.g. the account id)."""
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), context.encode())
        return f"{_FIELD_VERSION}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def decrypt(self, token: str, *, context: str) -> str:
        """The plaintext of :meth:`encrypt`'s output for the same ``context``."""
        version, _, payload = token.partition(":")
        if version != _FIELD_VERSION:
            raise ValueError(f"unknown field encryption version {version!r}")
        raw = base64.urlsafe_b64decode(payload.encode())
        return self._aead.decrypt(raw[:12], raw[12:], context.encode()).decode()


class DerivedKeys:
    """Every key the identity domain needs, derived once from the master secret."""

    def __init__(self, master_secret: str) -> None:
        master = master_secret.encode()
        self.lookup = KeyedHash(derive_key(master, "lookup-hash/v1"))
        self.field_cipher = FieldCipher(derive_key(master, "field-encryption/v1"))
        self.one_time_codes = KeyedHash(derive_key(master, "one-time-codes/v1"))
        self.development_liveness = derive_key(master, "development-liveness/v1")
