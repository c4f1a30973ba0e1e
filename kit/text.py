"""Texts in Chinese first and English second."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Localized:
    """A text in Chinese (first) and English."""

    zh: str
    en: str
