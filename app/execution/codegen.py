"""Python source generated per selection set: the executor's field loop, unrolled.

:meth:`PlannedExecutor._execute_fields <app.execution.executor.PlannedExecutor>` walks a
list of :class:`~app.execution.plans.FieldPlan` per object, reading each plan's
attributes and choosing its branch for every value. A selection set used more than
once (a list's items, a cached plan's next request) is compiled instead into one
function that does the same steps for its fields in order, with each field's branch
chosen at compile time and everything it reads bound as constants.

The generated text holds no name from the document or the schema: response names,
attribute names, type names, plans and serializers are in the function's globals as
``_n0``, ``_a0``, … (identifiers this module makes up), so nothing a client writes ends
up in source code. The code of each branch is the interpreted loop's, statement for
statement (same calls, same order, same error handling), so the differential test
holds both to graphql-core.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql.pyutils import Path, Undefined

from app.execution.plans import FieldPlan, ObjectSelection, RootPlan

Compiled = Callable[[Any, Any, Path | None], Any]
"""``(executor, source, path) -> results`` (a dict, or an awaitable of one)."""

# Never awaitable, whatever ``is_awaitable`` would spend finding that out.
PLAIN = frozenset({str, int, float, bool})

# Marks "not serialized on the fast path" (None and Undefined are results of their own).
UNSET: Any = object()

_HEAD = """\
def run(ex, source, path):
    is_awaitable = ex.is_awaitable
    results = {}
    awaitable_fields = []
    try:
"""

_TAIL = """\
    except Exception:
        if awaitable_fields:
            ex.settle_in_background([results[field] for field in awaitable_fields])
        raise
    if not awaitable_fields:
        return results
    return ex._gather_fields(results, awaitable_fields)
"""

# A plain attribute completing to a leaf: read and serialized inline (the executor's
# fast path), the general path taken from where ``execute_field`` would be.
_LEAF = """\
        try:
            value = _g{i}(source, _a{i})
        except Exception as raw_error:
            ex._field_error(raw_error, _p{i}, _p{i}.completion, Path(path, _n{i}, _t{i}))
            results[_n{i}] = None
        else:
            kind = type(value)
            if kind is _pt{i}:
                results[_n{i}] = value
            else:
                coerced = UNSET
                if value is not None and not isinstance(value, Exception):
                    if kind in PLAIN or not is_awaitable(value):
                        try:
                            coerced = _s{i}(value)
                        except Exception:
                            coerced = UNSET
                if coerced is not UNSET and coerced is not None and coerced is not Undefined:
                    results[_n{i}] = coerced
                else:
                    result = ex._resolved(_p{i}, Path(path, _n{i}, _t{i}), value, None)
                    results[_n{i}] = result
                    if is_awaitable(result):
                        awaitable_fields.append(_n{i})
"""

# A plain attribute holding an object (``PlannedExecutor._plain_object``).
_OBJECT = """\
        field_path = Path(path, _n{i}, _t{i})
        try:
            value = _g{i}(source, _a{i})
        except Exception as raw_error:
            ex._field_error(raw_error, _p{i}, _p{i}.completion, field_path)
            result = None
        else:
            if value is None or isinstance(value, Exception) or is_awaitable(value):
                result = ex._resolved(_p{i}, field_path, value, None)
            else:
                try:
                    run = _o{i}.run
                    if run is not None:
                        completed = run(ex, value, field_path)
                    else:
                        completed = ex._run_selection(_o{i}, value, field_path)
                    if type(completed) is not dict and is_awaitable(completed):
                        result = ex._await_completed(_p{i}, _p{i}.completion, field_path, completed)
                    else:
                        result = completed
                except Exception as raw_error:
                    ex._field_error(raw_error, _p{i}, _p{i}.completion, field_path)
                    result = None
        results[_n{i}] = result
        if type(result) is not dict and is_awaitable(result):
            awaitable_fields.append(_n{i})
"""

# Any other field: ``PlannedExecutor._execute_field``.
_FIELD = """\
        result = ex._execute_field(_p{i}, source, Path(path, _n{i}, _t{i}))
        results[_n{i}] = result
        if is_awaitable(result):
            awaitable_fields.append(_n{i})
"""


def compile_fields(fields: list[FieldPlan]) -> Compiled:
    """One function running ``fields`` as the executor's ``_execute_fields`` does."""
    constants: dict[str, Any] = {"Path": Path, "Undefined": Undefined, "UNSET": UNSET}
    constants["PLAIN"] = PLAIN
    blocks: list[str] = []
    for i, plan in enumerate(fields):
        constants[f"_p{i}"] = plan
        constants[f"_n{i}"] = plan.response_name
        constants[f"_t{i}"] = plan.parent_type.name
        constants[f"_g{i}"] = plan.getter
        constants[f"_a{i}"] = plan.attribute
        if plan.leaf is not None:
            constants[f"_pt{i}"] = plan.leaf.passthrough
            constants[f"_s{i}"] = plan.leaf.serialize
            blocks.append(_LEAF.format(i=i))
        elif plan.plain_object is not None:
            constants[f"_o{i}"] = plan.plain_object
            blocks.append(_OBJECT.format(i=i))
        else:
            blocks.append(_FIELD.format(i=i))
    if not blocks:
        blocks.append("        pass\n")
    source = _HEAD + "".join(blocks) + _TAIL
    code = compile(source, "<selection set>", "exec")
    namespace: dict[str, Any] = dict(constants)
    exec(code, namespace)  # noqa: S102 - our own template; names are only in `constants`
    run: Compiled = namespace["run"]
    return run


HOT_AFTER = 2
"""Uses of a selection set before it is compiled: a set met once (a one-off ad-hoc
document's single object) is walked, not compiled."""


def selection_runner(selection: ObjectSelection | RootPlan) -> Compiled | None:
    """The selection's compiled function once it is hot, else None (walk it)."""
    run = selection.run
    if run is not None:
        return run
    selection.uses += 1
    if selection.uses < HOT_AFTER or selection.fields is None:
        return None
    compiled = compile_fields(selection.fields)
    selection.run = compiled
    return compiled
