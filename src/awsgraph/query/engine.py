"""Run compiled J1QL against a store and shape the rows as JupiterOne returns them.

Every query is bounded: a deadline (30 s unless told otherwise) and Ctrl-C stop SQLite through
its progress handler; rows are streamed from the cursor and at most ``max_rows`` are kept
(the result says so in a note); malformed input of any kind ends as a :class:`QueryError`.
"""

from __future__ import annotations

import difflib
import json
import signal
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from awsgraph.query.ast import OptionalGroup, Query, Selector, Traversal
from awsgraph.query.compiler import Compiled, compile_query
from awsgraph.query.dialect import Dialect, prepare_sqlite
from awsgraph.query.errors import QueryError
from awsgraph.query.parser import parse
from awsgraph.query.planner import chain_of, choose_start
from awsgraph.store.sqlite import SQLiteStore, open_store

Row = dict[str, Any]
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
    db: sqlite3.Connection | SQLiteStore | str | Path, text: str, *, now_ms: int | None = None,
    timeout: float | None = DEFAULT_TIMEOUT, max_rows: int | None = DEFAULT_MAX_ROWS,
) -> list[Row]:
    """:func:`run` for callers that want the rows only (the list is a :class:`Rows`)."""
    return run(db, text, now_ms=now_ms, timeout=timeout, max_rows=max_rows)


def run(
    db: sqlite3.Connection | SQLiteStore | str | Path, text: str, *, now_ms: int | None = None,
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
    if isinstance(db, SQLiteStore):
        db = db.connection
    if isinstance(db, sqlite3.Connection):
        return _run(db, query, text, timeout, max_rows)
    store = open_store(str(db), must_exist=True)
    try:
        tune(store.connection)
        return _run(store.connection, query, text, timeout, max_rows)
    finally:
        store.close()


def _run(conn: sqlite3.Connection, query: Query, text: str, timeout: float | None, max_rows: int | None) -> Rows:
    with _as_query_error(text), bounded(conn, timeout, text):
        dialect = prepare_sqlite(conn)
        rows = execute(conn, plan(conn, query, dialect), text, max_rows=max_rows)
        rows.notes += unknown_names(conn, query)
        if any(s.search is not None for s in _selectors(query)) and not dialect.text_index:
            rows.notes.append("this database has no full-text index yet, so the search scanned every entity "
                              "(the next `awsgraph collect` builds it)")
        return rows


@dataclass
class _Stop:
    reason: str = ""


_BOUNDED: set[int] = set()  # ids of connections inside :func:`bounded` right now


@contextmanager
def bounded(conn: sqlite3.Connection, timeout: float | None, text: str = "") -> Iterator[_Stop]:
    """Stop SQLite work on ``conn`` past ``timeout`` seconds, or on Ctrl-C (then KeyboardInterrupt)."""
    stop = _Stop()
    if id(conn) in _BOUNDED:  # already bounded by a caller: its deadline holds
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
            raise QueryError(f"the query was stopped at its {timeout:g} s deadline (allow longer with --timeout, "
                             "or narrow it with WITH filters or a smaller LIMIT)", text) from None
        raise
    finally:
        _BOUNDED.discard(id(conn))
        conn.set_progress_handler(None, 0)
        if main:
            signal.signal(signal.SIGINT, previous)
    if stop.reason == "interrupt":
        raise KeyboardInterrupt


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


def tune(conn: sqlite3.Connection) -> None:
    """Read-heavy settings for a connection the query layer opened itself.

    Memory-mapped reads and a larger page cache matter on big graphs, where a traversal
    touches pages all over the file.
    """
    conn.execute("PRAGMA mmap_size=8589934592")
    conn.execute("PRAGMA cache_size=-262144")


def plan(conn: sqlite3.Connection, query: Query, dialect: Dialect | None = None) -> Compiled:
    """Compile ``query`` with the join order the planner costs cheapest on this database."""
    dialect = dialect or prepare_sqlite(conn)
    if len(query.steps) == 0 or chain_of(query) is None:
        return compile_query(query, dialect=dialect)
    with _as_query_error(query.text):
        start = choose_start(conn, query, dialect)
    return compile_query(query, start, dialect)


def execute(conn: sqlite3.Connection, compiled: Compiled, text: str = "", *, max_rows: int | None = None,
            timeout: float | None = DEFAULT_TIMEOUT) -> Rows:
    """Run ``compiled``, streaming rows; at most ``max_rows`` rows (tree: entities and relationships) are kept.

    Unless a caller already bounds ``conn`` (:func:`run` does), the run stops at ``timeout`` seconds.
    """
    cap = max_rows if max_rows is not None and max_rows > 0 else None
    with _as_query_error(text), bounded(conn, timeout, text):
        if compiled.mode == "tree":
            return _tree(conn, conn.execute(compiled.sql, compiled.params), cap)
        cur = conn.execute(compiled.sql, compiled.params)
        if compiled.mode == "default":
            return _default_rows(cur, compiled.post_limit, cap)
        out = Rows()
        for values in cur:
            if cap is not None and len(out) >= cap:
                return _capped(out, cap)
            out.append(_shape(compiled.columns, values))
        return out


def _shape(columns: list[tuple[str, str]], values: tuple[Any, ...]) -> Row:
    row: Row = {}
    for (kind, label), value in zip(columns, values, strict=True):
        if kind in ("json", "props"):
            row[label] = json.loads(value) if value is not None else None
        elif kind == "all":
            alias = label[:-2]
            for k, v in (json.loads(value) if value is not None else {}).items():
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


def _default_rows(raw: Iterator[tuple[Any, ...]], post_limit: tuple[int, int] | None, cap: int | None) -> Rows:
    seen: set[str] = set()
    out = Rows()
    skip, limit = post_limit if post_limit is not None else (0, None)
    wanted = None if limit is None else skip + limit
    for values in raw:
        for i in range(0, len(values), 2):
            key, props = values[i], values[i + 1]
            if key is None or key in seen:
                continue
            if wanted is not None and len(seen) >= wanted:
                return _window(out, skip)
            if cap is not None and len(seen) - skip >= cap:
                return _capped(_window(out, skip), cap)
            seen.add(key)
            out.append(json.loads(props))
    return _window(out, skip)


def _window(rows: Rows, skip: int) -> Rows:
    if skip:
        rows[:] = rows[skip:]
    return rows


def _tree(conn: sqlite3.Connection, raw: Iterator[tuple[Any, ...]], cap: int | None) -> Rows:
    keys: list[str] = []
    seen: set[str] = set()
    truncated = False
    for values in raw:
        for key in values:
            if key is not None and key not in seen:
                seen.add(key)
                keys.append(key)
        if cap is not None and len(keys) > cap:
            truncated = True
            keys = keys[:cap]
            break
    rows = Rows([{"vertices": _fetch(conn, "entities", keys), "edges": _fetch(conn, "relationships", keys)}])
    if truncated and cap is not None:
        rows.truncated = True
        rows.notes.append(f"the tree shows its first {cap:,} entities and relationships (raise --max-rows to see "
                          "more)")
    return rows


def _fetch(conn: sqlite3.Connection, table: str, keys: list[str]) -> list[Row]:
    found: dict[str, Row] = {}
    for i in range(0, len(keys), 500):
        chunk = keys[i : i + 500]
        marks = ",".join("?" * len(chunk))
        for key, props in conn.execute(f"SELECT key, props FROM {table} WHERE key IN ({marks})", chunk):
            found[key] = json.loads(props)
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


def unknown_names(conn: sqlite3.Connection, query: Query) -> list[str]:
    """A note for every class or type the query names that no live entity in the graph has."""
    notes: list[str] = []
    checked: set[str] = set()
    for sel in _selectors(query):
        for name in sel.names:
            if name in checked:
                continue
            checked.add(name)
            is_class = name[:1].isupper()
            sql = ("SELECT 1 FROM entity_classes WHERE class = ? LIMIT 1" if is_class
                   else "SELECT 1 FROM entities WHERE type = ? AND deleted_run IS NULL LIMIT 1")
            if conn.execute(sql, (name,)).fetchone() is not None:
                continue
            kind = "class" if is_class else "type"
            near = difflib.get_close_matches(name, _names(conn), n=3, cutoff=0.6)
            hint = f"; nearest: {', '.join(near)}" if near else ""
            notes.append(f"no entity in this graph has the {kind} {name!r}{hint}")
    return notes


def _names(conn: sqlite3.Connection) -> list[str]:
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
