"""Trusted documents: the GraphQL operations our app and mini-programs ship.

The GraphQL-over-HTTP persisted documents proposal (appendix A): a request names a
document by ``documentId`` (``sha256:<64 lower-case hex>`` of its source text, UTF-8),
or, as Apollo's clients do, by ``extensions.persistedQuery.sha256Hash``. The documents
are ``documents/*.graphql`` (one operation a file, named after the operation);
``python -m app build-manifest`` writes ``documents/manifest.json``, the map
``sha256 -> document`` loaded at start-up. A test keeps the manifest up to date.

``SZ_GRAPHQL_DOCUMENTS`` decides what else runs (:class:`DocumentMode`). Every refusal
is a :class:`DocumentRefused`: an HTTP status and one GraphQL error with a code.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from graphql import GraphQLError, OperationDefinitionNode, OperationType, parse

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS_DIR = ROOT / "documents"
MANIFEST_FILE = DOCUMENTS_DIR / "manifest.json"

_HEX = re.compile(r"[0-9a-f]{64}")
# A document may declare itself cacheable by shared proxies on its first line; only
# documents that read nothing of the caller's may (a test runs each as anonymous).
_PUBLIC_CACHE = re.compile(r"\A# cache-control: (public, max-age=\d{1,6})\n")


class DocumentMode(StrEnum):
    """Which documents run (``SZ_GRAPHQL_DOCUMENTS``)."""

    ALLOW = "allow"
    """Trusted documents and ad-hoc ones (development, tests, GraphiQL)."""
    TRUSTED_ONLY = "trusted-only"
    """Only trusted documents, except for enterprise API clients (staging, production)."""


def document_hash(text: str) -> str:
    """The lower-case hex SHA-256 of a document's source text in UTF-8.

    Text with a lone surrogate (no UTF-8 exists) gets a hash no trusted document has,
    and is refused later as invalid Unicode, with the request's other text.
    """
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True, slots=True)
class TrustedDocument:
    """One document of the manifest, parsed once at start-up."""

    sha256: str
    text: str
    operations: Mapping[str | None, OperationType]
    """Each operation's type by name (``None``: the document's only operation)."""
    cache_control: str | None
    """``public, max-age=N`` when shared proxies may keep its answer to an anonymous GET."""

    def operation_type(self, operation_name: str | None) -> OperationType | None:
        """The type of the operation a request selects (``None``: it names none here)."""
        return self.operations.get(operation_name or None)


def trusted_document(text: str) -> TrustedDocument:
    """Parse ``text`` into a :class:`TrustedDocument` (``GraphQLError`` on bad syntax)."""
    operations: dict[str | None, OperationType] = {}
    definitions = [d for d in parse(text).definitions if isinstance(d, OperationDefinitionNode)]
    for definition in definitions:
        operations[definition.name.value if definition.name else None] = definition.operation
    if len(definitions) == 1:
        operations[None] = definitions[0].operation
    cache = _PUBLIC_CACHE.match(text)
    return TrustedDocument(
        sha256=document_hash(text),
        text=text,
        operations=operations,
        cache_control=cache.group(1) if cache else None,
    )


class TrustedDocuments:
    """The manifest's documents by hash."""

    def __init__(self, manifest: Mapping[str, str]) -> None:
        self._by_hash: dict[str, TrustedDocument] = {}
        for key, text in manifest.items():
            document = trusted_document(text)
            if key != document.sha256:
                raise ValueError(f"manifest key {key[:12]}… is not the SHA-256 of its document")
            self._by_hash[key] = document

    @classmethod
    def from_file(cls, path: Path = MANIFEST_FILE) -> TrustedDocuments:
        """The manifest at ``path`` (a JSON object: hex SHA-256 -> document)."""
        manifest = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(manifest, dict):
            raise ValueError(f"{path} is not a JSON object")
        return cls(manifest)

    def get(self, sha256: str) -> TrustedDocument | None:
        """The document with this hash, if trusted."""
        return self._by_hash.get(sha256)

    def __len__(self) -> int:
        return len(self._by_hash)

    def __iter__(self) -> Iterator[TrustedDocument]:
        return iter(self._by_hash.values())


# ---------------------------------------------------------------- building the manifest


def build_manifest(folder: Path = DOCUMENTS_DIR) -> dict[str, str]:
    """``{sha256: text}`` of every ``*.graphql`` under ``folder``, checked.

    Each file holds one named operation (plus the fragments it uses) and is named after
    it, so a document is found by its operation's name (``documents/SignIn.graphql``).
    """
    manifest: dict[str, str] = {}
    for path in sorted(folder.rglob("*.graphql")):
        text = path.read_text(encoding="utf-8")
        operations = [d for d in parse(text).definitions if isinstance(d, OperationDefinitionNode)]
        names = [d.name.value if d.name else None for d in operations]
        if names != [path.stem]:
            raise ValueError(f"{path.name}: expected one operation named {path.stem}, got {names}")
        manifest[document_hash(text)] = text
    return dict(sorted(manifest.items()))


def manifest_json(manifest: Mapping[str, str]) -> str:
    """The manifest file's text: sorted keys, readable Chinese, one trailing newline."""
    return json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def document_text(name: str, folder: Path = DOCUMENTS_DIR) -> str:
    """The source text of ``documents/<name>.graphql`` (tests send the app's documents)."""
    return (folder / f"{name}.graphql").read_text(encoding="utf-8")


# ---------------------------------------------------------------- requests


class DocumentRefused(Exception):
    """A request the document rules refuse: its HTTP status and typed GraphQL error."""

    def __init__(
        self, status: int, code: str, zh: str, en: str, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(en)
        self.status = status
        self.code = code
        self.headers = dict(headers or {})
        self.error = GraphQLError(zh, extensions={"code": code, "messageEn": en})

    def body(self) -> dict[str, Any]:
        """The response body: ``{"errors": [one error]}``, as the proposal asks."""
        return {"errors": [self.error.formatted]}


def not_found() -> DocumentRefused:
    """404: the id names no trusted document (Apollo clients then send the text)."""
    return DocumentRefused(
        404,
        "PERSISTED_QUERY_NOT_FOUND",
        "未找到该文档编号对应的查询。",
        "PersistedQueryNotFound: no trusted document has this id.",
    )


def invalid_id(what: str) -> DocumentRefused:
    """400: an id that is not a SHA-256 document identifier."""
    return DocumentRefused(
        400,
        "INVALID_DOCUMENT_ID",
        "文档编号格式不正确，应为 sha256:<64 位十六进制小写>。",
        f"{what} must be sha256:<64 lower-case hex digits>.",
    )


def id_mismatch() -> DocumentRefused:
    """400: the request's text (or its two ids) do not match the id it names."""
    return DocumentRefused(
        400,
        "DOCUMENT_ID_MISMATCH",
        "请求中的查询文本与文档编号不一致。",
        "The query text does not match the document id sent with it.",
    )


def trusted_document_required(*, get: bool) -> DocumentRefused:
    """400: ad-hoc text where only trusted documents run (or over GET, always)."""
    if get:
        en = "GET runs trusted documents only: send documentId, or POST the query."
        zh = "GET 请求只能执行受信任的文档：请发送 documentId，或用 POST 发送查询。"
    else:
        en = "Only trusted documents run here: send documentId (see documents/ in the API)."
        zh = "此处只执行受信任的文档：请发送 documentId。"
    return DocumentRefused(400, "TRUSTED_DOCUMENT_REQUIRED", zh, en)


def mutation_over_get() -> DocumentRefused:
    """405: GET must not change anything (GraphQL-over-HTTP); ``Allow: POST``."""
    return DocumentRefused(
        405,
        "METHOD_NOT_ALLOWED",
        "变更操作必须使用 POST 请求。",
        "Mutations and subscriptions cannot run over GET: use POST.",
        headers={"Allow": "POST"},
    )


def requested_hash(document_id: object, extensions: Mapping[str, Any] | None) -> str | None:
    """The hex hash a request names by ``documentId`` or Apollo's ``persistedQuery``."""
    named: str | None = None
    if document_id is not None:
        if not isinstance(document_id, str) or not document_id.startswith("sha256:"):
            raise invalid_id("documentId")
        named = document_id.removeprefix("sha256:")
        if _HEX.fullmatch(named) is None:
            raise invalid_id("documentId")
    persisted = (extensions or {}).get("persistedQuery")
    if persisted is not None:
        apollo = persisted.get("sha256Hash") if isinstance(persisted, dict) else None
        if not isinstance(apollo, str) or _HEX.fullmatch(apollo) is None:
            raise invalid_id("extensions.persistedQuery.sha256Hash")
        if named is not None and named != apollo:
            raise id_mismatch()
        named = apollo
    return named


def resolve_document(
    documents: TrustedDocuments,
    *,
    query: str | None,
    document_id: object,
    extensions: Mapping[str, Any] | None,
) -> tuple[str | None, TrustedDocument | None]:
    """The text to run and, when it is one, the trusted document a request names.

    A request with both text and an id runs only when the text hashes to the id (the
    proposal's advice, and Apollo's automatic persisted queries); the full text of a
    trusted document is that document. ``DocumentRefused`` otherwise.
    """
    named = requested_hash(document_id, extensions)
    if named is None:
        if query is None:
            return None, None
        return query, documents.get(document_hash(query))
    if query is not None:
        if document_hash(query) != named:
            raise id_mismatch()
        return query, documents.get(named)
    document = documents.get(named)
    if document is None:
        raise not_found()
    return document.text, document
