"""Mainland China mobile numbers."""

from __future__ import annotations

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

from identity.errors import InvalidPhone

_MOBILE = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}


def normalize_mobile(raw: str) -> str:
    """The E.164 form (``+8613907330001``) of a valid mainland mobile number.

    Accepts ``13907330001``, ``+86 139 0733 0001`` and the like; refuses landlines,
    other countries and numbers no carrier issues.
    """
    if len(raw) > 32:
        raise InvalidPhone(field="phone")
    try:
        number = phonenumbers.parse(raw, "CN")
    except NumberParseException:
        raise InvalidPhone(field="phone") from None
    if (
        number.country_code != 86
        or not phonenumbers.is_valid_number(number)
        or phonenumbers.number_type(number) not in _MOBILE
    ):
        raise InvalidPhone(field="phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
