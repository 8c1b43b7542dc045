"""The sandbox never touches someone else's server, and never outlives awsgraph (issue 11 item 8)."""

from __future__ import annotations

import http.server
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from awsgraph.sandbox import Sandbox, SandboxError

pytestmark = pytest.mark.e2e


class Foreign:
    """Someone else's server on a port: it records every request it gets."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        seen = self.requests

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self) -> None:
                seen.append(f"{self.command} {self.path}")
                body = b'{"not": "awsgraph"}'
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = _answer

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self.server.server_address[1])
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def foreign() -> Iterator[Foreign]:
    f = Foreign()
    yield f
    f.close()


def cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "awsgraph.cli", *args], capture_output=True, text=True,
                          timeout=timeout, check=False)


def test_a_taken_port_is_refused_and_the_server_on_it_untouched(foreign: Foreign) -> None:
    with pytest.raises(SandboxError, match=f"port {foreign.port} .* already in use"):
        Sandbox(port=foreign.port, seed=False).__enter__()
    for command in ("sandbox", "demo"):
        run = cli(command, "--port", str(foreign.port))
        assert run.returncode == 2, run.stderr
        errors = [line for line in run.stderr.splitlines() if line.startswith("awsgraph: error:")]
        assert len(errors) == 1 and "already in use" in errors[0] and "Traceback" not in run.stderr
    assert foreign.requests == []  # nothing was configured or seeded over there


def test_a_server_without_our_marker_is_refused(foreign: Foreign) -> None:
    sandbox = Sandbox(seed=False)
    sandbox.url = foreign.url  # as if the port had changed hands after the child bound it
    with pytest.raises(SandboxError, match="not the emulator awsgraph started"):
        sandbox.verify()
    assert all(r.startswith("GET /__awsgraph_sandbox__/") for r in foreign.requests)


def test_default_port_is_free_and_ours() -> None:
    with Sandbox(seed=False) as one, Sandbox(seed=False) as two:
        assert one.port != two.port and one.alive and two.alive
        one.verify()
        two.verify()
    assert not one.alive and not two.alive


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _gone(pid: int, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
            stat = Path(f"/proc/{pid}/stat").read_text().split()
            if stat[2] == "Z":  # a zombie: exited, waiting for its parent to reap it
                return True
        except (ProcessLookupError, FileNotFoundError):
            return True
        time.sleep(0.1)
    return False


def _start_sandbox() -> tuple[subprocess.Popen[str], str, list[int]]:
    proc = subprocess.Popen([sys.executable, "-m", "awsgraph.cli", "sandbox"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    url = ""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # "sandbox: emulator listening at URL; seeding…"
        line = proc.stderr.readline()
        if "listening at" in line:
            url = line.split("listening at ", 1)[1].split(";", 1)[0]
            break
        if not line and proc.poll() is not None:
            break
    assert url, "the sandbox did not report its emulator"
    return proc, url, _children(proc.pid)


def _refused(url: str) -> bool:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=2):
            return False
    except OSError:
        return True


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_stopping_awsgraph_stops_its_emulator(sig: signal.Signals) -> None:
    proc, url, children = _start_sandbox()
    assert children and not _refused(url)
    proc.send_signal(sig)  # during seeding: the worst moment
    proc.wait(timeout=60)
    for child in children:
        assert _gone(child, 30), f"child {child} outlived awsgraph after {sig.name}"
    assert _refused(url)
    if sig == signal.SIGTERM:
        assert "Traceback" not in (proc.stderr.read() if proc.stderr else "")
