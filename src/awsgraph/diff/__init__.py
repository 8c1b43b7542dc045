"""What changed between two runs: created, updated (which properties) and deleted objects.

Computed from the store's ``history`` table, so a run can be compared with any earlier one.
Scopes a run could only partly collect are listed as *unknown*: the store keeps their
entities rather than deleting them, and the diff says so instead of calling them unchanged.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any


class DiffError(Exception):
    pass


@dataclass
class Change:
    kind: str  # entity | relationship
    key: str
    type: str
    op: str  # created | updated | deleted | unknown
    changed: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # prop -> (old, new)
    display: str = ""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key, "type": self.type, "displayName": self.display}
        if self.op == "updated":
            out["changed"] = {k: {"old": old, "new": new} for k, (old, new) in sorted(self.changed.items())}
        return out


@dataclass
class RunDiff:
    from_run: int
    to_run: int
    changes: list[Change]
    partial_scopes: list[dict[str, str]]

    def of(self, kind: str, op: str) -> list[Change]:
        return [c for c in self.changes if c.kind == kind and c.op == op]

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"from": self.from_run, "to": self.to_run}
        for kind, name in (("entity", "entities"), ("relationship", "relationships")):
            out[name] = {op: [c.to_json() for c in self.of(kind, op)]
                         for op in ("created", "updated", "deleted", "unknown")}
        out["partialScopes"] = self.partial_scopes
        return out


def _finished_runs(conn: sqlite3.Connection) -> list[int]:
    return [r[0] for r in conn.execute("SELECT id FROM runs WHERE status='finished' ORDER BY id")]


def pick_runs(conn: sqlite3.Connection, from_run: int | None, to_run: int | None) -> tuple[int, int]:
    runs = _finished_runs(conn)
    if not runs:
        raise DiffError("the database has no finished run to compare")
    if to_run is None:
        to_run = runs[-1]
    elif to_run not in runs:
        raise DiffError(f"run {to_run} is not a finished run (finished runs: {_span(runs)})")
    if from_run is None:
        earlier = [r for r in runs if r < to_run]
        from_run = earlier[-1] if earlier else 0
    elif from_run != 0 and from_run not in runs:
        raise DiffError(f"run {from_run} is not a finished run (finished runs: {_span(runs)})")
    if from_run >= to_run:
        raise DiffError(f"--from ({from_run}) must be an earlier run than --to ({to_run})")
    return from_run, to_run


def _span(runs: list[int]) -> str:
    return ", ".join(map(str, runs[-10:]))


def diff_runs(conn: sqlite3.Connection, from_run: int | None = None, to_run: int | None = None) -> RunDiff:
    """Net changes after ``from_run`` up to and including ``to_run`` (0 = the empty graph)."""
    from_run, to_run = pick_runs(conn, from_run, to_run)
    # Last state of each object touched in the window (history rows are in write order).
    last: dict[tuple[str, str], tuple[str, str, str]] = {}
    for kind, key, op, etype, props_text in conn.execute(
        "SELECT kind, key, op, type, props FROM history WHERE run_id > ? AND run_id <= ? ORDER BY rowid",
        (from_run, to_run),
    ):
        last[(kind, key)] = (op, etype, props_text)
    # Looking up each object's state as of from_run needs history by key.
    with contextlib.suppress(sqlite3.OperationalError):  # read-only database: slower lookups, same answer
        conn.execute("CREATE INDEX IF NOT EXISTS history_key ON history(key, kind, run_id)")
    touched = [(kind, key, *state) for (kind, key), state in last.items()]
    partial = _partial_scopes(conn, from_run, to_run)
    partial_set = {(s["account"], s["region"], s["type"]) for s in partial}
    changes: list[Change] = []
    for kind, key, op, etype, props_text in touched:
        before = conn.execute(
            "SELECT op, props FROM history WHERE kind = ? AND key = ? AND run_id <= ?"
            " ORDER BY rowid DESC LIMIT 1",
            (kind, key, from_run),
        ).fetchone()
        existed = before is not None and before[0] != "deleted"
        exists = op != "deleted"
        props = json.loads(props_text) if props_text else {}
        display = str(props.get("displayName") or props.get("name") or "")
        if existed and exists:
            old = json.loads(before[1]) if before and before[1] else {}
            changed = {k: (old.get(k), props.get(k))
                       for k in set(old) | set(props) if old.get(k) != props.get(k)}
            if changed:
                changes.append(Change(kind, key, etype or "", "updated", changed, display))
        elif exists:
            changes.append(Change(kind, key, etype or "", "created", display=display))
        elif existed:
            changes.append(Change(kind, key, etype or "", "deleted", display=display))
    changes += _unknown(conn, to_run, partial_set, changes)
    changes.sort(key=lambda c: (c.kind, c.op, c.type, c.key))
    return RunDiff(from_run, to_run, changes, partial)


def _partial_scopes(conn: sqlite3.Connection, from_run: int, to_run: int) -> list[dict[str, str]]:
    rows = conn.execute(
        "SELECT DISTINCT account, region, type FROM scopes WHERE run_id > ? AND run_id <= ? AND complete = 0"
        " ORDER BY account, region, type", (from_run, to_run),
    ).fetchall()
    return [{"account": a, "region": r, "type": t} for a, r, t in rows]


def _unknown(conn: sqlite3.Connection, to_run: int, partial: set[tuple[str, str, str]],
             known: list[Change]) -> list[Change]:
    """Live entities in a scope the last run could not finish, not seen by it: state unknown.

    Relationships that the last run dropped because one end lies in such a scope are
    unknown too, not deleted.
    """
    if not partial:
        return []
    out: list[Change] = []
    stale: set[str] = set()
    for account, region, etype in sorted(partial):
        for key, props_text in conn.execute(
            "SELECT key, props FROM entities WHERE account IS ? AND region IS ? AND type = ?"
            " AND deleted_run IS NULL AND last_run < ?", (account, region, etype, to_run),
        ):
            stale.add(key)
            props = json.loads(props_text)
            out.append(Change("entity", key, etype, "unknown",
                              display=str(props.get("displayName") or props.get("name") or "")))
    if stale:
        for change in known:
            if change.kind != "relationship" or change.op != "deleted":
                continue
            row = conn.execute("SELECT from_key, to_key FROM relationships WHERE key = ?",
                               (change.key,)).fetchone()
            if row and (row[0] in stale or row[1] in stale):
                change.op = "unknown"
    return out
