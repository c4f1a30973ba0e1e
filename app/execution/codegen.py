"""Python source generated per selection set: the executor's field loop, unrolled.

:meth:`PlannedExecutor._execute_fields <app.execution.executor.PlannedExecutor>` walks a
list of :class:`~app.execution.plans.FieldPlan` per object, reading each plan's
attributes and choosing its branch for every value. A selection set of a hot plan (a
trusted document's, or one run before) is compiled instead into one function that does
the same steps for its fields in order, with each field's branch chosen at compile time
and everything it reads bound as constants.

The generated text holds no name from the document: response names, type names, plans
and serializers are in the function's globals as ``_n0``, ``_t0``, … (identifiers this
module makes up), so nothing a client writes ends up in source code. The one name from
the schema it writes is a plain field's Python attribute (``source.code``), an
identifier of our own types, read so rather than through ``getattr`` because Python
caches an attribute read at its site.

The code of each branch is the interpreted loop's, statement for statement (same
calls, same order, same error handling), so the differential test holds both to
graphql-core.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from keyword import iskeyword
from types import CoroutineType, GeneratorType, GetSetDescriptorType
from typing import Any

from graphql.pyutils import Path, Undefined
from graphql.pyutils import is_awaitable as pyutils_is_awaitable
from strawberry.execution.is_awaitable import optimized_is_awaitable

from app.execution.plans import (
    Abstract,
    FieldPlan,
    Leaf,
    ListOf,
    NonNull,
    ObjectSelection,
    OperationPlan,
    RootPlan,
)

Compiled = Callable[[Any, Any, Path | None], Any]
"""``(executor, source, path) -> results`` (a dict, or an awaitable of one)."""

# Never awaitable, whatever ``is_awaitable`` would spend finding that out.
PLAIN = frozenset({str, int, float, bool, datetime, date, Decimal})

# Marks "not serialized on the fast path" (None and Undefined are results of their own).
UNSET: Any = object()

# The ``is_awaitable`` functions whose answer for an object :func:`learn` can tell from
# its type (Strawberry's, and graphql-core's it copies): a coroutine, an iterable
# coroutine, or anything with an attribute ``__await__``.
_KNOWN: tuple[Callable[[Any], Any], ...] = (optimized_is_awaitable, pyutils_is_awaitable)
KNOWN_IS_AWAITABLE = frozenset(_KNOWN)

PLAIN_OBJECTS: set[type] = set()
"""Types whose instances are never awaitable, nor exceptions, unless one holds an
attribute ``__await__`` in its own ``__dict__``: the generated code tests this instead
of calling ``is_awaitable`` (~60 ns against ~150) for each object value."""
_NOT_PLAIN: set[type] = set()
NO_TYPES: frozenset[type] = frozenset()


def learn(kind: type) -> None:
    """Add ``kind`` to :data:`PLAIN_OBJECTS` when every step of ``is_awaitable`` is known
    to say no for its instances: a plain ``type``, not a coroutine, a generator or an
    exception; its ``__class__``, ``__getattribute__`` and ``__dict__`` the default ones
    and no ``__getattr__`` or ``__await__`` anywhere in its MRO."""
    if kind in PLAIN_OBJECTS or kind in _NOT_PLAIN:
        return
    plain = (
        type(kind) is type
        and not issubclass(kind, CoroutineType | GeneratorType | BaseException)
        and kind.__getattribute__ is object.__getattribute__
        and isinstance(_instance_dict(kind), GetSetDescriptorType)
        and all(
            "__getattr__" not in vars(klass)
            and "__await__" not in vars(klass)
            and (klass is object or "__class__" not in vars(klass))
            for klass in kind.__mro__
        )
    )
    (PLAIN_OBJECTS if plain else _NOT_PLAIN).add(kind)


def _instance_dict(kind: type) -> object:
    """What ``value.__dict__`` reads for an instance of ``kind`` (None: no such)."""
    for klass in kind.__mro__:
        if "__dict__" in vars(klass):
            return vars(klass)["__dict__"]
    return None


_HEAD = """\
def run(ex, source, path):
    is_awaitable = ex.is_awaitable
    plain = PLAIN_OBJECTS if is_awaitable in KNOWN_IS_AWAITABLE else NO_TYPES
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

# The blocks below are written for one object: its value is ``{src}``, its path the
# expression ``{path}`` (evaluated only where a path is needed: errors, slow paths),
# its results go to ``{res}`` and the names of its awaitable fields to ``{aw}``.

# A plain attribute completing to a leaf: read and serialized inline (the executor's
# fast path), the general path taken from where ``execute_field`` would be.
_LEAF = """\
try:
    value = {read}
except Exception as raw_error:
    ex._field_error(raw_error, _p{i}, _p{i}.completion, Path({path}, _n{i}, _t{i}))
    {res}[_n{i}] = None
else:
    kind = type(value)
    {fast}if value is None and _null{i}:
        {res}[_n{i}] = None
    else:
        coerced = UNSET
        if value is not None and not isinstance(value, Exception):
            if kind in PLAIN or not is_awaitable(value):
                try:
                    coerced = _s{i}(value)
                except Exception:
                    coerced = UNSET
        if coerced is not UNSET and coerced is not None and coerced is not Undefined:
            {res}[_n{i}] = coerced
        else:
            result = ex._resolved(_p{i}, Path({path}, _n{i}, _t{i}), value, None)
            {res}[_n{i}] = result
            if is_awaitable(result):
                {aw}.append(_n{i})
"""

# What the leaf's serializer is known to answer (``Leaf``), each a test on ``kind``
# and an ``el`` that the next test completes to ``elif``.
_PASSTHROUGH = """\
if kind is _pt{i}:
        {res}[_n{i}] = value
    el"""
_BOUNDED_INT = """\
if kind is int and -2147483648 <= value <= 2147483647:
        {res}[_n{i}] = value
    el"""
_MEMBER = """\
if kind is _mt{i}:
        {res}[_n{i}] = _mv{i}[id(value)]
    el"""
_RAW = """\
if kind is str and value in _rv{i}:
        {res}[_n{i}] = _rv{i}[value]
    el"""

# A plain attribute's value read, or its error recorded (``result``); the template
# that follows goes on under ``else:``.
_READ_VALUE = """\
try:
    value = {read}
except Exception as raw_error:
    ex._field_error(raw_error, _p{i}, _p{i}.completion, field_path)
    result = None
else:
"""

# A plain attribute holding an object (``PlannedExecutor._plain_object``), its fields
# run by the selection's own function.
_OBJECT = (
    "field_path = Path({path}, _n{i}, _t{i})\n"
    + _READ_VALUE
    + """\
    if type(value) in plain and "__await__" not in value.__dict__:
        slow = False
    else:
        slow = value is None or isinstance(value, Exception) or is_awaitable(value)
        if not slow and plain is PLAIN_OBJECTS:
            learn(type(value))
    if slow:
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
{res}[_n{i}] = result
if type(result) is not dict and is_awaitable(result):
    {aw}.append(_n{i})
"""
)

# The same, with the object's fields written out here (``{body}``, the blocks of its
# selection for ``{src2}``, ``{res2}``, ``{aw2}``): what its function would do, without
# the call, and with its path built only if one is needed.
_INLINE_OBJECT = """\
try:
    value = {read}
except Exception as raw_error:
    ex._field_error(raw_error, _p{i}, _p{i}.completion, Path({path}, _n{i}, _t{i}))
    result = None
else:
    if type(value) in plain and "__await__" not in value.__dict__:
        slow = False
    else:
        slow = value is None or isinstance(value, Exception) or is_awaitable(value)
        if not slow and plain is PLAIN_OBJECTS:
            learn(type(value))
    if slow:
        result = ex._resolved(_p{i}, Path({path}, _n{i}, _t{i}), value, None)
    else:
        {src2} = value
        try:
            {res2} = {{}}
            {aw2} = []
            try:
{body}
            except Exception:
                if {aw2}:
                    ex.settle_in_background([{res2}[field] for field in {aw2}])
                raise
            if {aw2}:
                result = ex._await_completed(
                    _p{i},
                    _p{i}.completion,
                    Path({path}, _n{i}, _t{i}),
                    ex._gather_fields({res2}, {aw2}),
                )
            else:
                result = {res2}
        except Exception as raw_error:
            ex._field_error(raw_error, _p{i}, _p{i}.completion, Path({path}, _n{i}, _t{i}))
            result = None
{res}[_n{i}] = result
if type(result) is not dict and is_awaitable(result):
    {aw}.append(_n{i})
"""

# A plain attribute holding a list (its items need no ``info``): ``_execute_field`` down
# to ``_complete_list``, whose steps for a ``list`` come to ``_complete_iterable``.
_LIST = (
    "field_path = Path({path}, _n{i}, _t{i})\n"
    + _READ_VALUE
    + """\
    if type(value) is list:
        try:
            result = ex._complete_iterable(_p{i}, _it{i}, field_path, value, None)
            if type(result) is not list and is_awaitable(result):
                result = ex._await_completed(_p{i}, _p{i}.completion, field_path, result)
        except Exception as raw_error:
            ex._field_error(raw_error, _p{i}, _p{i}.completion, field_path)
            result = None
    else:
        result = ex._resolved(_p{i}, field_path, value, None)
{res}[_n{i}] = result
if type(result) is not list and is_awaitable(result):
    {aw}.append(_n{i})
"""
)

# A plain attribute holding a union or an interface: ``_execute_field`` (with the
# ``info`` that type resolution reads) down to ``_complete_abstract``.
_ABSTRACT = (
    "field_path = Path({path}, _n{i}, _t{i})\n"
    "info = ex.build_resolve_info("
    "_p{i}.definition, _p{i}.nodes, _p{i}.parent_type, field_path)\n"
    + _READ_VALUE
    + """\
    if (
        value is None
        or value is Undefined
        or isinstance(value, Exception)
        or is_awaitable(value)
    ):
        result = ex._resolved(_p{i}, field_path, value, info)
    else:
        try:
            result = ex._complete_abstract(_p{i}, _ab{i}, field_path, value, info)
            if type(result) is not dict and is_awaitable(result):
                result = ex._await_completed(_p{i}, _p{i}.completion, field_path, result)
        except Exception as raw_error:
            ex._field_error(raw_error, _p{i}, _p{i}.completion, field_path)
            result = None
{res}[_n{i}] = result
if type(result) is not dict and is_awaitable(result):
    {aw}.append(_n{i})
"""
)

# Any other field: ``PlannedExecutor._execute_field``.
_FIELD = """\
result = ex._execute_field(_p{i}, {src}, Path({path}, _n{i}, _t{i}))
{res}[_n{i}] = result
if is_awaitable(result):
    {aw}.append(_n{i})
"""

INLINE_DEPTH = 4
"""Object selections written out inside their parent's function, at most this deep."""

Prepare = Callable[[ObjectSelection], list[FieldPlan]]
"""Collects a selection's fields (the executor's ``_object_fields``)."""


class _Writer:
    """The source of one function and the constants it reads."""

    def __init__(self, prepare: Prepare | None) -> None:
        self.prepare = prepare
        self.constants: dict[str, Any] = {
            "Path": Path,
            "Undefined": Undefined,
            "UNSET": UNSET,
            "PLAIN": PLAIN,
            "PLAIN_OBJECTS": PLAIN_OBJECTS,
            "KNOWN_IS_AWAITABLE": KNOWN_IS_AWAITABLE,
            "NO_TYPES": NO_TYPES,
            "learn": learn,
        }
        self.count = 0

    def blocks(self, fields: list[FieldPlan], src: str, path: str, depth: int) -> str:
        """The statements running ``fields`` of the object in local ``src``."""
        res, aw = ("results", "awaitable_fields") if depth == 0 else (f"r{depth}", f"a{depth}")
        out: list[str] = []
        for plan in fields:
            i = self.count
            self.count += 1
            constants = self.constants
            constants[f"_p{i}"] = plan
            constants[f"_n{i}"] = plan.response_name
            constants[f"_t{i}"] = plan.parent_type.name
            constants[f"_g{i}"] = plan.getter
            constants[f"_a{i}"] = plan.attribute
            names = {"i": i, "src": src, "path": path, "res": res, "aw": aw}
            names["read"] = _read(plan, src, i)
            if plan.leaf is not None:
                out.append(self._leaf(plan, plan.leaf, names))
            elif plan.plain_object is not None:
                selection = plan.plain_object
                constants[f"_o{i}"] = selection
                child = self._child_fields(selection, depth)
                if child is None:
                    out.append(_OBJECT.format(**names))
                    continue
                level = depth + 1
                body = self.blocks(child, f"s{level}", f"Path({path}, _n{i}, _t{i})", level)
                names |= {"src2": f"s{level}", "res2": f"r{level}", "aw2": f"a{level}"}
                names["body"] = _indent(body or "pass\n", 16)
                out.append(_INLINE_OBJECT.format(**names))
            else:
                out.append(self._other(plan, names))
        return "".join(out)

    def _other(self, plan: FieldPlan, names: dict[str, Any]) -> str:
        """A list or abstract plain attribute's block, else ``_execute_field``'s."""
        i = names["i"]
        if plan.getter is None or plan.static_args != {}:
            return _FIELD.format(**names)
        completion = plan.completion
        inner = completion.inner if isinstance(completion, NonNull) else completion
        if isinstance(inner, ListOf) and not plan.needs_info:
            self.constants[f"_it{i}"] = inner.item
            return _LIST.format(**names)
        if isinstance(inner, Abstract):
            self.constants[f"_ab{i}"] = inner
            return _ABSTRACT.format(**names)
        return _FIELD.format(**names)

    def _leaf(self, plan: FieldPlan, leaf: Leaf, names: dict[str, Any]) -> str:
        i = names["i"]
        constants = self.constants
        constants[f"_s{i}"] = leaf.serialize
        # A nullable leaf's null is its answer (what ``_resolved`` comes to).
        constants[f"_null{i}"] = not isinstance(plan.completion, NonNull)
        fast: list[str] = []
        if leaf.passthrough is not None:
            constants[f"_pt{i}"] = leaf.passthrough
            fast.append(_PASSTHROUGH)
        if leaf.bounded_int:
            fast.append(_BOUNDED_INT)
        if leaf.members_of is not None:
            constants[f"_mt{i}"] = leaf.members_of
            constants[f"_mv{i}"] = leaf.members
            fast.append(_MEMBER)
        if leaf.raw:
            constants[f"_rv{i}"] = leaf.raw
            fast.append(_RAW)
        # Each test ends in ``el``, so the next one (or the null test) reads ``elif``.
        tests = "".join(fast).format(**names)
        return _LEAF.format(fast=tests, **names)

    def _child_fields(self, selection: ObjectSelection, depth: int) -> list[FieldPlan] | None:
        if depth >= INLINE_DEPTH or self.prepare is None:
            return None
        if selection.fields is None:
            try:
                self.prepare(selection)
            except Exception:  # left to run time, where the walker meets it (or never)
                return None
        return selection.fields


def _read(plan: FieldPlan, src: str, i: int) -> str:
    """How a plain attribute field's value is read: as an attribute read when
    Strawberry's resolver would call ``getattr`` with a Python identifier (the name of
    an attribute of our own types, never a name from the document), which Python
    caches at the read site; else with the resolver's getter."""
    attribute = plan.attribute
    if plan.getter is getattr and attribute.isidentifier() and not iskeyword(attribute):
        return f"{src}.{attribute}"
    return f"_g{i}({src}, _a{i})"


def _indent(text: str, spaces: int) -> str:
    pad = " " * spaces
    return "".join(pad + line if line.strip() else line for line in text.splitlines(True))


def compile_fields(fields: list[FieldPlan], prepare: Prepare | None = None) -> Compiled:
    """One function running ``fields`` as the executor's ``_execute_fields`` does.

    With ``prepare``, the selections of plain object fields are written out inline (down
    to :data:`INLINE_DEPTH`), their fields collected now with ``prepare``.
    """
    writer = _Writer(prepare)
    body = writer.blocks(fields, "source", "path", 0)
    source = _HEAD + _indent(body or "pass\n", 8) + _TAIL
    code = compile(source, "<selection set>", "exec")
    namespace: dict[str, Any] = dict(writer.constants)
    exec(code, namespace)  # noqa: S102 - our own template; names are only in `constants`
    run: Compiled = namespace["run"]
    return run


HOT_AFTER = 2
"""Executions of an ad-hoc document's plan before its selections are compiled: a
document sent once (a flood of distinct ones) is walked, never compiled; a trusted
document's pinned plan compiles on its first run."""


def is_hot(plan: OperationPlan) -> bool:
    """Count one execution of ``plan``; True when its selections should be compiled."""
    plan.runs += 1
    return plan.pinned or plan.runs >= HOT_AFTER


def selection_runner(
    selection: ObjectSelection | RootPlan, prepare: Prepare | None = None
) -> Compiled:
    """The selection's compiled function, compiled now if it has none yet."""
    run = selection.run
    if run is None:
        assert selection.fields is not None
        run = compile_fields(selection.fields, prepare)
        selection.run = run
    return run
