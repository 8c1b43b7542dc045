"""Organization runs: every account of an AWS Organization (or of an accounts file) in one run.

This module schedules; it does not collect. The run lists the organization's ACTIVE accounts
with the starting credentials, then runs :func:`run_account_unit` once per account, several
at a time: the starting account with the starting session (it also lists the OU tree and the
SCPs), every other account through a role assumed from it. Each unit is the ordinary
one-account path (``awsgraph.collect.run.collect_account``) and commits on its own; an account
whose role cannot be assumed, or whose reads are denied, is recorded partial with the reason,
and what earlier runs knew of it stays. Once every unit is done, relationships are derived
(``derive_run``): the accounts that changed, plus those whose relationships cross into them.

:func:`run_account_unit` needs nothing but its arguments, so a worker process can run it as a
task: it opens its own session, and calling it again for the same run and account replaces
what the first call staged.
"""

from __future__ import annotations

import re
import time
import tomllib
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from awsgraph.catalog import CATALOG, Spec
from awsgraph.catalog.organizations import LISTING, LISTING_AS_ADMINISTRATOR
from awsgraph.collect.config import EXTERNAL_ID, ROLE_ARN, InstanceConfig
from awsgraph.collect.errors import classify
from awsgraph.collect.run import AccountResult, add_counts, collect_account, derive_run, select_specs
from awsgraph.collect.session import AwsSession, CredentialError
from awsgraph.store.base import GraphStore, StoreError

ACCOUNT_ID = re.compile(r"^\d{12}$")
ROLE_NAME = re.compile(r"^[\w+=,.@/-]{1,512}$")
DEFAULT_ACCOUNT_WORKERS = 4
MAX_ACCOUNTS_FILE_ENTRIES = 10000


class OrgError(Exception):
    """The organization (or the accounts file) could not be read: a one-line message."""


@dataclass(frozen=True)
class OrgOptions:
    member_role_name: str | None = None
    member_external_id: str | None = None
    account_workers: int = DEFAULT_ACCOUNT_WORKERS
    accounts: tuple[str, ...] | None = None  # only these
    exclude_accounts: tuple[str, ...] = ()
    accounts_file: str | None = None
    wait: float = 0.0


@dataclass(frozen=True)
class AccountTarget:
    """One account to collect, and how to reach it."""

    account_id: str
    name: str = ""
    role_arn: str | None = None  # None: the starting session itself
    external_id: str | None = None
    lists_organization: bool = False  # the account the run starts from lists the org's tree and SCPs
    organization_only: bool = False  # excluded by --accounts: only its organization data is read


@dataclass
class AccountOutcome:
    account_id: str
    name: str
    status: str  # success | partial | failed
    reason: str = ""
    result: AccountResult | None = None
    duration: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        r = self.result
        return {
            "account": self.account_id, "name": self.name, "status": self.status, "reason": self.reason,
            "entities": r.entities if r else 0, "apiCalls": r.calls if r else 0,
            "httpRequests": r.requests if r else 0, "durationSeconds": round(self.duration, 2),
            "changes": r.changes if r else {}, "regions": r.regions if r else [],
            "partialSteps": [{"step": s.step, "region": s.region, "status": s.status, "reason": s.reason}
                             for s in (r.steps if r else []) if s.status in ("partial", "failed")],
        }


@dataclass
class OrgPlan:
    targets: list[AccountTarget]
    organization_id: str = ""
    management_account: str = ""
    skipped: list[dict[str, str]] = field(default_factory=list)  # not collected, and why


@dataclass
class OrgSummary:
    run_id: int
    mode: str  # organization | accounts-file
    plan: OrgPlan
    accounts: list[AccountOutcome]
    derived: dict[str, int]
    entities_by_type: dict[str, int]
    relationships_by_type: dict[str, int]
    duration: float
    left_organization: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def changes(self) -> dict[str, int]:
        total: dict[str, int] = {}
        for a in self.accounts:
            if a.result is not None:
                total = add_counts(total, a.result.changes)
        return add_counts(total, {k: v for k, v in self.derived.items() if k not in ("derived_accounts", "derive_ms")})

    def to_dict(self) -> dict[str, Any]:
        return {
            "runId": self.run_id, "mode": self.mode, "organizationId": self.plan.organization_id or None,
            "managementAccount": self.plan.management_account or None,
            "accountsTotal": len(self.accounts),
            "accountsByStatus": {s: sum(1 for a in self.accounts if a.status == s)
                                 for s in ("success", "partial", "failed")},
            "durationSeconds": round(self.duration, 2),
            "apiCalls": sum(a.result.calls for a in self.accounts if a.result),
            "httpRequests": sum(a.result.requests for a in self.accounts if a.result),
            "accounts": [a.to_dict() for a in self.accounts],
            "skipped": self.plan.skipped, "leftOrganization": self.left_organization,
            "derivedAccounts": self.derived.get("derived_accounts", 0),
            "deriveSeconds": round(self.derived.get("derive_ms", 0) / 1000, 2), "changes": self.changes,
            "entities": self.entities_by_type, "relationships": self.relationships_by_type, "notes": self.notes,
        }


class OrgProgress(Protocol):
    def planned(self, total: int) -> None: ...

    def account_started(self, account: str, name: str) -> None: ...

    def account_steps(self, account: str, done: int, total: int) -> None: ...

    def account_done(self, outcome: AccountOutcome) -> None: ...

    def deriving(self, done: int, total: int) -> None: ...


class Dispatch(Protocol):
    """Runs the units of run ``run_id`` elsewhere and returns one outcome per target."""

    def __call__(self, targets: list[AccountTarget], run_id: int, progress: OrgProgress) -> list[AccountOutcome]: ...


class NoProgress:
    def planned(self, total: int) -> None:
        pass

    def account_started(self, account: str, name: str) -> None:
        pass

    def account_steps(self, account: str, done: int, total: int) -> None:
        pass

    def account_done(self, outcome: AccountOutcome) -> None:
        pass

    def deriving(self, done: int, total: int) -> None:
        pass


# -- planning ----------------------------------------------------------------------------------
def member_role_arn(partition: str, account_id: str, role_name: str) -> str:
    return f"arn:{partition}:iam::{account_id}:role/{role_name.strip('/')}"


def plan_organization(session: AwsSession, opts: OrgOptions) -> OrgPlan:
    """The organization's ACTIVE accounts, as the starting session lists them."""
    if not opts.member_role_name or not ROLE_NAME.match(opts.member_role_name):
        raise OrgError("--org needs --member-role-name NAME (the role to assume in each member account)")
    orgs = session.client("organizations", session.home_region)
    try:
        org = orgs.describe_organization()["Organization"]
        listed = [a for page in orgs.get_paginator("list_accounts").paginate() for a in page.get("Accounts", [])]
    except Exception as exc:
        _status, reason = classify(exc)
        raise OrgError(f"cannot list the organization from account {session.account_id}: {reason or exc} "
                       "(use the management account or a delegated administrator)") from exc
    management = str(org.get("MasterAccountId") or "")
    wanted = set(opts.accounts) if opts.accounts is not None else None
    excluded = set(opts.exclude_accounts)
    known = {str(a.get("Id")) for a in listed}
    unknown = sorted((wanted or set()) - known)
    if unknown:
        raise OrgError(f"not accounts of organization {org.get('Id')}: {', '.join(unknown)}")
    plan = OrgPlan([], str(org.get("Id") or ""), management)
    start_listed = False
    for acct in sorted(listed, key=lambda a: str(a.get("Id"))):
        aid, name, status = str(acct.get("Id") or ""), str(acct.get("Name") or ""), str(acct.get("Status") or "")
        if not ACCOUNT_ID.match(aid):
            continue
        chosen = (wanted is None or aid in wanted) and aid not in excluded
        if aid == session.account_id:
            start_listed = True
            # the starting account lists the tree and SCPs even when its own resources are not wanted
            plan.targets.insert(0, AccountTarget(aid, name, lists_organization=True, organization_only=not chosen))
            continue
        if status != "ACTIVE":
            plan.skipped.append({"account": aid, "name": name, "reason": f"status {status or 'unknown'}"})
        elif not chosen:
            plan.skipped.append({"account": aid, "name": name, "reason": "not selected"})
        else:
            plan.targets.append(AccountTarget(
                aid, name, member_role_arn(session.partition, aid, opts.member_role_name or ""),
                opts.member_external_id))
    if not start_listed:  # a delegated administrator outside the listing would be odd; collect it anyway
        plan.targets.insert(0, AccountTarget(session.account_id, "", lists_organization=True))
    return plan


def load_accounts_file(path: str) -> OrgPlan:
    """An accounts file: one ``[[account]]`` table per account, each a role ARN and external id
    (one JupiterOne integration instance each)::

        [[account]]
        roleArn = "arn:aws:iam::111122223333:role/awsgraph-audit"
        externalId = "..."
        name = "prod"          # optional
    """
    p = Path(path)
    if not p.is_file():
        raise OrgError(f"accounts file not found: {path}")
    try:
        data = tomllib.loads(p.read_text())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise OrgError(f"cannot parse accounts file {path}: {exc}") from exc
    entries = data.get("account")
    if not isinstance(entries, list) or not entries:
        raise OrgError(f"accounts file {path} has no [[account]] entries")
    if len(entries) > MAX_ACCOUNTS_FILE_ENTRIES:
        raise OrgError(f"accounts file {path} has more than {MAX_ACCOUNTS_FILE_ENTRIES} entries")
    targets: list[AccountTarget] = []
    seen: set[str] = set()
    for i, entry in enumerate(entries, 1):
        if not isinstance(entry, dict):
            raise OrgError(f"accounts file entry {i} is not a table")
        extra = sorted(set(entry) - {"roleArn", "externalId", "name", "role_arn", "external_id"})
        if extra:
            raise OrgError(f"accounts file entry {i}: unknown key(s) {', '.join(extra)}")
        arn = entry.get("roleArn", entry.get("role_arn"))
        ext = entry.get("externalId", entry.get("external_id"))
        if not isinstance(arn, str) or not ROLE_ARN.match(arn):
            raise OrgError(f"accounts file entry {i}: malformed or missing roleArn")
        if not isinstance(ext, str) or not EXTERNAL_ID.match(ext):
            raise OrgError(f"accounts file entry {i}: malformed or missing externalId")
        aid = arn.split(":")[4]
        if aid in seen:
            raise OrgError(f"accounts file entry {i}: account {aid} is listed twice")
        seen.add(aid)
        name = entry.get("name")
        targets.append(AccountTarget(aid, str(name) if isinstance(name, str) else "", arn, ext))
    return OrgPlan(targets)


# -- the unit ----------------------------------------------------------------------------------
def _specs_for(target: AccountTarget, cfg: InstanceConfig, catalog: Sequence[Spec]) -> list[Spec]:
    if target.organization_only:
        specs = [s for s in catalog if s.service_group == "account"]
    else:
        specs = select_specs(cfg, catalog)
    out: list[Spec] = []
    for s in specs:
        if s is LISTING or s is LISTING_AS_ADMINISTRATOR:
            # only the account the run starts from lists the organization (members cannot)
            if target.lists_organization:
                out.append(LISTING_AS_ADMINISTRATOR)
            continue
        out.append(s)
    return out


def run_account_unit(target: AccountTarget, cfg: InstanceConfig, store: GraphStore, run_id: int, *,
                     source: AwsSession | None = None, progress: OrgProgress | None = None,
                     catalog: Sequence[Spec] = CATALOG) -> AccountOutcome:
    """Collect one account of an organization run and commit it (the per-account unit).

    ``source`` is the starting session: the account itself when ``target.role_arn`` is None,
    otherwise the session the member role is assumed from (None: the credential chain, as a
    worker process has it). Never raises for what AWS answers: a role that cannot be assumed
    or an account whose reads are denied gives a ``partial`` outcome and leaves what earlier
    runs stored of that account as it was. Idempotent per (run, account): a second call
    replaces what the first staged.
    """
    started = time.monotonic()
    prog = progress or NoProgress()
    prog.account_started(target.account_id, target.name)

    def done(status: str, reason: str, result: AccountResult | None = None) -> AccountOutcome:
        out = AccountOutcome(target.account_id, target.name, status, reason, result, time.monotonic() - started)
        prog.account_done(out)
        return out

    try:
        if target.role_arn is None:
            if source is None:
                raise CredentialError("no session for the starting account")
            session = source
        else:
            session = AwsSession(role_arn=target.role_arn, external_id=target.external_id, source=source,
                                 profile=cfg.profile if source is None else None, endpoint_url=cfg.endpoint_url,
                                 retry_mode=cfg.retry_mode, max_attempts=cfg.max_attempts,
                                 max_pool=max(cfg.workers, 10))
    except CredentialError as exc:
        reason = f"AssumeRole failed: {exc}"
        store.fail_unit(run_id, target.account_id, "partial", reason)
        return done("partial", reason)
    if session.account_id != target.account_id:
        reason = f"{target.role_arn} answered as account {session.account_id}, not {target.account_id}"
        store.fail_unit(run_id, target.account_id, "partial", reason)
        if session is not source:
            session.close()
        return done("partial", reason)
    try:
        result = collect_account(
            cfg, session, store, run_id, specs=_specs_for(target, cfg, catalog),
            progress=lambda d, t, _label: prog.account_steps(target.account_id, d, t))
    except StoreError:
        raise
    except Exception as exc:  # a bug must not cost the other accounts their run
        reason = f"{type(exc).__name__}: {exc}"[:300]
        store.fail_unit(run_id, target.account_id, "failed", reason)
        return done("failed", reason)
    finally:
        if session is not source:
            session.close()
    status, reasons = result.status, "; ".join(result.reasons[:3])
    # the run keeps one outcome per account until it ends: only the steps worth showing
    # (the store has them all), so its memory does not grow with the accounts' size
    result.steps = [s for s in result.steps if s.status != "success" or s.capped]
    return done(status, reasons, result)


# -- the run -----------------------------------------------------------------------------------
def run_organization(cfg: InstanceConfig, opts: OrgOptions, store: GraphStore, *, source: AwsSession,
                     progress: OrgProgress | None = None, catalog: Sequence[Spec] = CATALOG,
                     on_wait: Any = None, dispatch: Dispatch | None = None) -> OrgSummary:
    """Plan, collect every account (``opts.account_workers`` at a time), then derive once.

    ``dispatch`` runs the units somewhere else (workers: ``awsgraph.workers``) and returns their
    outcomes; by default they run on threads of this process."""
    started = time.monotonic()
    prog = progress or NoProgress()
    if opts.accounts_file:
        plan, mode = load_accounts_file(opts.accounts_file), "accounts-file"
    else:
        plan, mode = plan_organization(source, opts), "organization"
    prog.planned(len(plan.targets))
    config = {**cfg.public_dict(), "mode": mode, "account": source.account_id,
              "organizationId": plan.organization_id, "accounts": [t.account_id for t in plan.targets],
              "memberRoleName": opts.member_role_name, "accountWorkers": opts.account_workers}
    run_id = store.begin_run(config, wait=opts.wait, on_wait=on_wait)
    outcomes: list[AccountOutcome] = []
    try:
        if dispatch is not None:
            outcomes = dispatch(plan.targets, run_id, prog)
        else:
            workers = max(1, min(opts.account_workers, len(plan.targets)))
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="awsgraph-account") as pool:
                queue = list(plan.targets)
                running: set[Future[AccountOutcome]] = set()
                while queue or running:
                    while queue and len(running) < workers:
                        target = queue.pop(0)
                        running.add(pool.submit(run_account_unit, target, cfg, store, run_id, source=source,
                                                progress=prog, catalog=catalog))
                    finished, running = wait(running, return_when=FIRST_COMPLETED)
                    outcomes.extend(fut.result() for fut in finished)
        derive_started = time.monotonic()
        derived = derive_run(store, run_id, progress=lambda d, t, _a: prog.deriving(d, t))
        derived["derive_ms"] = int((time.monotonic() - derive_started) * 1000)
        left = sorted({a for o in outcomes if o.result for a in o.result.left_organization})
        notes = list(store.reaped) + list(getattr(dispatch, "notes", []))
        if left:
            notes.append(f"no longer in organization {plan.organization_id}, marked deleted: {', '.join(left)}")
        outcomes.sort(key=lambda o: (o.account_id != source.account_id, o.account_id))
        summary = OrgSummary(run_id, mode, plan, outcomes, derived, {}, {}, time.monotonic() - started, left, notes)
        store.end_run(run_id, {k: v for k, v in summary.to_dict().items()
                               if k not in ("entities", "relationships")})
    except BaseException as exc:
        store.abort_run(run_id, f"{type(exc).__name__}: {exc}")
        raise
    ents, rels = store.counts_by_type()
    return replace(summary, entities_by_type=ents, relationships_by_type=rels)
