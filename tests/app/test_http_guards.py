"""Bad HTTP input gets a clear 4xx, never a 500 or a stack trace (over real HTTP)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from app.settings import Settings

TYPENAME = '{"query": "{ __typename }"}'


@pytest.fixture
async def http(live_server: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client speaking real HTTP to uvicorn."""
    async with httpx.AsyncClient(base_url=live_server, timeout=10) as client:
        yield client


def assert_clean_client_error(response: httpx.Response, status: int) -> None:
    """The status is the expected 4xx and nothing internal leaks into the body."""
    assert response.status_code == status, response.text
    assert "Traceback" not in response.text
    assert 'File "' not in response.text


@pytest.mark.parametrize("body", ['"x"', "123", "null", "true", "[]", "[1, 2]"])
async def test_json_body_that_is_not_an_object_is_a_400(http: httpx.AsyncClient, body: str) -> None:
    response = await http.post(
        "/graphql", content=body, headers={"content-type": "application/json"}
    )
    assert_clean_client_error(response, 400)


async def test_deeply_nested_json_arrays_are_a_400(http: httpx.AsyncClient) -> None:
    body = "[" * 100_000 + "]" * 100_000
    response = await http.post(
        "/graphql", content=body, headers={"content-type": "application/json"}
    )
    assert_clean_client_error(response, 400)


async def test_invalid_utf8_is_a_400(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/graphql",
        content=b'{"query": "\xff\xfe{ __typename }"}',
        headers={"content-type": "application/json"},
    )
    assert_clean_client_error(response, 400)


async def test_malformed_json_is_a_400(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/graphql", content='{"query": ', headers={"content-type": "application/json"}
    )
    assert_clean_client_error(response, 400)
    assert "JSON" in response.text


async def test_body_over_the_limit_is_a_413_by_content_length(
    http: httpx.AsyncClient, settings: Settings
) -> None:
    padding = "x" * (settings.max_body_bytes + 1)
    response = await http.post(
        "/graphql",
        content=f'{{"query": "{{ __typename }}", "extensions": {{"p": "{padding}"}}}}',
        headers={"content-type": "application/json"},
    )
    assert_clean_client_error(response, 413)


async def test_chunked_body_over_the_limit_is_a_413(
    http: httpx.AsyncClient, settings: Settings
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"query": "{ __typename }", "extensions": {"p": "'
        for _ in range(settings.max_body_bytes // 8192 + 2):
            yield b"x" * 8192
        yield b'"}}'

    response = await http.post(
        "/graphql", content=chunks(), headers={"content-type": "application/json"}
    )
    assert "content-length" not in response.request.headers
    assert_clean_client_error(response, 413)


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/x-www-form-urlencoded", "query=%7B__typename%7D"),
        ("text/plain", TYPENAME),
        (
            "multipart/form-data; boundary=b",
            '--b\r\nContent-Disposition: form-data; name="operations"\r\n\r\n'
            + TYPENAME
            + "\r\n--b--\r\n",
        ),
    ],
)
async def test_form_plain_and_multipart_bodies_do_not_execute(
    http: httpx.AsyncClient, content_type: str, body: str
) -> None:
    # Browsers send these cross-site without a preflight (CSRF): they must never run.
    response = await http.post("/graphql", content=body, headers={"content-type": content_type})
    assert_clean_client_error(response, 400)
    assert '"data"' not in response.text


async def test_operations_over_get_do_not_execute(http: httpx.AsyncClient) -> None:
    for query in ("{ __typename }", "mutation { __typename }"):
        response = await http.get("/graphql", params={"query": query})
        assert_clean_client_error(response, 400)
        assert '"data"' not in response.text


async def test_graphiql_is_not_served_over_http_outside_development(
    http: httpx.AsyncClient, settings: Settings
) -> None:
    # The test environment is not development: a browser gets no IDE, and no query runs.
    response = await http.get("/graphql", headers={"accept": "text/html"})
    assert settings.graphiql_enabled is False
    assert "graphiql" not in response.text.lower()
    assert '"data"' not in response.text
