"""Run compiled J1QL against a store and shape the rows as JupiterOne returns them."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from awsgraph.query.ast import Query
from awsgraph.query.compiler import Compiled, compile_query
from awsgraph.query.errors import QueryError
from awsgraph.query.parser import parse
from awsgraph.query.planner import chain_of, choose_start
from awsgraph.store.sqlite import SQLiteStore, open_store

Row = dict[str, Any]


def run_query(
    db: sqlite3.Connection | SQLiteStore | str | Path, text: str, *, now_ms: int | None = None
) -> list[Row]:
    """Run a J1QL query and return its rows.

    Rows are keyed by the RETURN names (``alias.prop``, ``count(alias)`` or the ``AS`` name).
    Without RETURN a row is a matched entity of the first selector, as JupiterOne returns it.
    ``RETURN TREE`` returns one row: ``{"vertices": [...], "edges": [...]}``.
    """
    query = parse(text, now_ms=now_ms)
    if isinstance(db, SQLiteStore):
        db = db.connection
    if isinstance(db, sqlite3.Connection):
        return execute(db, plan(db, query), text)
    store = open_store(str(db), must_exist=True)
    try:
        tune(store.connection)
        return execute(store.connection, plan(store.connection, query), text)
    finally:
        store.close()


def tune(conn: sqlite3.Connection) -> None:
    """Read-heavy settings for a connection the query layer opened itself.

    Memory-mapped reads and a larger page cache matter on big graphs, where a traversal
    touches pages all over the file.
    """
    conn.execute("PRAGMA mmap_size=8589934592")
    conn.execute("PRAGMA cache_size=-262144")


def plan(conn: sqlite3.Connection, query: Query) -> Compiled:
    """Compile ``query`` with the join order the planner costs cheapest on this database."""
    if len(query.steps) == 0 or chain_of(query) is None:
        return compile_query(query)
    try:
        start = choose_start(conn, query)
    except sqlite3.OperationalError as exc:
        raise QueryError(f"the query could not run: {exc}", query.text) from exc
    return compile_query(query, start)


def execute(conn: sqlite3.Connection, compiled: Compiled, text: str = "") -> list[Row]:
    try:
        cur = conn.execute(compiled.sql, compiled.params)
        raw = cur.fetchall()
    except sqlite3.OperationalError as exc:
        raise QueryError(f"the query could not run: {exc}", text) from exc
    if compiled.mode == "tree":
        return [_tree(conn, raw)]
    if compiled.mode == "default":
        return _default_rows(raw, compiled.post_limit)
    out: list[Row] = []
    for values in raw:
        row: Row = {}
        for (kind, label), value in zip(compiled.columns, values, strict=True):
            if kind in ("json", "props"):
                row[label] = json.loads(value) if value is not None else None
            elif kind == "all":
                alias = label[:-2]
                for k, v in (json.loads(value) if value is not None else {}).items():
                    row[f"{alias}.{k}"] = v
            else:
                row[label] = value
        out.append(row)
    return out


def _default_rows(raw: Iterable[tuple[Any, ...]], post_limit: tuple[int, int] | None) -> list[Row]:
    seen: set[str] = set()
    out: list[Row] = []
    for values in raw:
        for i in range(0, len(values), 2):
            key, props = values[i], values[i + 1]
            if key is None or key in seen:
                continue
            seen.add(key)
            out.append(json.loads(props))
    if post_limit is not None:
        skip, limit = post_limit
        out = out[skip : skip + limit]
    return out


def _tree(conn: sqlite3.Connection, raw: list[tuple[Any, ...]]) -> Row:
    keys: list[str] = []
    seen: set[str] = set()
    for values in raw:
        for key in values:
            if key is not None and key not in seen:
                seen.add(key)
                keys.append(key)
    vertices = _fetch(conn, "entities", keys)
    edges = _fetch(conn, "relationships", keys)
    return {"vertices": vertices, "edges": edges}


def _fetch(conn: sqlite3.Connection, table: str, keys: list[str]) -> list[Row]:
    found: dict[str, Row] = {}
    for i in range(0, len(keys), 500):
        chunk = keys[i : i + 500]
        marks = ",".join("?" * len(chunk))
        for key, props in conn.execute(f"SELECT key, props FROM {table} WHERE key IN ({marks})", chunk):
            found[key] = json.loads(props)
    return [found[k] for k in keys if k in found]
