"""Primitives for personal data at rest: derived keys, keyed hashes, field encryption.

Shared by every domain that stores personal data (accounts, the life-record cache);
the keys themselves are derived once by the composition root from the master secret.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_FIELD_VERSION = "v1"
_NONCE_BYTES = 12


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


class Undecryptable(ValueError):
    """A stored ciphertext did not open: another key, another context, or tampered."""


class FieldCipher:
    """AES-256-GCM for personal data at rest (ID numbers, phones, cached record sections).

    Each value gets a fresh 96-bit nonce; ``context`` is the associated data, so a value
    copied to another document or key (another account, another section) does not
    decrypt. The ciphertext names its key version so that keys can be rotated later.
    """

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    def encrypt(self, plaintext: str, *, context: str) -> str:
        """Encrypt ``plaintext``, bound to ``context`` (e.g. the account id)."""
        return self.encrypt_bytes(plaintext.encode(), context=context)

    def decrypt(self, token: str, *, context: str) -> str:
        """The plaintext of :meth:`encrypt`'s output for the same ``context``.

        Raises :class:`Undecryptable` when it does not open.
        """
        try:
            return self.decrypt_bytes(token, context=context).decode()
        except UnicodeDecodeError:
            raise Undecryptable("not text") from None

    @staticmethod
    def is_sealed(value: bytes | str) -> bool:
        """Whether ``value`` has the shape of this class's output (not whether it opens)."""
        raw = value.encode() if isinstance(value, str) else value
        return raw.startswith(f"{_FIELD_VERSION}:".encode())

    def encrypt_bytes(self, plaintext: bytes, *, context: str) -> str:
        """Encrypt raw bytes (e.g. a JSON document), bound to ``context``."""
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext, context.encode())
        return f"{_FIELD_VERSION}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def decrypt_bytes(self, token: str, *, context: str) -> bytes:
        """The bytes of :meth:`encrypt_bytes`'s output; :class:`Undecryptable` otherwise."""
        version, _, payload = token.partition(":")
        if version != _FIELD_VERSION:
            raise Undecryptable(f"unknown field encryption version {version[:8]!r}")
        try:
            raw = base64.urlsafe_b64decode(payload.encode())
        except (binascii.Error, ValueError):
            raise Undecryptable("not base64") from None
        if len(raw) <= _NONCE_BYTES:
            raise Undecryptable("too short")
        try:
            return self._aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], context.encode())
        except InvalidTag:
            raise Undecryptable("authentication failed") from None
