"""Show-codes through ``/graphql``: made by holders, checked by anyone, logged for holders."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import graphql
from tests.identity.factories import SignedInCaller, as_caller
from tests.wallet.factories import driving_licence, resident_id, verified, wallet
from tests.wallet.tokens import disclosure, packed, parts, with_claims, with_disclosures
from wallet.models import Licence, StatusChange
from wallet.presentations import PresentationService
from wallet.seals import DepartmentSeal, SealAlgorithm, SealKeyring, generate_key
from wallet.showcode import ShowCodeContent, mint

CREATE = """
mutation ($licence: String!, $fields: [String!]!) {
  createShowCode(licence: $licence, fields: $fields) {
    __typename
    ... on ShowCodeCreated { token expiresAt disclosed qr { version svg pngBase64 } }
    ... on UserError { code field }
  }
}
"""

VERIFY = """
query ($token: String!, $verifier: String) {
  verifyLicence(token: $token, verifier: $verifier) {
    authentic failure status expiresAt checkedAt
    licence { uri type typeName { zh } issuer issuedOn expiresOn }
    disclosed { name label { zh en } kind value }
  }
}
"""

LOG = """
query ($first: Int!, $before: String) {
  me { licenceVerifications(first: $first, before: $before) {
    __typename
    ... on LicenceVerificationEntryConnection {
      edges { node { licenceUri licenceType channel outcome verifier at } }
      pageInfo { hasNextPage endCursor }
    }
    ... on UserError { code field }
  } }
}
"""


def _presentations(app: FastAPI) -> PresentationService:
    service: PresentationService = app.state.services.get(PresentationService)
    return service


async def _holder_with_licence(
    client: httpx.AsyncClient, app: FastAPI
) -> tuple[SignedInCaller, Licence]:
    alice = await verified(client, app)
    licence = await wallet(app).issue(resident_id(alice.account_id))
    return alice, licence


async def _show(
    client: httpx.AsyncClient, caller: SignedInCaller, uri: str, fields: list[str]
) -> dict[str, Any]:
    body = await as_caller(client, caller, CREATE, {"licence": uri, "fields": fields})
    result: dict[str, Any] = body["data"]["createShowCode"]
    return result


async def _verify(client: httpx.AsyncClient, token: str, verifier: str | None = None) -> Any:
    body = await graphql(client, VERIFY, {"token": token, "verifier": verifier})
    assert "errors" not in body, body
    return body["data"]["verifyLicence"]


async def test_a_holder_shows_chosen_fields_and_a_verifier_sees_only_those(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given alice's resident ID
    alice, licence = await _holder_with_licence(client, app)
    # when she shows her name and birth date only
    code = await _show(client, alice, licence.uri, ["name", "birthDate"])
    assert code["__typename"] == "ShowCodeCreated", code
    assert code["token"].startswith("ZZL1:")
    assert code["qr"]["svg"].startswith("<svg")
    assert base64.b64decode(code["qr"]["pngBase64"]).startswith(b"\x89PNG")
    assert 1 <= code["qr"]["version"] <= 25
    expires = datetime.fromisoformat(code["expiresAt"])
    assert timedelta(minutes=4) < expires - datetime.now(UTC) <= timedelta(minutes=5)
    # then a shop, not signed in, sees it authentic, valid, and those two fields only
    result = await _verify(client, code["token"], "株洲示例便利店")
    assert result["authentic"] is True
    assert (result["failure"], result["status"]) == (None, "VALID")
    assert result["licence"]["uri"] == licence.uri
    assert result["licence"]["typeName"] == {"zh": "居民身份证"}
    assert [(f["name"], f["value"]) for f in result["disclosed"]] == [
        ("name", "张三丰"),
        ("birthDate", "1990-01-01"),
    ]
    assert "430202" not in str(result)  # the ID number was not disclosed
    # and alice's log names the shop; the name is encrypted at rest
    log = await as_caller(client, alice, LOG, {"first": 10})
    [entry] = [e["node"] for e in log["data"]["me"]["licenceVerifications"]["edges"]]
    assert entry["licenceUri"] == licence.uri
    assert (entry["channel"], entry["outcome"], entry["verifier"]) == (
        "SHOW_CODE",
        "valid",
        "株洲示例便利店",
    )
    raw = await app.state.resources.database["licence_verifications"].find_one({})
    assert "便利店" not in str(raw)


async def test_show_codes_are_refused_for_others_licences_bad_fields_and_invalid_licences(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    alice, licence = await _holder_with_licence(client, app)
    bob = await verified(client, app)
    # bob cannot show alice's licence: it reads as no licence
    assert (await _show(client, bob, licence.uri, ["name"]))["__typename"] == "NotFound"
    assert (await _show(client, alice, "urn:x", ["name"]))["__typename"] == "NotFound"
    # no field, an unknown field, a repeated field
    for fields in ([], ["salary"], ["name", "name"]):
        refused = await _show(client, alice, licence.uri, fields)
        assert (refused["code"], refused["field"]) == ("INVALID_INPUT", "fields"), fields
    # a suspended licence cannot be shown
    await wallet(app).change_status(licence.uri, StatusChange.SUSPEND, "核查", by="officer")
    refused = await _show(client, alice, licence.uri, ["name"])
    assert refused["__typename"] == "LicenceNotValid"


async def test_forged_tokens_are_refused_with_their_reason(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given a genuine show-code
    alice, licence = await _holder_with_licence(client, app)
    token = (await _show(client, alice, licence.uri, ["name", "sex"]))["token"]
    assert (await _verify(client, token))["authentic"] is True

    def set_expiry(claims: dict[Any, Any]) -> None:
        claims[4] += 3600

    forged = {
        "malformed": ["nonsense", "ZZL1:!!!", "ZZL1:" + "A" * 3000, token[:-6]],
        "tampered": [with_claims(token, set_expiry)],
        "disclosure_mismatch": [
            # a value altered
            with_disclosures(token, lambda d: [disclosure("name", "李四"), d[1]]),
            # a field added that the holder did not disclose, with a made-up value
            with_disclosures(token, lambda d: [*d, disclosure("address", "北京")]),
            # the same disclosure twice
            with_disclosures(token, lambda d: [d[0], d[0]]),
        ],
    }
    for reason, tokens in forged.items():
        for bad in tokens:
            result = await _verify(client, bad)
            assert (result["authentic"], result["failure"]) == (False, reason.upper()), bad
            assert result["disclosed"] == []
            assert result["licence"] is None
    # a token signed by a key of nobody's
    stranger = generate_key(SealAlgorithm.SM2_SM3)
    content = ShowCodeContent(
        issuer=licence.issuer,
        uri=licence.uri,
        type=licence.type,
        issued_on=licence.issued_on,
        expires_on=licence.expires_on,
        fields={"name": "张三丰"},
        status_index=licence.status_index,
    )
    unknown, _ = mint(content, ["name"], stranger, now=datetime.now(UTC), lifetime_seconds=300)
    assert (await _verify(client, unknown))["failure"] == "UNKNOWN_KEY"
    # a token whose signature was cut from another token
    other = (await _show(client, alice, licence.uri, ["name"]))["token"]
    spliced = parts(token)
    spliced[3] = parts(other)[3]
    assert (await _verify(client, packed(spliced)))["failure"] == "TAMPERED"


async def test_expired_and_rotated_out_tokens_fail_and_are_logged(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    alice, licence = await _holder_with_licence(client, app)
    token = (await _show(client, alice, licence.uri, ["name"]))["token"]
    presentations = _presentations(app)
    # six minutes later the code has expired
    presentations.clock = lambda: datetime.now(UTC) + timedelta(minutes=6)
    try:
        assert (await _verify(client, token))["failure"] == "EXPIRED_TOKEN"
    finally:
        presentations.clock = lambda: datetime.now(UTC)
    # the police rotate their seal key: codes of the old key no longer pass
    service = wallet(app)
    old = service.seals
    old_key = old.current(licence.issuer)
    assert old_key is not None
    service.seals = SealKeyring(
        [
            DepartmentSeal(licence.issuer, generate_key(SealAlgorithm.ED25519), (old_key.public,)),
        ]
    )
    try:
        assert (await _verify(client, token))["failure"] == "ROTATED_OUT_KEY"
        # the licence itself still verifies with the previous key, so fresh codes work
        fresh = (await _show(client, alice, licence.uri, ["name"]))["token"]
        assert (await _verify(client, fresh))["authentic"] is True
        service.seals = SealKeyring([DepartmentSeal(licence.issuer, old_key)])
        assert (await _verify(client, fresh))["failure"] == "UNKNOWN_KEY"
    finally:
        service.seals = old
    log = await as_caller(client, alice, LOG, {"first": 10})
    outcomes = [e["node"]["outcome"] for e in log["data"]["me"]["licenceVerifications"]["edges"]]
    # (the expired check ran on a clock six minutes ahead, so it is the newest)
    assert outcomes == ["expired_token", "valid", "rotated_out_key"]


async def test_suspended_revoked_and_tampered_licences_show_online(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    alice, licence = await _holder_with_licence(client, app)
    token = (await _show(client, alice, licence.uri, ["name"]))["token"]
    service = wallet(app)
    await service.change_status(licence.uri, StatusChange.SUSPEND, "核查", by="officer")
    suspended = await _verify(client, token)
    assert (suspended["authentic"], suspended["status"]) == (True, "SUSPENDED")
    await service.change_status(licence.uri, StatusChange.REVOKE, "吊销", by="officer")
    assert (await _verify(client, token))["status"] == "REVOKED"
    # a licence altered in the database no longer matches its seal
    other = await service.issue(driving_licence(alice.account_id))
    code = (await _show(client, alice, other.uri, ["vehicleClass"]))["token"]
    await app.state.resources.database["licences"].update_one(
        {"_id": other.uri}, {"$set": {"expiresOn": "2099-01-01"}}
    )
    assert (await _verify(client, code))["failure"] == "TAMPERED_LICENCE"


async def test_the_verification_log_pages_and_belongs_to_the_holder(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    alice, licence = await _holder_with_licence(client, app)
    bob = await verified(client, app)
    token = (await _show(client, alice, licence.uri, ["name"]))["token"]
    for verifier in ("一号窗口", None, "二号窗口"):
        await _verify(client, token, verifier)
    first = await as_caller(client, alice, LOG, {"first": 2})
    page = first["data"]["me"]["licenceVerifications"]
    assert [e["node"]["verifier"] for e in page["edges"]] == ["二号窗口", None]
    after = page["pageInfo"]["endCursor"]
    rest = await as_caller(client, alice, LOG, {"first": 2, "before": after})
    rest_page = rest["data"]["me"]["licenceVerifications"]
    assert [e["node"]["verifier"] for e in rest_page["edges"]] == ["一号窗口"]
    assert rest_page["pageInfo"]["hasNextPage"] is False
    # bob sees none of it
    bobs = await as_caller(client, bob, LOG, {"first": 10})
    assert bobs["data"]["me"]["licenceVerifications"]["edges"] == []
    # a verifier name with control characters is refused
    body = await graphql(client, VERIFY, {"token": token, "verifier": "a\x00b"})
    assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


@pytest.mark.parametrize("alg", list(SealAlgorithm))
async def test_every_seal_algorithm_makes_verifiable_show_codes(
    app: FastAPI, client: httpx.AsyncClient, alg: SealAlgorithm
) -> None:
    service = wallet(app)
    service.seals = SealKeyring([DepartmentSeal("430200-GA", generate_key(alg))])
    alice, licence = await _holder_with_licence(client, app)
    token = (await _show(client, alice, licence.uri, ["name"]))["token"]
    result = await _verify(client, token)
    assert (result["authentic"], result["disclosed"][0]["value"]) == (True, "张三丰")
    assert licence.seal.alg == alg.value


async def test_public_checks_are_limited_per_client_address(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given a genuine show-code and a limit of two checks a minute
    alice, licence = await _holder_with_licence(client, app)
    token = (await _show(client, alice, licence.uri, ["name"]))["token"]
    _presentations(app).checks_per_minute = 2
    assert (await _verify(client, token))["authentic"] is True
    assert (await _verify(client, "nonsense"))["failure"] == "MALFORMED"
    # when the same address checks a third time, online or through a share link
    body = await graphql(client, VERIFY, {"token": token})
    page = await client.get("/wallet/shares/" + "x" * 43)
    # then it is told to wait, and nothing more is logged
    [error] = body["errors"]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert 1 <= error["extensions"]["retryAfterSeconds"] <= 60
    assert page.status_code == 429
    assert page.json()["failure"] == "rate_limited"
    assert await app.state.resources.database["licence_verifications"].count_documents({}) == 1
