"""The sandbox database (the demo's estate, collected once per test session) and a console serving it."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest


def cli_env() -> dict[str, str]:
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_DEFAULT_REGION": "us-east-1"}
    env.pop("AWS_SESSION_TOKEN", None)
    return env


@pytest.fixture(scope="session")
def sandbox_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """`awsgraph demo` run once, as a user runs it; xdist workers share it (a lock, then the file)."""
    shared = tmp_path_factory.getbasetemp().parent if os.environ.get("PYTEST_XDIST_WORKER") \
        else tmp_path_factory.getbasetemp()
    db = shared / "sandbox-console.db"
    with open(shared / "sandbox-console.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not db.exists():
            work = shared / "sandbox-console-build"
            work.mkdir(exist_ok=True)
            run = subprocess.run([sys.executable, "-m", "awsgraph.cli", "demo", "--db", str(work / "demo.db"),
                                  "--out", str(work / "out")], capture_output=True, text=True, timeout=600,
                                 env=cli_env(), cwd=work, check=False)
            assert run.returncode == 0, run.stderr[-2000:]
            (work / "demo.db").rename(db)
    return str(db)


class Console:
    def __init__(self, proc: subprocess.Popen[str], url: str) -> None:
        self.proc = proc
        self.url = url


def start_console(db: str, *extra: str) -> Console:
    proc = subprocess.Popen([sys.executable, "-m", "awsgraph.cli", "serve", "--db", db, "--port", "0", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli_env())
    assert proc.stdout is not None
    deadline = time.monotonic() + 60
    line = ""
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if "http://" in line or not line:
            break
    if "http://" not in line:
        proc.kill()
        raise AssertionError(f"serve did not start: {line!r} {proc.stderr.read() if proc.stderr else ''}")
    return Console(proc, "http://" + line.split("http://", 1)[1].split()[0])


def stop_console(console: Console) -> str:
    console.proc.terminate()
    try:
        _, err = console.proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        console.proc.kill()
        _, err = console.proc.communicate()
    return err


@pytest.fixture(scope="module")
def console(sandbox_db: str) -> Iterator[Console]:
    """`awsgraph serve` on a free port, stopped when the module's tests are done."""
    running = start_console(sandbox_db)
    yield running
    stop_console(running)


@pytest.fixture
def db_conn(sandbox_db: str) -> Iterator[object]:
    import sqlite3

    conn = sqlite3.connect(f"file:{Path(sandbox_db)}?mode=ro", uri=True)
    yield conn
    conn.close()
