"""`awsgraph serve`: the local read-only web console."""

from __future__ import annotations

import argparse
import contextlib
import sys
import threading
from typing import Any

from awsgraph.cli.common import DB_HELP, DEFAULT_DB, CliError
from awsgraph.store import describe

DEFAULT_PORT = 8765


def register(sub: Any) -> None:
    s = sub.add_parser("serve", help="a local read-only web console: J1QL, questions, entities, runs, diffs")
    s.add_argument("--db", default=DEFAULT_DB, help=DB_HELP)
    s.add_argument("--port", type=int, default=DEFAULT_PORT,
                   help=f"port (default {DEFAULT_PORT}; 0 picks a free one)")
    s.add_argument("--host", default=None,
                   help="interface to listen on (default 127.0.0.1); anything but loopback serves the graph "
                        "without a login to whoever can reach it")
    s.add_argument("--max-rows", type=int, default=1000, help="rows a result page shows (default 1000)")
    s.add_argument("--timeout", type=float, default=10.0, help="seconds a query may run (default 10)")
    s.set_defaults(func=cmd_serve)


def warm_up(server: Any) -> None:
    """The whole graph's page data and every answer, computed while nobody waits for them yet."""
    import sqlite3

    from awsgraph.query import QueryError
    from awsgraph.serve import DatabaseError

    failures: tuple[type[BaseException], ...] = (QueryError, DatabaseError, sqlite3.Error)
    if "psycopg" in sys.modules:
        failures += (sys.modules["psycopg"].Error,)
    # On failure the page that needs them computes them again and shows the error.
    with contextlib.suppress(*failures):
        server.warm()


def cmd_serve(args: argparse.Namespace) -> int:
    from awsgraph.serve import DatabaseError, Settings, is_loopback, make_server, open_readonly

    if not 0 <= args.port <= 65535:
        raise CliError("--port must be between 0 and 65535")
    if args.max_rows < 1 or args.timeout <= 0:
        raise CliError("--max-rows and --timeout must be positive")
    try:
        open_readonly(args.db).close()
    except DatabaseError as exc:
        raise CliError(str(exc)) from exc
    host = args.host or "127.0.0.1"
    try:
        server = make_server(Settings(db=args.db, max_rows=args.max_rows, timeout=args.timeout), host, args.port)
    except OSError as exc:
        raise CliError(f"cannot listen on {host}:{args.port}: {exc.strerror or exc}"
                       " (choose another --port, or --port 0 for any free one)") from exc
    if not is_loopback(host):
        print(f"awsgraph: warning: listening on {host}: anyone who can reach it can read the whole graph "
              "(there is no login)", file=sys.stderr, flush=True)
    print(f"awsgraph serve: {server.url} (read-only view of {describe(args.db)}; Ctrl-C stops)", flush=True)
    threading.Thread(target=warm_up, args=(server,), name="awsgraph-warm-up", daemon=True).start()
    try:
        server.run()
    except KeyboardInterrupt:
        print("awsgraph serve: stopped", file=sys.stderr)
    finally:
        server.close()
    return 0
