"""What changed between two runs: created, updated (which properties) and deleted objects.

Computed from the store's ``history`` table, so a run can be compared with any earlier one; read
through the store's read interface (:class:`~awsgraph.store.reads.GraphReads`), so on either store.
Scopes a run could only partly collect are listed as *unknown*: the store keeps their
entities rather than deleting them, and the diff says so instead of calling them unchanged.
"""

from __future__ import annotations

import contextlib
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from awsgraph.store.reads import GraphReads


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


def pick_runs(store: GraphReads, from_run: int | None, to_run: int | None) -> tuple[int, int]:
    runs = store.finished_run_ids()
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


def diff_runs(store: GraphReads, from_run: int | None = None, to_run: int | None = None) -> RunDiff:
    """Net changes after ``from_run`` up to and including ``to_run`` (0 = the empty graph)."""
    from_run, to_run = pick_runs(store, from_run, to_run)
    # Last state of each object touched in the window (history rows are in write order).
    last: dict[tuple[str, str], tuple[str, str | None, Any]] = {}
    for kind, key, op, etype, props in store.history_window(from_run, to_run):
        last[(kind, key)] = (op, etype, props)
    if isinstance(store.connection, sqlite3.Connection):
        # Looking up each object's state as of from_run needs history by key (PostgreSQL's schema has it).
        with contextlib.suppress(sqlite3.OperationalError):  # read-only database: slower lookups, same answer
            store.connection.execute("CREATE INDEX IF NOT EXISTS history_key ON history(key, kind, run_id)")
    partial = [{"account": a, "region": r, "type": t} for a, r, t in store.partial_scopes_between(from_run, to_run)]
    partial_set = {(s["account"], s["region"], s["type"]) for s in partial}
    changes: list[Change] = []
    for (kind, key), (op, etype, props_or_none) in last.items():
        before = store.history_before(kind, key, from_run)
        existed = before is not None and before[0] != "deleted"
        exists = op != "deleted"
        props = props_or_none or {}
        display = str(props.get("displayName") or props.get("name") or "")
        if existed and exists:
            old = (before[1] if before else None) or {}
            changed = {k: (old.get(k), props.get(k))
                       for k in set(old) | set(props) if old.get(k) != props.get(k)}
            if changed:
                changes.append(Change(kind, key, etype or "", "updated", changed, display))
        elif exists:
            changes.append(Change(kind, key, etype or "", "created", display=display))
        elif existed:
            changes.append(Change(kind, key, etype or "", "deleted", display=display))
    changes += _unknown(store, to_run, partial_set, changes)
    changes.sort(key=lambda c: (c.kind, c.op, c.type, c.key))
    return RunDiff(from_run, to_run, changes, partial)


def _unknown(store: GraphReads, to_run: int, partial: set[tuple[str, str, str]],
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
        for key, props in store.unseen_in_scope(account, region, etype, to_run):
            stale.add(key)
            out.append(Change("entity", key, etype, "unknown",
                              display=str(props.get("displayName") or props.get("name") or "")))
    if stale:
        for change in known:
            if change.kind != "relationship" or change.op != "deleted":
                continue
            ends = store.relationship_ends(change.key)
            if ends and (ends[0] in stale or ends[1] in stale):
                change.op = "unknown"
    return out
