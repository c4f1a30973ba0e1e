"""The executor that runs compiled plans, with graphql-core's semantics exactly.

:class:`PlannedExecutor` is the execution context class the schema hands to
graphql-core (through Strawberry), so extensions, error masking, DataLoaders,
permission guards and ``Info`` work as before. For a query it can plan (see
:func:`app.execution.plans.plannable`) it walks the plan instead of the document;
anything else goes to graphql-core's generic path unchanged.

Each method below mirrors the graphql-core 3.3 method named in its docstring: the
same checks in the same order, the same error messages, the same points where an
awaitable is created and gathered, so data, errors, paths and even the order of
errors from concurrent resolvers come out the same (the differential test,
``tests/app/test_execution_plans.py``, holds it to that). What is saved is the
per-request work: collecting fields through fragments and directives, looking up
definitions and resolvers, coercing constant arguments, dispatching on wrapper
types, and building ``info`` for Strawberry's plain attribute fields, which never
read it.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError
from graphql.execution.collect_fields import collect_fields
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path, Undefined, gather_with_cancel

from app.execution.codegen import PLAIN as _PLAIN
from app.execution.codegen import UNSET as _UNSET
from app.execution.codegen import is_hot, selection_runner
from app.execution.plans import (
    PLANS,
    FieldPlan,
    ObjectSelection,
    OperationPlan,
    PlanCache,
    RootPlan,
    conditional_key,
    field_plans,
)
from app.execution.values import Info, ValueCompletion


class PlannedExecutor(ValueCompletion):
    """Strawberry's execution context, running queries from cached plans."""

    plans: PlanCache = PLANS
    # Whether this execution's plan is hot: its selections run compiled.
    _hot = False

    def execute_operation(self, serially: bool | None = None) -> Any:
        """``Executor.execute_operation``, with the root fields from the plan."""
        root = self._root() if serially is None else None
        if root is None:
            return super().execute_operation(serially)
        try:
            result = self._run_selection(root, self.root_value, None)
            if self.is_awaitable(result):

                async def await_result() -> Any:
                    try:
                        data = await result
                    except GraphQLError as error:
                        self.collected_errors.add(error, None)
                        return self.build_response(None)
                    except Exception:
                        await self.cancel_incremental_work()
                        self.run_async_work_finished_hook()
                        raise
                    return self.build_response(data)

                return await_result()
            data: dict[str, Any] = result
        except GraphQLError as error:
            self.collected_errors.add(error, None)
            return self.finish(self.build_response(None))
        return self.finish(self.build_response(data))

    # ---------------------------------------------------------------- the plan

    def _plan(self) -> OperationPlan | None:
        if self.abort_signal is not None:
            return None  # abort checks sit on every await of the generic path
        middleware = self.middleware_manager
        if middleware is not None and middleware.middlewares:
            return None  # resolver middleware would need info everywhere
        return self.plans.get(self.schema, self.operation, self.fragment_definitions)

    def _root(self) -> RootPlan | None:
        plan = self._plan()
        if plan is None:
            return None
        self._hot = is_hot(plan)
        key = conditional_key(plan, self.variable_values.coerced)
        root = plan.roots.get(key)
        if root is not None:
            return root
        root_type = self.schema.get_root_type(self.operation.operation)
        if root_type is None:
            return None  # graphql-core answers with its own error
        try:
            grouped = collect_fields(
                self.schema,
                self.fragments,
                self.variable_values,
                root_type,
                self.operation,
                self.hide_suggestions,
            )[0]
        except RecursionError:
            return None
        root = RootPlan(root_type, field_plans(self.schema, root_type, grouped))
        plan.roots[key] = root
        return root

    # ---------------------------------------------------------------- fields

    def _execute_fields(self, fields: list[FieldPlan], source: Any, path: Path | None) -> Any:
        """``Executor.execute_fields``.

        A plain attribute field completing to a leaf takes a fast path: its value read
        and serialized inline, its ``Path`` built only if something goes wrong. Any
        other value (null, an exception, an awaitable) continues on the general path
        exactly where ``execute_field`` would be after calling the resolver.
        """
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        try:
            for plan in fields:
                name = plan.response_name
                leaf = plan.leaf
                if leaf is not None:
                    try:
                        value = plan.getter(source, plan.attribute)  # type: ignore[misc]
                    except Exception as raw_error:
                        field_path = Path(path, name, plan.parent_type.name)
                        self._field_error(raw_error, plan, plan.completion, field_path)
                        results[name] = None
                        continue
                    kind = type(value)
                    if kind is leaf.passthrough:
                        results[name] = value
                        continue
                    if value is not None and not isinstance(value, Exception):
                        coerced = _UNSET
                        if kind in _PLAIN or not is_awaitable(value):
                            try:
                                coerced = leaf.serialize(value)
                            except Exception:  # the general path raises it again, located
                                coerced = _UNSET
                        if (
                            coerced is not _UNSET
                            and coerced is not None
                            and coerced is not Undefined
                        ):
                            results[name] = coerced
                            continue
                    field_path = Path(path, name, plan.parent_type.name)
                    result = self._resolved(plan, field_path, value, None)
                elif plan.plain_object is not None:
                    result = self._plain_object(plan, plan.plain_object, source, path)
                else:
                    result = self._execute_field(
                        plan, source, Path(path, name, plan.parent_type.name)
                    )
                results[name] = result
                if is_awaitable(result):
                    awaitable_fields.append(name)
        except Exception:
            if awaitable_fields:
                self.settle_in_background([results[field] for field in awaitable_fields])
            raise
        if not awaitable_fields:
            return results
        return self._gather_fields(results, awaitable_fields)

    async def _gather_fields(
        self, results: dict[str, Any], awaitable_fields: list[str]
    ) -> dict[str, Any]:
        """The ``get_results`` closure of ``execute_fields``: awaitable fields awaited."""
        if len(awaitable_fields) == 1:
            field = awaitable_fields[0]
            results[field] = await results[field]
        else:
            awaited = await gather_with_cancel(*(results[f] for f in awaitable_fields))
            results.update(zip(awaitable_fields, awaited, strict=True))
        return results

    def _run_selection(
        self, selection: ObjectSelection | RootPlan, source: Any, path: Path | None
    ) -> Any:
        """An object's fields: compiled when the plan is hot (``app/execution/codegen``),
        else walked."""
        run = selection.run
        if run is not None:
            return run(self, source, path)
        if selection.fields is None:
            assert isinstance(selection, ObjectSelection)
            self._object_fields(selection)
        if not self._hot:
            return self._execute_fields(selection.fields, source, path)  # type: ignore[arg-type]
        return selection_runner(selection, self._object_fields)(self, source, path)

    def _plain_object(
        self, plan: FieldPlan, selection: ObjectSelection, source: Any, path: Path | None
    ) -> Any:
        """A plain attribute field holding an object: its sub-fields executed directly."""
        field_path = Path(path, plan.response_name, plan.parent_type.name)
        try:
            value = plan.getter(source, plan.attribute)  # type: ignore[misc]
        except Exception as raw_error:
            self._field_error(raw_error, plan, plan.completion, field_path)
            return None
        if value is None or isinstance(value, Exception) or self.is_awaitable(value):
            return self._resolved(plan, field_path, value, None)
        try:
            completed = self._run_selection(selection, value, field_path)
            if self.is_awaitable(completed):
                return self._await_completed(plan, plan.completion, field_path, completed)
        except Exception as raw_error:
            self._field_error(raw_error, plan, plan.completion, field_path)
            return None
        return completed

    def _execute_field(self, plan: FieldPlan, source: Any, path: Path) -> Any:
        """``Executor.execute_field``; ``info`` only for resolvers that read it."""
        info = (
            self.build_resolve_info(plan.definition, plan.nodes, plan.parent_type, path)
            if plan.needs_info
            else None
        )
        try:
            getter = plan.getter
            if getter is not None and plan.static_args == {}:
                result = getter(source, plan.attribute)
            else:
                args = plan.static_args
                if args is None:
                    first = plan.details[0]
                    args = get_argument_values(
                        plan.definition,
                        first.node,
                        self.variable_values,
                        first.fragment_variable_values,
                        self.hide_suggestions,
                    )
                result = (plan.resolve or self.field_resolver)(source, info, **args)
        except Exception as raw_error:
            self._field_error(raw_error, plan, plan.completion, path)
            return None
        return self._resolved(plan, path, result, info)

    def _resolved(self, plan: FieldPlan, path: Path, result: Any, info: Info | None) -> Any:
        """The rest of ``Executor.execute_field``, once the resolver has answered."""
        completion = plan.completion
        try:
            if self.is_awaitable(result):
                return self._complete_awaitable(plan, completion, path, result, info)
            completed = self._complete(plan, completion, path, result, info)
            if self.is_awaitable(completed):
                return self._await_completed(plan, completion, path, completed)
        except Exception as raw_error:
            self._field_error(raw_error, plan, completion, path)
            return None
        return completed
