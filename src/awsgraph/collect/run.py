"""One collection run, from a validated configuration to a committed graph.

:func:`collect_account` is the unit of work: one account, with its own session, collected into
the run's staging and committed in one transaction. A single-account run is one unit followed
by derivation (:func:`run_collection`); an organization run schedules many units
(``awsgraph.collect.org``) and derives once at the end.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from awsgraph.catalog import CATALOG, Spec
from awsgraph.collect.config import InstanceConfig
from awsgraph.collect.engine import Collector, Options
from awsgraph.collect.regions import discover_regions
from awsgraph.collect.resolve import DERIVE_VERSION, derive_account, entity_identities
from awsgraph.collect.session import AwsSession
from awsgraph.store.base import GraphStore, StepResult

Progress = Callable[[int, int, str], None]


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


@dataclass
class AccountResult:
    """What one unit (account) did."""

    account: str
    regions: list[str]
    steps: list[StepResult]
    entities: int
    calls: int
    requests: int
    duration: float
    changes: dict[str, int]
    notes: list[str] = field(default_factory=list)
    left_organization: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        return "partial" if any(s.status in ("partial", "failed") for s in self.steps) else "success"

    @property
    def reasons(self) -> list[str]:
        out: list[str] = []
        for s in self.steps:
            if s.status in ("partial", "failed") and s.reason:
                text = f"{s.step}: {s.reason}"
                if text not in out:
                    out.append(text)
        return out


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


def collect_account(cfg: InstanceConfig, session: AwsSession, store: GraphStore, run_id: int, *,
                    progress: Progress | None = None, catalog: Sequence[Spec] = CATALOG,
                    specs: Sequence[Spec] | None = None) -> AccountResult:
    """Collect the account ``session`` is in and commit it as one unit of run ``run_id``.

    Entities stream to the store as they are built (nothing of the account is held until the
    end); the commit is one transaction. Calling it again for the same run and account (a
    redelivered task) starts the account's staging afresh. Relationships are not derived here:
    the run derives once its accounts are committed (``GraphStore.derive_pending``).
    """
    started = time.monotonic()
    account = session.account_id
    calls0, requests0 = session.stats.total_calls, session.stats.requests
    notes: list[str] = []
    if cfg.regions:
        regions = list(cfg.regions)
    else:
        regions, note = discover_regions(session.client("ec2", session.home_region))
        if note:
            notes.append(note)
    store.begin_unit(run_id, account)
    collector = Collector(
        session, list(specs) if specs is not None else select_specs(cfg, catalog),
        sink=lambda batch: store.stage_entities(run_id, batch, unit=account),
        options=Options(regions=regions, workers=cfg.workers, per_service=cfg.per_service, stamp=cfg.stamp(),
                        max_pages=cfg.max_pages, max_items=cfg.max_items, max_details=cfg.max_details),
        progress=progress,
    )
    result = collector.run()
    for step in result.steps:
        store.record_step(run_id, step)
    calls = session.stats.total_calls - calls0
    requests = session.stats.requests - requests0
    summary = {"account": account, "regions": regions, "apiCalls": calls, "httpRequests": requests,
               "durationSeconds": round(result.duration, 2),
               "partialTypes": sorted({t for (_, _, t) in result.partial_scopes}), "notes": notes}
    commit = store.commit_unit(run_id, account, result.complete_scopes, result.partial_scopes, summary)
    return AccountResult(account, regions, result.steps, result.entities, calls, requests,
                         time.monotonic() - started, commit.counts, notes, commit.left_organization)


def derive_run(store: GraphStore, run_id: int, progress: Progress | None = None) -> dict[str, int]:
    """The cross-account pass: derive every account the run changed, and the accounts whose
    relationships cross into what changed."""
    return store.derive_pending(run_id, derive_account, entity_identities, version=DERIVE_VERSION,
                                progress=progress)


def add_counts(a: dict[str, int], b: dict[str, int]) -> dict[str, int]:
    return {k: a.get(k, 0) + b.get(k, 0) for k in sorted(set(a) | set(b))}


def run_collection(cfg: InstanceConfig, session: AwsSession, store: GraphStore,
                   progress: Progress | None = None, catalog: Sequence[Spec] = CATALOG, *,
                   wait: float = 0.0, on_wait: Callable[[str], None] | None = None) -> RunSummary:
    started = time.monotonic()
    run_id = store.begin_run({**cfg.public_dict(), "account": session.account_id}, wait=wait, on_wait=on_wait)
    try:
        res = collect_account(cfg, session, store, run_id, progress=progress, catalog=catalog)
        derived = derive_run(store, run_id)
        changes = add_counts(res.changes, {k: v for k, v in derived.items() if k != "derived_accounts"})
        store.end_run(run_id, {"account": res.account, "regions": res.regions, "apiCalls": res.calls,
                               "httpRequests": res.requests, "durationSeconds": round(res.duration, 2),
                               "partialTypes": sorted({t for s in res.steps if s.status != "success"
                                                       for t in s.types}),
                               "notes": res.notes, "changes": changes,
                               "derivedAccounts": derived.get("derived_accounts", 0)})
    except BaseException as exc:
        store.abort_run(run_id, f"{type(exc).__name__}: {exc}")
        raise
    ents, rels = store.counts_by_type()
    notes = [*store.reaped, *res.notes]
    return RunSummary(run_id, session.account_id, res.regions, res.steps, ents, rels, session.stats.total_calls,
                      session.stats.requests, time.monotonic() - started, changes, notes)
