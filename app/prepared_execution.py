"""Operations run straight on graphql-core: what Strawberry would do, done once.

Strawberry's ``schema.execute`` does per request what, for a document already seen,
gives the same answer every time: it makes an execution context and an instance of each
extension, parses (from the parser cache), finds the operation, checks its type, looks
the validation up (from the cache), and graphql-core's ``Executor.build`` then collects
the operation and fragments again. About a quarter of a trusted request's CPU went to
that machinery on the departments page. :class:`PreparedExecution` does those steps
once per document, with the schema's own parse options, rules and caches, and per
request only what depends on the request: the variables, the executor, the errors.

- Trusted documents are prepared at start-up.
- Ad-hoc text is prepared on first use through the schema's own parser and validation
  caches (so the token limit and the rules apply as ever, and the caches fill as
  before), and kept in a bounded LRU of the parser cache's size; text that does not
  parse or validate is remembered (by its hash) and left to Strawberry.

It is used only when every extension of the schema is one whose effect it knows
(:data:`KNOWN_EXTENSIONS`): for a document that parsed and validated, ``OperationRules``,
``ParserCache`` and ``SourceValidationCache`` have nothing left to do, and
``StripSuggestions`` is applied to the result's errors here, before they are finished
(``finish_errors``) as ``CitySchema.execute`` finishes them. A document that does not
parse or validate under those rules (too many tokens, introspection where it is off),
or holds more than one operation, runs the usual way with its usual answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, cast

import strawberry
from graphql import (
    ASTValidationRule,
    DocumentNode,
    ExecutionResult,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
)
from graphql.execution import (
    MiddlewareManager,
    default_field_resolver,
    default_type_resolver,
)
from graphql.execution.collect_fields import FragmentDetails
from graphql.execution.executor import UNEXPECTED_MULTIPLE_PAYLOADS
from graphql.execution.get_variable_signature import get_variable_signature
from graphql.execution.values import get_variable_values
from graphql.pyutils import is_awaitable
from graphql.type import GraphQLDeferDirective, GraphQLStreamDirective
from strawberry.execution import optimized_is_awaitable
from strawberry.extensions import ParserCache, SchemaExtension
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from app.graphql_errors import as_graphql_error, finish_errors
from app.graphql_security import OperationRules, StripSuggestions, strip_suggestions
from app.trusted_documents import TrustedDocument
from app.validation_cache import SourceValidationCache, ValidationResults
from kit.lru import BoundedLru

KNOWN_EXTENSIONS: tuple[type[SchemaExtension], ...] = (
    OperationRules,
    ParserCache,
    SourceValidationCache,
    StripSuggestions,
)
"""Extensions with no effect on a prepared document beyond what is done here."""

# graphql-core's defaults, as Strawberry leaves them (``Executor.build``).
_MAX_COERCION_ERRORS = 50


@dataclass(frozen=True, slots=True)
class PreparedOperation:
    """A document's one operation, parsed and validated, with its fragments."""

    document: DocumentNode
    operation: OperationDefinitionNode
    name: str | None
    kind: OperationType
    fragment_definitions: dict[str, FragmentDefinitionNode]
    fragments: dict[str, FragmentDetails]

    def named(self, operation_name: str | None) -> PreparedOperation | None:
        """Itself when a request naming ``operation_name`` selects it."""
        return self if operation_name in (None, self.name) else None


@dataclass(frozen=True, slots=True)
class _Caches:
    """The schema's own parser and validation caches, and what they are used with."""

    parse: Callable[..., DocumentNode]
    validated: ValidationResults
    rules: tuple[type[ASTValidationRule], ...]
    max_tokens: int

    @property
    def parse_options(self) -> dict[str, Any]:
        # In the order OperationRules sets them: the parser cache's key keeps the order.
        return {"max_tokens": self.max_tokens, "allow_empty_selection_sets": False}


class PreparedExecution:
    """The schema's documents, ready to run without Strawberry's machinery."""

    def __init__(
        self,
        schema: GraphQLSchema,
        executor_class: type[StrawberryGraphQLCoreExecutionContext],
        *,
        strip: bool,
        caches: _Caches,
        trusted: Mapping[str, PreparedOperation],
    ) -> None:
        self._schema = schema
        self._executor_class = executor_class
        self._strip = strip
        self._caches = caches
        self._trusted = dict(trusted)
        maxsize = getattr(caches.parse, "cache_info", lambda: None)()
        size = maxsize.maxsize if maxsize is not None and maxsize.maxsize else 256
        self._ad_hoc: BoundedLru[str, PreparedOperation] = BoundedLru(size)
        # Text that failed, by its hash only: a flood of large broken texts is not kept.
        # A collision only sends a request the usual way, which is always right.
        self._failed: BoundedLru[int, bool] = BoundedLru(size)

    def __len__(self) -> int:
        return len(self._trusted)

    @classmethod
    def prepare(
        cls, schema: strawberry.Schema, documents: Iterable[TrustedDocument]
    ) -> PreparedExecution | None:
        """The trusted documents prepared (those of one operation that parse and validate
        as the schema would parse and validate them); None when the schema has an
        extension (or directives) this path does not know, so every request takes
        Strawberry's way."""
        extensions = schema.get_extensions()
        executor_class = schema.execution_context_class
        by_class = {type(e): e for e in extensions}
        if (
            # Exactly these classes: a subclass may add hooks (or resolver middleware).
            len(by_class) != len(extensions)
            or not set(by_class) <= set(KNOWN_EXTENSIONS)
            or not set(by_class) >= {OperationRules, ParserCache, SourceValidationCache}
            or not issubclass(executor_class, StrawberryGraphQLCoreExecutionContext)
            or _incremental(schema)
        ):
            return None
        rules = cast("OperationRules", by_class[OperationRules])
        parser = cast("ParserCache", by_class[ParserCache])
        validation = cast("SourceValidationCache", by_class[SourceValidationCache])
        caches = _Caches(
            parse=parser.cached_parse_document,
            validated=validation.results,
            rules=tuple(rules.rules),
            max_tokens=rules.max_tokens,
        )
        graphql_schema = schema._schema
        trusted: dict[str, PreparedOperation] = {}
        for document in documents:
            operation = _prepared(graphql_schema, document.text, caches)
            if operation is not None:
                trusted[document.sha256] = operation
        return cls(
            graphql_schema,
            cast("type[StrawberryGraphQLCoreExecutionContext]", executor_class),
            strip=StripSuggestions in by_class,
            caches=caches,
            trusted=trusted,
        )

    def operation(
        self, document: TrustedDocument, operation_name: str | None
    ) -> PreparedOperation | None:
        """The trusted document's operation a request selects (None: not prepared, or
        the request names another)."""
        prepared = self._trusted.get(document.sha256)
        return prepared.named(operation_name) if prepared is not None else None

    def ad_hoc(self, text: str, operation_name: str | None) -> PreparedOperation | None:
        """The operation ad-hoc ``text`` selects, prepared on first use (None: the text
        does not parse or validate, or holds several operations, or the request names
        another; Strawberry then answers it, from its caches)."""
        prepared = self._ad_hoc.get(text)
        if prepared is None:
            failed = hash(text)
            if self._failed.get(failed):
                return None
            prepared = _prepared(self._schema, text, self._caches)
            if prepared is None:
                self._failed.put(failed, True)
                return None
            self._ad_hoc.put(text, prepared)
        return prepared.named(operation_name)

    async def execute(
        self,
        prepared: PreparedOperation,
        *,
        variables: dict[str, Any] | None,
        context: Any,
        extensions: dict[str, Any] | None,
    ) -> ExecutionResult:
        """Run ``prepared`` as ``CitySchema.execute`` runs it: same data, same errors
        (suggestions stripped when the schema strips them, then finished), the same
        answer to an exception that escapes graphql-core."""
        try:
            result = self._run(prepared, variables, context, extensions)
            if is_awaitable(result):
                result = await result
            if not isinstance(result, ExecutionResult):  # as graphql-core's ``execute``
                raise GraphQLError(UNEXPECTED_MULTIPLE_PAYLOADS)
        except Exception as exception:  # the gate: nothing leaves unfinished
            return ExecutionResult(None, finish_errors([as_graphql_error(exception)]))
        errors = result.errors
        if errors:
            if self._strip:
                strip_suggestions(errors)
            result.errors = finish_errors(errors)
        return result

    def _run(
        self,
        prepared: PreparedOperation,
        variables: dict[str, Any] | None,
        context: Any,
        extensions: dict[str, Any] | None,
    ) -> Any:
        """graphql-core's ``execute`` as Strawberry calls it, from ``Executor.build`` on
        with the operation and fragments found once."""
        schema = self._schema
        operation = prepared.operation
        coerced = get_variable_values(
            schema,
            operation.variable_definitions or (),
            variables or {},
            max_errors=_MAX_COERCION_ERRORS,
        )
        if isinstance(coerced, list):
            return ExecutionResult(None, coerced)
        executor = self._executor_class(
            schema=schema,
            fragment_definitions=prepared.fragment_definitions,
            fragments=prepared.fragments,
            root_value=None,
            context_value=context,
            operation=operation,
            variable_values=coerced,
            field_resolver=default_field_resolver,
            type_resolver=default_type_resolver,
            subscribe_field_resolver=default_field_resolver,
            # As Strawberry passes it: a manager of the extensions that wrap resolvers,
            # none among the known ones.
            middleware_manager=MiddlewareManager(),
            is_awaitable=optimized_is_awaitable,
            operation_extensions=extensions,
        )
        return executor.execute_operation()


def _incremental(schema: strawberry.Schema) -> bool:
    """Whether the schema may answer with more than one payload, or has directives of
    its own (Strawberry then adds an extension for them)."""
    graphql_schema = schema._schema
    return bool(
        schema.directives
        or schema.config.enable_experimental_incremental_execution
        or graphql_schema.get_directive(GraphQLDeferDirective.name)
        or graphql_schema.get_directive(GraphQLStreamDirective.name)
    )


def _prepared(schema: GraphQLSchema, text: str, caches: _Caches) -> PreparedOperation | None:
    """``text`` parsed and validated through the schema's caches, as Strawberry would
    (None when it fails either, holds more than one operation, or a fragment's
    variables do not resolve)."""
    options = caches.parse_options
    try:
        parsed = caches.parse(text, **options)
        if caches.validated.errors(schema, parsed, caches.rules, options):
            return None
    except Exception:  # Strawberry meets it again and answers it as ever
        return None
    operations = [d for d in parsed.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1:
        return None
    operation = operations[0]
    fragment_definitions: dict[str, FragmentDefinitionNode] = {}
    fragments: dict[str, FragmentDetails] = {}
    for definition in parsed.definitions:
        if not isinstance(definition, FragmentDefinitionNode):
            continue
        name = definition.name.value
        fragment_definitions[name] = definition
        signatures = None
        if definition.variable_definitions:
            signatures = {}
            for variable in definition.variable_definitions:
                signature = get_variable_signature(schema, variable)
                if isinstance(signature, GraphQLError):
                    return None
                signatures[signature.name] = signature
        fragments[name] = FragmentDetails(definition, signatures)
    return PreparedOperation(
        document=parsed,
        operation=operation,
        name=operation.name.value if operation.name else None,
        kind=operation.operation,
        fragment_definitions=fragment_definitions,
        fragments=fragments,
    )
