"""Identity's failures: kernel DomainErrors whose codes are declared and documented here."""

from __future__ import annotations

import inspect

from app.graphql import build_schema
from identity import errors
from identity.errors import IdentityError
from kit.errors import DomainError, InvalidInput, NotFound, error_codes
from kit.errors import RateLimited as KitRateLimited

IDENTITY_ERRORS = [
    cls
    for _, cls in inspect.getmembers(errors, inspect.isclass)
    if issubclass(cls, IdentityError) and cls.__module__ == errors.__name__
]
KERNEL_CODES = {InvalidInput.code, NotFound.code, KitRateLimited.code}
REGISTERED_BY_IDENTITY = {"AUTHENTICATION_REQUIRED", "STEP_UP_REQUIRED", "ID_NUMBER_ALREADY_BOUND"}


def test_every_identity_error_is_a_kernel_domain_error_with_a_registered_code() -> None:
    assert len(IDENTITY_ERRORS) > 20
    codes = error_codes()
    for cls in IDENTITY_ERRORS:
        assert issubclass(cls, DomainError), cls
        assert cls.code in codes, cls
        error = cls(field="x", retry_after=3)
        assert (error.field, error.retry_after) == ("x", 3)


def test_generic_failures_are_also_the_kernels_kinds() -> None:
    for cls in IDENTITY_ERRORS:
        if cls.code == InvalidInput.code:
            assert issubclass(cls, InvalidInput), cls
        if cls.code == NotFound.code:
            assert issubclass(cls, NotFound), cls
        if cls.code == KitRateLimited.code:
            assert issubclass(cls, KitRateLimited), cls
    assert issubclass(errors.InvalidPhone, InvalidInput)
    assert issubclass(errors.InvalidUscc, InvalidInput)


def test_identity_codes_are_documented_in_the_words_the_api_publishes() -> None:
    # given the codes identity declares (the kernel documents its generic ones)
    owned = {cls.code for cls in IDENTITY_ERRORS} - KERNEL_CODES - {IdentityError.code}
    owned |= REGISTERED_BY_IDENTITY
    build_schema()  # every resolver, and so every domain's errors, imported
    from schema.error_codes import ErrorCode  # built from the registry on first import

    definition = ErrorCode.__strawberry_definition__
    published = {value.name: value for value in definition.values}
    registered = error_codes()
    # then each is published, with the same description and deprecation
    for code in sorted(owned):
        assert code in published, code
        assert registered[code].description == published[code].description, code
        assert registered[code].deprecation == published[code].deprecation_reason, code
