"""Run moto's server in a child process (so the collector gets its own core), and only ever talk to it.

The child binds the port itself (any free one by default) and tells the parent which one it
got over a pipe, so no other process can slip in between choosing a port and binding it. The
parent then asks the server for a marker only this child knows (a random token passed at
start) before it configures or seeds anything: an emulator of someone else's that answers on
the port is never touched. The child exits when the parent closes the pipe, so it does not
outlive an awsgraph that was killed.
"""

from __future__ import annotations

import contextlib
import hmac
import multiprocessing as mp
import os
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from awsgraph.sandbox.demo_account import (
    DEMO_ACCOUNT,
    DEMO_EXTERNAL_ID,
    DEMO_REGIONS,
    DEMO_ROLE_ARN,
    FAKE_CREDENTIALS,
)
from awsgraph.sandbox.seed import seed_estate

__all__ = ["DEMO_ACCOUNT", "DEMO_EXTERNAL_ID", "DEMO_REGIONS", "DEMO_ROLE_ARN", "FAKE_CREDENTIALS", "Sandbox",
           "SandboxError"]

SERVER_ENV = {"MOTO_EC2_LOAD_DEFAULT_AMIS": "false", "MOTO_IAM_LOAD_MANAGED_POLICIES": "true"}
MARKER_PATH = "/__awsgraph_sandbox__/marker"
START_TIMEOUT = 120.0  # importing moto in a fresh interpreter takes seconds on a busy machine


class SandboxError(Exception):
    """The sandbox could not start as asked; a one-line message for the user."""


def _with_marker(app: Callable[..., Iterable[bytes]], token: str) -> Callable[..., Iterable[bytes]]:
    body = token.encode()

    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == MARKER_PATH:
            start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
            return [body]
        return app(environ, start_response)

    return wrapped


def _serve(host: str, port: int, token: str, conn: Any) -> None:  # pragma: no cover - runs in the child
    import errno
    import logging
    import socket
    import sys
    import threading

    os.environ.update(SERVER_ENV)
    devnull = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process
    sys.stdout = sys.stderr = devnull
    os.dup2(devnull.fileno(), 1)
    os.dup2(devnull.fileno(), 2)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import make_server

    # We bind the socket ourselves: werkzeug turns a failed bind into sys.exit with a message on
    # stderr, and the parent must learn why in one line.
    try:
        sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # never lets two listeners share a port
        sock.bind((host, port))
        sock.listen(128)
    except OSError as exc:
        taken = exc.errno == errno.EADDRINUSE
        conn.send(("error", f"port {port} on {host} is already in use by another process; choose another "
                            "--port, or leave --port out to use a free one" if taken
                   else f"cannot listen on {host}:{port}: {exc.strerror or exc}"))
        return
    # What moto's ThreadedMotoServer runs, with the marker in front of it.
    app = _with_marker(DomainDispatcherApplication(create_backend_app), token)
    server = make_server(host, sock.getsockname()[1], app, threaded=True, request_handler=MotoRequestHandler,
                         fd=sock.fileno())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    conn.send(("ready", int(server.server_address[1])))
    with contextlib.suppress(EOFError, OSError):
        conn.recv()  # returns (EOF) when the parent closes its end or dies
    os._exit(0)


def _read_marker(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url + MARKER_PATH, timeout=5) as resp:
            return resp.read(256).decode("utf-8", "replace")
    except (OSError, urllib.error.URLError):
        return None


def configure(url: str) -> None:
    body = b'{"batch": {"use_docker": false}, "lambda": {"use_docker": false}}'
    req = urllib.request.Request(url + "/moto-api/config", data=body, method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10):
        pass


class Sandbox:
    """``with Sandbox() as sb:`` starts, checks, configures and seeds an emulator; ``sb.url`` is its endpoint.

    ``port=0`` (the default) lets the child pick a free port. A given port that is taken
    raises ``SandboxError`` with one line; so does a server that answers but is not ours.
    """

    def __init__(self, port: int = 0, host: str = "127.0.0.1", seed: bool = True,
                 regions: tuple[str, ...] = DEMO_REGIONS, on_ready: Callable[[str], None] | None = None) -> None:
        if not 0 <= port <= 65535:
            raise SandboxError(f"--port must be between 0 and 65535, got {port}")
        self.host = host
        self.requested_port = port
        self.port = port
        self.url = f"http://{host}:{port}"
        self.seed = seed
        self.regions = regions
        self.seed_seconds = 0.0
        self.on_ready = on_ready  # told the URL once our emulator answers, before seeding starts
        self._proc: Any = None
        self._conn: Any = None
        self._token = secrets.token_hex(16)

    def __enter__(self) -> Sandbox:
        ctx = mp.get_context("spawn")
        self._conn, child_end = ctx.Pipe()
        self._proc = ctx.Process(target=_serve, args=(self.host, self.requested_port, self._token, child_end),
                                 daemon=True)
        self._proc.start()
        child_end.close()
        try:
            self._await_child()
            self.verify()
            configure(self.url)
            if self.on_ready is not None:
                self.on_ready(self.url)
            if self.seed:
                start = time.monotonic()
                with self.credentials():
                    seed_estate(self.url, regions=self.regions)
                self.seed_seconds = time.monotonic() - start
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _await_child(self) -> None:
        if not self._conn.poll(START_TIMEOUT):
            raise SandboxError(f"the emulator did not start within {START_TIMEOUT:.0f} s")
        try:
            kind, value = self._conn.recv()
        except EOFError:
            self._proc.join(timeout=5)
            raise SandboxError(f"the emulator exited while starting (exit code {self._proc.exitcode})") from None
        if kind != "ready":
            raise SandboxError(str(value))
        self.port = int(value)
        self.url = f"http://{self.host}:{self.port}"

    def verify(self) -> None:
        """Refuse to go on unless the server answering at ``url`` is the child this object started."""
        deadline = time.monotonic() + 30
        while True:
            marker = _read_marker(self.url)
            if marker is not None:
                if hmac.compare_digest(marker, self._token):
                    return
                break
            if time.monotonic() > deadline or not self.alive:
                break
            time.sleep(0.1)
        raise SandboxError(f"the server at {self.url} is not the emulator awsgraph started; refusing to use it")

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.is_alive()

    def __exit__(self, *exc: Any) -> None:
        if self._conn is not None:
            self._conn.close()  # the child sees EOF and exits
            self._conn = None
        if self._proc is not None:
            self._proc.join(timeout=5)
            if self._proc.is_alive():
                self._proc.terminate()
                self._proc.join(timeout=10)
            self._proc = None

    def wait(self) -> None:
        while self.alive:
            time.sleep(0.5)

    @contextlib.contextmanager
    def credentials(self) -> Iterator[None]:
        """Fake credentials in the environment (the emulator accepts any), restored afterwards."""
        saved = {k: os.environ.get(k) for k in (*FAKE_CREDENTIALS, "AWS_PROFILE")}
        os.environ.update(FAKE_CREDENTIALS)
        os.environ.pop("AWS_PROFILE", None)
        try:
            yield
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
