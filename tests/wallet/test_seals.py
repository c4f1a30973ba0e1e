"""Seal algorithms against the standards' published vectors, keys, rotation and settings."""

from __future__ import annotations

import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from gmalg import SM2, SM3

from app.resources import StartupError
from app.services import seal_keyring
from app.settings import Environment, Settings
from wallet.seals import (
    SM2_DEFAULT_ID,
    SealAlgorithm,
    Sm2PrivateKey,
    Sm2PublicKey,
    generate_key,
    is_private,
    load_key,
    public_of,
    write_new_key,
)

# GB/T 32918.4-2016 / GM/T 0004-2012 (SM3) appendix A, example 1: SM3("abc").
SM3_ABC = "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
# The 64-byte example 2: "abcd" sixteen times.
SM3_ABCD16 = "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"

# GB/T 32918.5-2017 / GM/T 0003.5-2012 appendix A: signature on the recommended curve.
SM2_PUBLIC = (
    "04"
    "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020"
    "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13"
)
SM2_PRIVATE = "3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8"
SM2_ID = b"1234567812345678"
SM2_CURVE_A = "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC"
SM2_CURVE_B = "28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93"
SM2_GX = "32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7"
SM2_GY = "BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0"
SM2_MESSAGE = b"message digest"
SM2_Z = "B2E14C5C79C6DF5B85F4FE7ED8DB7A262B9DA7E07CCB0EA9F4747B8CCDA8A4F3"
SM2_E = "F0B43E94BA45ACCAACE692ED534382EB17E6AB5A19CE7B31F4486FDFC0D28640"
SM2_R = "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3"
SM2_S = "B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA"
# The random k the appendix signs with (GB/T 32918.5 appendix A.2).
SM2_K = 0x59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21


def _sm3(data: bytes) -> str:
    digest = SM3()
    digest.update(data)
    return str(digest.value().hex())


def _flip(data: bytes, bit: int) -> bytes:
    return data[: bit // 8] + bytes([data[bit // 8] ^ (1 << (bit % 8))]) + data[bit // 8 + 1 :]


def test_sm3_matches_the_standards_examples() -> None:
    assert _sm3(b"abc") == SM3_ABC
    assert _sm3(b"abcd" * 16) == SM3_ABCD16
    assert _sm3(b"abd") != SM3_ABC


def test_sm2_verifies_the_standards_signature_and_refuses_any_flipped_bit() -> None:
    # The seal key class uses the standard's default ID, which the vector uses too.
    assert SM2_DEFAULT_ID == SM2_ID
    public = Sm2PublicKey(bytes.fromhex(SM2_PUBLIC))
    signature = bytes.fromhex(SM2_R + SM2_S)
    # the intermediate values of the appendix: Z_A, then e = SM3(Z_A || M)
    entity = (
        b"\x00\x80"  # ENTL: the ID's length in bits
        + SM2_ID
        + bytes.fromhex(SM2_CURVE_A + SM2_CURVE_B + SM2_GX + SM2_GY)
        + bytes.fromhex(SM2_PUBLIC)[1:]
    )
    assert _sm3(entity).upper() == SM2_Z
    assert _sm3(bytes.fromhex(SM2_Z) + SM2_MESSAGE).upper() == SM2_E
    assert public.verify(SM2_MESSAGE, signature)
    # a flipped bit anywhere in r, in s or in the message fails
    for bit in (0, 255, 256, 511):
        assert not public.verify(SM2_MESSAGE, _flip(signature, bit)), bit
    assert not public.verify(_flip(SM2_MESSAGE, 3), signature)
    # and the standard's private key gives the standard's public key
    assert Sm2PrivateKey(bytes.fromhex(SM2_PRIVATE)).public.point == bytes.fromhex(SM2_PUBLIC)


@pytest.mark.parametrize("alg", list(SealAlgorithm))
def test_each_algorithm_signs_and_verifies_and_refuses_another_message(alg: SealAlgorithm) -> None:
    key = generate_key(alg)
    signature = key.sign("株洲 licence".encode())
    assert key.public.alg is alg
    assert key.public.verify("株洲 licence".encode(), signature)
    assert not key.public.verify("株洲 licencE".encode(), signature)
    assert not key.public.verify("株洲 licence".encode(), _flip(signature, 7))
    assert not generate_key(alg).public.verify("株洲 licence".encode(), signature)


@pytest.mark.parametrize("alg", list(SealAlgorithm))
def test_key_files_round_trip_with_mode_0600(tmp_path: Path, alg: SealAlgorithm) -> None:
    path = tmp_path / "seals" / "key"
    key = write_new_key(path, alg)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    loaded = load_key(path)
    assert public_of(loaded).kid == key.public.kid
    assert is_private(loaded)
    with pytest.raises(FileExistsError):
        write_new_key(path, alg)


def test_staging_refuses_to_create_seal_keys_and_names_the_department(tmp_path: Path) -> None:
    staging = Settings(
        _env_file=None,
        environment=Environment.STAGING,
        data_dir=tmp_path,
        secret_key="staging-secret-key-for-tests-0123456789abcdef",
        s3_access_key_id="prodlike",
        s3_secret_access_key="prodlike-secret-for-tests",
        jwt_signing_key_file=tmp_path / "jwt.pem",
        seal_departments=["430200-SCJG"],
    )
    with pytest.raises(StartupError) as refused:
        seal_keyring(staging)
    assert "SZ_SEAL_KEY_FILES has no seal key for 430200-SCJG" in str(refused.value)
    assert "never creates a seal key" in str(refused.value)
    assert not any(tmp_path.rglob("*seal*"))


def test_development_creates_seal_keys_under_the_data_folder_once(tmp_path: Path) -> None:
    development = Settings(
        _env_file=None,
        environment=Environment.DEVELOPMENT,
        data_dir=tmp_path,
        seal_departments=["430200-GA"],
    )
    first = seal_keyring(development)
    created = list((tmp_path / "keys" / "seals").iterdir())
    assert [p.name for p in created] == ["430200-GA-sm2-sm3.hex"]
    assert stat.S_IMODE(created[0].stat().st_mode) == 0o600
    assert seal_keyring(development).jwks() == first.jwks()


def test_configured_keys_rotate_previous_ones_stay_published(tmp_path: Path) -> None:
    old = write_new_key(tmp_path / "old.pem", SealAlgorithm.ED25519)
    new = write_new_key(tmp_path / "new.hex", SealAlgorithm.SM2_SM3)
    settings = Settings(
        _env_file=None,
        environment=Environment.TEST,
        seal_departments=[],
        seal_key_files={"430200-GA": [tmp_path / "new.hex", tmp_path / "old.pem"]},
    )
    keyring = seal_keyring(settings)
    current = keyring.current("430200-GA")
    assert current is not None
    assert current.public.kid == new.public.kid
    keys = {key["kid"]: key for key in keyring.jwks()["keys"]}
    assert keys[new.public.kid]["status"] == "current"
    assert keys[old.public.kid] | {"alg": "EdDSA", "status": "previous"} == keys[old.public.kid]


def test_sm2_signs_the_standards_message_into_the_standards_signature() -> None:
    # given the appendix's private key, signer ID and random k
    secret = bytes.fromhex(SM2_PRIVATE)
    public = SM2().generate_pk(secret)
    signer = SM2(sk=secret, uid=SM2_ID, pk=public, rnd_fn=lambda bits: SM2_K)
    # when it signs the appendix's message
    r, s = signer.sign(SM2_MESSAGE)
    # then r and s are the appendix's, to the bit
    assert (bytes(r).hex().upper(), bytes(s).hex().upper()) == (SM2_R, SM2_S)


def test_a_generated_sm2_key_with_a_leading_zero_byte_keeps_its_32_bytes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given the library drawing a secret below 2^248 (about one key in 256), which it
    # hands back in 31 bytes
    short = bytes.fromhex(SM2_PRIVATE)[1:]
    monkeypatch.setattr(SM2, "generate_keypair", lambda self: (short, b""))
    # when the wallet makes a key of it
    key = Sm2PrivateKey.generate()
    # then the key is the 32-byte secret, and it signs what its public key verifies
    assert key.export().strip() == (b"\0" + short).hex().encode()
    assert key.public.verify(b"seal", key.sign(b"seal"))


@pytest.mark.parametrize("alg", list(SealAlgorithm))
def test_one_key_signs_and_verifies_from_many_threads_at_once(alg: SealAlgorithm) -> None:
    # given one key, shared as the service shares it between worker threads
    key = generate_key(alg)
    messages = [f"licence {n}".encode() for n in range(24)]

    def sign_and_verify(message: bytes) -> bool:
        signature = key.sign(message)
        return key.public.verify(message, signature) and not key.public.verify(
            message + b"!", signature
        )

    # when eight threads sign and verify with it at the same time
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(sign_and_verify, messages))
    # then every signature is right (no thread's digest mixed into another's)
    assert all(results)
