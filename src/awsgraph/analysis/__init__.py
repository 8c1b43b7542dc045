"""Pure analysis over collected records: never calls AWS.

``ANALYSERS`` is the explicit registry the collector runs after relationships are resolved;
each analyser takes a :class:`GraphView` and yields entities (placeholders, global
entities) and relationships.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from awsgraph.analysis.view import GraphView, Record
from awsgraph.model import Entity, Relationship

Analyser = Callable[[GraphView], Iterable[Entity | Relationship]]

ANALYSERS: tuple[Analyser, ...] = ()

__all__ = ["ANALYSERS", "Analyser", "GraphView", "Record"]
