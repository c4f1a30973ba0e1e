"""Errors the API shows to clients as they are (every other error is masked)."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError


class PublicError(GraphQLError):
    """An expected error whose message and ``code`` reach the client unmasked.

    Query fields raise it for bad arguments; mutations return typed payloads instead.
    """

    def __init__(
        self,
        message: str,
        *,
        code: str,
        field: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        extensions: dict[str, Any] = {"code": code}
        if field is not None:
            extensions["field"] = field
        extensions |= extra or {}
        super().__init__(message, extensions=extensions)
        self.code = code
        self.field = field
