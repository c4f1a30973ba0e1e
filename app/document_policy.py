"""Which document a ``/graphql`` request runs, and whether it may run it.

The router (``app.graphql``) calls these around Strawberry's own steps: the request is
read here (``documentId`` included, which Strawberry does not know), the caller is
admitted or refused once its context exists, and a GET answer gets its cache headers.
The text finally run goes through Strawberry's normal execution (parser and validation
caches, extensions, the schema's execution context class), or, once prepared, straight
through graphql-core with the same caches and rules (``app/prepared_execution.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cross_web import HTTPException
from graphql import OperationType
from strawberry.http import GraphQLRequestData
from strawberry.http.parse_content_type import parse_content_type

from app.trusted_documents import (
    DocumentMode,
    TrustedDocument,
    TrustedDocuments,
    mutation_over_get,
    resolve_document,
    trusted_document_required,
)
from resolvers.context import Context

PRIVATE = "private, no-store"


@dataclass
class DocumentRequestData(GraphQLRequestData):
    """Strawberry's request data, with the trusted document it named (if any)."""

    document: TrustedDocument | None = None


def parse_request(
    data: dict[str, Any], documents: TrustedDocuments, *, protocol: Any = "http"
) -> DocumentRequestData:
    """Check a request's parameters (as Strawberry does) and resolve its document."""
    query = data.get("query")
    if not isinstance(query, str | None):
        raise HTTPException(400, "The GraphQL operation's `query` must be a string or null.")
    variables = data.get("variables")
    if not isinstance(variables, dict | None):
        raise HTTPException(400, "The GraphQL operation's `variables` must be an object or null.")
    extensions = data.get("extensions")
    if not isinstance(extensions, dict | None):
        raise HTTPException(400, "The GraphQL operation's `extensions` must be an object or null.")
    operation_name = data.get("operationName") or None
    text, document = resolve_document(
        documents, query=query, document_id=data.get("documentId"), extensions=extensions
    )
    return DocumentRequestData(
        query=text,
        variables=variables,
        operation_name=operation_name,
        extensions=extensions,
        protocol=protocol,
        document=document,
    )


def is_json(content_type: str | None) -> bool:
    """True for ``application/json`` (and ``application/graphql-response+json``)."""
    if content_type == "application/json":
        return True  # what clients send; parsing it as a MIME header says the same
    media, _ = parse_content_type(content_type or "")
    return "application/json" in media


def is_enterprise_client(context: Context) -> bool:
    """An enterprise API client: a request acting for an enterprise on a live grant.

    ``X-Acting-For`` is resolved against the grants while the context is built
    (``app.context.get_context``); ``acting_for`` is set only when a grant holds.
    """
    principal = context.principal
    return principal is not None and principal.acting_for is not None


def admit(
    request: DocumentRequestData, context: Context, *, mode: DocumentMode, method: str
) -> None:
    """Refuse (``DocumentRefused``) what this caller may not run this way."""
    get = method == "GET"
    document = request.document
    if document is None:
        if request.query is None:
            return  # Strawberry answers a request without a query (400)
        if get or (mode is DocumentMode.TRUSTED_ONLY and not is_enterprise_client(context)):
            raise trusted_document_required(get=get)
        return
    if get:
        kind = document.operation_type(request.operation_name)
        if kind is not None and kind is not OperationType.QUERY:
            raise mutation_over_get()


def cache_control(request: DocumentRequestData, context: Context, *, failed: bool) -> str:
    """``Cache-Control`` of a GET answer: public only for a public document, asked
    anonymously (no token, no acting-for), answered without errors."""
    document = request.document
    anonymous = (
        context.principal is None
        and context.auth_failure is None
        and context.acting_failure is None
    )
    if document is None or document.cache_control is None or not anonymous or failed:
        return PRIVATE
    return document.cache_control
