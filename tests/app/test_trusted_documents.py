"""Trusted documents over HTTP: naming them by id, the mode setting, GET and its caching,
and every refusal (each with its status and code, and nothing executed)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.cli import serve
from app.settings import Settings
from app.trusted_documents import (
    MANIFEST_FILE,
    DocumentMode,
    TrustedDocuments,
    build_manifest,
    document_hash,
    document_text,
    manifest_json,
)
from demo.data.enterprise_records import RAIL
from demo.providers import demo_providers
from demo.seed import seed
from identity.tokens import load_or_create_signing_key
from tests.app.citizens import real_name_citizen
from tests.app.conftest import MakeClient
from tests.identity.factories import SignedInCaller, as_caller
from tests.identity.verification_factories import resources_of

DEPARTMENTS = document_text("Departments")
DEPARTMENTS_ID = f"sha256:{document_hash(DEPARTMENTS)}"
PUBLIC_EXAMPLES: dict[str, dict[str, Any]] = {
    "Departments": {"first": 3},
    "ServiceItems": {"search": "licence", "first": 5},
    "ServiceItem": {"code": "430200-SCJG-002"},
    "Bundle": {"code": "YJS-QYKB"},
}
AD_HOC = "{ departments(first: 2) { edges { node { code } } } }"


def document_id(name: str) -> str:
    return f"sha256:{document_hash(document_text(name))}"


def refusal(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The response is one typed error with this status and code, and no data."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert "data" not in body, body
    [error] = body["errors"]
    assert error["extensions"]["code"] == code, body
    assert error["message"]
    assert error["extensions"]["messageEn"]
    return body


@pytest.fixture
def settings(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The test's settings with a signing key in a file, so that a second app (built by
    ``client_with``) accepts the tokens the ``app`` fixture's issued."""
    key_file = tmp_path_factory.mktemp("jwt") / "jwt-ed25519.pem"
    load_or_create_signing_key(key_file)
    return settings.model_copy(update={"jwt_signing_key_file": key_file})


async def strict_client(client_with: MakeClient, settings: Settings) -> httpx.AsyncClient:
    """A trusted-only app over the same database and key as the ``app`` fixture's."""
    return await client_with(graphql_documents=DocumentMode.TRUSTED_ONLY)


# ---------------------------------------------------------------- the manifest


def test_the_committed_manifest_is_up_to_date() -> None:
    # python -m app build-manifest writes it; a document edited without it fails here.
    assert MANIFEST_FILE.read_text(encoding="utf-8") == manifest_json(build_manifest())


def test_the_manifest_holds_the_citizen_journey() -> None:
    documents = TrustedDocuments.from_file()
    for name in (
        "RequestSignInCode", "SignIn", "VerifyRealName", "Me", "MyLifeRecord", "Departments",
        "SubmitApplication", "MyApplications", "Wallet", "Inbox", "MarkNotificationsRead",
    ):  # fmt: skip
        assert documents.get(document_hash(document_text(name))) is not None, name


def test_a_manifest_key_that_is_not_its_documents_hash_is_refused() -> None:
    with pytest.raises(ValueError, match="not the SHA-256"):
        TrustedDocuments({"0" * 64: DEPARTMENTS})


def test_staging_and_production_default_to_trusted_only(
    settings: Settings, production_like: dict[str, Any]
) -> None:
    assert settings.document_mode is DocumentMode.ALLOW
    unset = settings.model_dump() | production_like | {"graphql_documents": None}
    staging = Settings(_env_file=None, **unset)
    assert staging.document_mode is DocumentMode.TRUSTED_ONLY
    production = Settings(_env_file=None, **(unset | {"environment": "production"}))
    assert production.document_mode is DocumentMode.TRUSTED_ONLY


# ---------------------------------------------------------------- naming a document


async def test_a_document_id_runs_the_trusted_document(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await seed(resources_of(app))
    by_id = await client.post(
        "/graphql", json={"documentId": DEPARTMENTS_ID, "variables": {"first": 3}}
    )
    by_text = await client.post("/graphql", json={"query": DEPARTMENTS, "variables": {"first": 3}})
    assert by_id.status_code == 200, by_id.text
    assert len(by_id.json()["data"]["departments"]["edges"]) == 3
    assert by_id.content == by_text.content


async def test_apollos_persisted_query_hash_runs_the_trusted_document(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await seed(resources_of(app))
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": document_hash(DEPARTMENTS)}}
    response = await client.post(
        "/graphql", json={"extensions": extensions, "variables": {"first": 2}}
    )
    assert response.status_code == 200, response.text
    assert len(response.json()["data"]["departments"]["edges"]) == 2


async def test_an_unknown_document_id_is_a_404_persisted_query_not_found(
    client: httpx.AsyncClient,
) -> None:
    unknown = document_hash("query Unknown { __typename }")
    for body in (
        {"documentId": f"sha256:{unknown}"},
        {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": unknown}}},
    ):
        refusal(await client.post("/graphql", json=body), 404, "PERSISTED_QUERY_NOT_FOUND")


@pytest.mark.parametrize(
    "body",
    [
        {"documentId": document_hash(DEPARTMENTS)},  # no prefix
        {"documentId": "sha256:" + document_hash(DEPARTMENTS).upper()},
        {"documentId": "md5:0cc175b9c0f1b6a831c399e269772661"},
        {"documentId": "sha256:abc"},
        {"documentId": 42},
        {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "nope"}}},
        {"extensions": {"persistedQuery": "sha256:abc"}},
    ],
    ids=["bare", "upper", "md5", "short", "number", "apollo-bad", "apollo-shape"],
)
async def test_a_malformed_document_id_is_a_400(
    client: httpx.AsyncClient, body: dict[str, Any]
) -> None:
    refusal(await client.post("/graphql", json=body), 400, "INVALID_DOCUMENT_ID")


async def test_text_with_a_mismatching_id_is_refused_and_not_run(
    client: httpx.AsyncClient,
) -> None:
    # A trusted id must not lend its trust to other text (nor two ids disagree).
    other = "mutation { signOut { __typename } }"
    for body in (
        {"query": other, "documentId": DEPARTMENTS_ID},
        {"query": other, "extensions": {"persistedQuery": {"sha256Hash": DEPARTMENTS_ID[7:]}}},
        {
            "documentId": DEPARTMENTS_ID,
            "extensions": {"persistedQuery": {"sha256Hash": document_hash(other)}},
        },
    ):
        refusal(await client.post("/graphql", json=body), 400, "DOCUMENT_ID_MISMATCH")


async def test_text_sent_with_its_own_id_runs(app: FastAPI, client: httpx.AsyncClient) -> None:
    await seed(resources_of(app))
    response = await client.post(
        "/graphql",
        json={"query": DEPARTMENTS, "documentId": DEPARTMENTS_ID, "variables": {"first": 1}},
    )
    assert response.status_code == 200, response.text
    assert len(response.json()["data"]["departments"]["edges"]) == 1


# ---------------------------------------------------------------- trusted-only


async def test_trusted_only_refuses_ad_hoc_documents_of_anonymous_and_citizen_callers(
    app: FastAPI, client: httpx.AsyncClient, client_with: MakeClient, settings: Settings
) -> None:
    # given
    citizen = await real_name_citizen(client, app)
    strict = await strict_client(client_with, settings)
    # when / then: anonymous, then a signed-in citizen
    refusal(await strict.post("/graphql", json={"query": AD_HOC}), 400, "TRUSTED_DOCUMENT_REQUIRED")
    response = await strict.post("/graphql", json={"query": AD_HOC}, headers=citizen.headers)
    refusal(response, 400, "TRUSTED_DOCUMENT_REQUIRED")
    # an ad-hoc mutation is refused before it runs: the session is still signed in
    signed_out = await strict.post(
        "/graphql", json={"query": "mutation { signOut { __typename } }"}, headers=citizen.headers
    )
    refusal(signed_out, 400, "TRUSTED_DOCUMENT_REQUIRED")
    me = await strict.post(
        "/graphql", json={"documentId": document_id("Me")}, headers=citizen.headers
    )
    assert me.json()["data"]["me"]["id"] == citizen.account_id, me.text


async def test_trusted_only_runs_trusted_documents_by_id_and_by_their_text(
    app: FastAPI, client: httpx.AsyncClient, client_with: MakeClient, settings: Settings
) -> None:
    citizen = await real_name_citizen(client, app)
    strict = await strict_client(client_with, settings)
    by_id = await strict.post(
        "/graphql", json={"documentId": document_id("MyLifeRecord")}, headers=citizen.headers
    )
    by_text = await strict.post(
        "/graphql", json={"query": document_text("MyLifeRecord")}, headers=citizen.headers
    )
    assert by_id.status_code == by_text.status_code == 200, by_id.text
    assert by_id.json()["data"]["me"]["lifeRecord"]["__typename"] == "LifeRecord"
    assert by_text.json()["data"] == by_id.json()["data"]


async def test_trusted_only_lets_an_enterprise_api_client_run_ad_hoc_queries(
    app: FastAPI, client: httpx.AsyncClient, client_with: MakeClient, settings: Settings
) -> None:
    # given: 刘建军 claims his company, and calls acting for it (a live grant)
    liu = await real_name_citizen(client, app)
    claimed = await as_caller(client, liu, document_text("ClaimEnterprise"), {"uscc": RAIL.uscc})
    assert claimed["data"]["claimEnterprise"]["__typename"] == "EnterpriseClaimed", claimed
    strict = await strict_client(client_with, settings)
    query = "{ actingEnterprise { __typename ... on EnterpriseProfile { uscc } } }"
    # when
    acting = await strict.post(
        "/graphql", json={"query": query}, headers=liu.headers | {"X-Acting-For": RAIL.uscc}
    )
    plain = await strict.post("/graphql", json={"query": query}, headers=liu.headers)
    forged = await strict.post(
        "/graphql",
        json={"query": query},
        headers=liu.headers | {"X-Acting-For": "91430203MA4M0A3D7Y"},
    )
    # then: only the request acting on a grant it holds runs ad-hoc text
    assert acting.status_code == 200, acting.text
    assert acting.json()["data"]["actingEnterprise"] == {
        "__typename": "EnterpriseProfile",
        "uscc": RAIL.uscc,
    }
    refusal(plain, 400, "TRUSTED_DOCUMENT_REQUIRED")
    refusal(forged, 400, "TRUSTED_DOCUMENT_REQUIRED")


# ---------------------------------------------------------------- GET


async def test_get_runs_a_public_trusted_query_that_proxies_may_cache(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await seed(resources_of(app))
    response = await client.get(
        "/graphql",
        params={"documentId": DEPARTMENTS_ID, "variables": json.dumps({"first": 2})},
        headers={"accept": "*/*"},
    )
    assert response.status_code == 200, response.text
    assert len(response.json()["data"]["departments"]["edges"]) == 2
    assert response.headers["cache-control"] == "public, max-age=300"
    assert "Authorization" in response.headers["vary"]


async def test_get_answers_a_signed_in_caller_privately(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    citizen = await real_name_citizen(client, app)
    for name in ("Departments", "Me"):
        response = await client.get(
            "/graphql", params={"documentId": document_id(name)}, headers=citizen.headers
        )
        assert response.status_code == 200, response.text
        assert response.headers["cache-control"] == "private, no-store", name


async def test_get_of_a_document_that_reads_the_caller_is_never_public(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/graphql", params={"documentId": document_id("Me")})
    assert response.status_code == 200, response.text
    assert response.json()["data"]["me"] is None
    assert response.headers["cache-control"] == "private, no-store"


async def test_get_with_an_invalid_token_is_private(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/graphql",
        params={"documentId": DEPARTMENTS_ID},
        headers={"authorization": "Bearer not-a-token"},
    )
    assert response.headers["cache-control"] == "private, no-store"


async def test_a_mutation_by_get_is_a_405_and_does_not_run(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    citizen = await real_name_citizen(client, app)
    response = await client.get(
        "/graphql", params={"documentId": document_id("SignOut")}, headers=citizen.headers
    )
    refusal(response, 405, "METHOD_NOT_ALLOWED")
    assert response.headers["allow"] == "POST"
    me = await client.post(
        "/graphql", json={"documentId": document_id("Me")}, headers=citizen.headers
    )
    assert me.json()["data"]["me"]["id"] == citizen.account_id, "still signed in"


async def test_a_subscription_by_get_is_a_405(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", params={"documentId": document_id("CaseProgress")})
    refusal(response, 405, "METHOD_NOT_ALLOWED")


async def test_ad_hoc_text_by_get_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", params={"query": AD_HOC})
    refusal(response, 400, "TRUSTED_DOCUMENT_REQUIRED")


async def test_an_unknown_document_id_by_get_is_a_404(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/graphql",
        params={"documentId": f"sha256:{'0' * 64}"},
        headers={"accept": "text/html"},  # a browser: still no IDE, the id decides
    )
    refusal(response, 404, "PERSISTED_QUERY_NOT_FOUND")


# ---------------------------------------------------------------- public documents


@pytest.mark.parametrize("name", sorted(PUBLIC_EXAMPLES))
async def test_a_public_document_answers_everyone_alike(
    app: FastAPI, client: httpx.AsyncClient, name: str
) -> None:
    # A document may declare itself public (proxies keep it) only if it reads nothing
    # of the caller's: anonymous and signed-in callers get the same bytes.
    citizen: SignedInCaller = await real_name_citizen(client, app)
    params = {"documentId": document_id(name), "variables": json.dumps(PUBLIC_EXAMPLES[name])}
    anonymous = await client.get("/graphql", params=params)
    signed_in = await client.get("/graphql", params=params, headers=citizen.headers)
    assert anonymous.status_code == 200, anonymous.text
    assert "errors" not in anonymous.json(), anonymous.text
    assert anonymous.headers["cache-control"].startswith("public, max-age=")
    assert anonymous.content == signed_in.content


def test_only_the_declared_documents_are_public() -> None:
    public = {
        path.stem
        for path in sorted(MANIFEST_FILE.parent.glob("*.graphql"))
        if path.read_text(encoding="utf-8").startswith("# cache-control: public")
    }
    assert public == set(PUBLIC_EXAMPLES)


def test_serve_refuses_to_start_with_a_broken_manifest(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "manifest.json"
    broken.write_text(json.dumps({"0" * 64: DEPARTMENTS}), encoding="utf-8")
    changed = settings.model_copy(update={"graphql_documents_manifest": broken})
    assert serve("127.0.0.1", 0, settings=changed, providers=demo_providers) == 2
    assert "not the SHA-256" in capsys.readouterr().err
