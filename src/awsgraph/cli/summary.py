"""Printing a run summary and showing progress."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from awsgraph.collect.run import RunSummary
from awsgraph.store.base import StepResult


@contextlib.contextmanager
def progress_bar(console: Console, label: str) -> Iterator[Callable[[int, int, str], None]]:
    """A progress bar on a terminal; silent when output is redirected."""
    if not console.is_terminal:
        yield lambda done, total, text: None
        return
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=True) as prog:
        task = prog.add_task(label, total=1)

        def update(done: int, total: int, text: str) -> None:
            prog.update(task, completed=done, total=max(total, 1))

        yield update


def print_summary(console: Console, s: RunSummary, *, verbose: bool = False) -> None:
    console.print(f"[bold]awsgraph run {s.run_id}[/bold]: account {s.account}, {len(s.regions)} region(s): "
                  f"{', '.join(s.regions)}")
    ents = Table(title="Entities", show_edge=False)
    ents.add_column("_type")
    ents.add_column("count", justify="right")
    for t, n in sorted(s.entities_by_type.items()):
        ents.add_row(t, str(n))
    rels = Table(title="Relationships", show_edge=False)
    rels.add_column("_type")
    rels.add_column("count", justify="right")
    for t, n in sorted(s.relationships_by_type.items()):
        rels.add_row(t, str(n))
    console.print(ents)
    console.print(rels)
    steps = Table(title="Steps that did not fully succeed" if not verbose else "Steps", show_edge=False)
    for col in ("step", "regions", "status", "entities", "calls", "reason"):
        steps.add_column(col, overflow="fold")
    # The same outcome in many regions is one row: "ListAnalyzers: not available" x 17 regions.
    groups: dict[tuple[str, str, str], list[StepResult]] = {}
    ok = 0
    for st in s.steps:
        if st.status == "success" and not st.capped and not verbose:
            ok += 1
            continue
        reason = st.reason + (f" ({st.capped})" if st.capped else "")
        groups.setdefault((st.step, st.status, reason), []).append(st)
    for (name, status, reason), members in sorted(groups.items()):
        colour = {"partial": "yellow", "failed": "red"}.get(status, "green")
        regions = sorted(m.region for m in members)
        where = ", ".join(regions) if len(regions) <= 3 else f"{len(regions)} regions"
        steps.add_row(name, where, f"[{colour}]{status}[/{colour}]", str(sum(m.entities for m in members)),
                      str(sum(m.calls for m in members)), reason)
    if groups:
        console.print(steps)
    partial = sum(1 for st in s.steps if st.status == "partial")
    failed = sum(1 for st in s.steps if st.status == "failed")
    console.print(
        f"steps: {len(s.steps)} ({ok if not verbose else len(s.steps) - partial - failed} success, "
        f"{partial} partial, {failed} failed) · entities: {sum(s.entities_by_type.values())} · "
        f"relationships: {sum(s.relationships_by_type.values())} · API calls: {s.calls} "
        f"(HTTP requests: {s.requests}) · {s.duration:.1f} s"
    )
    c = s.changes
    if c:
        console.print(f"changes: +{c.get('created', 0)} ~{c.get('updated', 0)} -{c.get('deleted', 0)} entities, "
                      f"+{c.get('rel_created', 0)} ~{c.get('rel_updated', 0)} -{c.get('rel_deleted', 0)} "
                      "relationships")
    if partial or failed:
        console.print("[yellow]partial and failed steps kept what earlier runs knew about their scopes[/yellow]")
    for note in s.notes:
        console.print(f"note: {note}")
