"""One collection run, from a validated configuration to a committed graph."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from awsgraph.catalog import CATALOG, Spec
from awsgraph.collect.config import InstanceConfig
from awsgraph.collect.engine import Collector, Options
from awsgraph.collect.regions import discover_regions
from awsgraph.collect.resolve import derive
from awsgraph.collect.session import AwsSession
from awsgraph.store.base import StepResult
from awsgraph.store.sqlite import SQLiteStore


@dataclass
class RunSummary:
    run_id: int
    account: str
    regions: list[str]
    steps: list[StepResult]
    entities_by_type: dict[str, int]
    relationships_by_type: dict[str, int]
    calls: int
    requests: int
    duration: float
    changes: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def partial_steps(self) -> list[StepResult]:
        return [s for s in self.steps if s.status in ("partial", "failed")]

    def to_dict(self) -> dict[str, Any]:
        return {
            "runId": self.run_id, "account": self.account, "regions": self.regions,
            "durationSeconds": round(self.duration, 2), "apiCalls": self.calls, "httpRequests": self.requests,
            "entities": self.entities_by_type, "relationships": self.relationships_by_type,
            "changes": self.changes, "notes": self.notes,
            "steps": [{"step": s.step, "region": s.region, "service": s.service, "status": s.status,
                       "reason": s.reason, "entities": s.entities, "calls": s.calls, "capped": s.capped}
                      for s in self.steps],
        }


def select_specs(cfg: InstanceConfig, catalog: Sequence[Spec] = CATALOG) -> list[Spec]:
    include = set(cfg.services) if cfg.services else None
    exclude = set(cfg.exclude_services)
    # The account step always runs: every other entity hangs off the account.
    return [s for s in catalog
            if s.service_group == "account" or ((include is None or s.service_group in include)
                                                and s.service_group not in exclude)]


def open_session(cfg: InstanceConfig) -> AwsSession:
    return AwsSession(profile=cfg.profile, role_arn=cfg.role_arn, external_id=cfg.external_id,
                      endpoint_url=cfg.endpoint_url, retry_mode=cfg.retry_mode, max_attempts=cfg.max_attempts,
                      max_pool=max(cfg.workers, 10))


def run_collection(cfg: InstanceConfig, session: AwsSession, store: SQLiteStore,
                   progress: Callable[[int, int, str], None] | None = None,
                   catalog: Sequence[Spec] = CATALOG) -> RunSummary:
    started = time.monotonic()
    notes: list[str] = []
    if cfg.regions:
        regions = list(cfg.regions)
    else:
        regions, note = discover_regions(session.client("ec2", session.home_region))
        if note:
            notes.append(note)
    specs = select_specs(cfg, catalog)
    run_id = store.begin_run({**cfg.public_dict(), "account": session.account_id, "resolvedRegions": regions})
    try:
        collector = Collector(
            session, specs, sink=lambda batch: store.stage_entities(run_id, batch),
            options=Options(regions=regions, workers=cfg.workers, per_service=cfg.per_service, stamp=cfg.stamp(),
                            max_pages=cfg.max_pages, max_items=cfg.max_items, max_details=cfg.max_details),
            progress=progress,
        )
        result = collector.run()
        for step in result.steps:
            store.record_step(run_id, step)
        summary = {"account": session.account_id, "regions": regions, "apiCalls": session.stats.total_calls,
                   "httpRequests": session.stats.requests, "durationSeconds": round(result.duration, 2),
                   "partialTypes": sorted({t for (_, _, t) in result.partial_scopes}), "notes": notes}
        changes = store.finish_run(run_id, result.complete_scopes, result.partial_scopes, derive, summary)
    except BaseException as exc:
        store.abort_run(run_id, f"{type(exc).__name__}: {exc}")
        raise
    ents, rels = store.counts_by_type()
    return RunSummary(run_id, session.account_id, regions, result.steps, ents, rels, session.stats.total_calls,
                      session.stats.requests, time.monotonic() - started, changes, notes)
