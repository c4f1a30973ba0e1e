"""DEVELOPMENT ONLY: the latest sign-in codes, for ``python -m app dev-sms-codes``.

The development SMS provider sends nothing: it logs each code. A development server
(``serve`` or ``dev``) also keeps the latest ones, masked phone and code, in a file
only its user can read under the data folder, so that another process can print
them. No other environment records anything, and the command refuses to run there.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from app.settings import Environment, Settings

FILE_NAME = "dev-sms-codes.jsonl"
KEEP = 20
SMS_LOGGER = "identity.sms"


@dataclass(frozen=True, slots=True)
class SentCode:
    """One code the development provider would have sent."""

    phone_masked: str
    code: str
    at: datetime


def codes_file(settings: Settings) -> Path:
    """Where a development server keeps the latest codes."""
    return settings.data_dir / FILE_NAME


class CodeRecorder(logging.Handler):
    """Keeps the ``KEEP`` latest codes the development SMS provider logs."""

    def __init__(self, path: Path) -> None:
        """Record into ``path`` (created 0600)."""
        super().__init__()
        self.path = path

    def emit(self, record: logging.LogRecord) -> None:
        """Add the record's code, if it carries one, and drop the oldest beyond KEEP."""
        sent = getattr(record, "development_code", None)
        if not (isinstance(sent, tuple) and len(sent) == 2):
            return
        at = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="seconds")
        entry = {"phone": str(sent[0]), "code": str(sent[1]), "at": at}
        try:
            kept = [*_read_lines(self.path)[-(KEEP - 1) :], json.dumps(entry)]
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Written whole to a 0600 file beside it, then renamed: a reader never sees
            # half a file, and no other user of the machine reads the codes.
            temporary = self.path.with_suffix(".tmp")
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as out:
                out.write("\n".join(kept) + "\n")
            temporary.replace(self.path)
        except OSError:
            self.handleError(record)


def record_development_codes(settings: Settings) -> CodeRecorder | None:
    """In development, start keeping the provider's codes; elsewhere do nothing."""
    if settings.environment is not Environment.DEVELOPMENT:
        return None
    recorder = CodeRecorder(codes_file(settings))
    logging.getLogger(SMS_LOGGER).addHandler(recorder)
    return recorder


def latest_codes(path: Path, limit: int = 10) -> list[SentCode]:
    """The recorded codes, newest first."""
    codes = []
    for line in reversed(_read_lines(path)):
        try:
            entry = json.loads(line)
            codes.append(
                SentCode(entry["phone"], entry["code"], datetime.fromisoformat(entry["at"]))
            )
        except (ValueError, KeyError, TypeError):
            continue  # a line from an older format, or cut short: skip it
        if len(codes) == limit:
            break
    return codes


def _read_lines(path: Path) -> list[str]:
    try:
        return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except FileNotFoundError:
        return []
