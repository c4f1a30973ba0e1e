"""The keys the service derives from its master secret, one per purpose.

The primitives (keyed hash, field cipher, HKDF) live in :mod:`infra.crypto`, shared
with the life-record cache.
"""

from __future__ import annotations

from infra.crypto import FieldCipher, KeyedHash, derive_key


class DerivedKeys:
    """Every key the service needs, derived once from the master secret (HKDF-SHA256)."""

    def __init__(self, master_secret: str) -> None:
        master = master_secret.encode()
        # Keyed hashes of ID numbers, phone numbers, mini-program openids and client
        # addresses: equal values find each other, the values themselves stay unknown.
        self.lookup = KeyedHash(derive_key(master, "lookup-hash/v1"))
        # Account fields (name, ID number, phone), each bound to its account id.
        self.field_cipher = FieldCipher(derive_key(master, "field-encryption/v1"))
        # Cached life-record sections in Redis, each bound to its citizen and section.
        self.record_cache = FieldCipher(derive_key(master, "liferecord-cache/v1"))
        self.one_time_codes = KeyedHash(derive_key(master, "one-time-codes/v1"))
        self.development_liveness = derive_key(master, "development-liveness/v1")
