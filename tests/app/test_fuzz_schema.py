"""Property-based fuzzing of ``/graphql`` with documents generated from the schema.

hypothesis-graphql writes valid documents and documents with one schema violation
(wrong argument type, missing required argument, unknown enum value); a second
strategy sends every root field's arguments as variables with arbitrary JSON (lone
surrogates, huge numbers, NaN, nesting). Whatever arrives, the answer is never a 5xx,
never ``Unexpected error.`` and never a traceback. Runs are derandomized, so CI sends
the same documents every time; ``FUZZ_EXAMPLES`` raises the count for a longer run and
``FUZZ_RANDOM=1`` lets Hypothesis pick a fresh seed.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import graphql
import httpx
import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, from_schema

from app.graphql import build_schema
from tests.app.citizens import real_name_citizen
from tests.identity.factories import SignedInCaller

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "300"))
SCHEMA = build_schema()._schema

# Ending the fuzzing caller's own sessions would leave the rest of the run anonymous.
SIGNED_IN_FIELDS = [
    name
    for root in (SCHEMA.query_type, SCHEMA.mutation_type)
    if root is not None
    for name in root.fields
    if name not in {"signOut", "signOutEverywhere"}
]

_offsets = st.integers(-23 * 60 - 59, 23 * 60 + 59).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
_date_times = st.one_of(
    st.datetimes(timezones=st.just(UTC) | _offsets).map(lambda moment: moment.isoformat()),
    st.datetimes(datetime(9999, 12, 30), timezones=_offsets).map(lambda m: m.isoformat()),
    st.text(max_size=30),
)
CUSTOM_SCALARS = {
    "DateTime": _date_times.map(lambda text: graphql.StringValueNode(value=text)),
    "Date": st.dates().map(lambda day: graphql.StringValueNode(value=day.isoformat())),
    # JSON (forms): an object literal with a few string and number fields, or null.
    "JSON": st.one_of(
        st.just(graphql.NullValueNode()),
        st.dictionaries(
            st.from_regex(r"\A[a-z][a-zA-Z]{0,8}\Z"),
            st.one_of(
                st.text(max_size=12).map(lambda text: graphql.StringValueNode(value=text)),
                st.integers(-1000, 10**6).map(lambda n: graphql.IntValueNode(value=str(n))),
            ),
            max_size=3,
        ).map(
            lambda fields: graphql.ObjectValueNode(
                fields=tuple(
                    graphql.ObjectFieldNode(name=graphql.NameNode(value=k), value=v)
                    for k, v in fields.items()
                )
            )
        ),
    ),
}

DOCUMENTS = st.one_of(
    from_schema(SCHEMA, custom_scalars=CUSTOM_SCALARS, mode=Mode.POSITIVE),
    from_schema(SCHEMA, custom_scalars=CUSTOM_SCALARS, mode=Mode.NEGATIVE),
)
SIGNED_IN_DOCUMENTS = st.one_of(
    from_schema(SCHEMA, fields=SIGNED_IN_FIELDS, custom_scalars=CUSTOM_SCALARS, mode=Mode.POSITIVE),
    from_schema(SCHEMA, fields=SIGNED_IN_FIELDS, custom_scalars=CUSTOM_SCALARS, mode=Mode.NEGATIVE),
)

_any_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=20)
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats()
    | _any_text
    | st.sampled_from(["PROVIDENT_FUND", "WECHAT", "WEB", "2027-06-30T00:00:00+08:00"]),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(_any_text, children, max_size=3)
    ),
    max_leaves=8,
)


def _with_variables() -> list[tuple[str, list[str]]]:
    """For each root field with arguments: a document passing them all as variables."""
    documents = []
    for keyword, root in (("query", SCHEMA.query_type), ("mutation", SCHEMA.mutation_type)):
        assert root is not None
        for name, field in root.fields.items():
            if not field.args:
                continue
            definitions = ", ".join(f"${arg}: {spec.type}" for arg, spec in field.args.items())
            arguments = ", ".join(f"{arg}: ${arg}" for arg in field.args)
            named = graphql.get_named_type(field.type)
            selection = "" if graphql.is_leaf_type(named) else " { __typename }"
            documents.append(
                (
                    f"{keyword} ({definitions}) {{ {name}({arguments}){selection} }}",
                    list(field.args),
                )
            )
    return documents


Request = tuple[str, dict[str, Any]]

# Documents hypothesis-graphql never writes: token soup from the grammar and the schema
# (undefined or cyclic fragments, subscriptions over HTTP, empty selection sets, …).
_GRAMMAR = (
    "{ } ( ) [ ] : ... query mutation subscription fragment F G on Query Mutation "
    "__typename __schema types name me id departments edges node code heartbeat a: $v "
    '"x" 1 null first: after: @skip(if:true) @include(if:$v)'
)
_TOKENS = st.sampled_from(_GRAMMAR.split())
TOKEN_SOUP: st.SearchStrategy[Request] = st.tuples(
    st.lists(_TOKENS, max_size=25).map(" ".join),
    st.fixed_dictionaries({}, optional={"v": JSON_VALUES}),
)

VARIABLE_DOCUMENTS: st.SearchStrategy[Request] = st.sampled_from(_with_variables()).flatmap(
    lambda document: st.tuples(
        st.just(document[0]),
        st.fixed_dictionaries({}, optional=dict.fromkeys(document[1], JSON_VALUES)),
    )
)


def _without_variables(query: object) -> Request:
    return (str(query), {})


REQUESTS: st.SearchStrategy[Request] = st.one_of(
    DOCUMENTS.map(_without_variables), VARIABLE_DOCUMENTS, TOKEN_SOUP
)
SIGNED_IN_REQUESTS: st.SearchStrategy[Request] = st.one_of(
    SIGNED_IN_DOCUMENTS.map(_without_variables), VARIABLE_DOCUMENTS, TOKEN_SOUP
)

FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    derandomize="FUZZ_RANDOM" not in os.environ,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)


@pytest.fixture
def tally(request: pytest.FixtureRequest) -> Iterator[Counter[str]]:
    """Counts what a run sent and got back, written to the terminal at the end."""
    counts: Counter[str] = Counter()
    yield counts
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    summary = ", ".join(f"{key}={value}" for key, value in sorted(counts.items()))
    if reporter is not None:
        reporter.write_line(f"\n{request.node.name}: {summary}")


@pytest.fixture
async def citizen(app: FastAPI, client: httpx.AsyncClient) -> SignedInCaller:
    """The signed-in, real-name citizen the signed-in run acts as."""
    return await real_name_citizen(client, app)


async def _send(
    client: httpx.AsyncClient,
    tally: Counter[str],
    query: str,
    variables: dict[str, Any],
    headers: dict[str, str] | None = None,
) -> None:
    """POST one request and check the answer is an answer, not a crash."""
    response = await client.post(
        "/graphql",
        content=json.dumps({"query": query, "variables": variables}),
        headers={"content-type": "application/json"} | (headers or {}),
    )
    tally["documents"] += 1
    tally[f"http_{response.status_code}"] += 1
    assert response.status_code < 500, (query, variables, response.text)
    assert "Unexpected error." not in response.text, (query, variables, response.text)
    assert "Traceback" not in response.text, (query, variables, response.text)
    if response.headers.get("content-type", "").startswith("application/json"):
        errors = response.json().get("errors") or []
        tally["answered_without_errors" if not errors else "answered_with_errors"] += 1
        for error in errors:
            tally[f"code_{(error.get('extensions') or {}).get('code')}"] += 1


@FUZZ_SETTINGS
@given(request=REQUESTS)
async def test_anonymous_callers_never_crash_the_api(
    client: httpx.AsyncClient, tally: Counter[str], request: Request
) -> None:
    await _send(client, tally, *request)


@FUZZ_SETTINGS
@given(request=SIGNED_IN_REQUESTS)
async def test_signed_in_real_name_callers_never_crash_the_api(
    client: httpx.AsyncClient,
    citizen: SignedInCaller,
    tally: Counter[str],
    request: Request,
) -> None:
    await _send(client, tally, *request, headers=citizen.headers)
