"""Offline verification: only the published seal keys and status lists, as a third party runs it."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.identity.factories import as_caller
from tests.wallet.factories import GA, SCJG, resident_id, verified, wallet
from tests.wallet.test_show_codes import CREATE
from tests.wallet.tokens import disclosure, with_disclosures
from wallet.models import LicenceStatus, StatusChange
from wallet.offline_verify import PublishedKeys, main, verdict
from wallet.seals import b64url, b64url_decode
from wallet.status_list import (
    StatusListRejected,
    StatusValue,
    pack,
    status_at,
    unpack,
    verify_status_list,
)

ROOT = Path(__file__).resolve().parents[2]


async def _published(
    client: httpx.AsyncClient, tmp_path: Path, department: str = GA
) -> tuple[Path, Path]:
    """What a verifier downloads: the seal keys and the department's status list."""
    keys = await client.get("/.well-known/seals.json")
    listed = await client.get(f"/wallet/status-lists/{department}")
    assert listed.status_code == 200
    assert listed.headers["content-type"] == "application/statuslist+jwt"
    assert listed.headers["cache-control"] == "public, max-age=60"
    keys_file, list_file = tmp_path / "seals.json", tmp_path / f"{department}.jwt"
    keys_file.write_text(keys.text, encoding="utf-8")
    list_file.write_text(listed.text, encoding="ascii")
    return keys_file, list_file


async def _token(client: httpx.AsyncClient, app: FastAPI) -> tuple[str, str]:
    alice = await verified(client, app)
    licence = await wallet(app).issue(resident_id(alice.account_id))
    body = await as_caller(client, alice, CREATE, {"licence": licence.uri, "fields": ["name"]})
    return licence.uri, body["data"]["createShowCode"]["token"]


def _run(
    keys: Path, lists: list[Path], token: str, capsys: pytest.CaptureFixture[str]
) -> tuple[int, dict[str, Any]]:
    args = ["--keys", str(keys)]
    for path in lists:
        args += ["--status-list", str(path)]
    status = main([*args, token])
    out = capsys.readouterr().out
    return status, json.loads(out) if out else {}


def test_the_status_list_packs_two_bits_per_entry_as_the_draft_does() -> None:
    # draft-ietf-oauth-status-list, the two-bit example: statuses 1,2,0,3,0,1,0,1,1,2,3,3
    assert unpack("eNo76fITAAPfAgc") == bytes([0xC9, 0x44, 0xF9])
    ours = unpack(pack(10, {0: LicenceStatus.REVOKED, 1: LicenceStatus.SUSPENDED}))
    assert [status_at(ours, i) for i in range(3)] == [
        StatusValue.INVALID,
        StatusValue.SUSPENDED,
        StatusValue.VALID,
    ]


async def test_a_revoked_or_suspended_licence_fails_offline_with_a_fresh_status_list(
    app: FastAPI, client: httpx.AsyncClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a show-code and what a verifier downloaded this morning
    uri, token = await _token(client, app)
    keys, morning = await _published(client, tmp_path)
    status, result = _run(keys, [morning], token, capsys)
    assert (status, result["accepted"], result["status"]) == (0, True, "valid")
    assert result["disclosed"] == {"name": "张三丰"}
    assert result["licence"]["uri"] == uri
    # when the police suspend the licence, the next list says so
    await wallet(app).change_status(uri, StatusChange.SUSPEND, "核查", by="officer")
    (tmp_path / "later").mkdir()
    _, later = await _published(client, tmp_path / "later")
    status, result = _run(keys, [later], token, capsys)
    assert (status, result["authentic"], result["status"]) == (1, True, "suspended")
    # and after revocation
    await wallet(app).change_status(uri, StatusChange.REVOKE, "吊销", by="officer")
    _, latest = await _published(client, tmp_path / "later")
    status, result = _run(keys, [latest], token, capsys)
    assert (status, result["status"]) == (1, "revoked")
    # without a list of the department, the verdict says the status is unknown
    status, result = _run(keys, [], token, capsys)
    assert (status, result["status"]) == (1, "unknown")


async def test_forged_and_expired_tokens_fail_offline(
    app: FastAPI, client: httpx.AsyncClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, token = await _token(client, app)
    keys_file, list_file = await _published(client, tmp_path)
    keys = PublishedKeys(json.loads(keys_file.read_text()))
    later = datetime.now(UTC) + timedelta(minutes=6)
    lists = {GA: verify_status_list(list_file.read_text(), keys, now=later)}
    assert verdict(token, keys, lists, now=later)["failure"] == "expired_token"
    altered = with_disclosures(token, lambda d: [disclosure("name", "李四")])
    status, result = _run(keys_file, [list_file], altered, capsys)
    assert (status, result["failure"]) == (1, "disclosure_mismatch")
    status, result = _run(keys_file, [list_file], token[:-3] + "AAA", capsys)
    assert (status, result["authentic"]) == (1, False)


async def test_forged_stale_or_foreign_status_lists_are_refused(
    app: FastAPI, client: httpx.AsyncClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, token = await _token(client, app)
    keys_file, list_file = await _published(client, tmp_path)
    keys = PublishedKeys(json.loads(keys_file.read_text()))
    genuine = list_file.read_text()
    header, claims, signature = genuine.split(".")
    # a list with its revocations wiped
    payload = json.loads(b64url_decode(claims))
    payload["status_list"]["lst"] = pack(64, {})
    wiped = ".".join([header, b64url(json.dumps(payload).encode()), signature])
    with pytest.raises(StatusListRejected, match="signature"):
        verify_status_list(wiped, keys, now=datetime.now(UTC))
    # a list a day and more old
    with pytest.raises(StatusListRejected, match="expired"):
        verify_status_list(genuine, keys, now=datetime.now(UTC) + timedelta(days=2))
    # the market regulator's list passed off as the police's: refused by its key's department
    (tmp_path / "scjg").mkdir()
    _, scjg_file = await _published(client, tmp_path / "scjg", SCJG)
    s_header, s_claims, s_signature = scjg_file.read_text().split(".")
    relabelled = json.loads(b64url_decode(s_claims)) | {
        "iss": GA,
        "sub": f"urn:zhuzhou:status-list:{GA}",
    }
    foreign = ".".join([s_header, b64url(json.dumps(relabelled).encode()), s_signature])
    with pytest.raises(StatusListRejected, match="another department"):
        verify_status_list(foreign, keys, now=datetime.now(UTC))
    # the command refuses to run on a forged list
    forged_file = tmp_path / "forged.jwt"
    forged_file.write_text(wiped)
    status = main(["--keys", str(keys_file), "--status-list", str(forged_file), token])
    assert status == 2
    assert "status list signature does not match" in capsys.readouterr().err
    # unknown departments have no list
    missing = await client.get("/wallet/status-lists/430200-NOPE")
    assert missing.status_code == 404


async def test_the_offline_verifier_runs_as_a_command_of_its_own(
    app: FastAPI, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    _, token = await _token(client, app)
    keys, status_list = await _published(client, tmp_path)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "wallet.offline_verify",
        "--keys",
        str(keys),
        "--status-list",
        str(status_list),
        token,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, stderr
    assert json.loads(stdout)["status"] == "valid"
