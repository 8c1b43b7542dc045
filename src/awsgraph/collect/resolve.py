"""The second pass: relationships from the link values of what is stored, one account at a time.

Deriving an account reads that account's live entities (collected in this run, or kept from
an earlier run because its scope was partial this time; so a denied service's entities still
link, and no spec depends on another's order), resolves its links, and runs the analysers
(``awsgraph.analysis.ANALYSERS``) on a view of it. What its records name in *other* accounts
(a trusted role, a peered VPC, the OU above it) is found through the store's identity index
(:class:`StoreLookup`), and every such lookup is remembered: when an entity of another account
changes, exactly the accounts that looked it up are derived again. That is the cross-account
pass: :meth:`GraphStore.derive_pending` runs it after the accounts of a run are committed.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from awsgraph.analysis import ANALYSERS, Analyser, GraphView, Record
from awsgraph.analysis.identity import identities
from awsgraph.collect.convert import SUBJECT_SEP
from awsgraph.model.entity import Entity, Relationship
from awsgraph.store.base import Derived, StoredEntity

# Bump when derivation changes what it produces: every account is derived again once.
DERIVE_VERSION = "5"
LINK = "link"

_Index = dict[tuple[str, str], dict[str, list[tuple[str, str | None, str | None]]]]


def parse_link_id(link_id: str) -> tuple[str, tuple[str, ...], str, bool]:
    verb, others, on, direction = link_id.split("|")[:4]
    return verb, tuple(others.split(",")), on, direction == "<"


def link_subject(link_id: str) -> tuple[str, str] | None:
    """(type, on) of a subject link's stand-in end, or None when the end is the entity itself."""
    parts = link_id.split("|")
    return (parts[4], parts[5]) if len(parts) == 6 else None


def _values(props: dict[str, Any], on: str, key: str) -> list[str]:
    if on == "_key":
        return [key]
    v = props.get(on)
    if v is None:
        return []
    if isinstance(v, list):
        return [str(x) for x in v if x is not None]
    return [str(v)]


def link_relationships(entities: Sequence[StoredEntity], elsewhere: Any = None) -> list[Relationship]:
    """Relationships from the entities' link values; ``elsewhere`` (a :class:`StoreLookup`)
    finds the targets a link names outside ``entities``."""
    needed: set[tuple[str, str]] = set()
    for e in entities:
        for link_id in e.links:
            _, others, on, _ = parse_link_id(link_id)
            for o in others:
                needed.add((o, on))
            subject = link_subject(link_id)
            if subject:
                needed.add(subject)
    index: _Index = defaultdict(lambda: defaultdict(list))
    for e in entities:
        for (t, on) in needed:
            if t == e.type:
                for v in _values(e.props, on, e.key):
                    index[(t, on)][v].append((e.key, e.account, e.region))
    rels: list[Relationship] = []
    for e in entities:
        for link_id, values in e.links.items():
            verb, others, on, reverse = parse_link_id(link_id)
            subject = link_subject(link_id)
            for value in values:
                ends: list[tuple[str, str]] = [(e.key, e.type)]
                if subject is not None:  # "subject value<US>other value": the subject stands in for e
                    svalue, _, value = str(value).partition(SUBJECT_SEP)
                    ends = [(k, subject[0]) for k in _matches(index, subject, svalue, e.account, e.region, elsewhere)]
                for this_key, this_type in ends:
                    for other in others:
                        for target_key in _matches(index, (other, on), str(value), e.account, e.region, elsewhere):
                            if target_key == this_key:
                                continue
                            if reverse:
                                rels.append(Relationship(target_key, verb, this_key, other, this_type))
                            else:
                                rels.append(Relationship(this_key, verb, target_key, this_type, other))
    return rels


def _matches(index: _Index, where: tuple[str, str], value: str, account: str | None, region: str | None,
             elsewhere: Any = None) -> list[str]:
    """Keys of the entities ``where`` = (type, property) names by ``value``: those of the same
    account if any, and of those, the ones in the same region when a name repeats across regions
    (a log group name in each region); else those of another account of the graph."""
    candidates = index.get(where, {}).get(value, [])
    if not candidates and elsewhere is not None:
        etype, on = where
        found = elsewhere.find("key", value) if on == "_key" else elsewhere.find(LINK, link_value(etype, on, value))
        candidates = [(r.key, r.account, r.region) for r in found if r.type == etype]
    same = [c for c in candidates if c[1] == account] or candidates
    if len(same) > 1 and region:
        same = [c for c in same if c[2] == region] or same
    return [c[0] for c in same]


def link_value(etype: str, on: str, value: str) -> str:
    return f"{etype}|{on}|{value}"


@functools.cache
def _link_targets() -> dict[str, tuple[str, ...]]:
    """type -> the properties (other than ``_key``) links of the catalog match it on."""
    from awsgraph.catalog import CATALOG
    from awsgraph.catalog.spec import Resource

    out: dict[str, set[str]] = defaultdict(set)
    for spec in CATALOG:
        if not isinstance(spec, Resource):
            continue
        for link in spec.links:
            if link.on != "_key":
                for other in link.others:
                    out[other].add(link.on)
            if link.subject and link.subject[1] != "_key":
                out[link.subject[0]].add(link.subject[1])
    return {t: tuple(sorted(ons)) for t, ons in out.items()}


def entity_identities(key: str, etype: str, props: dict[str, Any], raw: dict[str, Any]
                      ) -> Iterator[tuple[str, str]]:
    """Every identity of a stored entity: :func:`awsgraph.analysis.identity.identities` plus
    the property values links of other accounts may match it on (the store's ``IdentityFn``)."""
    yield from identities(Record(key, etype, props, raw if isinstance(raw, dict) else {}))
    for on in _link_targets().get(etype, ()):
        for v in _values(props, on, key):
            yield LINK, link_value(etype, on, v)


def _owner_of(kind: str, value: str) -> str | None:
    """The account an identity value itself names, when it names one."""
    if kind == "key" and value.startswith("aws:account:"):
        return value.rsplit(":", 1)[-1]
    if kind == "key" and value.startswith("aws:") and value.count(":") == 2:
        return value.split(":")[1]
    if kind in ("key", "arn") and value.startswith("arn:"):
        parts = value.split(":", 5)
        return parts[4] if len(parts) == 6 and parts[4].isdigit() else None
    if kind == "principal":
        return value.split(":", 1)[0]
    return None


class StoreLookup:
    """What an account's records name in other accounts, found in the store's identity index.

    Every question asked is recorded (``asked``): the store re-derives the account when an
    entity with one of those identities appears, changes or goes. Questions about the account
    itself are not sent (its own entities are in the view already).
    """

    def __init__(self, store: Any, account: str) -> None:
        self.store = store
        self.account = account
        self.asked: set[tuple[str, str]] = set()
        self._cache: dict[tuple[str, str], list[Record]] = {}
        self._raw: dict[str, dict[str, Any]] = {}

    def find(self, kind: str, value: str) -> list[Record]:
        if not value:
            return []
        if self.account and _owner_of(kind, value) == self.account:
            return []
        key = (kind, value)
        found = self._cache.get(key)
        if found is None:
            self.asked.add(key)
            found = self._cache[key] = [
                Record(e.key, e.type, e.props) for e in self.store.find_identity(kind, value)
                if (e.account or "") != self.account]
        return found

    def raw(self, key: str) -> dict[str, Any]:
        """The stored API record of an entity ``find`` returned (its policy documents, its trust).

        Nothing new is recorded: the entity was found through an identity already asked, and
        any change to it (its record included) re-derives this account through that one."""
        found = self._raw.get(key)
        if found is None:
            got = self.store.raw_record(key)
            found = self._raw[key] = got if isinstance(got, dict) else {}
        return found


def derive_account(store: Any, account: str, analysers: Iterable[Analyser] = ANALYSERS) -> Derived:
    """One account's relationships, placeholders and derived properties (``GraphStore.derive_pending``)."""
    entities = list(store.iter_entities(with_raw=True, source="collector", account=account))
    elsewhere = StoreLookup(store, account)
    rels = link_relationships(entities, elsewhere)
    records = [Record(e.key, e.type, {k: v for k, v in e.props.items() if k != "__raw__"},
                      e.props.get("__raw__") or {}) for e in entities]
    del entities
    local_keys = {r.key for r in records}
    view = GraphView(records, [r.to_j1() for r in rels], foreign=elsewhere)
    extra: list[Entity] = []
    for analyser in analysers:
        for obj in analyser(view):
            if isinstance(obj, Relationship):
                rels.append(obj)
            else:
                extra.append(obj)
    # a placeholder stands for something another account may hold: collecting it re-derives this one
    refs = set(elsewhere.asked) | {("key", e.key) for e in extra if not (e.raw and e.raw.get("__merge__"))}
    return Derived(extra, rels, refs, local_keys)


def derive(store: Any, analysers: Iterable[Analyser] = ANALYSERS) -> tuple[list[Entity], list[Relationship]]:
    """The whole graph at once (``SQLiteStore.finish_run``): relationships from links, then
    whatever the analysers add."""
    # Only what was collected: placeholders from earlier runs are re-derived, never fed back in.
    entities = list(store.iter_entities(with_raw=True, source="collector"))
    rels = link_relationships(entities)
    extra: list[Entity] = []
    records = [Record(e.key, e.type, {k: v for k, v in e.props.items() if k != "__raw__"},
                      e.props.get("__raw__") or {}) for e in entities]
    view = GraphView(records, [r.to_j1() for r in rels])
    for analyser in analysers:
        for obj in analyser(view):
            if isinstance(obj, Relationship):
                rels.append(obj)
            else:
                extra.append(obj)
    return extra, rels
