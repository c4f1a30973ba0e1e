"""Notification templates: data files (``templates/<event kind>.json``), one per event kind.

Each file names the kind, its category, whether it is urgent (urgent pushes do not wait
out quiet hours), a deep link the app opens and a title and body in zh-CN and en. Texts
are ``str.format`` patterns over the event's payload (ids and codes only); the wallet's
licence URI is also offered url-quoted as ``licence_quoted``.
"""

from __future__ import annotations

import json
import string
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from kit.text import Localized
from notifications.models import Category, Rendered

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
LANGUAGES = ("zh-CN", "en")


@dataclass(frozen=True, slots=True)
class Template:
    """One event kind's notification: category, urgency, deep link and texts."""

    kind: str
    category: Category
    urgent: bool
    deep_link: str
    title: Localized
    body: Localized

    def render(self, params: dict[str, Any]) -> Rendered:
        """The texts and link with ``params`` filled in (a missing one renders empty)."""
        values = _Values(params)
        if isinstance(params.get("licence"), str):
            values["licence_quoted"] = quote(params["licence"], safe="")
        fill = string.Formatter().vformat
        return Rendered(
            title=Localized(zh=fill(self.title.zh, (), values), en=fill(self.title.en, (), values)),
            body=Localized(zh=fill(self.body.zh, (), values), en=fill(self.body.en, (), values)),
            deep_link=fill(self.deep_link, (), values),
        )


class _Values(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def _load(path: Path) -> Template:
    doc = json.loads(path.read_text(encoding="utf-8"))
    return Template(
        kind=doc["kind"],
        category=Category(doc["category"]),
        urgent=bool(doc["urgent"]),
        deep_link=doc["deep_link"],
        title=Localized(zh=doc["zh-CN"]["title"], en=doc["en"]["title"]),
        body=Localized(zh=doc["zh-CN"]["body"], en=doc["en"]["body"]),
    )


@cache
def templates() -> dict[str, Template]:
    """Every template, by event kind (read once)."""
    found = {}
    for path in sorted(TEMPLATE_DIR.glob("*.json")):
        template = _load(path)
        if path.stem != template.kind:
            raise ValueError(f"{path.name} declares kind {template.kind}")
        found[template.kind] = template
    return found


def template_for(kind: str) -> Template | None:
    """The template of an event kind, or ``None`` for a kind nobody is notified of."""
    return templates().get(kind)
