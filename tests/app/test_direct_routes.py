"""``/graphql`` over HTTP: the direct routes answer exactly as Strawberry's FastAPI routes.

``app.graphql.direct_http_routes`` serves GET and POST without FastAPI's dependency
injection. Each request below goes to two apps built from the same settings, one with
the direct routes (the product) and one without (``direct_graphql=False``: Strawberry's
generic routes); status, headers (names, values and order) and body must be identical:
successes, errors, every refusal of the document rules, the view's plain-text 400s,
other methods, the body limit, CORS, GraphiQL, a bad token, trusted-only mode, staging.
The direct app answers prepared operations (``app/prepared_execution.py``) without
Strawberry's view; which requests do so is checked too.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Coroutine
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.graphql import GuardedGraphQLRouter
from app.main import create_app
from app.settings import Settings
from app.trusted_documents import document_hash, document_text
from demo.data.departments import DEPARTMENTS
from demo.providers import demo_providers
from directory.repository import DepartmentRepository
from tests.vendors import vendor_stand_ins

ORIGIN = "https://app.example.cn"


def document_id(name: str) -> str:
    return f"sha256:{document_hash(document_text(name))}"


PAGE = {"documentId": document_id("Departments"), "variables": {"first": 3}}
GET_PAGE = {"documentId": document_id("Departments"), "variables": '{"first": 3}'}
APOLLO_GET = json.dumps(
    {"persistedQuery": {"version": 1, "sha256Hash": document_hash(document_text("Departments"))}}
)
JSON = {"content-type": "application/json"}

# (name, method, keyword arguments of httpx's request)
REQUESTS: list[tuple[str, str, dict[str, Any]]] = [
    ("trusted POST", "POST", {"json": PAGE}),
    ("trusted GET", "GET", {"params": GET_PAGE}),
    (
        "trusted GET, bad token (private)",
        "GET",
        {"params": GET_PAGE, "headers": {"authorization": "Bearer x"}},
    ),
    (
        "trusted POST, Apollo's persisted query",
        "POST",
        {
            "json": {
                "variables": {"first": 2},
                "extensions": {
                    "persistedQuery": {
                        "version": 1,
                        "sha256Hash": document_hash(document_text("Departments")),
                    }
                },
            }
        },
    ),
    ("trusted POST with its text", "POST", {"json": {"query": document_text("Departments")}}),
    ("ad-hoc POST", "POST", {"json": {"query": "{ departments(first: 2) { edges { cursor } } }"}}),
    ("ad-hoc GET", "GET", {"params": {"query": "{ departments(first: 1) { edges { cursor } } }"}}),
    ("validation error", "POST", {"json": {"query": "{ departments(first: 2) { nope } }"}}),
    ("syntax error", "POST", {"json": {"query": "{ departments("}}),
    ("bad variable", "POST", {"json": {**PAGE, "variables": {"first": "x"}}}),
    ("unknown id", "POST", {"json": {"documentId": "sha256:" + "0" * 64}}),
    ("invalid id", "POST", {"json": {"documentId": "md5:abc"}}),
    ("id and other text", "POST", {"json": {**PAGE, "query": "{ __typename }"}}),
    ("mutation over GET", "GET", {"params": {"documentId": document_id("SignOut")}}),
    ("malformed JSON", "POST", {"content": b"{nope", "headers": JSON}),
    ("JSON array", "POST", {"content": b"[]", "headers": JSON}),
    ("NaN in JSON", "POST", {"content": b'{"query": NaN}', "headers": JSON}),
    ("no query", "POST", {"json": {"variables": {}}}),
    ("query not a string", "POST", {"json": {"query": 3}}),
    ("form body", "POST", {"data": {"query": "{ __typename }"}}),
    ("subscription over POST", "POST", {"json": {"query": "subscription { ping }"}}),
    ("PUT", "PUT", {"json": PAGE}),
    ("HEAD", "HEAD", {"params": GET_PAGE}),
    ("GraphiQL", "GET", {"headers": {"accept": "text/html"}}),
    ("GET without a query", "GET", {}),
    ("body over the limit", "POST", {"content": b"{" + b" " * 300_000 + b"}", "headers": JSON}),
    (
        "CORS, allowed origin",
        "POST",
        {"json": PAGE, "headers": {"origin": ORIGIN}},
    ),
    ("CORS, other origin", "POST", {"json": PAGE, "headers": {"origin": "https://x.test"}}),
    (
        "CORS preflight",
        "OPTIONS",
        {
            "headers": {
                "origin": ORIGIN,
                "access-control-request-method": "POST",
                "access-control-request-headers": "content-type, authorization",
            }
        },
    ),
    (
        "bad token",
        "POST",
        {"json": {"documentId": document_id("Me")}, "headers": {"authorization": "Bearer x.y.z"}},
    ),
    ("anonymous Me", "POST", {"json": {"documentId": document_id("Me")}}),
    (
        "acting for, signed out",
        "POST",
        {"json": PAGE, "headers": {"x-acting-for": "91430200MA4L000001"}},
    ),
    # The trusted path (app/prepared_execution.py) and the requests it leaves to the view.
    (
        "trusted POST, its operation named",
        "POST",
        {"json": {**PAGE, "operationName": "Departments"}},
    ),
    ("trusted POST, another operation named", "POST", {"json": {**PAGE, "operationName": "Me"}}),
    ("trusted POST, no variables", "POST", {"json": {"documentId": PAGE["documentId"]}}),
    ("trusted POST, null variables", "POST", {"json": {**PAGE, "variables": None}}),
    ("trusted POST, variables a list", "POST", {"json": {**PAGE, "variables": [3]}}),
    ("trusted POST, extensions", "POST", {"json": {**PAGE, "extensions": {"trace": True}}}),
    ("trusted POST, extensions a string", "POST", {"json": {**PAGE, "extensions": "x"}}),
    (
        "trusted POST, an enum value misspelt (suggestions)",
        "POST",
        {"json": {**PAGE, "variables": {"first": 3, "kind": "GOVERMENT"}}},
    ),
    (
        "trusted POST, a variable of the wrong type",
        "POST",
        {"json": {"documentId": document_id("ServiceItem"), "variables": {"code": 3}}},
    ),
    (
        "trusted POST, a required variable missing",
        "POST",
        {"json": {"documentId": document_id("ServiceItem")}},
    ),
    (
        "trusted POST, a resolver's error (a bad cursor)",
        "POST",
        {"json": {**PAGE, "variables": {"first": 2, "after": "not a cursor"}}},
    ),
    (
        "trusted POST, signed out (field guards)",
        "POST",
        {"json": {"documentId": document_id("MyLifeRecord")}},
    ),
    ("trusted POST, a mutation", "POST", {"json": {"documentId": document_id("SignOut")}}),
    (
        "trusted POST, a subscription",
        "POST",
        {"json": {"documentId": document_id("NotificationReceived")}},
    ),
    (
        "trusted GET, a subscription",
        "GET",
        {"params": {"documentId": document_id("NotificationReceived")}},
    ),
    (
        "trusted POST, a lone surrogate in a variable",
        "POST",
        {
            "content": json.dumps({**PAGE, "variables": {"after": "\ud800"}}).encode(),
            "headers": JSON,
        },
    ),
    (
        "trusted POST, JSON with a charset",
        "POST",
        {
            "content": json.dumps(PAGE).encode(),
            "headers": {"content-type": "application/json; charset=utf-8"},
        },
    ),
    (
        "trusted POST, as text/plain",
        "POST",
        {"content": json.dumps(PAGE).encode(), "headers": {"content-type": "text/plain"}},
    ),
    (
        "trusted GET, its operation named",
        "GET",
        {"params": {**GET_PAGE, "operationName": "Departments"}},
    ),
    ("trusted GET, variables not JSON", "GET", {"params": {**GET_PAGE, "variables": "{nope"}}),
    (
        "trusted GET, Apollo's persisted query",
        "GET",
        {
            "params": {"variables": '{"first": 1}', "extensions": APOLLO_GET},
            "headers": {"accept": "application/json"},
        },
    ),
    (
        "trusted GET, Apollo's persisted query from a browser",
        "GET",
        {"params": {"extensions": APOLLO_GET}, "headers": {"accept": "text/html"}},
    ),
    (
        "trusted GET from a browser",
        "GET",
        {"params": GET_PAGE, "headers": {"accept": "text/html"}},
    ),
]

AD_HOC: list[tuple[str, str, dict[str, Any]]] = [
    (
        "ad-hoc POST, variables and a fragment",
        "POST",
        {
            "json": {
                "query": "query Page($n: Int!) { departments(first: $n) { ...Edges } }\n"
                "fragment Edges on DepartmentConnection { edges { cursor node { code } } }",
                "variables": {"n": 2},
            }
        },
    ),
    (
        "ad-hoc POST, two operations, one named",
        "POST",
        {"json": {"query": "query A { __typename } query B { me { id } }", "operationName": "B"}},
    ),
    (
        "ad-hoc POST, introspection",
        "POST",
        {"json": {"query": "{ __schema { queryType { name } } }"}},
    ),
    ("ad-hoc POST, a mutation", "POST", {"json": {"query": "mutation { signOut { __typename } }"}}),
    (
        "ad-hoc POST, too many tokens",
        "POST",
        {"json": {"query": "{ " + "__typename " * 3001 + "}"}},
    ),
    ("ad-hoc POST, an empty selection", "POST", {"json": {"query": "{ }"}}),
    (
        "ad-hoc POST, a misspelt field (suggestions)",
        "POST",
        {"json": {"query": "{ departmnts(first: 1) { edges { cursor } } }"}},
    ),
]
REQUESTS += AD_HOC

# What the prepared path answers, without Strawberry's view; the view answers the rest.
PREPARED_PATH = {
    "trusted POST",
    "trusted GET",
    "trusted GET, bad token (private)",
    "trusted POST, Apollo's persisted query",
    "trusted POST with its text",
    "bad variable",
    "CORS, allowed origin",
    "CORS, other origin",
    "bad token",
    "anonymous Me",
    "acting for, signed out",
    "trusted POST, its operation named",
    "trusted POST, no variables",
    "trusted POST, null variables",
    "trusted POST, extensions",
    "trusted POST, an enum value misspelt (suggestions)",
    "trusted POST, a variable of the wrong type",
    "trusted POST, a required variable missing",
    "trusted POST, a resolver's error (a bad cursor)",
    "trusted POST, signed out (field guards)",
    "trusted POST, a mutation",
    "trusted POST, JSON with a charset",
    "trusted GET, its operation named",
    "trusted GET, Apollo's persisted query",
    "trusted GET from a browser",
}
# Ad-hoc text runs on the prepared path once it has parsed and validated, where it runs.
AD_HOC_PREPARED = {
    "ad-hoc POST",
    "ad-hoc POST, variables and a fragment",
    "ad-hoc POST, introspection",
    "ad-hoc POST, a mutation",
}

Pair = tuple[httpx.AsyncClient, httpx.AsyncClient]
MakePair = Callable[..., Coroutine[Any, Any, Pair]]


@pytest.fixture
async def pair_with(settings: Settings, tmp_path: Path) -> AsyncIterator[MakePair]:
    """Factory: clients of two apps with the same settings, direct routes and generic."""
    opened: list[Any] = []

    async def make(**changes: object) -> Pair:
        values = settings.model_dump() | {"data_dir": tmp_path, "cors_origins": [ORIGIN]}
        changed = Settings(_env_file=None, **(values | changes))
        providers = vendor_stand_ins if changed.is_production_like else demo_providers
        clients: list[httpx.AsyncClient] = []
        for direct in (True, False):
            app: FastAPI = create_app(changed, providers=providers, direct_graphql=direct)
            lifespan = app.router.lifespan_context(app)
            await lifespan.__aenter__()
            opened.append(lifespan)
            if not clients:  # both apps read one database: the demo departments in it
                await DepartmentRepository(app.state.resources.database).upsert_many(DEPARTMENTS)
            transport = httpx.ASGITransport(app=app)
            clients.append(httpx.AsyncClient(transport=transport, base_url="http://testserver"))
        return clients[0], clients[1]

    yield make
    for lifespan in reversed(opened):
        await lifespan.__aexit__(None, None, None)


def answer(response: httpx.Response) -> tuple[int, list[tuple[str, str]], bytes]:
    return response.status_code, response.headers.multi_items(), response.content


@pytest.mark.parametrize("mode", ["allow", "trusted-only", "staging"])
async def test_direct_routes_answer_as_strawberrys_routes(
    pair_with: MakePair,
    production_like: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    mode: str,
) -> None:
    # given: the same app twice, with and without the direct routes (staging: no
    # introspection, no suggestions, trusted documents only), the direct one's view watched
    if mode == "staging":
        direct, generic = await pair_with(
            **(production_like | {"graphql_documents": "trusted-only"})
        )
    else:
        direct, generic = await pair_with(graphql_documents=mode)
    viewed = watch_the_view(direct, monkeypatch)
    seen_statuses: set[int] = set()
    prepared_path: set[str] = set()
    for name, method, arguments in REQUESTS:
        # when
        before = len(viewed)
        ours = await direct.request(method, "/graphql", **arguments)
        theirs = await generic.request(method, "/graphql", **arguments)
        # then: status, headers (in order) and body are the same bytes
        assert answer(ours) == answer(theirs), name
        seen_statuses.add(ours.status_code)
        if len(viewed) == before and method in ("GET", "POST"):
            prepared_path.add(name)
        if name == "trusted POST":
            assert len(ours.json()["data"]["departments"]["edges"]) == 3
    # and the list reached successes and each kind of refusal
    assert {200, 400, 404, 405, 413} <= seen_statuses
    # and the prepared operations ran without Strawberry's view, everything else through it
    expected = PREPARED_PATH | (AD_HOC_PREPARED if mode == "allow" else set())
    assert prepared_path - {"body over the limit"} == expected


def watch_the_view(client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths of the requests that reach the direct app's Strawberry view (``run``)."""
    [route, *_] = _graphql_routes(client)
    router = route.endpoint.__self__
    assert isinstance(router, GuardedGraphQLRouter)
    view = router.run
    viewed: list[str] = []

    async def run(request: Any, context: Any = None, root_value: Any = None) -> Any:
        viewed.append(request.url.path)
        return await view(request, context, root_value)

    monkeypatch.setattr(router, "run", run)
    return viewed


async def test_the_direct_routes_serve_and_the_generic_app_has_none(pair_with: MakePair) -> None:
    # given
    direct, generic = await pair_with()
    # when
    ours = await direct.post("/graphql", json=PAGE)
    # then: the page, from the route that serves it
    assert len(json.loads(ours.content)["data"]["departments"]["edges"]) == 3
    served = {type(route).__name__ for route in _graphql_routes(direct)}
    assert served == {"Route"}
    assert _graphql_routes(generic) == []


def _graphql_routes(client: httpx.AsyncClient) -> list[Any]:
    transport = client._transport
    assert isinstance(transport, httpx.ASGITransport)
    app = transport.app
    assert isinstance(app, FastAPI)
    return [r for r in app.router.routes if getattr(r, "path", None) == "/graphql"]
