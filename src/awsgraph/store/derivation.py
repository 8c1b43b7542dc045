"""The cross-account pass, written once for both stores: relationships derived per account from
the accounts marked dirty, an identity index of what each account may be named by, and the
references each account's derivation looked up elsewhere.

A store mixes :class:`DeriveWrites` in (over :class:`~awsgraph.store.merge.MergeWrites` and
:class:`~awsgraph.store.runs.RunWrites`) and says
how one derivation is kept at a time (:meth:`derive_lock`: a thread lock in SQLite, whose
writer lease already keeps other processes out; an advisory lock in PostgreSQL, which several
processes write).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from typing import Any

from awsgraph.model import Entity, Relationship
from awsgraph.store.base import DeriveAccountFn, IdentityFn, StoredEntity
from awsgraph.store.merge import MergeWrites
from awsgraph.store.runs import as_doc, as_text, chunks, content_hash, dumps, marks, new_counts, rel_hash


class DeriveWrites(MergeWrites):
    def derive_lock(self) -> contextlib.AbstractContextManager[Any]:
        raise NotImplementedError

    def derive_pending(self, run_id: int, derive_account: DeriveAccountFn, identities: IdentityFn, *,
                       version: str = "", progress: Callable[[int, int, str], None] | None = None
                       ) -> dict[str, int]:
        """Derive the relationships of every account marked dirty.

        1. The identities of the entities that changed are recomputed; every account whose
           derivation looked up one of those identities (old or new) is marked dirty too: its
           relationships cross into what changed.
        2. Each dirty account is derived alone (its own entities, and lookups into the others),
           and what it asserts replaces what it asserted before, in one transaction per account.

        Cost: O(changed entities + Σ over dirty accounts of their entities and relationships), and
        memory for the largest account; accounts that did not change are not read at all.
        """
        counts = new_counts()
        self._history_rows = {}
        with self.derive_lock():
            self._check_derive_version(version)
            self._refresh_identities(identities, progress)
            pending = self._x("SELECT account, gen FROM dirty ORDER BY account").fetchall()
            for i, (account, gen) in enumerate(pending):
                if progress is not None:
                    progress(i, len(pending), account)
                derived = derive_account(self, account)
                with self._transaction():
                    self._merge_derived(run_id, account, derived.entities, derived.relationships, counts,
                                        local_keys=derived.local_keys)
                    self._replace_references(account, derived.references)
                    self._x("DELETE FROM dirty WHERE account=? AND gen=?", (account, gen))
            if progress is not None:
                progress(len(pending), len(pending), "")
        counts["derived_accounts"] = len(pending)
        return counts

    def dirty_accounts(self) -> list[str]:
        return [r[0] for r in self._x("SELECT account FROM dirty ORDER BY account").fetchall()]

    def find_identity(self, kind: str, value: str) -> list[StoredEntity]:
        """Live collected entities that ``value`` names as a ``kind`` identity (see ``idents``)."""
        return [StoredEntity(key, etype, account, region, self._doc(props), self._doc(links) if links else {})
                for key, etype, account, region, props, links in self._x(
                    "SELECT e.key, e.type, e.account, e.region, e.props, e.links FROM idents i JOIN entities e"
                    " ON e.key = i.key WHERE i.kind=? AND i.value=? AND e.deleted_run IS NULL ORDER BY e.key",
                    (kind, value)).fetchall()]

    def _check_derive_version(self, version: str) -> None:
        """A new derivation (another awsgraph version, or a database from before incremental
        derivation) re-derives everything once."""
        row = self._x("SELECT value FROM meta WHERE key='derive_version'").fetchone()
        if row is not None and row[0] == version:
            return
        with self._transaction():
            if not self._x("SELECT 1 FROM owned LIMIT 1").fetchone():
                # relationships written by whole-graph derivation: each belongs to its from-end's account
                self._x(
                    "INSERT INTO owned(owner, kind, key) SELECT COALESCE(e.account, ''), 'r', r.key"
                    " FROM relationships r LEFT JOIN entities e ON e.key = r.from_key WHERE r.deleted_run IS NULL"
                    " ON CONFLICT DO NOTHING")
                self._x(
                    "INSERT INTO owned(owner, kind, key) SELECT o.owner, 'e', m.key FROM entities m"
                    " JOIN relationships r ON r.deleted_run IS NULL AND (r.to_key = m.key OR r.from_key = m.key)"
                    " JOIN owned o ON o.kind = 'r' AND o.key = r.key"
                    " WHERE m.source = 'mapper' AND m.deleted_run IS NULL ON CONFLICT DO NOTHING")
                self._x(
                    "INSERT INTO owned(owner, kind, key) SELECT '', 'e', key FROM entities"
                    " WHERE source = 'mapper' AND deleted_run IS NULL ON CONFLICT DO NOTHING")
            self._x("DELETE FROM idents")
            self._x("INSERT INTO changed(key, account) SELECT key, COALESCE(account, '') FROM entities"
                    " WHERE deleted_run IS NULL AND source = 'collector'"
                    " ON CONFLICT(key) DO UPDATE SET account=excluded.account")
            self._x("INSERT INTO dirty(account, gen) SELECT DISTINCT owner, 1 FROM owned WHERE true"
                    " ON CONFLICT(account) DO UPDATE SET gen=dirty.gen+1")
            self._x("INSERT INTO dirty(account, gen) SELECT DISTINCT account, 1 FROM changed WHERE true"
                    " ON CONFLICT(account) DO UPDATE SET gen=dirty.gen+1")
            self._x("INSERT INTO meta(key, value) VALUES('derive_version', ?)"
                    " ON CONFLICT(key) DO UPDATE SET value=excluded.value", (version,))

    def _refresh_identities(self, identities: IdentityFn,
                            progress: Callable[[int, int, str], None] | None) -> None:
        while True:
            batch = self._x("SELECT key FROM changed ORDER BY key LIMIT 500").fetchall()
            if not batch:
                return
            keys = [r[0] for r in batch]
            m = marks(len(keys))
            with self._transaction():
                delta = {(k, v) for k, v in self._x(f"SELECT kind, value FROM idents WHERE key IN ({m})",
                                                    keys).fetchall()}
                self._x(f"DELETE FROM idents WHERE key IN ({m})", keys)
                new_rows = []
                for key, etype, account, props, raw in self._x(
                        f"SELECT key, type, account, props, raw FROM entities WHERE key IN ({m})"
                        " AND deleted_run IS NULL AND source = 'collector'", keys).fetchall():
                    for kind, value in identities(key, etype, as_doc(props), as_doc(raw) if raw else {}):
                        new_rows.append((kind, value, key, account or ""))
                self._xmany("INSERT INTO idents(kind, value, key, account) VALUES(?,?,?,?) ON CONFLICT DO NOTHING",
                            new_rows)
                delta.update((k, v) for k, v, _key, _acct in new_rows)
                self._dirty_referrers(delta)
                self._x(f"DELETE FROM changed WHERE key IN ({m})", keys)

    def _dirty_referrers(self, delta: set[tuple[str, str]]) -> None:
        """Mark dirty every account that looked up one of these identities."""
        if not delta:
            return
        self._x("CREATE TEMP TABLE IF NOT EXISTS delta(kind TEXT NOT NULL, value TEXT NOT NULL)")
        self._x("DELETE FROM delta")
        self._xmany("INSERT INTO delta(kind, value) VALUES(?, ?)", sorted(delta))
        self._x("INSERT INTO dirty(account, gen) SELECT DISTINCT x.owner, 1 FROM delta d"
                " JOIN xrefs x ON x.kind = d.kind AND x.value = d.value WHERE true"
                " ON CONFLICT(account) DO UPDATE SET gen=dirty.gen+1")
        self._x("DELETE FROM delta")

    def _replace_references(self, owner: str, refs: set[tuple[str, str]]) -> None:
        old = {(k, v) for k, v in self._x("SELECT kind, value FROM xrefs WHERE owner=?", (owner,)).fetchall()}
        self._xmany("DELETE FROM xrefs WHERE owner=? AND kind=? AND value=?",
                    [(owner, k, v) for k, v in sorted(old - refs)])
        self._xmany("INSERT INTO xrefs(owner, kind, value) VALUES(?,?,?) ON CONFLICT DO NOTHING",
                    [(owner, k, v) for k, v in sorted(refs - old)])

    def _live_keys(self, keys: Iterable[str], *, source: str | None = None) -> dict[str, str]:
        """key -> source of the live entities among ``keys``."""
        out: dict[str, str] = {}
        for chunk in chunks(sorted(set(keys))):
            sql = (f"SELECT key, source FROM entities WHERE deleted_run IS NULL AND key IN ({marks(len(chunk))})"
                   + (" AND source=?" if source else ""))
            for key, src in self._x(sql, [*chunk, *([source] if source else [])]).fetchall():
                out[key] = src
        return out

    def _merge_derived(self, run_id: int, owner: str, entities: list[Entity], rels: list[Relationship],
                       counts: dict[str, int], *, everything: bool = False, local_keys: set[str] | None = None
                       ) -> None:
        """Replace what ``owner``'s derivation asserted (``everything``: what any derivation did)."""
        merges: dict[str, dict[str, Any]] = {}
        placeholders: dict[str, Entity] = {}
        for e in entities:
            if e.raw and e.raw.get("__merge__"):
                merges.setdefault(e.key, {}).update({k: v for k, v in e.props.items() if not k.startswith("_")})
            elif e.key not in placeholders:
                placeholders[e.key] = e
        real = set(self._live_keys(placeholders, source="collector"))
        kept: set[str] = set()
        for key, e in placeholders.items():
            if key in real:
                continue  # a real entity always wins over a placeholder
            kept.add(key)
            props = dumps(e.to_j1())
            row = (key, e.type, e.props.get("accountId"), e.props.get("region"), props, None, None,
                   content_hash(props))
            self._upsert_entity(run_id, row, "mapper", counts)
        self._merge_derived_props(run_id, merges, counts, None if everything else owner)

        # relationships: each end must be live; "mapped" only while an end is a placeholder
        known = (local_keys or set()) | kept
        unknown = {k for r in rels for k in (r.from_key, r.to_key) if k not in known}
        sources = self._live_keys(unknown)
        mapper_ends = kept | {k for k, s in sources.items() if s == "mapper"}
        seen: dict[str, tuple[Relationship, bool]] = {}
        for rel in rels:
            if rel.key in seen:
                continue
            if not all(k in known or k in sources for k in (rel.from_key, rel.to_key)):
                continue
            mapped = rel.mapped and (rel.from_key in mapper_ends or rel.to_key in mapper_ends)
            seen[rel.key] = (rel, mapped)
        old: dict[str, tuple[str, int | None]] = {}
        for chunk in chunks(sorted(seen)):
            for key, h, deleted in self._x(
                    f"SELECT key, hash, deleted_run FROM relationships WHERE key IN ({marks(len(chunk))})",
                    chunk).fetchall():
                old[key] = (h, deleted)
        created: list[tuple[Any, ...]] = []
        updated: list[tuple[Any, ...]] = []
        history: list[tuple[str, str, str, str]] = []
        unchanged: list[tuple[int, str]] = []
        for key, (rel, mapped) in seen.items():
            props = dumps(rel.to_j1())
            h = rel_hash(props, mapped)
            prev = old.get(key)
            if prev is None or prev[1] is not None:
                created.append((key, rel.type, rel.verb, rel.from_key, rel.to_key, props, mapped, h,
                                run_id, run_id, run_id))
                history.append((key, "created", rel.type, props))
                counts["rel_created"] += 1
            elif prev[0] != h:
                updated.append((props, h, run_id, run_id, mapped, key))
                history.append((key, "updated", rel.type, props))
                counts["rel_updated"] += 1
            else:
                unchanged.append((run_id, key))
        self._xmany(
            "INSERT INTO relationships(key, type, verb, from_key, to_key, props, mapped, hash,"
            " first_run, last_run, updated_run, deleted_run) VALUES(?,?,?,?,?,?,?,?,?,?,?,NULL)"
            " ON CONFLICT(key) DO UPDATE SET type=excluded.type, verb=excluded.verb, from_key=excluded.from_key,"
            " to_key=excluded.to_key, props=excluded.props, mapped=excluded.mapped, hash=excluded.hash,"
            " first_run=excluded.first_run, last_run=excluded.last_run, updated_run=excluded.updated_run,"
            " deleted_run=NULL", created)
        self._xmany("UPDATE relationships SET props=?, hash=?, last_run=?, updated_run=?, mapped=? WHERE key=?",
                    updated)
        self._xmany("UPDATE relationships SET last_run=? WHERE key=?", unchanged)
        self._histories(run_id, "relationship", history)
        self._settle_ownership(run_id, owner, "r", set(seen), counts, everything)
        self._settle_ownership(run_id, owner, "e", kept, counts, everything)

    def _histories(self, run_id: int, kind: str, rows: list[tuple[str, str, str, str]]) -> None:
        """Many history rows at once (key, op, type, props)."""
        self._xmany("INSERT INTO history(run_id, kind, key, op, type, props) VALUES(?,?,?,?,?,?)",
                    [(run_id, kind, *r) for r in rows])

    def _settle_ownership(self, run_id: int, owner: str, kind: str, now: set[str], counts: dict[str, int],
                          everything: bool) -> None:
        """Record what ``owner`` asserts now; what nobody asserts any more is deleted."""
        insert = "INSERT INTO owned(owner, kind, key) VALUES(?,?,?) ON CONFLICT DO NOTHING"
        if everything:
            if kind == "r":
                before = {r[0] for r in self._x("SELECT key FROM relationships WHERE deleted_run IS NULL").fetchall()}
            else:
                before = {r[0] for r in self._x(
                    "SELECT key FROM entities WHERE source='mapper' AND deleted_run IS NULL").fetchall()}
            self._x("DELETE FROM owned WHERE kind=?", (kind,))
            self._xmany(insert, [(owner, kind, k) for k in sorted(now)])
            orphans = before - now
        else:
            before = {r[0] for r in self._x("SELECT key FROM owned WHERE owner=? AND kind=?",
                                            (owner, kind)).fetchall()}
            self._xmany(insert, [(owner, kind, k) for k in sorted(now - before)])
            gone = sorted(before - now)
            self._xmany("DELETE FROM owned WHERE owner=? AND kind=? AND key=?", [(owner, kind, k) for k in gone])
            still: set[str] = set()
            for chunk in chunks(gone):
                still.update(r[0] for r in self._x(
                    f"SELECT DISTINCT key FROM owned WHERE kind=? AND key IN ({marks(len(chunk))})",
                    [kind, *chunk]).fetchall())
            orphans = set(gone) - still
        for chunk in chunks(sorted(orphans)):
            m = marks(len(chunk))
            if kind == "r":
                rows = self._x(f"SELECT key, type, props FROM relationships WHERE deleted_run IS NULL"
                               f" AND key IN ({m})", chunk).fetchall()
            else:
                rows = self._x(f"SELECT key, type, props FROM entities WHERE deleted_run IS NULL"
                               f" AND source='mapper' AND key IN ({m})", chunk).fetchall()
            for key, etype, props in rows:
                self._mark_deleted(run_id, "relationship" if kind == "r" else "entity", key, etype, as_text(props))
                counts["rel_deleted" if kind == "r" else "deleted"] += 1

    def _merge_derived_props(self, run_id: int, merges: dict[str, dict[str, Any]], counts: dict[str, int],
                             owner: str | None) -> None:
        """Properties analysers set on collected entities (``raw={"__merge__": True}``).

        They live in their own column so a re-collected entity is compared on what the
        collector saw, and the analysis props are replaced, not accumulated, each time its
        account is derived (``owner``: only that account's entities; None: every entity).
        """
        params: list[Any] = []
        if owner is None:
            scope = ""
        elif owner == "":
            scope = " AND (account IS NULL OR account = '')"
        else:
            scope, params = " AND account = ?", [owner]
        rows = self._x("SELECT key, type, props, derived FROM entities WHERE deleted_run IS NULL"
                       f" AND derived IS NOT NULL{scope}", params).fetchall()
        current = {r[0]: r for r in rows}
        missing = sorted(set(merges) - set(current))
        for chunk in chunks(missing):
            current.update((r[0], r) for r in self._x(
                f"SELECT key, type, props, derived FROM entities WHERE key IN ({marks(len(chunk))})"
                f" AND deleted_run IS NULL{scope}", [*chunk, *params]).fetchall())
        changed: dict[str, tuple[str, str, str | None]] = {}  # key -> (type, props, derived)
        for key in sorted(set(merges) | set(current)):
            row = current.get(key)
            if row is None:
                continue
            new = merges.get(key, {})
            old = as_doc(row[3]) if row[3] else {}
            if old == new:
                continue
            props = as_doc(row[2])
            for k in old:
                props.pop(k, None)
            props.update(new)
            changed[key] = (row[1], dumps(props), dumps(new) if new else None)
        if not changed:
            return
        self._xmany("UPDATE entities SET props=?, derived=?, updated_run=? WHERE key=?",
                    [(text, derived, run_id, key) for key, (_t, text, derived) in changed.items()])
        # An entity already created or updated in this run: amend that history row; else one of its own.
        order = self._write_order
        latest: dict[str, int] = {k: v for k, v in self._history_rows.items() if k in changed}
        for chunk in chunks(sorted(set(changed) - set(latest))):
            latest.update((k, int(i)) for k, i in self._x(
                f"SELECT key, max({order}) FROM history WHERE run_id=? AND kind='entity'"
                f" AND op IN ('created', 'updated') AND key IN ({marks(len(chunk))}) GROUP BY key",
                [run_id, *chunk]).fetchall())
        self._xmany(f"UPDATE history SET props=? WHERE {order}=?",
                    [(changed[k][1], i) for k, i in sorted(latest.items())])
        fresh = [k for k in sorted(changed) if k not in latest]
        self._histories(run_id, "entity", [(k, "updated", changed[k][0], changed[k][1]) for k in fresh])
        counts["updated"] += len(fresh)

__all__ = ["DeriveWrites"]
