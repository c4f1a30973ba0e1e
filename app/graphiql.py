"""GraphiQL for development, served from pinned local copies of its npm files.

Strawberry's stock page loads React and GraphiQL from a public CDN, so without internet
(and often from mainland China) it stays a blank "Loading…". This page names only
files under ``/graphql/assets/``: the npm files listed in
``app/static/graphiql/manifest.json`` (fetched and verified by ``scripts/vendor-graphiql``
and committed) and our own ``start.js``. Its Content-Security-Policy forbids loading
anything from another origin.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
from dataclasses import dataclass
from html import escape
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse

ASSET_DIR = Path(__file__).resolve().parent / "static" / "graphiql"
ASSET_ROUTE = "graphiql_asset"
START_SCRIPT = "start.js"

# The page, in load order: React before GraphiQL, GraphiQL before the explorer plugin,
# and our start script last.
STYLESHEETS = ("graphiql-3.8.3.min.css", "graphiql-plugin-explorer-1.0.2.css")
SCRIPTS = (
    "react-18.2.0.production.min.js",
    "react-dom-18.2.0.production.min.js",
    "graphiql-3.8.3.min.js",
    "graphiql-plugin-explorer-1.0.2.umd.js",
    START_SCRIPT,
)

# GraphiQL and the explorer set styles from script (inline style elements), hence
# 'unsafe-inline' for styles only; fonts are data: URLs inside graphiql's CSS.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "font-src 'self' data:; img-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
# File names carry their version (start.js its hash in the URL), so a browser may keep
# them for a year.
IMMUTABLE = "public, max-age=31536000, immutable"
MEDIA_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


@dataclass(frozen=True, slots=True)
class Asset:
    """One file the page loads: its path on disk and Subresource Integrity value."""

    path: Path
    integrity: str


def _integrity(data: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


@functools.cache
def _start_version() -> str:
    return hashlib.sha256((ASSET_DIR / START_SCRIPT).read_bytes()).hexdigest()[:12]


@functools.cache
def assets() -> dict[str, Asset]:
    """Every servable file by name: the manifest's pinned files and ``start.js``."""
    manifest = json.loads((ASSET_DIR / "manifest.json").read_text(encoding="utf-8"))
    found = {
        file["to"]: Asset(ASSET_DIR / file["to"], file["integrity"])
        for package in manifest["packages"]
        for file in package["files"]
        if Path(file["to"]).suffix in MEDIA_TYPES
    }
    start = ASSET_DIR / START_SCRIPT
    found[START_SCRIPT] = Asset(start, _integrity(start.read_bytes()))
    return found


def page_html(url_of: dict[str, str]) -> str:
    """The GraphiQL page, given the URL path of each asset."""
    files = assets()
    links = "\n".join(
        f'    <link rel="stylesheet" href="{escape(url_of[name])}" '
        f'integrity="{files[name].integrity}">'
        for name in STYLESHEETS
    )
    scripts = "\n".join(
        f'    <script src="{escape(url_of[name])}" integrity="{files[name].integrity}"></script>'
        for name in SCRIPTS
    )
    return f"""<!doctype html>
<html lang="zh-CN">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>智慧株洲 GraphiQL</title>
{links}
    <style>
      html, body {{ height: 100%; margin: 0; overflow: hidden; }}
      #graphiql {{ height: 100vh; display: flex; }}
    </style>
  </head>
  <body>
    <div id="graphiql">Loading GraphiQL…</div>
{scripts}
  </body>
</html>
"""


def graphiql_page(request: Request) -> HTMLResponse:
    """The page for ``request``, its asset URLs relative to where the app is mounted."""
    url_of = {
        name: request.url_for(ASSET_ROUTE, name=name).path for name in (*STYLESHEETS, *SCRIPTS)
    }
    # start.js changes with the code: its hash in the URL lets it be cached as immutable.
    url_of[START_SCRIPT] += "?v=" + _start_version()
    return HTMLResponse(
        page_html(url_of),
        headers={
            "Content-Security-Policy": CONTENT_SECURITY_POLICY,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-cache",
        },
    )


router = APIRouter()


@router.api_route("/{name}", methods=["GET", "HEAD"], name=ASSET_ROUTE, include_in_schema=False)
async def graphiql_asset(name: str) -> FileResponse:
    """One of the page's files; anything not in the manifest is 404."""
    asset = assets().get(name)
    if asset is None:
        raise HTTPException(status_code=404)
    return FileResponse(
        asset.path,
        media_type=MEDIA_TYPES[asset.path.suffix],
        headers={"Cache-Control": IMMUTABLE, "X-Content-Type-Options": "nosniff"},
    )
