"""Domain errors reach clients as typed union members, mapped in one place."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.graphql import build_schema
from identity.errors import InvalidUscc, LivenessFailed, RealNameMismatch
from kit.errors import DomainError, error_codes
from resolvers.errors import user_error
from schema.payloads import InvalidInput, RateLimited, UserError
from schema.verification import LivenessCheckFailed
from schema.verification import RealNameMismatch as RealNameMismatchType

ROOT = Path(__file__).resolve().parents[2]


def _user_error_types() -> list[type[UserError]]:
    found: list[type[UserError]] = []
    pending = list(UserError.__subclasses__())
    while pending:
        kind = pending.pop()
        found.append(kind)
        pending.extend(kind.__subclasses__())
    return found


def test_the_error_code_enum_is_every_code_the_domains_declare() -> None:
    # given the schema (which imports every resolver and so every domain's errors)
    schema = build_schema()
    # when
    enum = schema._schema.type_map["ErrorCode"]
    # then
    assert set(enum.values) == set(error_codes())  # type: ignore[attr-defined]
    assert "REAL_NAME_MISMATCH" in enum.values  # type: ignore[attr-defined]


def test_every_typed_error_stands_for_codes_that_exist() -> None:
    build_schema()
    codes = set(error_codes())
    for kind in _user_error_types():
        assert kind.codes, f"{kind.__name__} names no code"
        assert set(kind.codes) <= codes, kind.__name__


@pytest.mark.parametrize(
    ("error", "members", "expected"),
    [
        (
            RealNameMismatch(field="idNumber"),
            [RealNameMismatchType, InvalidInput],
            "RealNameMismatch",
        ),
        (LivenessFailed(), [LivenessCheckFailed, InvalidInput], "LivenessCheckFailed"),
        # a code no member names is InvalidInput, keeping its own code
        (InvalidUscc(field="uscc"), [RealNameMismatchType, InvalidInput], "InvalidInput"),
    ],
)
def test_a_domain_error_becomes_the_union_member_that_names_its_code(
    error: DomainError, members: list[type[UserError]], expected: str
) -> None:
    # when
    answer = user_error(error, members)
    # then
    assert type(answer).__name__ == expected
    assert answer.code.name == error.code
    assert (answer.message, answer.message_en, answer.field) == (
        error.message_zh,
        error.message_en,
        error.field,
    )


def test_an_error_its_union_cannot_carry_is_a_bug_not_a_silent_answer() -> None:
    with pytest.raises(RuntimeError, match="REAL_NAME_MISMATCH"):
        user_error(RealNameMismatch(), [RateLimited])


def test_no_resolver_needs_a_type_ignore_to_return_an_error() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in (ROOT / "resolvers").rglob("*.py")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "type: ignore" in line
    ]
    assert offenders == []
