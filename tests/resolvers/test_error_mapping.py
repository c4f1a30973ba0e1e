"""Domain errors reach clients as typed union members, mapped in one place."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.graphql import build_schema
from identity.errors import InvalidUscc, LivenessFailed, RealNameMismatch
from kit.errors import DomainError, error_codes
from resolvers.errors import user_error
from schema.error_codes import product_errors_modules
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
    declared = error_codes(declared_in=set(product_errors_modules()).__contains__)
    assert set(enum.values) == set(declared)  # type: ignore[attr-defined]
    assert "REAL_NAME_MISMATCH" in enum.values  # type: ignore[attr-defined]


def test_every_typed_error_stands_for_codes_that_exist() -> None:
    build_schema()
    codes = set(error_codes(declared_in=set(product_errors_modules()).__contains__))
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


def test_every_code_the_product_declares_is_in_an_errors_module() -> None:
    # given every product module imported (the schema imports every resolver)
    build_schema()
    from kit import errors as registry  # the registry itself, with every declaration

    # then no domain declares a code outside its errors module, where the enum looks
    product = {module.split(".")[0] for module in product_errors_modules()}
    stray = [
        f"{code} in {info.module}"
        for code, infos in registry._CODES.items()
        for info in infos
        if info.module.split(".")[0] in product and not info.module.endswith(".errors")
    ]
    assert stray == []


def test_a_code_declared_outside_the_product_does_not_reach_the_api() -> None:
    # given a test's own failure with a code of its own
    class _TestOnly(DomainError):
        code = "TEST_ONLY_CODE"

    # then the API's enum is built from the product's errors modules only
    modules = set(product_errors_modules())
    assert "TEST_ONLY_CODE" in error_codes()
    assert "TEST_ONLY_CODE" not in error_codes(declared_in=modules.__contains__)
