"""GraphiQL loads nothing from another origin: it works offline and behind the GFW."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

from app.graphiql import ASSET_DIR
from app.settings import Environment
from tests.app.conftest import MakeClient

ORIGIN = "http://testserver"


class References(HTMLParser):
    """Every URL a page makes the browser load, and the text of its inline scripts."""

    URL_ATTRIBUTES = frozenset({"src", "href", "srcset", "data", "poster", "action", "formaction"})

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str, dict[str, str | None]]] = []
        self.inline_scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        for name, value in attrs:
            if name in self.URL_ATTRIBUTES and value:
                self.urls.append((tag, value, attributes))
        self._in_script = tag == "script" and "src" not in attributes

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline_scripts.append(data)


def is_same_origin(url: str) -> bool:
    """Relative, or absolute on the page's own origin."""
    parts = urlsplit(url)
    if not parts.scheme and not parts.netloc:
        return True
    return f"{parts.scheme}://{parts.netloc}" == ORIGIN


def sri(data: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


async def test_graphiql_page_references_only_same_origin_assets_and_each_is_served(
    client_with: MakeClient,
) -> None:
    http = await client_with(environment=Environment.DEVELOPMENT)
    page = await http.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200
    parser = References()
    parser.feed(page.text)
    assert parser.urls, page.text
    foreign = [url for _, url, _ in parser.urls if not is_same_origin(url)]
    assert foreign == [], foreign
    # No inline script, so nothing can import a module from elsewhere either.
    assert parser.inline_scripts == []
    policy = page.headers["content-security-policy"]
    assert "script-src 'self';" in policy
    assert "default-src 'none'" in policy
    assert "http" not in policy

    kinds = {"script": "text/javascript", "link": "text/css"}
    for tag, url, attributes in parser.urls:
        asset = await http.get(url)
        assert asset.status_code == 200, url
        assert asset.headers["content-type"].startswith(kinds[tag]), url
        assert "immutable" in asset.headers["cache-control"], url
        assert attributes["integrity"] == sri(asset.content), url
        if tag == "link":
            # Stylesheets may pull fonts and images, and import other sheets.
            text = asset.text
            assert "@import" not in text, url
            for target in re.findall(r"url\(\s*['\"]?([^'\")]+)", text):
                assert target.startswith("data:") or is_same_origin(target), (url, target[:80])
    loaded = {urlsplit(url).path.rsplit("/", 1)[-1] for _, url, _ in parser.urls}
    assert {"graphiql-3.8.3.min.js", "react-18.2.0.production.min.js", "start.js"} <= loaded


async def test_graphiql_assets_are_served_in_development_only_and_only_listed_files(
    client_with: MakeClient, production_like: dict[str, Any]
) -> None:
    dev = await client_with(environment=Environment.DEVELOPMENT)
    assert (await dev.get("/graphql/assets/graphiql-3.8.3.min.css")).status_code == 200
    for name in ("manifest.json", "nothing.js", "..%2Fgraphiql.py", "..%2F..%2Fpyproject.toml"):
        assert (await dev.get(f"/graphql/assets/{name}")).status_code == 404, name
    staging = await client_with(**production_like)
    assert (await staging.get("/graphql/assets/graphiql-3.8.3.min.css")).status_code == 404


def test_vendored_files_match_their_pinned_hashes() -> None:
    manifest = json.loads((ASSET_DIR / "manifest.json").read_text(encoding="utf-8"))
    files = [file for package in manifest["packages"] for file in package["files"]]
    assert len(files) >= 6
    for file in files:
        assert sri((ASSET_DIR / file["to"]).read_bytes()) == file["integrity"], file["to"]
