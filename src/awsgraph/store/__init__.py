"""Persistence behind a small interface: the engine hands over entities and relationships.

:func:`open_store` picks the store from what ``--db`` names: a ``postgresql://`` URL opens the
shared PostgreSQL store, anything else is an SQLite file (the embedded default).
"""

from __future__ import annotations

from awsgraph.store import sqlite as _sqlite
from awsgraph.store.base import GraphStore, RunInfo, StepResult, StoreError
from awsgraph.store.postgres import PostgresStore, display_url, is_url
from awsgraph.store.reads import EntityRecord, GraphReads
from awsgraph.store.sqlite import SQLiteStore

Store = SQLiteStore | PostgresStore


def open_store(target: str, *, write: bool = False, must_exist: bool = True) -> Store:
    """Open the graph database ``target`` names: read-only unless ``write`` (see each store's rules).

    Problems raise :class:`StoreError` with a one-line message (a URL's password is never shown).
    """
    if is_url(target):
        return PostgresStore(target, write=write)
    return _sqlite.open_store(target, write=write, must_exist=must_exist)


def open_writer(target: str) -> Store:
    """The store a collection writes (``collect``, ``demo``, a worker): an SQLite file, or a PostgreSQL URL."""
    return open_store(target, write=True)


def describe(target: str) -> str:
    """``target`` as messages show it: a file path, or a URL without its password."""
    return display_url(target) if is_url(target) else target


__all__ = ["EntityRecord", "GraphReads", "GraphStore", "PostgresStore", "RunInfo", "SQLiteStore", "StepResult",
           "Store", "StoreError", "describe", "is_url", "open_store", "open_writer"]
