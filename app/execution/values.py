"""Value completion for :class:`~app.execution.executor.PlannedExecutor`.

Each method mirrors the graphql-core 3.3 method named in its docstring (see the
executor's module docstring for why, and what the plan saves). Split from the executor
so each file reads in one sitting; the executor adds the operation and the fields.
"""

from __future__ import annotations

from collections.abc import Awaitable, Iterable
from typing import Any

from graphql import GraphQLError, GraphQLResolveInfo, located_error
from graphql.execution.collect_fields import collect_subfields
from graphql.execution.executor import collect_iterator_awaitables, invalid_return_type_error
from graphql.pyutils import Path, Undefined, gather_with_cancel, inspect, is_iterable
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from app.execution.codegen import KNOWN_IS_AWAITABLE, NO_TYPES, PLAIN_OBJECTS, learn
from app.execution.plans import (
    Abstract,
    Completion,
    FieldPlan,
    Leaf,
    ListOf,
    NonNull,
    ObjectSelection,
    field_plans,
    object_selection,
)

# Resolvers see Strawberry's subclass; nothing here reads its context's type.
Info = GraphQLResolveInfo[Any]


class ValueCompletion(StrawberryGraphQLCoreExecutionContext):
    """Completing resolved values along a plan: non-null, lists, leaves, objects."""

    def _execute_fields(self, fields: list[FieldPlan], source: Any, path: Path | None) -> Any:
        """Execute an object's fields (the executor's)."""
        raise NotImplementedError

    def _run_selection(self, selection: ObjectSelection, source: Any, path: Path | None) -> Any:
        """Execute an object's fields, compiled or walked (the executor's)."""
        raise NotImplementedError

    def _object_fields(self, selection: ObjectSelection) -> list[FieldPlan]:
        grouped = collect_subfields(
            self.schema,
            self.fragments,
            self.variable_values,
            self.operation,
            selection.type,
            selection.details,
            self.hide_suggestions,
        )[0]
        selection.fields = field_plans(self.schema, selection.type, grouped)
        return selection.fields

    def _field_error(
        self, raw_error: Exception, plan: FieldPlan, completion: Completion, path: Path
    ) -> None:
        """``Executor.handle_field_error`` (error propagation is on for planned queries)."""
        error = located_error(raw_error, list(plan.nodes), path.as_list())
        if isinstance(completion, NonNull):
            raise error
        self.collected_errors.add(error, path)

    async def _complete_awaitable(
        self,
        plan: FieldPlan,
        completion: Completion,
        path: Path,
        result: Any,
        info: Info | None,
    ) -> Any:
        """``Executor.complete_awaitable_value`` (and ``complete_awaitable_list_item_value``)."""
        try:
            resolved = await result
            completed = self._complete(plan, completion, path, resolved, info)
            if self.is_awaitable(completed):
                completed = await completed
        except Exception as raw_error:
            self._field_error(raw_error, plan, completion, path)
            completed = None
        return completed

    async def _await_completed(
        self, plan: FieldPlan, completion: Completion, path: Path, completed: Awaitable[Any]
    ) -> Any:
        """The ``await_completed`` closures of ``execute_field`` and list items."""
        try:
            return await completed
        except Exception as raw_error:
            self._field_error(raw_error, plan, completion, path)
            return None

    # ---------------------------------------------------------------- values

    def _complete(
        self,
        plan: FieldPlan,
        completion: Completion,
        path: Path,
        result: Any,
        info: Info | None,
    ) -> Any:
        """``Executor.complete_value``, dispatching on the compiled completion."""
        if isinstance(result, Exception):
            raise result
        if type(completion) is NonNull:
            completed = self._complete(plan, completion.inner, path, result, info)
            if completed is None:
                msg = (
                    "Cannot return null for non-nullable field"
                    f" {plan.parent_type}.{plan.field_name}."
                )
                raise TypeError(msg)
            return completed
        if result is None or result is Undefined:
            return None
        if type(completion) is Leaf:
            coerced = completion.serialize(result)
            if coerced is Undefined or coerced is None:
                msg = (
                    f"Expected `{inspect(completion.type)}.coerce_output_value("
                    f"{inspect(result)})` to return non-nullable value, returned:"
                    f" {inspect(coerced)}"
                )
                raise TypeError(msg)
            return coerced
        if type(completion) is ObjectSelection:
            return self._complete_object(plan, completion, path, result, info)
        if type(completion) is ListOf:
            return self._complete_list(plan, completion, path, result, info)
        assert type(completion) is Abstract
        return self._complete_abstract(plan, completion, path, result, info)

    def _complete_list(
        self,
        plan: FieldPlan,
        completion: ListOf,
        path: Path,
        result: Any,
        info: Info | None,
    ) -> Any:
        """``Executor.complete_list_value`` and ``complete_iterable_value`` (no @stream)."""
        if self.is_async_iterable(result):
            # Rare enough to leave to graphql-core, which completes the same way.
            field_info = info or self._info_at(plan, path)
            return self.complete_async_iterator_value(
                completion.type.of_type,
                plan.details,
                field_info,
                path,
                self.cancellable_iterable(result).__aiter__(),
                None,
            )
        if not is_iterable(result):
            msg = (
                "Expected Iterable, but did not find one for field"
                f" '{plan.parent_type}.{plan.field_name}'."
            )
            raise GraphQLError(msg)
        return self._complete_iterable(plan, completion.item, path, result, info)

    def _complete_iterable(
        self,
        plan: FieldPlan,
        item: Completion,
        path: Path,
        items: Iterable[Any],
        info: Info | None,
    ) -> Any:
        is_awaitable = self.is_awaitable
        completed_results: list[Any] = []
        append = completed_results.append
        awaitable_indices: list[int] = []
        iterator = iter(items)
        index = 0
        # Items of an object type with no ``is_type_of`` (maybe non-null): a present
        # value goes straight to the object's fields, which never answer null, so
        # ``_complete``'s steps in between (non-null check included) change nothing.
        objects = _plain_item(item)
        run_objects = objects.run if objects is not None else None  # compiled already
        # Types whose objects are known not to be awaitable (``codegen.learn``).
        plain = PLAIN_OBJECTS if is_awaitable in KNOWN_IS_AWAITABLE else NO_TYPES
        try:
            while True:
                try:
                    value = next(iterator)
                except StopIteration:
                    break
                item_path = Path(path, index, None)
                kind = type(value)
                if kind in plain and "__await__" not in value.__dict__:
                    awaitable = False
                else:
                    awaitable = is_awaitable(value)
                    if not awaitable and plain is PLAIN_OBJECTS and objects is not None:
                        learn(kind)
                if awaitable:
                    append(self._complete_awaitable(plan, item, item_path, value, info))
                    awaitable_indices.append(index)
                else:
                    try:
                        if objects is None or value is None or isinstance(value, Exception):
                            completed = self._complete(plan, item, item_path, value, info)
                        elif run_objects is not None:
                            completed = run_objects(self, value, item_path)
                        else:
                            completed = self._run_selection(objects, value, item_path)
                        if type(completed) is not dict and is_awaitable(completed):
                            append(self._await_completed(plan, item, item_path, completed))
                            awaitable_indices.append(index)
                        else:
                            append(completed)
                    except Exception as raw_error:
                        self._field_error(raw_error, plan, item, item_path)
                        append(None)
                index += 1
        except Exception:
            pending = [completed_results[i] for i in awaitable_indices]
            pending.extend(collect_iterator_awaitables(iterator, is_awaitable))
            if pending:
                self.settle_in_background(pending)
            raise
        if not awaitable_indices:
            return completed_results

        async def get_completed_results() -> list[Any]:
            if len(awaitable_indices) == 1:
                index = awaitable_indices[0]
                completed_results[index] = await completed_results[index]
            else:
                awaited = await gather_with_cancel(
                    *(completed_results[i] for i in awaitable_indices)
                )
                for index, sub_result in zip(awaitable_indices, awaited, strict=True):
                    completed_results[index] = sub_result
            return completed_results

        return get_completed_results()

    def _complete_abstract(
        self,
        plan: FieldPlan,
        completion: Abstract,
        path: Path,
        result: Any,
        info: Info | None,
    ) -> Any:
        """``Executor.complete_abstract_value``; a selection per concrete type, cached."""
        assert info is not None  # the plan asks for info wherever a type is resolved
        abstract = completion.type
        resolve_type = abstract.resolve_type or self.type_resolver
        runtime_type = resolve_type(result, info, abstract)
        if self.is_awaitable(runtime_type):

            async def await_complete_object_value() -> Any:
                name = await runtime_type
                object_type = self.ensure_valid_runtime_type(
                    name, abstract, completion.details, info, result
                )
                value = self._complete_object(
                    plan, self._selection(completion, object_type), path, result, info
                )
                if self.is_awaitable(value):
                    return await value
                return value

            return await_complete_object_value()
        # A type name met before was checked then, against the same schema.
        if type(runtime_type) is str:
            known = completion.by_type.get(runtime_type)
            if known is not None:
                return self._complete_object(plan, known, path, result, info)
        object_type = self.ensure_valid_runtime_type(
            runtime_type, abstract, completion.details, info, result
        )
        selection = self._selection(completion, object_type)
        return self._complete_object(plan, selection, path, result, info)

    @staticmethod
    def _selection(completion: Abstract, object_type: Any) -> ObjectSelection:
        selection = completion.by_type.get(object_type.name)
        if selection is None:
            selection = object_selection(object_type, completion.details)
            completion.by_type[object_type.name] = selection
        return selection

    def _complete_object(
        self,
        plan: FieldPlan,
        selection: ObjectSelection,
        path: Path,
        result: Any,
        info: Info | None,
    ) -> Any:
        """``Executor.complete_object_value``."""
        is_type_of = selection.is_type_of
        if is_type_of is not None:
            matches = is_type_of(result, info)
            if self.is_awaitable(matches):

                async def execute_subfields_async() -> dict[str, Any]:
                    if not await matches:
                        raise invalid_return_type_error(selection.type, result, selection.details)
                    sub_fields = self._run_selection(selection, result, path)
                    if self.is_awaitable(sub_fields):
                        return await sub_fields  # type: ignore[no-any-return]
                    return sub_fields  # type: ignore[no-any-return]

                return execute_subfields_async()
            if not matches:
                raise invalid_return_type_error(selection.type, result, selection.details)
        return self._run_selection(selection, result, path)

    def _info_at(self, plan: FieldPlan, path: Path) -> Info:
        """The field's ``info``, from a path that may point into its list items."""
        field_path: Path | None = path
        while field_path is not None and not isinstance(field_path.key, str):
            field_path = field_path.prev
        assert field_path is not None
        return self.build_resolve_info(plan.definition, plan.nodes, plan.parent_type, field_path)


def _plain_item(item: Completion) -> ObjectSelection | None:
    """The object selection a list item completes to, when nothing else checks it."""
    inner = item.inner if type(item) is NonNull else item
    if type(inner) is ObjectSelection and inner.is_type_of is None:
        return inner
    return None
