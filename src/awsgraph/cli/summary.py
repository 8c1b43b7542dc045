"""Printing a run summary (one screen; every type and step with ``--verbose``) and showing progress."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterable, Iterator

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from awsgraph.cli.output import inert, styled, table
from awsgraph.collect.errors import UNSERVED
from awsgraph.collect.run import RunSummary
from awsgraph.store.base import StepResult

MAX_PROBLEM_ROWS = 12  # grouped partial/failed rows shown without --verbose
_OP = re.compile(r"^([A-Z][A-Za-z0-9]+): not served")


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


def gap_label(emulator: bool) -> str:
    """How a step the endpoint does not implement is named: the emulator's gap, or the endpoint's."""
    return "not served by the emulator" if emulator else "not served by the endpoint"


def status_label(status: str, emulator: bool) -> str:
    return gap_label(emulator) if status == UNSERVED else status


def unserved_calls(steps: Iterable[StepResult]) -> dict[str, list[str]]:
    """Step type -> the API operations the endpoint did not serve (empty: its parent was not served)."""
    out: dict[str, list[str]] = {}
    for st in steps:
        if st.status != UNSERVED:
            continue
        ops = out.setdefault(st.step, [])
        for part in st.reason.split("; "):
            m = _OP.match(part.strip())
            if m and m.group(1) not in ops:
                ops.append(m.group(1))
    return out


def describe_unserved(steps: Iterable[StepResult]) -> str:
    """``aws_x (ListX), aws_y (parent not served)``: what the endpoint lacked, one phrase per step type."""
    return ", ".join(f"{inert(step)} ({', '.join(inert(o) for o in ops) if ops else 'parent not served'})"
                     for step, ops in sorted((k, sorted(v)) for k, v in unserved_calls(steps).items()))


def _group(steps: Iterable[StepResult]) -> dict[tuple[str, str, str], list[StepResult]]:
    # The same outcome in many regions is one row: "ListAnalyzers: AccessDenied" x 17 regions.
    groups: dict[tuple[str, str, str], list[StepResult]] = {}
    for st in steps:
        reason = st.reason + (f" ({st.capped})" if st.capped else "")
        groups.setdefault((st.step, st.status, reason), []).append(st)
    return groups


def _steps_table(title: str, steps: list[StepResult], emulator: bool, limit: int | None) -> tuple[Table, int]:
    t = table("step", "regions", "status", "entities", "calls", "reason", title=title, show_edge=False)
    groups = sorted(_group(steps).items())
    shown = groups if limit is None else groups[:limit]
    for (name, status, reason), members in shown:
        colour = {"partial": "yellow", "failed": "red", UNSERVED: "blue"}.get(status, "green")
        regions = sorted(m.region for m in members)
        where = ", ".join(regions) if len(regions) <= 3 else f"{len(regions)} regions"
        t.add_row(inert(name), inert(where), styled(status_label(status, emulator), colour),
                  str(sum(m.entities for m in members)), str(sum(m.calls for m in members)), inert(reason))
    return t, len(groups) - len(shown)


def print_summary(console: Console, s: RunSummary, *, verbose: bool = False, emulator: bool = False) -> None:
    entities = sum(s.entities_by_type.values())
    relationships = sum(s.relationships_by_type.values())
    console.print(styled(f"awsgraph run {s.run_id}", "bold") + inert(
        f" · account {s.account} · {len(s.regions)} region(s): {', '.join(s.regions)} · {s.duration:.1f} s"))
    console.print(f"collected {entities} entities of {len(s.entities_by_type)} types and {relationships} "
                  f"relationships of {len(s.relationships_by_type)} types with {s.calls} API calls "
                  f"({s.requests} HTTP requests)")
    c = s.changes
    if c:
        console.print(f"changes: +{c.get('created', 0)} ~{c.get('updated', 0)} -{c.get('deleted', 0)} entities, "
                      f"+{c.get('rel_created', 0)} ~{c.get('rel_updated', 0)} -{c.get('rel_deleted', 0)} "
                      "relationships")
    if verbose:
        for title, counts in (("Entities", s.entities_by_type), ("Relationships", s.relationships_by_type)):
            t = table("_type", "count", title=title, show_edge=False)
            for name, n in sorted(counts.items()):
                t.add_row(inert(name), str(n))
            console.print(t)
    elif s.entities_by_type:
        top = sorted(s.entities_by_type.items(), key=lambda kv: (-kv[1], kv[0]))[:6]
        console.print("largest types: " + ", ".join(f"{inert(t)} {n}" for t, n in top))

    complete = [st for st in s.steps if st.status in ("success", "skipped")]
    partial = [st for st in s.steps if st.status == "partial"]
    failed = [st for st in s.steps if st.status == "failed"]
    gaps = [st for st in s.steps if st.status == UNSERVED]
    capped = [st for st in complete if st.capped]
    console.print(f"steps: {len(s.steps)} · {len(complete)} complete · {len(partial)} partial · "
                  f"{len(failed)} failed · {len(gaps)} {gap_label(emulator)}")
    if verbose:
        t, _ = _steps_table("Steps", s.steps, emulator, None)
        console.print(t)
    elif partial or failed or capped:
        t, more = _steps_table("Steps that did not fully succeed", [*failed, *partial, *capped], emulator,
                               MAX_PROBLEM_ROWS)
        console.print(t)
        if more:
            console.print(f"… and {more} more (--verbose lists every step; `awsgraph runs` keeps them)")
    if partial or failed:
        console.print(styled("partial and failed steps kept what earlier runs knew about their scopes", "yellow"))
    if gaps:
        console.print(styled(f"{gap_label(emulator)} (their types stay unknown; nothing of theirs is deleted): ",
                             "blue") + describe_unserved(gaps))
    for note in s.notes:
        console.print(f"note: {inert(note)}")
    if not verbose:
        console.print(styled("--verbose lists every type and step", "dim"))
