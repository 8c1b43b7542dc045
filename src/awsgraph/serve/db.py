"""Reading the graph for the console: read-only connections, and every query bounded in rows and time."""

from __future__ import annotations

import dataclasses
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from awsgraph.query import QueryError, execute, parse, plan, tune
from awsgraph.store.sqlite import StoreError, open_store


class DatabaseError(Exception):
    """The database cannot be read (missing, not an awsgraph database)."""


class QueryTimeout(QueryError):
    pass


def open_readonly(path: str) -> sqlite3.Connection:
    """A connection that cannot write: the store's read-only opening (SQLite's read-only mode,
    foreign or corrupt files refused untouched) plus ``query_only``."""
    try:
        conn = open_store(path).connection
    except StoreError as exc:
        raise DatabaseError(str(exc)) from exc
    conn.execute("PRAGMA query_only=ON")
    tune(conn)
    return conn


@contextmanager
def reading(path: str, timeout: float) -> Iterator[sqlite3.Connection]:
    """A read-only connection whose statements stop once ``timeout`` seconds have passed."""
    conn = open_readonly(path)
    deadline = time.monotonic() + timeout
    conn.set_progress_handler(lambda: 1 if time.monotonic() > deadline else 0, 20_000)
    try:
        yield conn
    except sqlite3.OperationalError as exc:
        if "interrupted" in str(exc):
            raise QueryTimeout(f"stopped after {timeout:g} s (the console's time limit)") from exc
        raise
    finally:
        conn.close()


@dataclasses.dataclass
class Result:
    rows: list[dict[str, Any]]
    truncated: bool
    seconds: float


def run_bounded(conn: sqlite3.Connection, text: str, max_rows: int, timeout: float) -> Result:
    """Run J1QL with its LIMIT lowered to ``max_rows`` (one more, to know whether rows were cut)."""
    t0 = time.perf_counter()
    query = parse(text)
    capped = dataclasses.replace(query, limit=min(query.limit, max_rows + 1))
    try:
        rows = execute(conn, plan(conn, capped), text)
    except QueryError as exc:
        if "interrupted" in str(exc):
            raise QueryTimeout(f"the query was stopped after {timeout:g} s (the console's time limit)",
                               text) from exc
        raise
    return Result(rows[:max_rows], len(rows) > max_rows, time.perf_counter() - t0)
