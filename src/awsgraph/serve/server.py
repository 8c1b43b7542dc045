"""The console's HTTP server: waitress on loopback unless an interface is named."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from flask import Flask
from waitress import create_server

from awsgraph.serve.app import Settings, create_app

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def trusted_hosts(host: str) -> tuple[str, ...] | None:
    """Host headers the console answers: loopback names (no DNS rebinding), plus a named interface.

    On a wildcard address any name may reach the machine, so the check is off there.
    """
    bare = host.strip("[]")
    if bare in ("0.0.0.0", "::"):
        return None
    return tuple(dict.fromkeys((*LOOPBACK_NAMES, bare)))


@dataclass
class RunningConsole:
    """A bound server and its application."""

    server: Any  # waitress' server: ``.run()`` serves until interrupted
    app: Flask

    @property
    def url(self) -> str:
        host = str(self.server.effective_host)
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.server.effective_port}/"

    def warm(self) -> None:
        self.app.extensions["awsgraph.warm"]()

    def run(self) -> None:
        self.server.run()

    def close(self) -> None:
        self.server.close()


def make_server(settings: Settings, host: str = "127.0.0.1", port: int = 0, threads: int = 4) -> RunningConsole:
    """The console bound to ``host:port`` (port 0 picks a free port), ready to ``run()``."""
    settings.trusted_hosts = trusted_hosts(host)
    app = create_app(settings)
    server = create_server(app, host=host, port=port, threads=threads, ident="awsgraph",
                           clear_untrusted_proxy_headers=True)
    return RunningConsole(server, app)
