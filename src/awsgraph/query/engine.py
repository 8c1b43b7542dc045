"""Run compiled J1QL against a store and shape the rows as JupiterOne returns them.

Every query is bounded: a deadline (30 s unless told otherwise) and Ctrl-C stop it (SQLite through
its progress handler; PostgreSQL through ``statement_timeout`` and a cancel request, which psycopg
sends on Ctrl-C); rows are streamed (on PostgreSQL read by libpq in chunks, see :func:`_stream`) and at
most ``max_rows`` are kept (the result says so in a note); malformed input of any kind ends as a
:class:`QueryError`. ``db`` is a store, an SQLite or psycopg connection, or what ``--db`` names.
"""

from __future__ import annotations

import decimal
import difflib
import json
import signal
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from typing import Any

from awsgraph.query.ast import OptionalGroup, Query, Selector, Traversal
from awsgraph.query.compiler import Compiled, compile_query
from awsgraph.query.dialect import Dialect, PostgresDialect, prepare_sqlite
from awsgraph.query.errors import QueryError
from awsgraph.query.parser import parse
from awsgraph.query.planner import chain_of, choose_start
from awsgraph.store import GraphReads, open_store

Row = dict[str, Any]
Connection = Any  # an sqlite3.Connection or a psycopg Connection
Target = Any  # a store, a connection, or a database path / URL
DEFAULT_TIMEOUT = 30.0  # seconds
DEFAULT_MAX_ROWS = 10_000
_PROGRESS_STEPS = 10_000  # SQLite VM steps between deadline checks (well under a millisecond)


class Rows(list[Row]):
    """A query's rows, plus ``notes`` for the reader (row cap reached, unknown type...)."""

    def __init__(self, rows: list[Row] | None = None, notes: list[str] | None = None,
                 truncated: bool = False) -> None:
        super().__init__(rows or [])
        self.notes: list[str] = notes or []
        self.truncated = truncated


def run_query(
    db: Target, text: str, *, now_ms: int | None = None,
    timeout: float | None = DEFAULT_TIMEOUT, max_rows: int | None = DEFAULT_MAX_ROWS,
) -> list[Row]:
    """:func:`run` for callers that want the rows only (the list is a :class:`Rows`)."""
    return run(db, text, now_ms=now_ms, timeout=timeout, max_rows=max_rows)


def run(
    db: Target, text: str, *, now_ms: int | None = None,
    timeout: float | None = DEFAULT_TIMEOUT, max_rows: int | None = DEFAULT_MAX_ROWS,
) -> Rows:
    """Run a J1QL query and return its rows (and notes).

    Rows are keyed by the RETURN names (``alias.prop``, ``count(alias)`` or the ``AS`` name).
    Without RETURN a row is a matched entity of the first selector, as JupiterOne returns it.
    ``RETURN TREE`` returns one row: ``{"vertices": [...], "edges": [...]}``. ``timeout`` (seconds)
    and ``max_rows`` bound the work; None lifts a bound.
    """
    with _as_query_error(text):
        query = parse(text, now_ms=now_ms)
    conn = connection_of(db)
    if conn is not None:
        return _run(conn, query, text, timeout, max_rows)
    store = open_store(str(db), must_exist=True)
    try:
        tune(store.connection)
        return _run(store.connection, query, text, timeout, max_rows)
    finally:
        store.close()


def connection_of(db: Target) -> Connection | None:
    """The connection to query for a store or a connection; None for a path or URL."""
    if isinstance(db, sqlite3.Connection):
        return db
    if isinstance(db, GraphReads):
        return db.connection
    if _is_pg(db):
        return db
    return None


def _is_pg(conn: Any) -> bool:
    psycopg = sys.modules.get("psycopg")  # not imported: not a psycopg connection
    return psycopg is not None and isinstance(conn, psycopg.Connection)


def dialect_for(conn: Target) -> Dialect:
    """The dialect of a connection or store (for SQLite, with the functions it calls registered on it)."""
    conn = connection_of(conn) or conn
    if isinstance(conn, sqlite3.Connection):
        return prepare_sqlite(conn)
    return PostgresDialect()


def _run(conn: Connection, query: Query, text: str, timeout: float | None, max_rows: int | None) -> Rows:
    with _as_query_error(text), bounded(conn, timeout, text):
        dialect = dialect_for(conn)
        rows = execute(conn, plan(conn, query, dialect), text, max_rows=max_rows)
        rows.notes += unknown_names(conn, query)
        if any(s.search is not None for s in _selectors(query)) and not getattr(dialect, "text_index", True):
            rows.notes.append("this database has no full-text index yet, so the search scanned every entity "
                              "(the next `awsgraph collect` builds it)")
        return rows


@dataclass
class _Stop:
    reason: str = ""


_BOUNDED: set[int] = set()  # ids of connections inside :func:`bounded` right now


def _deadline_error(timeout: float | None, text: str) -> QueryError:
    return QueryError(f"the query was stopped at its {timeout:g} s deadline (allow longer with --timeout, "
                      "or narrow it with WITH filters or a smaller LIMIT)", text)


@contextmanager
def bounded(conn: Connection, timeout: float | None, text: str = "") -> Iterator[_Stop]:
    """Stop work on ``conn`` past ``timeout`` seconds, or on Ctrl-C (then KeyboardInterrupt).

    On PostgreSQL the bounded work runs in one read transaction (each query a savepoint in it).
    """
    stop = _Stop()
    if id(conn) in _BOUNDED:  # already bounded by a caller: its deadline holds
        yield stop
        return
    if not isinstance(conn, sqlite3.Connection):
        with _bounded_pg(conn, timeout, text):
            yield stop
        return
    _BOUNDED.add(id(conn))
    deadline = time.monotonic() + timeout if timeout else None

    def progress() -> int:
        if stop.reason:
            return 1
        if deadline is not None and time.monotonic() > deadline:
            stop.reason = "deadline"
            return 1
        return 0

    def on_sigint(_signum: int, _frame: object) -> None:
        stop.reason = "interrupt"

    conn.set_progress_handler(progress, _PROGRESS_STEPS)
    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, on_sigint) if main else None
    try:
        yield stop
    except sqlite3.OperationalError:
        if stop.reason == "interrupt":
            raise KeyboardInterrupt from None
        if stop.reason == "deadline":
            raise _deadline_error(timeout, text) from None
        raise
    finally:
        _BOUNDED.discard(id(conn))
        conn.set_progress_handler(None, 0)
        if main:
            signal.signal(signal.SIGINT, previous)
    if stop.reason == "interrupt":
        raise KeyboardInterrupt


@contextmanager
def caller_bounded(conn: Connection) -> Iterator[None]:
    """Within this block :func:`bounded` leaves ``conn`` to the caller's own bound (a progress handler
    it installed, whose deadline covers every statement, such as the console's per page) instead of
    replacing that handler with one per query and removing it afterwards."""
    _BOUNDED.add(id(conn))
    try:
        yield
    finally:
        _BOUNDED.discard(id(conn))


_CALLER_TIMEOUT: dict[int, float] = {}  # PostgreSQL connections whose caller set each statement's timeout


@contextmanager
def caller_timeout(conn: Connection, seconds: float) -> Iterator[None]:
    """PostgreSQL: within this block every query :func:`bounded` runs on ``conn`` stops at the caller's
    ``seconds`` (the console's limit for a page, or for the whole graph), not at its own default."""
    _CALLER_TIMEOUT[id(conn)] = seconds
    try:
        yield
    finally:
        _CALLER_TIMEOUT.pop(id(conn), None)


@contextmanager
def _bounded_pg(conn: Connection, timeout: float | None, text: str) -> Iterator[None]:
    """A transaction whose statements stop at ``timeout`` seconds each (``statement_timeout``), or at the
    caller's (:func:`caller_timeout`). Ctrl-C: psycopg cancels the running statement and raises
    KeyboardInterrupt."""
    import psycopg

    timeout = _CALLER_TIMEOUT.get(id(conn), timeout)
    _BOUNDED.add(id(conn))
    try:
        with conn.transaction():
            conn.execute(f"SET LOCAL statement_timeout = {max(1, round(timeout * 1000)) if timeout else 0}")
            yield
    except psycopg.errors.QueryCanceled as exc:
        if "statement timeout" in str(exc):
            raise _deadline_error(timeout, text) from None
        raise KeyboardInterrupt from None  # a cancel request: Ctrl-C
    finally:
        _BOUNDED.discard(id(conn))


@contextmanager
def _as_query_error(text: str) -> Iterator[None]:
    """Whatever hostile input provokes deep in the stack becomes the one-line query error."""
    try:
        yield
    except QueryError:
        raise
    except RecursionError:
        raise QueryError("the query nests too deeply", text) from None
    except OverflowError:
        raise QueryError("a number in the query is too large", text) from None
    except sqlite3.Error as exc:
        if isinstance(exc, sqlite3.OperationalError) and str(exc) == "interrupted":
            raise  # the deadline or Ctrl-C: :func:`bounded` says which
        raise QueryError(f"the query could not run: {exc}", text) from None
    except Exception as exc:
        psycopg = sys.modules.get("psycopg")
        if psycopg is None or not isinstance(exc, psycopg.Error) or isinstance(exc, psycopg.errors.QueryCanceled):
            raise
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise QueryError(f"the query could not run: {first}", text) from None


def tune(conn: Connection) -> None:
    """Read-heavy settings for an SQLite connection the query layer opened itself (none for PostgreSQL).

    Memory-mapped reads and a larger page cache matter on big graphs, where a traversal
    touches pages all over the file.
    """
    if not isinstance(conn, sqlite3.Connection):
        return
    conn.execute("PRAGMA mmap_size=8589934592")
    conn.execute("PRAGMA cache_size=-262144")


def plan(conn: Target, query: Query, dialect: Dialect | None = None) -> Compiled:
    """Compile ``query`` with the join order the planner costs cheapest on this database."""
    conn = connection_of(conn) or conn
    dialect = dialect or dialect_for(conn)
    if len(query.steps) == 0 or chain_of(query) is None:
        return compile_query(query, dialect=dialect)
    with _as_query_error(query.text):
        start = choose_start(conn, query, dialect)
    return compile_query(query, start, dialect)


class _Stopped(Exception):
    """The reader stopped before the last row (a row cap, a LIMIT): the statement is cancelled."""


# Rows a PostgreSQL statement sends per chunk (libpq 17+; older ones send one row at a time).
_PG_CHUNK = 1000


def _stream(conn: Connection, compiled: Compiled) -> Generator[tuple[Any, ...], None, None]:
    """The statement's rows as the engine reads them, a few at a time whatever their number.

    On PostgreSQL the statement runs as an ordinary one whose rows libpq reads in chunks (psycopg's
    ``stream``), not through a server-side cursor: PostgreSQL never gives a cursor a parallel plan, and
    the aggregates of a large graph need one (the count aggregate of ``bench/pg_bench.py``). Reading
    stops early by cancelling the statement inside a savepoint, so the run's read transaction
    carries on (a tree's second query, the next question of a report).
    """
    if isinstance(conn, sqlite3.Connection):
        yield from conn.execute(compiled.sql, compiled.params)
        return
    import psycopg

    size = _PG_CHUNK if psycopg.pq.version() >= 170000 else 1
    try:
        with conn.transaction():
            rows = conn.cursor().stream(compiled.sql, compiled.params, size=size)
            try:
                yield from rows
            except GeneratorExit:
                rows.close()  # cancels the statement when it is still running
                raise _Stopped from None
    except _Stopped:
        return


def _decoder(conn: Connection) -> Callable[[Any], Any]:
    """How a JSON column comes back: text on SQLite, already decoded (``jsonb``) on PostgreSQL."""
    return json.loads if isinstance(conn, sqlite3.Connection) else _same


def _same(value: Any) -> Any:
    return value


def execute(conn: Target, compiled: Compiled, text: str = "", *, max_rows: int | None = None,
            timeout: float | None = DEFAULT_TIMEOUT) -> Rows:
    """Run ``compiled``, streaming rows; at most ``max_rows`` rows (tree: entities and relationships) are kept.

    Unless a caller already bounds ``conn`` (:func:`run` does), the run stops at ``timeout`` seconds.
    """
    conn = connection_of(conn) or conn
    cap = max_rows if max_rows is not None and max_rows > 0 else None
    loads = _decoder(conn)
    with _as_query_error(text), bounded(conn, timeout, text), closing(_stream(conn, compiled)) as cur:
        if compiled.mode == "tree":
            return _tree(conn, cur, cap, compiled.extra)
        if compiled.mode == "default":
            return _default_rows(cur, compiled.post_limit, cap, loads, compiled.extra)
        out = Rows()
        width = len(compiled.columns)
        for values in cur:
            if cap is not None and len(out) >= cap:
                return _capped(out, cap)
            out.append(_shape(compiled.columns, values[:width], loads))
        return out


def _shape(columns: list[tuple[str, str]], values: tuple[Any, ...], loads: Callable[[Any], Any] = json.loads) -> Row:
    row: Row = {}
    for (kind, label), value in zip(columns, values, strict=True):
        if isinstance(value, decimal.Decimal):  # PostgreSQL's numeric
            value = int(value) if value == value.to_integral_value() and abs(value) < 2**63 else float(value)
        if kind in ("json", "props"):
            row[label] = loads(value) if value is not None else None
        elif kind == "all":
            alias = label[:-2]
            for k, v in (loads(value) if value is not None else {}).items():
                row[f"{alias}.{k}"] = v
        elif kind in ("expr", "agg") and isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
            row[label] = int(value)  # 10 / 2 is 5, as J1QL (JavaScript numbers) shows it
        else:
            row[label] = value
    return row


def _capped(rows: Rows, cap: int) -> Rows:
    rows.truncated = True
    rows.notes.append(f"showing the first {cap:,} rows; the query matched more (raise --max-rows to see more, "
                      "or add a LIMIT)")
    return rows


def _default_rows(raw: Iterable[tuple[Any, ...]], post_limit: tuple[int, int] | None, cap: int | None,
                  loads: Callable[[Any], Any] = json.loads, extra: int = 0) -> Rows:
    seen: set[str] = set()
    out = Rows()
    skip, limit = post_limit if post_limit is not None else (0, None)
    wanted = None if limit is None else skip + limit
    for values in raw:
        for i in range(0, len(values) - extra, 2):
            key, props = values[i], values[i + 1]
            if key is None or key in seen:
                continue
            if wanted is not None and len(seen) >= wanted:
                return _window(out, skip)
            if cap is not None and len(seen) - skip >= cap:
                return _capped(_window(out, skip), cap)
            seen.add(key)
            out.append(loads(props))
    return _window(out, skip)


def _window(rows: Rows, skip: int) -> Rows:
    if skip:
        rows[:] = rows[skip:]
    return rows


def _tree(conn: Connection, raw: Iterable[tuple[Any, ...]], cap: int | None, extra: int = 0) -> Rows:
    keys: list[str] = []
    seen: set[str] = set()
    truncated = False
    for values in raw:
        for key in values[:len(values) - extra]:
            if key is not None and key not in seen:
                seen.add(key)
                keys.append(key)
        if cap is not None and len(keys) > cap:
            truncated = True
            keys = keys[:cap]
            break
    close = getattr(raw, "close", None)
    if close is not None:
        close()  # the statement ends before the next one starts (one statement at a time on PostgreSQL)
    rows = Rows([{"vertices": _fetch(conn, "entities", keys), "edges": _fetch(conn, "relationships", keys)}])
    if truncated and cap is not None:
        rows.truncated = True
        rows.notes.append(f"the tree shows its first {cap:,} entities and relationships (raise --max-rows to see "
                          "more)")
    return rows


def _mark(conn: Connection) -> str:
    return "?" if isinstance(conn, sqlite3.Connection) else "%s"


def _fetch(conn: Connection, table: str, keys: list[str]) -> list[Row]:
    found: dict[str, Row] = {}
    loads = _decoder(conn)
    for i in range(0, len(keys), 500):
        chunk = keys[i : i + 500]
        marks = ",".join([_mark(conn)] * len(chunk))
        for key, props in conn.execute(f"SELECT key, props FROM {table} WHERE key IN ({marks})", chunk):
            found[key] = loads(props)
    return [found[k] for k in keys if k in found]


# -- FIND nonexistent_type: say so, and suggest the nearest names ------------------------------------------
def _selectors(query: Query) -> list[Selector]:
    found = [query.start]

    def walk(steps: tuple[Any, ...]) -> None:
        for step in steps:
            if isinstance(step, Traversal):
                found.append(step.target)
            elif isinstance(step, OptionalGroup):
                walk(step.steps)

    walk(query.steps)
    return found


def unknown_names(conn: Connection, query: Query) -> list[str]:
    """A note for every class or type the query names that no live entity in the graph has."""
    notes: list[str] = []
    checked: set[str] = set()
    for sel in _selectors(query):
        for name in sel.names:
            if name in checked:
                continue
            checked.add(name)
            is_class = name[:1].isupper()
            sql = (f"SELECT 1 FROM entity_classes WHERE class = {_mark(conn)} LIMIT 1" if is_class
                   else f"SELECT 1 FROM entities WHERE type = {_mark(conn)} AND deleted_run IS NULL LIMIT 1")
            if conn.execute(sql, (name,)).fetchone() is not None:
                continue
            kind = "class" if is_class else "type"
            near = difflib.get_close_matches(name, _names(conn), n=3, cutoff=0.6)
            hint = f"; nearest: {', '.join(near)}" if near else ""
            notes.append(f"no entity in this graph has the {kind} {name!r}{hint}")
    return notes


def _names(conn: Connection) -> list[str]:
    """Every live type and class, by skipping through their indexes (one seek per distinct name)."""
    types = [r[0] for r in conn.execute(
        "WITH RECURSIVE t(v) AS (SELECT min(type) FROM entities WHERE deleted_run IS NULL"
        " UNION ALL SELECT (SELECT min(type) FROM entities WHERE type > t.v AND deleted_run IS NULL) FROM t"
        " WHERE t.v IS NOT NULL) SELECT v FROM t WHERE v IS NOT NULL LIMIT 10000")]
    classes = [r[0] for r in conn.execute(
        "WITH RECURSIVE t(v) AS (SELECT min(class) FROM entity_classes"
        " UNION ALL SELECT (SELECT min(class) FROM entity_classes WHERE class > t.v) FROM t"
        " WHERE t.v IS NOT NULL) SELECT v FROM t WHERE v IS NOT NULL LIMIT 10000")]
    return types + classes
