"""The store interface the collector and the analysers talk to.

A *run* is one ``awsgraph collect`` (one account, or every account of an organization). Its
work is split into *units*, one per account: a unit stages what it collects and commits it in
one transaction of its own (``commit_unit``), so several units (threads now, workers on other
machines later) can commit different accounts of one run. Relationships are derived afterwards,
per account, by ``derive_pending``: only the accounts whose entities changed, plus the accounts
holding a reference into a changed entity, under a lock so that one derivation runs at a time.

Only one run writes a database at a time: ``begin_run`` refuses (or waits) while another live
run holds it, and cleans up after a run whose process is gone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from awsgraph.model import Entity, Relationship


class StoreError(Exception):
    """A store problem with a one-line message for the user."""


class StoreBusy(StoreError):
    """Another live run is writing the database."""


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


@dataclass
class UnitCommit:
    """What committing one unit (account) changed."""

    counts: dict[str, int]
    left_organization: list[str] = field(default_factory=list)  # account ids no longer listed by their org


@dataclass
class Derived:
    """What deriving one account produced: placeholders and property merges, relationships,
    and the references it looked up outside the account (``(kind, value)`` identities)."""

    entities: list[Entity]
    relationships: list[Relationship]
    references: set[tuple[str, str]] = field(default_factory=set)
    local_keys: set[str] = field(default_factory=set)  # the account's own entity keys


# What changes by itself between runs and no derivation reads: a role's "last used" (the role a
# run assumes is used by every run). An entity whose only change is here is updated, but its
# account is not derived again for it.
VOLATILE_PROPS = frozenset({"lastUsedOn", "lastUsedRegion"})
VOLATILE_RAW = frozenset({"RoleLastUsed"})

# identities(key, type, props, raw) -> (kind, value) pairs: how other accounts may name an entity
IdentityFn = Callable[[str, str, dict[str, Any], dict[str, Any]], Iterable[tuple[str, str]]]
# derive_account(store, account) -> Derived
DeriveAccountFn = Callable[[Any, str], Derived]


class GraphStore(Protocol):
    reaped: list[str]  # what begin_run cleaned up after runs whose process was gone

    # -- runs and units (writers) -----------------------------------------------------------
    def begin_run(self, config: dict[str, Any], *, wait: float = 0.0,
                  on_wait: Callable[[str], None] | None = None) -> int: ...

    def begin_unit(self, run_id: int, unit: str) -> int: ...

    def unit_attempts(self, run_id: int, unit: str) -> tuple[str | None, int]: ...

    def run_status(self, run_id: int) -> str | None: ...

    def stage_entities(self, run_id: int, entities: Iterable[Entity], unit: str = "") -> None: ...

    def record_step(self, run_id: int, result: StepResult) -> None: ...

    def commit_unit(self, run_id: int, unit: str, complete_scopes: Iterable[tuple[str, str, str]],
                    partial_scopes: Iterable[tuple[str, str, str]],
                    summary: dict[str, Any] | None = None) -> UnitCommit: ...

    def fail_unit(self, run_id: int, unit: str, status: str, reason: str) -> None: ...

    def derive_pending(self, run_id: int, derive_account: DeriveAccountFn, identities: IdentityFn, *,
                       version: str = "", progress: Callable[[int, int, str], None] | None = None
                       ) -> dict[str, int]: ...

    def end_run(self, run_id: int, summary: dict[str, Any], status: str = "finished") -> None: ...

    def abort_run(self, run_id: int, reason: str) -> None: ...

    def finish_run(
        self,
        run_id: int,
        complete_scopes: Iterable[tuple[str, str, str]],
        partial_scopes: Iterable[tuple[str, str, str]],
        derive: Any,
        summary: dict[str, Any],
    ) -> dict[str, int]: ...

    # -- reading ----------------------------------------------------------------------------
    def iter_entities(self, types: Iterable[str] | None = None, *, with_raw: bool = False,
                      source: str | None = None, account: str | None = None) -> Iterator[StoredEntity]: ...

    def find_identity(self, kind: str, value: str) -> list[StoredEntity]: ...

    def raw_record(self, key: str) -> dict[str, Any] | None: ...  # derivation reads a found entity's record

    def relationships(self) -> Iterator[dict[str, Any]]: ...

    def counts_by_type(self) -> tuple[dict[str, int], dict[str, int]]: ...

    def runs(self) -> list[RunInfo]: ...

    def close(self) -> None: ...
