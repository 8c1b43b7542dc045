"""Private PostgreSQL and Redis servers for the tests, started on demand and stopped at the end.

Each pytest process (each xdist worker) starts its own: ``initdb`` in a temporary directory (as the
``postgres`` OS user when the tests run as root, since PostgreSQL refuses to run as root), fsync off,
listening on a free loopback port with its unix socket in that directory; ``redis-server`` on a free
loopback port, no persistence. ``AWSGRAPH_TEST_PG_URL`` (a server where the user may CREATE DATABASE)
and ``AWSGRAPH_TEST_REDIS_URL`` are used instead when set. Each test module gets databases of its own,
created from a template that already holds the schema.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

import pytest

PG_ENV = "AWSGRAPH_TEST_PG_URL"
REDIS_ENV = "AWSGRAPH_TEST_REDIS_URL"
_START_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pg_bin(name: str) -> str:
    """Debian keeps the server binaries off PATH, under /usr/lib/postgresql/<version>/bin."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    path = found[-1] if found else shutil.which(name)
    if not path:
        raise RuntimeError(f"PostgreSQL's {name} is missing: run `bash scripts/system-deps.sh` (Debian's postgresql)")
    return path


def _as_server_user() -> dict[str, object]:
    """subprocess arguments that run a server as ``postgres`` when we are root."""
    if os.geteuid() != 0:
        return {}
    return {"user": "postgres", "group": pwd.getpwnam("postgres").pw_gid, "extra_groups": []}


def _with_db(url: str, dbname: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + dbname, parts.query, parts.fragment))


@dataclass
class PgServer:
    """A PostgreSQL server: ``url`` names its maintenance database; :meth:`database` makes fresh ones."""

    url: str
    directory: str | None = None  # set when we started it (and so stop it)
    created: list[str] = field(default_factory=list)
    _template: str | None = None

    def database(self, prefix: str = "t") -> str:
        """A new empty awsgraph database (schema included), dropped when the session ends."""
        import psycopg

        from awsgraph.store.postgres import ensure_schema

        if self._template is None:
            name = f"awsgraph_tpl_{os.getpid()}_{uuid.uuid4().hex[:6]}"
            with psycopg.connect(self.url, autocommit=True) as admin:
                admin.execute(f'CREATE DATABASE "{name}"')
            self.created.append(name)
            with psycopg.connect(_with_db(self.url, name), autocommit=True) as conn:
                ensure_schema(conn)
            self._template = name
        safe = "".join(c if c.isalnum() else "_" for c in prefix.lower())[:30]
        name = f"awsgraph_{safe}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(self.url, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self._template}"')
        self.created.append(name)
        return _with_db(self.url, name)

    def drop_databases(self) -> None:
        import psycopg

        with contextlib.suppress(psycopg.Error), psycopg.connect(self.url, autocommit=True) as admin:
            for name in reversed(self.created):
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.created.clear()

    def stop(self) -> None:
        if self.directory is None:
            return
        subprocess.run([_pg_bin("pg_ctl"), "stop", "-D", os.path.join(self.directory, "data"), "-m", "immediate",
                        "-s"], capture_output=True, check=False, timeout=60, **_as_server_user())  # type: ignore[call-overload]
        shutil.rmtree(self.directory, ignore_errors=True)
        self.directory = None


def start_postgres(settings: str = "-c shared_buffers=64MB") -> PgServer:
    """initdb and start a private server; ``settings`` adds server options (the benchmarks give it more memory)."""
    root = tempfile.mkdtemp(prefix="awsgraph-pg-")
    os.chmod(root, 0o700)
    if os.geteuid() == 0:
        os.chown(root, pwd.getpwnam("postgres").pw_uid, pwd.getpwnam("postgres").pw_gid)
    data = os.path.join(root, "data")
    user = _as_server_user()
    subprocess.run([_pg_bin("initdb"), "-D", data, "-U", "postgres", "--auth=trust", "--no-sync",
                    "--encoding=UTF8", "--locale=C.UTF-8"],
                   capture_output=True, check=True, timeout=120, **user)  # type: ignore[call-overload]
    for _attempt in range(3):
        port = free_port()
        options = (f"-c port={port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={root}"
                   " -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=60 "
                   + settings)
        proc = subprocess.run([_pg_bin("pg_ctl"), "start", "-D", data, "-w", "-t", str(int(_START_TIMEOUT)),
                               "-l", os.path.join(root, "server.log"), "-o", options, "-s"],
                              capture_output=True, check=False, timeout=_START_TIMEOUT + 10,
                              **user)  # type: ignore[call-overload]
        if proc.returncode == 0:
            server = PgServer(f"postgresql://postgres@127.0.0.1:{port}/postgres", root)
            atexit.register(server.stop)  # also when the session ends without its finalizers
            return server
    log = open(os.path.join(root, "server.log")).read()[-2000:]  # noqa: SIM115
    shutil.rmtree(root, ignore_errors=True)
    raise RuntimeError(f"PostgreSQL did not start: {log}")


@dataclass
class RedisServer:
    url: str
    proc: subprocess.Popen[bytes] | None = None
    directory: str | None = None

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.proc = None
        if self.directory:
            shutil.rmtree(self.directory, ignore_errors=True)


def start_redis() -> RedisServer:
    binary = shutil.which("redis-server")
    if not binary:
        raise RuntimeError("redis-server is missing: run `bash scripts/system-deps.sh` (Debian's redis-server)")
    root = tempfile.mkdtemp(prefix="awsgraph-redis-")
    for _attempt in range(3):
        port = free_port()
        proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                 "--appendonly", "no", "--dir", root, "--protected-mode", "yes"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + _START_TIMEOUT
        while time.monotonic() < deadline and proc.poll() is None:
            if redis_ping(f"redis://127.0.0.1:{port}/0", timeout=0.5):
                server = RedisServer(f"redis://127.0.0.1:{port}/0", proc, root)
                atexit.register(server.stop)
                return server
            time.sleep(0.05)
        proc.kill()
        proc.wait()
    shutil.rmtree(root, ignore_errors=True)
    raise RuntimeError("redis-server did not start")


def redis_ping(url: str, timeout: float = 5.0) -> bool:
    """PING over the Redis protocol (RESP): True when the server answers +PONG."""
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), timeout=timeout) as s:
            s.sendall(b"*1\r\n$4\r\nPING\r\n")
            return s.recv(64).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """This worker's PostgreSQL (or the one ``AWSGRAPH_TEST_PG_URL`` names)."""
    given = os.environ.get(PG_ENV)
    server = PgServer(given) if given else start_postgres()
    try:
        yield server
    finally:
        server.drop_databases()
        server.stop()


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """This worker's Redis (or the one ``AWSGRAPH_TEST_REDIS_URL`` names)."""
    given = os.environ.get(REDIS_ENV)
    if given:
        yield given
        return
    server = start_redis()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="module")
def pg_database(pg_server: PgServer, request: pytest.FixtureRequest) -> str:
    """An empty awsgraph database of this test module's own (a URL)."""
    return pg_server.database(request.module.__name__.rsplit(".", 1)[-1])
