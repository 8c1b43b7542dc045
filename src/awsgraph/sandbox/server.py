"""Run moto's ThreadedMotoServer in a child process (so the collector gets its own core)."""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import socket
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

DEMO_ACCOUNT = "111122223333"
DEMO_ROLE_ARN = f"arn:aws:iam::{DEMO_ACCOUNT}:role/awsgraph-audit"
DEMO_EXTERNAL_ID = "awsgraph-demo-7f3c"
DEMO_REGIONS = ("us-east-1", "eu-west-1")
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                    "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "us-east-1"}
SERVER_ENV = {"MOTO_EC2_LOAD_DEFAULT_AMIS": "false", "MOTO_IAM_LOAD_MANAGED_POLICIES": "true"}


def _serve(host: str, port: int) -> None:  # pragma: no cover - runs in the child process
    import logging
    import sys

    os.environ.update(SERVER_ENV)
    devnull = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process
    sys.stdout = sys.stderr = devnull
    os.dup2(devnull.fileno(), 1)
    os.dup2(devnull.fileno(), 2)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
    server.start()
    while True:
        time.sleep(3600)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def wait_until_up(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url + "/moto-api/", timeout=2):
                return
        except OSError as exc:
            if time.monotonic() > deadline:
                raise RuntimeError(f"emulator at {url} did not start: {exc}") from exc
            time.sleep(0.1)


def configure(url: str) -> None:
    body = b'{"batch": {"use_docker": false}, "lambda": {"use_docker": false}}'
    req = urllib.request.Request(url + "/moto-api/config", data=body, method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10):
        pass


class Sandbox:
    """``with Sandbox() as sb:`` starts, configures and seeds an emulator; ``sb.url`` is its endpoint."""

    def __init__(self, port: int = 0, host: str = "127.0.0.1", seed: bool = True,
                 regions: tuple[str, ...] = DEMO_REGIONS) -> None:
        self.host = host
        self.port = port or free_port(host)
        self.url = f"http://{host}:{self.port}"
        self.seed = seed
        self.regions = regions
        self.seed_seconds = 0.0
        self._proc: Any = None

    def __enter__(self) -> Sandbox:
        ctx = mp.get_context("spawn")
        self._proc = ctx.Process(target=_serve, args=(self.host, self.port), daemon=True)
        self._proc.start()
        try:
            wait_until_up(self.url)
            configure(self.url)
            if self.seed:
                from awsgraph.sandbox.seed import seed_estate

                start = time.monotonic()
                with self.credentials():
                    seed_estate(self.url, regions=self.regions)
                self.seed_seconds = time.monotonic() - start
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._proc is not None:
            self._proc.terminate()
            self._proc.join(timeout=10)
            self._proc = None

    def wait(self) -> None:
        while self._proc is not None and self._proc.is_alive():
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
