"""What the read commands ask a store, written once for every store.

``diff``, ``visualize`` and ``serve`` read a few things besides J1QL: one entity with its runs, an
entity's neighbours, a window of history, the entities a partial scope left unknown. These are the
same small queries on SQLite and PostgreSQL; a store says only how to run a statement (its
placeholder) and how a JSON column comes back (SQLite: text; PostgreSQL: ``jsonb``, already decoded).
The defaults here are SQLite's, so the embedded store pays nothing for the seam.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

_CHUNK = 500  # keys per IN (...) list


@dataclass
class EntityRecord:
    """One stored entity (live or deleted) with the runs that wrote it."""

    key: str
    props: dict[str, Any]
    deleted_run: int | None
    first_run: int | None
    last_run: int | None


class GraphReads:
    """Read queries shared by the stores. Subclasses provide ``connection``; PostgreSQL overrides
    :meth:`_rows` (placeholders) and :meth:`_doc` (decoded JSON)."""

    kind = "sqlite"
    _null_safe_equals = "IS"  # SQL for "equal, NULL equal to NULL"
    _write_order = "rowid"  # history rows in the order they were written

    connection: Any

    # -- how this store runs a statement ------------------------------------------------------
    def _rows(self, sql: str, params: Sequence[Any] = ()) -> Iterable[tuple[Any, ...]]:
        """Run ``sql`` (``?`` placeholders) and iterate its rows."""
        return self.connection.execute(sql, params)

    @staticmethod
    def _doc(value: Any) -> Any:
        """A JSON column's value as Python data."""
        return json.loads(value) if isinstance(value, str | bytes) else value

    def _one(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        for row in self._rows(sql, params):
            return row
        return None

    # -- entities and their neighbours -----------------------------------------------------------
    def entity(self, key: str) -> EntityRecord | None:
        row = self._one("SELECT key, props, deleted_run, first_run, last_run FROM entities WHERE key = ?", (key,))
        if row is None:
            return None
        return EntityRecord(row[0], self._doc(row[1]), row[2], row[3], row[4])

    def entity_scopes(self, keys: Sequence[str]) -> dict[str, tuple[str | None, str | None]]:
        """Where the store filed each of ``keys``: (account, region)."""
        out: dict[str, tuple[str | None, str | None]] = {}
        for i in range(0, len(keys), _CHUNK):
            chunk = list(keys[i:i + _CHUNK])
            marks = ",".join("?" * len(chunk))
            for key, account, region in self._rows(
                    f"SELECT key, account, region FROM entities WHERE key IN ({marks})", chunk):
                out[key] = (account, region)
        return out

    def live_entities(self, limit: int) -> Iterator[tuple[str, str | None, str | None, dict[str, Any]]]:
        """(key, account, region, props) of live entities in key order, at most ``limit``."""
        for key, account, region, props in self._rows(
                "SELECT key, account, region, props FROM entities WHERE deleted_run IS NULL ORDER BY key LIMIT ?",
                (limit,)):
            yield key, account, region, self._doc(props)

    def live_relationships(self, limit: int) -> Iterator[dict[str, Any]]:
        for (props,) in self._rows(
                "SELECT props FROM relationships WHERE deleted_run IS NULL ORDER BY key LIMIT ?", (limit,)):
            yield self._doc(props)

    def relationships_of_types(self, types: Iterable[str]) -> Iterator[dict[str, Any]]:
        """Live relationships of each ``_type`` in ``types`` (an index lookup per type)."""
        for rtype in types:
            for (props,) in self._rows(
                    "SELECT props FROM relationships WHERE type = ? AND deleted_run IS NULL ORDER BY key", (rtype,)):
                yield self._doc(props)

    def neighbours(self, key: str, *, outgoing: bool, cap: int) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
        """Up to ``cap`` live relationships from (or to) ``key``, each with the entity at its other end."""
        here, there = ("from_key", "to_key") if outgoing else ("to_key", "from_key")
        return [(self._doc(r), self._doc(o) if o is not None else None) for r, o in self._rows(
            f"SELECT r.props, e.props FROM relationships r LEFT JOIN entities e ON e.key = r.{there}"
            f" WHERE r.{here} = ? AND r.deleted_run IS NULL ORDER BY r.verb, r.{there} LIMIT ?", (key, cap))]

    def relationship_ends(self, key: str) -> tuple[str, str] | None:
        row = self._one("SELECT from_key, to_key FROM relationships WHERE key = ?", (key,))
        return (row[0], row[1]) if row else None

    # -- runs and history ---------------------------------------------------------------------------
    def finished_run_ids(self) -> list[int]:
        return [int(r[0]) for r in self._rows("SELECT id FROM runs WHERE status = 'finished' ORDER BY id")]

    def step_status_counts(self) -> dict[int, dict[str, int]]:
        """Per run, how many steps ended in each status other than success."""
        out: dict[int, dict[str, int]] = {}
        for rid, status, n in self._rows(
                "SELECT run_id, status, count(*) FROM steps WHERE status != 'success' GROUP BY run_id, status"):
            out.setdefault(int(rid), {})[status] = int(n)
        return out

    def history_window(self, from_run: int, to_run: int) -> Iterator[tuple[str, str, str, str | None, Any]]:
        """(kind, key, op, type, props) of every history row after ``from_run`` up to ``to_run``, in write order."""
        for kind, key, op, etype, props in self._rows(
                "SELECT kind, key, op, type, props FROM history WHERE run_id > ? AND run_id <= ?"
                f" ORDER BY {self._write_order}", (from_run, to_run)):
            yield kind, key, op, etype, self._doc(props) if props is not None else None

    def history_before(self, kind: str, key: str, run_id: int) -> tuple[str, Any] | None:
        """The last (op, props) written for the object up to and including ``run_id``."""
        row = self._one("SELECT op, props FROM history WHERE kind = ? AND key = ? AND run_id <= ?"
                        f" ORDER BY {self._write_order} DESC LIMIT 1", (kind, key, run_id))
        return (row[0], self._doc(row[1]) if row[1] is not None else None) if row else None

    def partial_scopes_between(self, from_run: int, to_run: int) -> list[tuple[str, str, str]]:
        return [(a, r, t) for a, r, t in self._rows(
            "SELECT DISTINCT account, region, type FROM scopes WHERE run_id > ? AND run_id <= ? AND complete = ?"
            " ORDER BY account, region, type", (from_run, to_run, self._false))]

    _false: Any = 0  # how the scopes table spells an incomplete scope

    def unseen_in_scope(self, account: str, region: str, etype: str, before_run: int
                        ) -> Iterator[tuple[str, dict[str, Any]]]:
        """Live entities of a scope that no run from ``before_run`` on has seen: (key, props)."""
        eq = self._null_safe_equals
        for key, props in self._rows(
                f"SELECT key, props FROM entities WHERE account {eq} ? AND region {eq} ? AND type = ?"
                " AND deleted_run IS NULL AND last_run < ?", (account, region, etype, before_run)):
            yield key, self._doc(props)

    def change_mark(self) -> tuple[Any, ...]:
        """Something that changes whenever a run writes the graph (for caches of derived pages)."""
        row = self._one("SELECT max(id), count(*), max(finished_at) FROM runs")
        return tuple(row or ())
