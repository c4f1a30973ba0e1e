"""Start and stop the local servers the embedded default and the test suite use."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEV_S3_ACCESS_KEY = "zhuzhou-dev"
DEV_S3_SECRET_KEY = "zhuzhou-dev-secret"  # noqa: S105 - development-only credential
DEV_S3_BUCKET = "smart-zhuzhou"
# A second identity with non-placeholder values, so tests can run the app with
# production settings (which refuse the development credentials) against SeaweedFS.
PRODLIKE_S3_ACCESS_KEY = "zhuzhou-prodlike"
PRODLIKE_S3_SECRET_KEY = "prodlike-secret-for-tests-only"  # noqa: S105


class ServerStartError(RuntimeError):
    """A development server did not start; the message names it and says why."""


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _free_ports(count: int) -> list[int]:
    # Hold every socket open until all are chosen so the same port is not picked twice.
    socks = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            socks.append(sock)
        return [int(s.getsockname()[1]) for s in socks]
    finally:
        for sock in socks:
            sock.close()


def tool_path(name: str) -> str:
    """Find a server binary beside this interpreter (the project venv) or on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise ServerStartError(f"{name} not found: run the README's set-up command first")
    return found


@dataclass
class ServerProcess:
    """One child server process and where it logs."""

    name: str
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the server gracefully, then forcefully."""
        if self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=timeout)

    def log_tail(self, lines: int = 20) -> str:
        """The last lines the server wrote, for error messages."""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


# Data files hold personal data (and Redis's append-only file every command): only the
# user who runs the servers may read them.
PRIVATE_UMASK = 0o077
_PRIVATE_DIR = 0o700
_PRIVATE_FILE = 0o600


def make_private(root: Path) -> None:
    """Create ``root`` (mode 0700), and take group and other access off everything in it.

    Data folders written by earlier releases (0755 folders, 0644 files) are tightened
    on the next start; entries the user does not own are left as they are.
    """
    root.mkdir(mode=_PRIVATE_DIR, parents=True, exist_ok=True)
    for folder, _, files in os.walk(root):
        for path in [Path(folder), *(Path(folder) / name for name in files)]:
            with contextlib.suppress(OSError):
                mode = path.lstat().st_mode
                if not stat.S_ISLNK(mode) and mode & 0o077:
                    path.chmod(stat.S_IMODE(mode) & ~0o077)


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path``, readable by its owner only (also when it exists)."""
    path.parent.mkdir(mode=_PRIVATE_DIR, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, _PRIVATE_FILE)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        os.fchmod(file.fileno(), _PRIVATE_FILE)
        file.write(text)


def _prepare_child() -> None:
    # Runs in the child before exec. Everything the server creates is private to the
    # user (its umask), whatever the umask of the shell that started us.
    os.umask(PRIVATE_UMASK)
    # Ask Linux to send SIGTERM when our process dies, so a killed parent (even
    # kill -9) leaves no orphaned servers behind.
    if sys.platform == "linux":
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)


def _spawn(
    name: str, url: str, argv: list[str], log_path: Path, env: dict[str, str] | None = None
) -> ServerProcess:
    log_path.parent.mkdir(mode=_PRIVATE_DIR, parents=True, exist_ok=True)
    log = os.fdopen(os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, _PRIVATE_FILE), "ab")
    # A session of its own so that stopping it also stops anything it forked.
    process = subprocess.Popen(
        argv,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        preexec_fn=_prepare_child,
        env={**os.environ, **(env or {})},
    )
    log.close()
    return ServerProcess(name=name, url=url, process=process, log_path=log_path)


def _wait_until(server: ServerProcess, check: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise ServerStartError(
                f"{server.name} exited with code {server.process.returncode}:\n{server.log_tail()}"
            )
        with contextlib.suppress(Exception):
            if check():
                return
        time.sleep(0.1)
    server.stop()
    raise ServerStartError(
        f"{server.name} did not become ready in {timeout:.0f}s:\n{server.log_tail()}"
    )


def start_secantus(
    storage: Path | None, log_dir: Path, *, port: int | None = None, timeout: float = 30.0
) -> ServerProcess:
    """Start SecantusDB; ``storage=None`` keeps data in memory (tests)."""
    port = port or free_port()
    config = log_dir / "secantusd.toml"
    # An empty config of our own so that no stray secantusd.toml changes behaviour.
    write_private(config, "# intentionally empty: all settings come from the command line\n")
    argv = [
        tool_path("secantusd-py"),
        "--config",
        str(config),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "WARNING",
    ]
    if storage is None:
        argv += ["--storage-path", ":memory:"]
    else:
        storage.mkdir(mode=_PRIVATE_DIR, parents=True, exist_ok=True)
        argv += ["--storage-path", str(storage), "--sync-on-commit"]
    url = f"mongodb://127.0.0.1:{port}/?directConnection=true"
    server = _spawn("SecantusDB", url, argv, log_dir / "secantusdb.log")

    def ready() -> bool:
        import pymongo

        client: pymongo.MongoClient[dict[str, Any]]
        with pymongo.MongoClient(url, serverSelectionTimeoutMS=300) as client:
            client.admin.command("ping")
        return True

    _wait_until(server, ready, timeout)
    return server


def start_seaweedfs(
    data_dir: Path,
    log_dir: Path,
    *,
    s3_port: int | None = None,
    bucket: str = DEV_S3_BUCKET,
    timeout: float = 60.0,
) -> ServerProcess:
    """Start SeaweedFS in ``weed mini`` mode with an S3 gateway that checks signatures."""
    data_dir.mkdir(mode=_PRIVATE_DIR, parents=True, exist_ok=True)
    ports = _free_ports(11)
    s3_port = s3_port or ports[0]
    identities = {
        "identities": [
            {
                "name": "smart-zhuzhou-dev",
                "credentials": [{"accessKey": DEV_S3_ACCESS_KEY, "secretKey": DEV_S3_SECRET_KEY}],
                "actions": ["Admin", "Read", "Write", "List", "Tagging"],
            },
            {
                "name": "smart-zhuzhou-prodlike",
                "credentials": [
                    {"accessKey": PRODLIKE_S3_ACCESS_KEY, "secretKey": PRODLIKE_S3_SECRET_KEY}
                ],
                "actions": ["Read", "Write", "List", "Tagging"],
            },
        ]
    }
    s3_config = data_dir / "s3-identities.json"
    write_private(s3_config, json.dumps(identities))
    argv = [
        tool_path("weed"),
        "mini",
        f"-dir={data_dir}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-master.port={ports[1]}",
        f"-master.port.grpc={ports[2]}",
        f"-volume.port={ports[3]}",
        f"-volume.port.grpc={ports[4]}",
        f"-filer.port={ports[5]}",
        f"-filer.port.grpc={ports[6]}",
        f"-s3.port={s3_port}",
        f"-s3.port.grpc={ports[7]}",
        f"-admin.port={ports[8]}",
        f"-admin.port.grpc={ports[9]}",
        f"-debug.port={ports[10]}",
        "-admin.ui=false",
        "-webdav=false",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        f"-s3.config={s3_config}",
        f"-bucket={bucket}",
        "-master.volumeSizeLimitMB=64",
        "-volume.max=0",
    ]
    url = f"http://127.0.0.1:{s3_port}"
    server = _spawn("SeaweedFS", url, argv, log_dir / "seaweedfs.log")

    def ready() -> bool:
        import boto3
        from botocore.config import Config

        client: Any = boto3.client(
            "s3",
            endpoint_url=url,
            region_name="us-east-1",
            aws_access_key_id=DEV_S3_ACCESS_KEY,
            aws_secret_access_key=DEV_S3_SECRET_KEY,
            config=Config(retries={"max_attempts": 1}, connect_timeout=1, read_timeout=3),
        )
        client.put_object(Bucket=bucket, Key=".ready", Body=b"ok")
        return True

    _wait_until(server, ready, timeout)
    return server


def start_redis(
    data_dir: Path | None, log_dir: Path, *, port: int | None = None, timeout: float = 15.0
) -> ServerProcess:
    """Start Debian's redis-server; ``data_dir=None`` keeps nothing on disk."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise ServerStartError(
            "redis-server not found: install it with `sudo apt-get install -y redis-server`, "
            "or set REDIS_URL to a running Redis"
        )
    port = port or free_port()
    argv = [
        binary,
        "--bind",
        "127.0.0.1",
        "--port",
        str(port),
        "--daemonize",
        "no",
        "--protected-mode",
        "yes",
        "--loglevel",
        "warning",
    ]
    if data_dir is None:
        argv += ["--save", "", "--appendonly", "no"]
    else:
        data_dir.mkdir(mode=_PRIVATE_DIR, parents=True, exist_ok=True)
        argv += ["--dir", str(data_dir), "--appendonly", "yes", "--save", "60 1"]
    url = f"redis://127.0.0.1:{port}/0"
    server = _spawn("Redis", url, argv, log_dir / "redis.log")

    def ready() -> bool:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")

    _wait_until(server, ready, timeout)
    return server


DEV_EXCHANGE_CLIENT_ID = "smart-zhuzhou-api"
"""The API's client id at the demo exchange (development and tests)."""
EXCHANGE_DATABASE = "exchange"


def exchange_client_key(keys_dir: Path, name: str = "exchange-client.key") -> Path:
    """A client key file under ``keys_dir`` (mode 0600), made on first use."""
    from infra.exchange_signing import new_client_key

    path = keys_dir / name
    if not path.exists():
        write_private(path, new_client_key() + "\n")
    return path


def start_exchange(
    mongodb_url: str,
    log_dir: Path,
    *,
    clients: dict[str, Path],
    database: str = EXCHANGE_DATABASE,
    admin_key_file: Path | None = None,
    seed_demo: bool = True,
    port: int | None = None,
    timeout: float = 60.0,
) -> ServerProcess:
    """Start the demo data exchange (``python -m demo.exchange serve``) on its own database.

    It shares the MongoDB-wire server but not the database: the API's database holds no
    register. ``clients`` maps each allowed client id to its key file.
    """
    port = port or free_port()
    argv = [
        sys.executable,
        "-m",
        "demo.exchange",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--mongodb-url",
        mongodb_url,
        "--database",
        database,
    ]
    for client_id, key_file in clients.items():
        argv += ["--client", f"{client_id}={key_file}"]
    if admin_key_file is not None:
        argv += ["--admin-key-file", str(admin_key_file)]
    if seed_demo:
        argv.append("--seed-demo")
    url = f"http://127.0.0.1:{port}"
    server = _spawn("Exchange", url, argv, log_dir / "exchange.log")

    def ready() -> bool:
        import httpx

        return httpx.get(f"{url}/healthz", timeout=0.5).status_code == 200

    _wait_until(server, ready, timeout)
    return server


def _stop_all(servers: list[ServerProcess]) -> None:
    for server in reversed(servers):
        server.stop()


@dataclass
class DevStack:
    """The servers one command started, and the URLs to reach all three parts."""

    mongodb_url: str
    redis_url: str
    s3_endpoint_url: str
    started: list[ServerProcess] = field(default_factory=list)

    def stop(self) -> None:
        """Stop every server this stack started, newest first."""
        for server in reversed(self.started):
            server.stop()
        self.started.clear()


@contextlib.contextmanager
def dev_stack(
    data_dir: Path | None,
    *,
    mongodb_url: str | None = None,
    redis_url: str | None = None,
    s3_endpoint_url: str | None = None,
) -> Iterator[DevStack]:
    """Start whichever servers have no URL given, and stop them on exit.

    ``data_dir=None`` is the test mode: everything lives in a temporary folder (and
    SecantusDB in memory) that disappears afterwards. Otherwise data persists under
    ``data_dir`` across runs, readable by the user only (see :func:`make_private`).
    """
    with contextlib.ExitStack() as stack:
        if data_dir is None:
            root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="sz-devstack-")))
        else:
            root = data_dir
            make_private(root)
            # Once the servers have stopped, again: SeaweedFS sets 0644 on some volume
            # files itself (the 0700 folders keep others out meanwhile).
            stack.callback(make_private, root)
        logs = root / "logs"
        started: list[ServerProcess] = []
        stack.callback(_stop_all, started)
        if mongodb_url is None:
            started.append(start_secantus(None if data_dir is None else root / "mongo", logs))
            mongodb_url = started[-1].url
        if redis_url is None:
            started.append(start_redis(None if data_dir is None else root / "redis", logs))
            redis_url = started[-1].url
        if s3_endpoint_url is None:
            started.append(start_seaweedfs(root / "s3", logs))
            s3_endpoint_url = started[-1].url
        yield DevStack(mongodb_url, redis_url, s3_endpoint_url, started)
