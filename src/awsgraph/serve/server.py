"""The console's HTTP server: waitress on loopback unless an interface is named."""

from __future__ import annotations

import ipaddress
from typing import Any

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


def make_server(settings: Settings, host: str = "127.0.0.1", port: int = 0, threads: int = 4) -> Any:
    """A waitress server, bound and ready (``.run()`` serves; port 0 picks a free port)."""
    settings.trusted_hosts = trusted_hosts(host)
    app = create_app(settings)
    return create_server(app, host=host, port=port, threads=threads, ident="awsgraph",
                         clear_untrusted_proxy_headers=True)


def url_of(server: Any) -> str:
    host = str(server.effective_host)
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{server.effective_port}/"
