"""Reading the graph for the console: read-only stores, and every query bounded in rows and time."""

from __future__ import annotations

import dataclasses
import sqlite3
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from awsgraph.query import QueryError, execute, parse, plan, tune
from awsgraph.query.engine import caller_bounded, caller_timeout
from awsgraph.store import Store, StoreError, open_store


class DatabaseError(Exception):
    """The database cannot be read (missing, not an awsgraph database)."""


class QueryTimeout(QueryError):
    pass


def open_readonly(path: str) -> Store:
    """A store that cannot write: the store's read-only opening (SQLite's read-only mode plus
    ``query_only``, foreign or corrupt files refused untouched; PostgreSQL's read-only transactions)."""
    try:
        store = open_store(path)
    except StoreError as exc:
        raise DatabaseError(str(exc)) from exc
    if isinstance(store.connection, sqlite3.Connection):
        store.connection.execute("PRAGMA query_only=ON")
        tune(store.connection)
    return store


def _timed_out(exc: BaseException) -> bool:
    if isinstance(exc, sqlite3.OperationalError):
        return "interrupted" in str(exc)
    psycopg = sys.modules.get("psycopg")
    return psycopg is not None and isinstance(exc, psycopg.errors.QueryCanceled)


@contextmanager
def reading(path: str, timeout: float) -> Iterator[Store]:
    """A read-only store whose statements stop once ``timeout`` seconds have passed (SQLite: since
    opening; PostgreSQL: each statement)."""
    store = open_readonly(path)
    conn: Any = store.connection
    held = ExitStack()
    if isinstance(conn, sqlite3.Connection):
        deadline = time.monotonic() + timeout
        conn.set_progress_handler(lambda: 1 if time.monotonic() > deadline else 0, 20_000)
        # the queries a page runs keep this handler: their own bound would replace it, then remove it
        held.enter_context(caller_bounded(conn))
    else:  # each statement, whatever timeout the query layer would give it
        conn.execute(f"SET statement_timeout = {max(1, round(timeout * 1000))}")
        held.enter_context(caller_timeout(conn, timeout))
    try:
        with held:
            yield store
    except Exception as exc:
        if _timed_out(exc):
            raise QueryTimeout(f"stopped after {timeout:g} s (the console's time limit)") from exc
        raise
    finally:
        store.close()


@dataclasses.dataclass
class Result:
    rows: list[dict[str, Any]]
    truncated: bool
    seconds: float


def run_bounded(store: Store, text: str, max_rows: int, timeout: float) -> Result:
    """Run J1QL with its LIMIT lowered to ``max_rows`` (one more, to know whether rows were cut)."""
    t0 = time.perf_counter()
    query = parse(text)
    capped = dataclasses.replace(query, limit=min(query.limit, max_rows + 1))
    try:
        rows = execute(store, plan(store, capped), text, timeout=timeout)
    except QueryError as exc:
        if "interrupted" in str(exc) or "deadline" in str(exc):
            raise QueryTimeout(f"the query was stopped after {timeout:g} s (the console's time limit)",
                               text) from exc
        raise
    return Result(rows[:max_rows], len(rows) > max_rows, time.perf_counter() - t0)
