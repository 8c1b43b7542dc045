"""A read-only view of the collected graph that analysers work on.

Analysers are pure functions ``fn(view: GraphView) -> Iterable[Entity | Relationship]``;
they never call AWS. Records carry the entity's JupiterOne properties (``props``) and the
redacted AWS API record it was built from (``raw``: the list item as boto3 returns it,
with detail-call results merged under the keys the catalog spec names).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass
class Record:
    key: str
    type: str
    props: dict[str, Any]
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def account(self) -> str | None:
        v = self.props.get("accountId")
        return str(v) if v is not None else None

    @property
    def region(self) -> str | None:
        v = self.props.get("region")
        return str(v) if v is not None else None


class Lookup(Protocol):
    """Entities outside the view (other accounts of the graph), found by identity."""

    def find(self, kind: str, value: str) -> list[Record]: ...

    def raw(self, key: str) -> dict[str, Any]:
        """The API record of an entity ``find`` returned (found records carry props only)."""
        ...


class GraphView:
    """Entities indexed by type and key, plus the relationships derived so far.

    A view may hold one account of a larger graph; ``foreign`` then finds what the account's
    records name elsewhere (a role another account trusts, a peered VPC): :meth:`get` and
    :meth:`find` look in the view first and then there.
    """

    def __init__(self, records: Iterable[Record], relationships: Iterable[dict[str, Any]] = (),
                 foreign: Lookup | None = None) -> None:
        self._by_key: dict[str, Record] = {}
        self._by_type: dict[str, list[Record]] = defaultdict(list)
        for r in records:
            self._by_key[r.key] = r
            self._by_type[r.type].append(r)
        self.relationships: list[dict[str, Any]] = list(relationships)
        self.foreign = foreign
        self._idents: dict[str, dict[str, list[Record]]] = {}

    def entities(self, *types: str) -> Iterator[Record]:
        for t in types:
            yield from self._by_type.get(t, ())

    def get(self, key: str) -> Record | None:
        found = self._by_key.get(key)
        if found is None and self.foreign is not None:
            elsewhere = self.foreign.find("key", key)
            return elsewhere[0] if elsewhere else None
        return found

    def local(self, key: str) -> Record | None:
        """The record with ``key`` in this view only."""
        return self._by_key.get(key)

    def find(self, kind: str, value: str) -> list[Record]:
        """Records named by an identity (``awsgraph.analysis.identity``): here, else elsewhere."""
        index = self._idents.get(kind)
        if index is None:
            from awsgraph.analysis.identity import identities

            index = self._idents[kind] = defaultdict(list)
            for rec in self._by_key.values():
                for _kind, v in identities(rec, (kind,)):
                    index[v].append(rec)
        found = index.get(value)
        if found:
            return list(found)
        return self.foreign.find(kind, value) if self.foreign is not None else []

    def elsewhere(self, kind: str, value: str) -> list[Record]:
        """Records of other accounts named by an identity (none without a ``foreign`` lookup),
        whatever this view holds: for questions whose answers are wanted from every account."""
        return self.foreign.find(kind, value) if self.foreign is not None else []

    def with_raw(self, rec: Record) -> Record:
        """``rec`` with its API record: as it is when it has one, else read from ``foreign``."""
        if rec.raw or self.foreign is None or rec.key in self._by_key:
            return rec
        return Record(rec.key, rec.type, rec.props, self.foreign.raw(rec.key))

    def types(self) -> list[str]:
        return sorted(self._by_type)

    def all(self) -> Iterator[Record]:
        return iter(self._by_key.values())

    def __len__(self) -> int:
        return len(self._by_key)
