"""Merging what a unit staged into the live graph, written once for both stores.

:class:`MergeWrites` commits a unit: the entities it staged are compared with what is stored
(one statement marks the unchanged ones seen; the others are read with their stored row in one
pass and written in batches by :class:`EntityWrites`), entities of its complete scopes that it did
not see are marked deleted, and what changed is queued for the cross-account pass.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from typing import Any

from awsgraph.model.accounts import ORG, SELF, compose, merge_links
from awsgraph.store.base import UnitCommit
from awsgraph.store.runs import (
    RunWrites,
    account_is,
    as_doc,
    as_text,
    content_hash,
    dumps,
    new_counts,
    only_volatile,
)


class Listing:
    """What an Organizations listing a unit committed named."""

    def __init__(self) -> None:
        self.org_ids: set[str] = set()
        self.listed: set[str] = set()  # account keys an Organizations listing named


class EntityWrites:
    """Entity writes queued by a merge, sent in batches (``executemany``: one round trip per batch on
    PostgreSQL, one prepared statement on SQLite). Each key appears once per batch."""

    def __init__(self) -> None:
        self.created: list[tuple[Any, ...]] = []
        self.updated: list[tuple[Any, ...]] = []
        self.raw: list[tuple[Any, ...]] = []
        self.seen: list[tuple[Any, ...]] = []
        self.drop_classes: list[tuple[str]] = []
        self.add_classes: list[tuple[str, str]] = []
        self.history: list[tuple[Any, ...]] = []
        self.changed: dict[str, str] = {}  # key -> account ("" = none): to derive again

    def __len__(self) -> int:
        return len(self.created) + len(self.updated) + len(self.raw) + len(self.seen)

    def classes(self, key: str, props: str, *, replace: bool) -> None:
        if replace:
            self.drop_classes.append((key,))
        self.add_classes += [(c, key) for c in dict.fromkeys(json.loads(props).get("_class", []))]

    def flush(self, store: RunWrites) -> None:
        store._xmany(
            "INSERT INTO entities(key, type, account, region, props, links, raw, source, hash,"
            " raw_hash, fragments, first_run, last_run, updated_run, deleted_run)"
            " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,NULL) ON CONFLICT(key) DO UPDATE SET type=excluded.type,"
            " account=excluded.account, region=excluded.region, props=excluded.props, links=excluded.links,"
            " raw=excluded.raw, source=excluded.source, hash=excluded.hash, raw_hash=excluded.raw_hash,"
            " fragments=excluded.fragments, first_run=excluded.first_run, last_run=excluded.last_run,"
            " updated_run=excluded.updated_run, deleted_run=NULL, derived=NULL", self.created)
        store._xmany(
            "UPDATE entities SET type=?, account=?, region=?, props=?, links=?, raw=?, source=?, hash=?,"
            " raw_hash=?, fragments=COALESCE(?, fragments), last_run=?, updated_run=?, derived=NULL WHERE key=?",
            self.updated)
        store._xmany("UPDATE entities SET last_run=?, raw=?, raw_hash=?, fragments=COALESCE(?, fragments)"
                     " WHERE key=?", self.raw)
        store._xmany("UPDATE entities SET last_run=?, fragments=COALESCE(?, fragments) WHERE key=?", self.seen)
        store._xmany("DELETE FROM entity_classes WHERE key=?", self.drop_classes)
        store._xmany("INSERT INTO entity_classes(class, key) VALUES(?,?) ON CONFLICT DO NOTHING", self.add_classes)
        store._xmany("INSERT INTO history(run_id, kind, key, op, type, props) VALUES(?,?,?,?,?,?)", self.history)
        if self.changed:
            store._xmany("INSERT INTO changed(key, account) VALUES(?, ?)"
                         " ON CONFLICT(key) DO UPDATE SET account=excluded.account", sorted(self.changed.items()))
            store._xmany("INSERT INTO dirty(account, gen) VALUES(?, 1) ON CONFLICT(account) DO UPDATE SET"
                         " gen=dirty.gen+1", [(a,) for a in sorted(set(self.changed.values()))])
        self.__init__()  # type: ignore[misc]


class MergeWrites(RunWrites):
    """Committing units (and whole hand-built runs) into the live graph."""

    def commit_unit(self, run_id: int, unit: str, complete_scopes: Iterable[tuple[str, str, str]],
                    partial_scopes: Iterable[tuple[str, str, str]],
                    summary: dict[str, Any] | None = None) -> UnitCommit:
        """Merge one unit's staged entities into the live graph in one transaction.

        Entities of its complete scopes that it did not see are marked deleted; accounts an
        Organizations listing it completed no longer names are marked deleted. The entities that
        changed are queued for :meth:`derive_pending`. Other units of the same run may commit
        before, after or (PostgreSQL) at the same time; a unit committed twice (a redelivered
        task) replaces nothing twice.
        """
        complete = sorted(set(complete_scopes))
        partial = sorted(set(partial_scopes))
        for attempt in range(5):
            counts = new_counts()
            self._history_rows = {}
            try:
                with self._transaction():
                    self._write_scopes(run_id, complete, partial)
                    listing = self._merge_staged(run_id, unit, counts)
                    self._delete_unseen(run_id, complete, counts)
                    left: list[str] = []
                    if any(t == "aws_organization" for (_a, _r, t) in complete) and listing.org_ids:
                        left = self._left_organization(run_id, listing, counts)
                    self._x("DELETE FROM staged WHERE run_id=? AND unit=?", (run_id, unit))
                    self._finish_unit(run_id, unit, "partial" if partial else "success", None,
                                      dumps({**(summary or {}), "changes": counts}))
                return UnitCommit(counts, left)
            except self._retryable:
                if attempt == 4:
                    raise
                time.sleep(0.1 * (attempt + 1))  # another worker's commit held what this one needs
        raise AssertionError("unreachable")

    def _write_scopes(self, run_id: int, complete: list[tuple[str, str, str]],
                      partial: Iterable[tuple[str, str, str]]) -> None:
        sql = ("INSERT INTO scopes(run_id, account, region, type, complete) VALUES(?,?,?,?,?)"
               " ON CONFLICT(run_id, account, region, type) DO UPDATE SET complete=excluded.complete")
        self._xmany(sql, [(run_id, *s, True) for s in complete])
        self._xmany(sql, [(run_id, *s, False) for s in partial])

    def finish_run(
        self,
        run_id: int,
        complete_scopes: Iterable[tuple[str, str, str]],
        partial_scopes: Iterable[tuple[str, str, str]],
        derive: Any,
        summary: dict[str, Any],
    ) -> dict[str, int]:
        """One unit and a whole-graph derivation in one transaction: ``derive(store)`` returns
        every relationship and placeholder the graph should have; the others are deleted.

        The collector uses :meth:`commit_unit` and :meth:`derive_pending`; this remains for
        callers that build a graph by hand (fixtures, imports).
        """
        counts = new_counts()
        self._history_rows = {}
        self._stop_heartbeat(run_id)
        with self._transaction():
            complete = sorted(set(complete_scopes))
            self._write_scopes(run_id, complete, set(partial_scopes))
            self._merge_staged(run_id, None, counts)
            self._delete_unseen(run_id, complete, counts)
            if derive is not None:
                extra_entities, rels = derive(self)
                self._merge_derived(run_id, "", list(extra_entities), list(rels), counts,  # type: ignore[attr-defined]
                                    everything=True)
            self._x("DELETE FROM staged WHERE run_id=?", (run_id,))
            self._x("UPDATE runs SET status='finished', finished_at=?, summary=? WHERE id=?",
                    (time.time(), dumps({**summary, "changes": counts}), run_id))
        return counts

    # -- merging entities ---------------------------------------------------------------------
    def _upsert_entity(self, run_id: int, row: tuple[Any, ...], source: str, counts: dict[str, int],
                       fragments: str | None = None, rh: str | None = None) -> str:
        """Write one entity now; returns what :meth:`_plan_entity` says."""
        writes = EntityWrites()
        old = self._x("SELECT hash, deleted_run, raw_hash, props, raw FROM entities WHERE key=?", (row[0],)).fetchone()
        outcome = self._plan_entity(run_id, row, source, counts, writes, old, fragments, rh)
        writes.flush(self)
        return outcome

    def _plan_entity(self, run_id: int, row: tuple[Any, ...], source: str, counts: dict[str, int],
                     writes: EntityWrites, old: tuple[Any, ...] | None, fragments: str | None = None,
                     rh: str | None = None) -> str:
        """Queue the writes of one entity, given its stored row ``old`` (hash, deleted_run, raw_hash, props,
        raw; None: never stored); returns created | updated | raw (only its raw record changed) | volatile
        (only what no derivation reads changed) | same."""
        key, etype, account, region, props, links, raw, h = row
        if rh is None and raw:
            rh = content_hash(raw)
        if old is None or old[1] is not None:
            writes.created.append((key, etype, account, region, props, links, raw, source, h, rh, fragments,
                                   run_id, run_id, run_id))
            writes.classes(key, props, replace=old is not None)
            writes.history.append((run_id, "entity", key, "created", etype, props))
            counts["created"] += 1
            return "created"
        if old[0] != h:
            writes.updated.append((etype, account, region, props, links, raw, source, h, rh, fragments, run_id,
                                   run_id, key))
            writes.classes(key, props, replace=True)
            writes.history.append((run_id, "entity", key, "updated", etype, props))
            counts["updated"] += 1
            return "volatile" if only_volatile(old[3], props, old[4], raw) else "updated"
        if old[2] != rh:
            writes.raw.append((run_id, raw, rh, fragments, key))
            return "volatile" if only_volatile(old[3], props, old[4], raw) else "raw"
        writes.seen.append((run_id, fragments, key))
        return "same"

    def _merge_staged(self, run_id: int, unit: str | None, counts: dict[str, int]) -> Listing:
        listing = Listing()
        where, params = ("s.run_id=?", [run_id]) if unit is None else ("s.run_id=? AND s.unit=?", [run_id, unit])
        # What is staged as it is stored (same hashes) only marks the entity seen: one statement
        # for all of them; the rest is read with what is stored of it, and written in batches.
        same = ("{e}.key = s.key AND {e}.deleted_run IS NULL AND {e}.hash = s.hash"
                f" AND {{e}}.raw_hash {self._null_safe_equals} s.raw_hash AND s.fragment = ''")
        self._x(f"UPDATE entities SET last_run=? FROM staged s WHERE {where} AND {same.format(e='entities')}",
                [run_id, *params])
        group: list[tuple[Any, ...]] = []  # the fragments of one key, merged before one write
        writes = EntityWrites()

        def flush() -> None:
            key, fragment, etype, account, region, props, links, raw, h, rh = group[-1][:10]
            old = group[-1][10:] if group[-1][10] is not None else None  # entities.hash is never NULL
            fragments = None
            if fragment:
                parts = {row[1]: (row[5], row[6], row[7]) for row in group}
                self._lock_shared_entity(key)  # then read it again: another unit may have merged it meanwhile
                props, links, raw, h, fragments = self._merge_fragments(key, parts)
                rh = None
                old = self._x("SELECT hash, deleted_run, raw_hash, props, raw FROM entities WHERE key=?",
                              (key,)).fetchone()
                if ORG in parts:
                    listing.listed.add(key)
            outcome = self._plan_entity(run_id, (key, etype, account, region, props, links, raw, h),
                                        "collector", counts, writes, old, fragments, rh)
            if outcome not in ("same", "volatile"):
                writes.changed[key] = account or ""
            group.clear()
            if len(writes) >= 500:
                writes.flush(self)

        for row in self._stream(
                "SELECT s.key, s.fragment, s.type, s.account, s.region, s.props, s.links, s.raw, s.hash, s.raw_hash,"
                " e.hash, e.deleted_run, e.raw_hash, e.props, e.raw FROM staged s LEFT JOIN entities e ON e.key = s.key"
                f" WHERE {where} AND NOT EXISTS(SELECT 1 FROM entities x WHERE {same.format(e='x')})"
                " ORDER BY s.key, s.fragment", params):
            if group and (row[0] != group[-1][0] or not row[1]):
                flush()
            group.append(tuple(row))
        if group:
            flush()
        writes.flush(self)
        for (props,) in self._x(f"SELECT s.props FROM staged s WHERE {where} AND s.type = 'aws_organization'",
                                params).fetchall():
            org_id = as_doc(props).get("organizationId")
            if org_id:
                listing.org_ids.add(str(org_id))
        return listing

    def _note_changed(self, key: str, account: str | None) -> None:
        writes = EntityWrites()
        writes.changed[key] = account or ""
        writes.flush(self)

    def _merge_fragments(self, key: str, parts: dict[str, tuple[str, str | None, str | None]]
                         ) -> tuple[str, str | None, str | None, str, str]:
        """Sources' views of a shared entity (``parts``: fragment -> props, links, raw), merged
        with what the other sources said before."""
        row = self._x("SELECT fragments, props, links, raw, deleted_run FROM entities WHERE key=?",
                      (key,)).fetchone()
        frs: dict[str, Any] = {}
        raw: str | None = None
        if row is not None and row[4] is None:
            raw = as_text(row[3])
            if row[0]:
                frs = as_doc(row[0])
            else:  # written before fragments existed: an Organizations stub names its email/status
                old = as_doc(row[1])
                frs = {ORG if ("email" in old or "status" in old) else SELF:
                       {"props": old, "links": as_doc(row[2]) if row[2] else {}}}
        for fragment, (props, links, part_raw) in parts.items():
            frs[fragment] = {"props": json.loads(props), "links": json.loads(links) if links else {}}
            if fragment == SELF or SELF not in frs or raw is None:
                raw = part_raw  # the account's own run read the richer record
        merged = compose({name: f["props"] for name, f in frs.items()})
        merged_links = merge_links({name: f.get("links") or {} for name, f in frs.items()})
        props_text = dumps(merged)
        links_text = dumps(merged_links) if merged_links else None
        return props_text, links_text, raw, content_hash(props_text + (links_text or "")), dumps(frs)

    def _delete_unseen(self, run_id: int, complete: list[tuple[str, str, str]], counts: dict[str, int]) -> None:
        for account, region, etype in complete:
            acct_sql, acct_params = account_is(account)
            region_sql = "region IS NULL" if region is None else "region = ?"
            rows = self._x(
                f"SELECT key, props FROM entities WHERE {acct_sql} AND {region_sql} AND type=? AND source='collector'"
                " AND deleted_run IS NULL AND last_run < ?",
                (*acct_params, *([] if region is None else [region]), etype, run_id),
            ).fetchall()
            for key, props in rows:
                self._mark_deleted(run_id, "entity", key, etype, as_text(props))
                self._note_changed(key, account)
                counts["deleted"] += 1

    def _left_organization(self, run_id: int, listing: Listing, counts: dict[str, int]) -> list[str]:
        """Accounts an organization listed before and a complete listing no longer names."""
        left = []
        for key, account, props, fragments in self._x(
                "SELECT key, account, props, fragments FROM entities WHERE type='aws_account'"
                " AND deleted_run IS NULL AND fragments IS NOT NULL").fetchall():
            org = (as_doc(fragments).get(ORG) or {}).get("props") or {}
            if str(org.get("organizationId")) not in listing.org_ids or key in listing.listed:
                continue
            self._mark_deleted(run_id, "entity", key, "aws_account", as_text(props))
            self._x("UPDATE entities SET fragments=NULL WHERE key=?", (key,))
            self._note_changed(key, account)
            counts["deleted"] += 1
            left.append(str(account or key.rsplit(":", 1)[-1]))
        return sorted(left)

    def _mark_deleted(self, run_id: int, kind: str, key: str, etype: str, props: str | None) -> None:
        table = "entities" if kind == "entity" else "relationships"
        self._x(f"UPDATE {table} SET deleted_run=? WHERE key=?", (run_id, key))
        if kind == "entity":
            self._x("DELETE FROM entity_classes WHERE key=?", (key,))
        self._history(run_id, kind, key, "deleted", etype, props)


__all__ = ["EntityWrites", "Listing", "MergeWrites"]
