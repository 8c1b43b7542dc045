"""What an organization run shows: progress per account while it runs, a per-account table after."""

from __future__ import annotations

import threading
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from awsgraph.cli.output import inert, styled, table
from awsgraph.collect.org import AccountOutcome, OrgSummary

_COLOURS = {"success": "green", "partial": "yellow", "failed": "red"}


def _label(account: str, name: str) -> str:
    """An account as shown: its id and, when it has one, its name (data: made inert)."""
    return inert(f"{account} ({name})" if name else account)


class OrgProgressBar:
    """Accounts done / total, and the steps of each account being collected (a terminal);
    one line per finished account otherwise (a log)."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self._lock = threading.Lock()
        self._names: dict[str, str] = {}
        self._tasks: dict[str, TaskID] = {}
        self._done = 0
        self._total = 0
        self._progress: Progress | None = None
        self._overall: TaskID | None = None
        self._derive: TaskID | None = None

    def __enter__(self) -> OrgProgressBar:
        if self.console.is_terminal:
            self._progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                      TimeElapsedColumn(), console=self.console, transient=True)
            self._progress.__enter__()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._progress is not None:
            self._progress.__exit__(exc_type, exc, tb)

    def planned(self, total: int) -> None:
        self._total = total
        if self._progress is not None:
            self._overall = self._progress.add_task("accounts", total=max(total, 1))

    def account_started(self, account: str, name: str) -> None:
        with self._lock:
            self._names[account] = name
            if self._progress is not None:
                self._tasks[account] = self._progress.add_task(f"  {_label(account, name)}", total=1)

    def account_steps(self, account: str, done: int, total: int) -> None:
        task = self._tasks.get(account)
        if self._progress is not None and task is not None:
            self._progress.update(task, completed=done, total=max(total, 1))

    def account_done(self, outcome: AccountOutcome) -> None:
        with self._lock:
            self._done += 1
            task = self._tasks.pop(outcome.account_id, None)
            if self._progress is not None:
                if task is not None:
                    self._progress.remove_task(task)
                if self._overall is not None:
                    self._progress.update(self._overall, completed=self._done)
            else:
                why = f": {inert(outcome.reason)}" if outcome.reason and outcome.status != "success" else ""
                self.console.print(f"[{self._done}/{self._total}] "
                                   f"{_label(outcome.account_id, outcome.name)} {outcome.status}{why}")

    def deriving(self, done: int, total: int) -> None:
        if self._progress is None:
            return
        if self._derive is None:
            self._derive = self._progress.add_task("relationships (accounts)", total=max(total, 1))
        self._progress.update(self._derive, completed=done, total=max(total, 1))


def print_org_summary(console: Console, s: OrgSummary) -> None:
    """The per-account table, then totals, accounts not collected and notes."""
    what = f"organization {s.plan.organization_id}" if s.plan.organization_id else "accounts file"
    console.print(styled(f"awsgraph run {s.run_id}", "bold") + inert(
        f": {what}, {len(s.accounts)} account(s)"
        + (f", management account {s.plan.management_account}" if s.plan.management_account else "")))
    t = table("account", "name", "status", "entities", "changes", "API calls", "s", "reason", title="Accounts",
              show_edge=False)
    for a in s.accounts:
        r = a.result
        c = r.changes if r else {}
        t.add_row(inert(a.account_id), inert(a.name), styled(a.status, _COLOURS.get(a.status, "red")),
                  str(r.entities) if r else "-",
                  f"+{c.get('created', 0)} ~{c.get('updated', 0)} -{c.get('deleted', 0)}" if r else "-",
                  str(r.calls) if r else "-", f"{a.duration:.1f}", inert(a.reason[:200]))
    console.print(t)
    by = {st: sum(1 for a in s.accounts if a.status == st) for st in ("success", "partial", "failed")}
    c = s.changes
    console.print(
        f"accounts: {len(s.accounts)} ({by['success']} success, {by['partial']} partial, {by['failed']} failed)"
        f" · entities: {sum(s.entities_by_type.values())} · relationships: {sum(s.relationships_by_type.values())}"
        f" · API calls: {sum(a.result.calls for a in s.accounts if a.result)}"
        f" (HTTP requests: {sum(a.result.requests for a in s.accounts if a.result)}) · {s.duration:.1f} s")
    console.print(f"changes: +{c.get('created', 0)} ~{c.get('updated', 0)} -{c.get('deleted', 0)} entities, "
                  f"+{c.get('rel_created', 0)} ~{c.get('rel_updated', 0)} -{c.get('rel_deleted', 0)} relationships; "
                  f"relationships derived for {s.derived.get('derived_accounts', 0)} account(s)")
    if by["partial"] or by["failed"]:
        console.print(styled("partial and failed accounts kept what earlier runs knew about them", "yellow"))
    for skipped in s.plan.skipped:
        console.print(f"not collected: {_label(skipped['account'], skipped['name'])}: {inert(skipped['reason'])}")
    for note in s.notes:
        console.print(f"note: {inert(note)}")
