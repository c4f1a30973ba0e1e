# syntax=docker/dockerfile:1
#
# Production image of the Smart Zhuzhou API. The same image runs the background
# worker (`python -m app worker`). The demo (demo data, the demo exchange, the embedded
# default) is not in it: `python -m demo` is for development and tests only.
#
#   docker build -t smart-zhuzhou .
#
# Dependencies come from uv.lock only, without the `dev` group: the development
# servers SecantusDB and SeaweedFS (GPL-2.0), pytest and the linters never enter
# the image. .dockerignore keeps demo, tests, bench, devstack, scripts and var out.

# Both stages must use the same interpreter: the virtual environment links to it.
ARG PYTHON_IMAGE=python:3.11-slim
ARG UV_VERSION=0.13.8

FROM ghcr.io/astral-sh/uv:${UV_VERSION} AS uv

# --- builder: resolve nothing, install exactly what the lock file says ----------
FROM ${PYTHON_IMAGE} AS builder

COPY --from=uv /uv /usr/local/bin/uv

ENV UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_PYTHON=/usr/local/bin/python3 \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy

WORKDIR /src

# Only the dependency manifests first, so this layer is rebuilt only when they change.
# The project itself is not a package (`[tool.uv] package = false`): its source is
# copied into the runtime stage as is. --no-build: every locked dependency ships
# wheels, and the slim image has no compiler to build one anyway.
COPY pyproject.toml uv.lock ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-project --no-build

# --- runtime ------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    SZ_ENVIRONMENT=production

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid 10001 --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin app

COPY --from=builder /opt/venv /opt/venv

WORKDIR /app
# The product packages (app, schema, resolvers and the domain packages); whatever
# .dockerignore does not exclude. Owned by root: the service cannot modify its code.
COPY . .
# The demo and the development servers must never ship: fail the build if the
# .dockerignore that keeps them out was lost.
RUN test ! -e demo && test ! -e devstack && python -m compileall -q -j 0 /app

USER 10001:10001

EXPOSE 8000

# Liveness only: /readyz (MongoDB, Redis, S3 reachable) is for load balancers.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

CMD ["python", "-m", "app", "serve", "--host", "0.0.0.0", "--port", "8000"]
