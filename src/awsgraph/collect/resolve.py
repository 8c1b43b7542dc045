"""The second pass: relationships from the link values of everything in the store.

Every live entity (collected in this run, or kept from an earlier run because its scope
was partial this time) contributes; so a denied service's entities still link, and no
spec depends on another's order. Analysers (``awsgraph.analysis.ANALYSERS``) run last.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from awsgraph.analysis import ANALYSERS, Analyser, GraphView, Record
from awsgraph.model.entity import Entity, Relationship
from awsgraph.store.base import StoredEntity


def parse_link_id(link_id: str) -> tuple[str, tuple[str, ...], str, bool]:
    verb, others, on, direction = link_id.split("|")
    return verb, tuple(others.split(",")), on, direction == "<"


def _values(props: dict[str, Any], on: str, key: str) -> list[str]:
    if on == "_key":
        return [key]
    v = props.get(on)
    if v is None:
        return []
    if isinstance(v, list):
        return [str(x) for x in v if x is not None]
    return [str(v)]


def link_relationships(entities: Sequence[StoredEntity]) -> list[Relationship]:
    needed: set[tuple[str, str]] = set()
    for e in entities:
        for link_id in e.links:
            _, others, on, _ = parse_link_id(link_id)
            for o in others:
                needed.add((o, on))
    index: dict[tuple[str, str], dict[str, list[tuple[str, str | None]]]] = defaultdict(lambda: defaultdict(list))
    for e in entities:
        for (t, on) in needed:
            if t == e.type:
                for v in _values(e.props, on, e.key):
                    index[(t, on)][v].append((e.key, e.account))
    rels: list[Relationship] = []
    for e in entities:
        for link_id, values in e.links.items():
            verb, others, on, reverse = parse_link_id(link_id)
            for value in values:
                for other in others:
                    candidates = index.get((other, on), {}).get(str(value), [])
                    same = [c for c in candidates if c[1] == e.account]
                    for target_key, _acct in (same or candidates):
                        if target_key == e.key:
                            continue
                        if reverse:
                            rels.append(Relationship(target_key, verb, e.key, other, e.type))
                        else:
                            rels.append(Relationship(e.key, verb, target_key, e.type, other))
    return rels


def derive(store: Any, analysers: Iterable[Analyser] = ANALYSERS) -> tuple[list[Entity], list[Relationship]]:
    """Relationships from links, then whatever the analysers add."""
    entities = list(store.iter_entities(with_raw=True))
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
