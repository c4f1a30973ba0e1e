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
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      command -v "$candidate"
      return 0
    fi
  done
  return 1
}

PYTHON="$(find_python)" || {
  say "Python 3.11 or newer is needed. On Debian/Ubuntu: sudo apt-get install -y python3 python3-venv"
  exit 1
}

# uv installs exactly what uv.lock says; we keep our own pinned copy in .tools/.
if [ ! -x "$ROOT/.tools/bin/uv" ] || [ "$("$ROOT/.tools/bin/uv" --version | cut -d' ' -f2)" != "$UV_VERSION" ]; then
  say "installing uv $UV_VERSION into .tools/ …"
  "$PYTHON" -m venv "$ROOT/.tools" 2>/dev/null || {
    say "python -m venv failed. On Debian/Ubuntu: sudo apt-get install -y python3-venv"
    exit 1
  }
  "$ROOT/.tools/bin/python" -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
fi

export UV_PROJECT_ENVIRONMENT="$ROOT/.venv"
"$ROOT/.tools/bin/uv" sync --quiet --frozen --python "$PYTHON" --project "$ROOT"

ensure_redis_server() {
  # Needed unless REDIS_URL points at a running Redis.
  if [ -n "${REDIS_URL:-}${SZ_REDIS_URL:-}" ] || command -v redis-server >/dev/null 2>&1; then
    return 0
  fi
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    say "installing redis-server (Debian package) …"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
    # The package may start a system service on 6379; we start our own on free ports.
    return 0
  fi
  say "redis-server is needed: sudo apt-get install -y redis-server (or set REDIS_URL)"
  exit 1
}
ensure_redis_server
