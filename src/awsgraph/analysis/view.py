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
from typing import Any


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


class GraphView:
    """Entities indexed by type and key, plus the relationships derived so far."""

    def __init__(self, records: Iterable[Record], relationships: Iterable[dict[str, Any]] = ()) -> None:
        self._by_key: dict[str, Record] = {}
        self._by_type: dict[str, list[Record]] = defaultdict(list)
        for r in records:
            self._by_key[r.key] = r
            self._by_type[r.type].append(r)
        self.relationships: list[dict[str, Any]] = list(relationships)

    def entities(self, *types: str) -> Iterator[Record]:
        for t in types:
            yield from self._by_type.get(t, ())

    def get(self, key: str) -> Record | None:
        return self._by_key.get(key)

    def types(self) -> list[str]:
        return sorted(self._by_type)

    def all(self) -> Iterator[Record]:
        return iter(self._by_key.values())

    def __len__(self) -> int:
        return len(self._by_key)
