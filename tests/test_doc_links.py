"""Every link in the README and docs/ leads to a file of this repository, in any clone.

A link to ``../shared/…`` or to an absolute path works on one machine only; a link to a
file that was moved or renamed is dead. Web addresses (``https://…``) are not files and
are left alone; in-page anchors (``#…``) too.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent

FENCED_BLOCK = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"(`+)[^`].*?\1", re.DOTALL)
INLINE_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]*)>?(?:\s+[\"'(][^)]*)?\)")
REFERENCE_DEFINITION = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s.*)?$", re.MULTILINE)
WEB_SCHEMES = frozenset({"http", "https", "mailto"})


def documents() -> list[Path]:
    """README.md, every README.md one folder down, and everything under docs/."""
    found = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    found += [
        path
        for path in sorted(ROOT.glob("*/README.md"))
        if not path.parent.name.startswith((".", "var"))
    ]
    return found


def link_targets(markdown: str) -> list[str]:
    """The targets of the links and images of a Markdown text, code left out."""
    text = CODE_SPAN.sub("", FENCED_BLOCK.sub("", markdown))
    return INLINE_LINK.findall(text) + REFERENCE_DEFINITION.findall(text)


def broken_links(document: Path, root: Path = ROOT) -> list[str]:
    """Each link of ``document`` that is dead or leaves ``root``, with the reason."""
    problems = []
    for target in link_targets(document.read_text(encoding="utf-8")):
        parts = urlsplit(target)
        if parts.scheme in WEB_SCHEMES or not (parts.scheme or parts.path):
            continue  # a web address, or an anchor in the same page
        if parts.scheme or parts.netloc or parts.path.startswith("/"):
            problems.append(f"{target}: not a path relative to the document")
            continue
        path = (document.parent / unquote(parts.path)).resolve()
        if not path.is_relative_to(root.resolve()):
            problems.append(f"{target}: outside the repository")
        elif not path.exists():
            problems.append(f"{target}: no such file in the repository")
    return problems


@pytest.mark.parametrize("document", documents(), ids=lambda path: str(path.relative_to(ROOT)))
def test_every_link_resolves_inside_the_repository(document: Path) -> None:
    assert broken_links(document) == []


def test_links_that_leave_the_repository_or_lead_nowhere_are_found(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "kit").mkdir()
    (tmp_path / "kit" / "outbox.py").write_text("", encoding="utf-8")
    document = tmp_path / "docs" / "page.md"
    document.write_text(
        "[ok](../kit/outbox.py#L3) [anchor](#layers) [web](https://example.org/x)\n"
        "[shared](../../shared/ARCHITECTURE.md) [absolute](/etc/hosts)\n"
        "![gone](img/diagram.png) `[in code](../../nowhere.md)`\n"
        "```\n[in a block](../../nowhere.md)\n```\n"
        "[ref]: ../missing.md\n",
        encoding="utf-8",
    )
    assert broken_links(document, root=tmp_path) == [
        "../../shared/ARCHITECTURE.md: outside the repository",
        "/etc/hosts: not a path relative to the document",
        "img/diagram.png: no such file in the repository",
        "../missing.md: no such file in the repository",
    ]


def test_the_readme_leads_to_the_architecture_page() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Architecture in brief", 1)[1].split("\n## ", 1)[0]
    assert "docs/architecture.md" in link_targets(section)
