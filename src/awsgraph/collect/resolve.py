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
from awsgraph.collect.convert import SUBJECT_SEP
from awsgraph.model.entity import Entity, Relationship
from awsgraph.store.base import StoredEntity

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


def link_relationships(entities: Sequence[StoredEntity]) -> list[Relationship]:
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
                    ends = [(k, subject[0]) for k in _matches(index, subject, svalue, e.account, e.region)]
                for this_key, this_type in ends:
                    for other in others:
                        for target_key in _matches(index, (other, on), str(value), e.account, e.region):
                            if target_key == this_key:
                                continue
                            if reverse:
                                rels.append(Relationship(target_key, verb, this_key, other, this_type))
                            else:
                                rels.append(Relationship(this_key, verb, target_key, this_type, other))
    return rels


def _matches(index: _Index, where: tuple[str, str], value: str, account: str | None, region: str | None
             ) -> list[str]:
    """Keys of the entities ``where`` = (type, property) names by ``value``: those of the same
    account if any, and of those, the ones in the same region when a name repeats across regions
    (a log group name in each region)."""
    candidates = index.get(where, {}).get(value, [])
    same = [c for c in candidates if c[1] == account] or candidates
    if len(same) > 1 and region:
        same = [c for c in same if c[2] == region] or same
    return [c[0] for c in same]


def derive(store: Any, analysers: Iterable[Analyser] = ANALYSERS) -> tuple[list[Entity], list[Relationship]]:
    """Relationships from links, then whatever the analysers add."""
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
