"""The production image leaves the demo and the development servers out."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_build_context_excludes_the_demo_and_the_development_servers() -> None:
    # given the patterns that keep files out of the image's build context
    ignored = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    # then the demo package and devstack never reach `COPY . .`
    assert {"demo", "devstack"} <= ignored
    # and the build fails rather than ship them, should the patterns ever be lost
    assert "test ! -e demo && test ! -e devstack" in (ROOT / "Dockerfile").read_text()
