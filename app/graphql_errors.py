"""What a client sees of an error, and what the log keeps: one decision for every path.

Every error a request produces passes :func:`finish_errors` exactly once, at the schema's
entry points (see ``app.graphql.CitySchema``), whatever phase or extension raised it:

- a crash (an exception from our code or a library) becomes ``Unexpected error.`` with
  ``extensions.code = INTERNAL_SERVER_ERROR`` and is logged once at ERROR with its trace;
- a client's mistake keeps its message and gets a stable ``extensions.code``, logged
  once at INFO without a trace (so nobody can flood the log with tracebacks).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from typing import Any

from graphql import GraphQLError, GraphQLSyntaxError

from schema.errors import PublicError
from schema.scalars import BAD_USER_INPUT

logger = logging.getLogger("app.graphql")

MASKED_MESSAGE = "Unexpected error."

PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
"""The document is not GraphQL (syntax, an empty selection set, too many tokens)."""
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
"""The document does not fit the schema or the limits (unknown field, too deep, …)."""
INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
"""A crash on our side: the message is always :data:`MASKED_MESSAGE`."""

# What a client may have typed into a message: quoted values, long numbers (phones, ID
# numbers, codes) and non-ASCII runs (names). Messages go to the log without them.
_REDACTED = re.compile(r'"(?:[^"\\]|\\.)*"|\d{4,}|[^\x00-\x7f]+')
_MAX_LOGGED = 300


def is_unexpected(error: GraphQLError) -> bool:
    """True for errors that come from a crash rather than from the client's request.

    An error without an original exception is graphql-core's verdict on the request
    (syntax, validation). A :class:`PublicError` is deliberate. A ``GraphQLError`` from
    a scalar's input coercion, reported before any field ran (no ``path``), is a bad
    variable value. Anything else, an output scalar refusing what a resolver returned
    included, is ours.
    """
    original = error.original_error
    if original is None or isinstance(original, PublicError):
        return False
    return not (error.path is None and isinstance(original, GraphQLError))


def code_of(error: GraphQLError) -> str:
    """The ``extensions.code`` a client error carries (its own, or one by its kind)."""
    extensions = error.extensions or {}
    code = extensions.get("code")
    if isinstance(code, str):
        return code
    if isinstance(error, GraphQLSyntaxError):
        return PARSE_FAILED
    if error.original_error is not None:
        return BAD_USER_INPUT
    return VALIDATION_FAILED


def finish_errors(errors: Iterable[GraphQLError]) -> list[GraphQLError]:
    """Log each error once, mask crashes and give every error an ``extensions.code``."""
    finished = []
    for error in errors:
        if error.message == MASKED_MESSAGE and error.original_error is None:
            finished.append(error)  # finished already (a result passed twice)
        elif is_unexpected(error):
            logger.error(
                "graphql.unexpected_error path=%s", error.path, exc_info=error.original_error
            )
            finished.append(masked(error))
        else:
            code = code_of(error)
            if (error.extensions or {}).get("code") != code:
                # Validation results are cached and shared between requests: adding the
                # code in place is idempotent, and keeps the error's class (syntax errors
                # close a WebSocket operation, see graphql-transport-ws).
                error.extensions = {**(error.extensions or {}), "code": code}
            logger.info("graphql.client_error code=%s %s", code, redact(error.message))
            finished.append(error)
    return finished


def masked(error: GraphQLError) -> GraphQLError:
    """The client's view of a crash: where it happened, not what it was."""
    return GraphQLError(
        MASKED_MESSAGE,
        error.nodes,
        error.source,
        error.positions,
        error.path,
        None,
        {"code": INTERNAL_SERVER_ERROR},
    )


def as_graphql_error(exception: Exception) -> GraphQLError:
    """An exception that escaped the execution machinery, as an error to report."""
    if isinstance(exception, GraphQLError):
        return exception
    return GraphQLError(str(exception), original_error=exception)


def redact(message: str) -> str:
    """``message`` without what the client typed into it, and not too long, for the log."""
    return _REDACTED.sub("…", message)[:_MAX_LOGGED]


def invalid_text_error(
    query: object,
    variables: Mapping[str, Any] | None,
    operation_name: object,
    extensions: Mapping[str, Any] | None,
) -> PublicError | None:
    """A ``BAD_USER_INPUT`` error when any text of the request is not valid Unicode.

    JSON may carry lone UTF-16 surrogates (``"\\ud800"``); Python keeps them in ``str``,
    and they crash whatever encodes them later (the MongoDB and Redis drivers, the JSON
    answer that echoes them, the log). One walk over the request finds them before
    anything else sees it.
    """
    parts: tuple[tuple[str, object], ...] = (
        ("query", query),
        ("operationName", operation_name),
        ("variables", variables),
        ("extensions", extensions),
    )
    for name, value in parts:
        where = _invalid_text_in(value)
        if where is not None:
            location = name if where == "" else f"{name}.{where}"
            return PublicError(
                f"The request has text that is not valid Unicode (a lone UTF-16 surrogate) "
                f"in {location}.",
                code=BAD_USER_INPUT,
                field=location,
            )
    return None


def has_invalid_text(value: object) -> bool:
    """True when a JSON value holds a string (or key) that is not valid Unicode."""
    return _invalid_text_in(value) is not None


def _invalid_text_in(value: object) -> str | None:
    """Where in a JSON value the first invalid string is: "" for the value itself, or
    the top-level key it sits under. Iterative, so no nesting depth can overflow it."""
    if isinstance(value, str):
        return None if _valid(value) else ""
    if not isinstance(value, dict | list):
        return None
    tops: Iterable[tuple[str, object]] = (
        value.items() if isinstance(value, dict) else ((str(i), v) for i, v in enumerate(value))
    )
    for top, child in tops:
        if not _valid(top):
            return ""
        stack = [child]
        while stack:
            item = stack.pop()
            if isinstance(item, str):
                if not _valid(item):
                    return top if len(top) <= 64 else ""
            elif isinstance(item, dict):
                for key, nested in item.items():
                    if isinstance(key, str) and not _valid(key):
                        return top if len(top) <= 64 else ""
                    stack.append(nested)
            elif isinstance(item, list):
                stack.extend(item)
    return None


def _valid(text: str) -> bool:
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
