"""Persistence behind a small interface: the engine hands over entities and relationships."""

from awsgraph.store.base import GraphStore, RunInfo, StepResult
from awsgraph.store.sqlite import SQLiteStore, open_store

__all__ = ["GraphStore", "RunInfo", "SQLiteStore", "StepResult", "open_store"]
