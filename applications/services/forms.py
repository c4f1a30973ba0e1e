"""Checking a form against its JSON Schema, answering every failing field at once."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from applications.errors import FormInvalid, Problem

MAX_FORM_BYTES = 64 * 1024
"""A form's JSON is at most this long (no catalogue form comes near it)."""

# Per JSON Schema keyword: the code the API answers and the messages (``{}`` is the limit).
_MESSAGES: dict[str, tuple[str, str, str]] = {
    "required": ("REQUIRED", "此项为必填项", "This field is required"),
    "type": ("WRONG_TYPE", "格式不正确", "This value has the wrong type"),
    "minLength": ("TOO_SHORT", "内容过短", "This value is too short"),
    "maxLength": ("TOO_LONG", "内容过长（最多 {} 个字符）", "This value is too long (at most {})"),
    "pattern": ("WRONG_FORMAT", "格式不正确", "This value has the wrong format"),
    "minimum": ("TOO_SMALL", "数值不能小于 {}", "This value must be at least {}"),
    "maximum": ("TOO_LARGE", "数值不能大于 {}", "This value must be at most {}"),
    "enum": ("NOT_ALLOWED", "不是可选的值", "This value is not one of the choices"),
    "format": ("WRONG_FORMAT", "格式不正确", "This value has the wrong format"),
    "additionalProperties": ("UNKNOWN_FIELD", "表单中没有此项", "The form has no such field"),
}
_OTHER = ("INVALID", "内容不符合要求", "This value is not accepted")


def form_problems(schema: dict[str, Any], form: dict[str, Any]) -> list[Problem]:
    """Every failing field of ``form``, by path (``site.address``), in path order."""
    validator = Draft202012Validator(schema)
    problems: list[Problem] = []
    for error in validator.iter_errors(form):
        problems.extend(_problems(error))
    unique = {(p.path, p.code): p for p in problems}
    return sorted(unique.values(), key=lambda p: (p.path, p.code))


def check_form(schema: dict[str, Any], form: dict[str, Any]) -> None:
    """Raise :class:`FormInvalid` listing every failing field, if any fails."""
    problems = form_problems(schema, form)
    if problems:
        raise FormInvalid(problems)


def _problems(error: ValidationError) -> list[Problem]:
    code, zh, en = _MESSAGES.get(str(error.validator), _OTHER)
    path = "/".join(str(part) for part in error.absolute_path)
    if error.validator == "required":
        # The missing property is named in the message, not in the path.
        missing = [
            name
            for name in (error.validator_value if isinstance(error.validator_value, list) else [])
            if isinstance(error.instance, dict) and name not in error.instance
        ]
        return [Problem(_join(path, name), code, zh, en) for name in missing]
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        schema = error.schema if isinstance(error.schema, dict) else {}
        allowed = set((schema.get("properties") or {}).keys())
        return [
            Problem(_join(path, str(name)), code, zh, en)
            for name in error.instance
            if name not in allowed
        ]
    limit = error.validator_value if "{}" in zh else None
    return [Problem(path or "form", code, zh.format(limit), en.format(limit))]


def _join(path: str, name: str) -> str:
    # Field keys are dotted themselves (``site.address``): a top-level key is the path.
    return f"{path}/{name}" if path else name
