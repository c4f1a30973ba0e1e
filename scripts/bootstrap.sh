#!/usr/bin/env bash
# Sourced by scripts/run and scripts/test: checks the machine, then creates .venv from
# uv.lock. Idempotent and quick when nothing changed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
UV_VERSION="0.13.8"

say() { printf '%s\n' "$*" >&2; }

find_python() {
  local candidate
  for candidate in python3.13 python3.12 python3.11 python3; do
    # The interpreter's own path, not a launcher's (pyenv shims): given a shim, uv
    # takes .venv for another interpreter's and rebuilds it on every run.
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      "$candidate" -c 'import sys; print(sys.executable)'
      return 0
    fi
  done
  return 1
}

PYTHON="$(find_python)" || {
  say "Python 3.11 or newer is needed. On Debian/Ubuntu: sudo apt-get install -y python3 python3-venv"
  exit 1
}

# Seconds since this script started, for the progress lines of a first run.
started_at=$SECONDS
took() { printf '%s s' "$((SECONDS - started_at))"; }

# uv installs exactly what uv.lock says; we keep our own pinned copy in .tools/.
if [ ! -x "$ROOT/.tools/bin/uv" ] || [ "$("$ROOT/.tools/bin/uv" --version | cut -d' ' -f2)" != "$UV_VERSION" ]; then
  say "[1/2] installing uv $UV_VERSION into .tools/ with $PYTHON (first run only: about 10 s) …"
  "$PYTHON" -m venv "$ROOT/.tools" 2>/dev/null || {
    say "python -m venv failed. On Debian/Ubuntu: sudo apt-get install -y python3-venv"
    exit 1
  }
  "$ROOT/.tools/bin/python" -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
  say "      uv ready ($(took))"
fi

export UV_PROJECT_ENVIRONMENT="$ROOT/.venv"
# A stamp newer than uv.lock means .venv already matches it: sync quietly (it checks in
# well under a second). Otherwise say what is happening, and show uv's own summary.
STAMP="$ROOT/.venv/.synced-from-uv-lock"
announce=""
if [ ! -x "$ROOT/.venv/bin/python" ]; then
  announce="[2/2] creating .venv from uv.lock (first run: about 10 s here, a few minutes on a slow network) …"
elif [ ! -f "$STAMP" ] || [ "$ROOT/uv.lock" -nt "$STAMP" ]; then
  announce="[2/2] updating .venv: uv.lock changed …"
fi
if [ -n "$announce" ]; then
  say "$announce"
  # uv's summary lines ("Installed 95 packages in 3.1s"), without one line per package.
  "$ROOT/.tools/bin/uv" sync --frozen --python "$PYTHON" --project "$ROOT" 2>&1 |
    { grep -v '^ [-+~] ' || true; } | sed 's/^/      /' >&2
  touch "$STAMP"
  say "      .venv ready ($(took))"
else
  "$ROOT/.tools/bin/uv" sync --quiet --frozen --python "$PYTHON" --project "$ROOT"
fi

ensure_redis_server() {
  # Needed unless REDIS_URL points at a running Redis.
  if [ -n "${REDIS_URL:-}${SZ_REDIS_URL:-}" ] || command -v redis-server >/dev/null 2>&1; then
    return 0
  fi
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    say "installing redis-server (Debian package; about 20 s) …"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
    # The package may start a system service on 6379; we start our own on free ports.
    return 0
  fi
  say "redis-server is needed: sudo apt-get install -y redis-server (or set REDIS_URL)"
  exit 1
}
ensure_redis_server
