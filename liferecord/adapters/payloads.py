"""Validating a department's answer against its section's model, without echoing it."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from liferecord.adapters.sources import MalformedAnswer
from liferecord.models import PAYLOAD_TYPES, Record, Section

# At most this many problems are named in an error, by place and kind only: pydantic's
# own message quotes the offending input, which is personal data.
_PROBLEMS_SHOWN = 3


def schema_problems(error: ValidationError) -> str:
    """Where and how a payload failed validation, never the values themselves."""
    places = ", ".join(
        f"{'.'.join(map(str, problem['loc'])) or '<root>'}: {problem['type']}"
        for problem in error.errors()[:_PROBLEMS_SHOWN]
    )
    return f"payload does not match its schema ({error.error_count()} problem(s): {places})"


def validate_payload(section: Section, data: Any) -> Record:
    """``data`` (the payload's JSON form) as the section's model.

    Raises :class:`MalformedAnswer` when it does not match.
    """
    try:
        return PAYLOAD_TYPES[section].model_validate(data)
    except ValidationError as error:
        raise MalformedAnswer(f"{section.value}: {schema_problems(error)}") from None


def validate_payload_json(section: Section, body: bytes) -> Record:
    """The JSON text ``body`` as the section's model.

    Raises :class:`MalformedAnswer` when it is not JSON or does not match.
    """
    try:
        return PAYLOAD_TYPES[section].model_validate_json(body)
    except ValidationError as error:
        if any(problem["type"] == "json_invalid" for problem in error.errors()):
            raise MalformedAnswer(f"{section.value}: answer is not JSON") from None
        raise MalformedAnswer(f"{section.value}: {schema_problems(error)}") from None
