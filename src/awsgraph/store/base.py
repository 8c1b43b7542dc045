"""The store interface the collector and the analysers talk to."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from awsgraph.model import Entity


class StoreError(Exception):
    """A store problem with a one-line message for the user."""


@dataclass
class StepResult:
    """What one (account, region, step) unit of collection did."""

    step: str
    account: str
    region: str
    service: str
    types: tuple[str, ...]
    status: str = "success"  # success | partial | failed | skipped
    reason: str = ""
    entities: int = 0
    calls: int = 0
    duration: float = 0.0
    capped: str = ""  # non-empty when a cap stopped the listing early


@dataclass
class RunInfo:
    id: int
    started_at: float
    finished_at: float | None
    status: str
    config: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)


@dataclass
class StoredEntity:
    key: str
    type: str
    account: str | None
    region: str | None
    props: dict[str, Any]
    links: dict[str, list[str]]


class GraphStore(Protocol):
    def begin_run(self, config: dict[str, Any]) -> int: ...

    def stage_entities(self, run_id: int, entities: Iterable[Entity]) -> None: ...

    def record_step(self, run_id: int, result: StepResult) -> None: ...

    def finish_run(
        self,
        run_id: int,
        complete_scopes: Iterable[tuple[str, str, str]],
        partial_scopes: Iterable[tuple[str, str, str]],
        derive: Any,
        summary: dict[str, Any],
    ) -> dict[str, int]: ...

    def iter_entities(self, types: Iterable[str] | None = None, *, with_raw: bool = False,
                      source: str | None = None) -> Iterator[StoredEntity]: ...

    def relationships(self) -> Iterator[dict[str, Any]]: ...

    def runs(self) -> list[RunInfo]: ...

    def close(self) -> None: ...

