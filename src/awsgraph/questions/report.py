"""Run every question into one self-contained HTML page (no scripts, no external assets)."""

from __future__ import annotations

import datetime as dt
import html
import time
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from awsgraph.query import QueryError, run_query
from awsgraph.questions import QUESTIONS, Question, render
from awsgraph.questions.coverage import UNKNOWN, assess
from awsgraph.safetext import inert
from awsgraph.store.base import RunInfo, StepResult

MAX_ROWS_SHOWN = 100


@dataclass
class Answer:
    question: Question
    query: str
    rows: list[dict[str, Any]]
    error: str | None
    seconds: float
    # How complete the data behind the rows is: "complete" | "partial" | "unknown", and one line
    # saying which types and why (empty when complete). See awsgraph.questions.coverage.
    coverage: str = "complete"
    coverage_note: str = ""


def answer_all(conn: Any, params: Mapping[str, str] | None = None) -> list[Answer]:
    """Every question's answer from ``conn``: an open store (or a connection, a path, a URL)."""
    out = []
    for q in QUESTIONS:
        own = {k: v for k, v in (params or {}).items() if k in q.params}
        text = render(q, own)
        t0 = time.perf_counter()
        try:
            rows, error = run_query(conn, text), None
        except QueryError as exc:
            rows, error = [], str(exc)
        cov = assess(conn, text, q.needs) if error is None else None
        out.append(Answer(q, text, rows, error, time.perf_counter() - t0,
                          coverage=cov.level if cov else UNKNOWN,
                          coverage_note=cov.note if cov else "the query failed"))
    return out


# -- what the answers cover (rendering side) ------------------------------------------------------
MAX_STEPS_LISTED = 200
_COMPLETE = ("success", "skipped")
_STATUS_TEXT = {"unserved": "not served by the endpoint", "partial": "partial", "failed": "failed"}


@dataclass
class AccountRun:
    """The latest finished run that collected ``account``, and its steps there that were not complete."""

    account: str
    run_id: int
    started_at: float
    finished_at: float | None
    regions: list[str]
    steps: int
    incomplete: list[StepResult] = field(default_factory=list)
    endpoint: str | None = None  # set when the run read an emulator or another endpoint, not AWS


@dataclass
class Coverage:
    """Which accounts, runs and steps the graph (and so every answer) stands on."""

    accounts: list[AccountRun]
    runs_total: int = 0

    @property
    def incomplete(self) -> list[tuple[AccountRun, StepResult]]:
        return [(a, s) for a in self.accounts for s in a.incomplete]


def coverage_of(runs: Iterable[RunInfo], steps_of: Callable[[int], list[StepResult]]) -> Coverage:
    """The latest finished run of each account (newest first), from ``store.runs()`` and ``store.steps``."""
    all_runs = list(runs)
    seen: dict[str, AccountRun] = {}
    for run in sorted((r for r in all_runs if r.status == "finished"), key=lambda r: r.id, reverse=True):
        steps = steps_of(run.id)
        by_account: dict[str, list[StepResult]] = {}
        for st in steps:
            by_account.setdefault(str(st.account or run.config.get("account") or "unknown"), []).append(st)
        if not steps:  # a run that recorded no steps still says when the graph was written
            by_account[str(run.config.get("account") or "unknown")] = []
        for account, own in by_account.items():
            if account in seen:
                continue
            regions = sorted({s.region for s in own if s.region and s.region != "global"}
                             or set(run.config.get("resolvedRegions") or []))
            seen[account] = AccountRun(
                account, run.id, run.started_at, run.finished_at, regions, len(own),
                [s for s in own if s.status not in _COMPLETE],
                str(run.config.get("endpoint_url") or "") or None)
    return Coverage(sorted(seen.values(), key=lambda a: a.account), len(all_runs))


def _origin(url: str) -> str:
    """scheme://host:port only: an endpoint URL may carry credentials or a query."""
    parts = urllib.parse.urlsplit(url)
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    return f"{parts.scheme}://{parts.hostname or ''}{port}"


def _when(ts: float | None) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if ts else "unknown"


def _status_text(status: str, endpoint: str | None) -> str:
    if status == "unserved":
        return "not served by the emulator" if endpoint else "not served by the endpoint"
    return _STATUS_TEXT.get(status, status)


def _coverage_section(cov: Coverage | None) -> str:
    if cov is None:
        return ""
    if not cov.accounts:
        return ("<section id='coverage'><h2>What this report covers</h2><p class='warn'><b>No finished "
                "collection run is recorded in this database</b>: every 0 below means \"not collected\", "
                "not \"none\".</p></section>")
    rows = []
    for a in cov.accounts:
        counts: dict[str, int] = {}
        for st in a.incomplete:
            counts[st.status] = counts.get(st.status, 0) + 1
        done = a.steps - len(a.incomplete)
        state = ", ".join([f"{done} complete", *(f"{n} {_status_text(k, a.endpoint)}"
                                                 for k, n in sorted(counts.items()))])
        source = f" (endpoint {_cell(_origin(a.endpoint))})" if a.endpoint else ""
        rows.append(f"<tr><td>{_cell(a.account)}</td><td>run {a.run_id}{source}</td><td>{_when(a.started_at)}</td>"
                    f"<td>{_when(a.finished_at)}</td><td>{_cell(', '.join(a.regions))}</td>"
                    f"<td>{html.escape(state)}</td></tr>")
    incomplete = cov.incomplete
    listed = "".join(
        f"<tr><td>{_cell(st.step)}</td><td>{_cell(a.account)}</td><td>{_cell(st.region)}</td>"
        f"<td class='st-{html.escape(st.status)}'>{html.escape(_status_text(st.status, a.endpoint))}</td>"
        f"<td>{_cell(st.reason)}</td></tr>" for a, st in incomplete[:MAX_STEPS_LISTED])
    more = (f"<p class='more'>{len(incomplete) - MAX_STEPS_LISTED} more not listed (`awsgraph runs --json`)</p>"
            if len(incomplete) > MAX_STEPS_LISTED else "")
    if incomplete:
        steps = (f"<p class='warn'><b>{len(incomplete)} step(s) did not complete.</b> The types they collect are "
                 "partial or unknown in these accounts and regions: a question about them may miss findings, "
                 "so a 0 there does not mean \"none\".</p>"
                 "<table class='steps'><thead><tr><th>step</th><th>account</th><th>region</th><th>status</th>"
                 f"<th>reason</th></tr></thead><tbody>{listed}</tbody></table>{more}")
    else:
        steps = "<p>Every step of these runs completed.</p>"
    return ("<section id='coverage'><h2>What this report covers</h2>"
            f"<p>The answers below are read from the latest finished run of each account "
            f"({len(cov.accounts)} account(s), {cov.runs_total} run(s) recorded).</p>"
            "<table class='covered'><thead><tr><th>account</th><th>run</th><th>started</th><th>finished</th>"
            f"<th>regions</th><th>steps</th></tr></thead><tbody>{''.join(rows)}</tbody></table>{steps}</section>")


def _badge(a: Answer) -> str:
    coverage = getattr(a, "coverage", None)  # "complete" | "partial" | "unknown", when questions know it
    if a.error:
        return "<span class='badge err'>error</span>"
    if coverage == "unknown":
        return "<span class='badge unknown' title='not collected: the answer is unknown'>?</span>"
    if coverage == "partial":
        return (f"<span class='badge partial' title='partial collection: there may be more'>"
                f"{len(a.rows)}{'+' if a.rows else '?'}</span>")
    return f"<span class='badge {'hit' if a.rows else 'clear'}'>{len(a.rows)}</span>"


def _coverage_note(a: Answer) -> str:
    coverage = getattr(a, "coverage", None)
    note = getattr(a, "coverage_note", None)
    if coverage in (None, "complete") and not note:
        return ""
    label = {"partial": "Partial collection", "unknown": "Not collected"}.get(str(coverage), "Coverage")
    return f"<p class='warn'><b>{label}:</b> {_cell(note or '')}</p>"


def _cell(value: Any) -> str:
    return html.escape(inert(value))  # data: control and bidi characters shown escaped, never obeyed


def _table(rows: list[dict[str, Any]]) -> str:
    if rows and "_key" in rows[0] and "_type" in rows[0]:
        rows = [{k: r.get(k) for k in ("_type", "displayName", "_key", "region", "accountId")} for r in rows]
    cols: list[str] = []
    for r in rows[:MAX_ROWS_SHOWN]:
        cols += [k for k in r if k not in cols]
    head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
    body = "".join(
        "<tr>" + "".join(f"<td>{_cell(r.get(c))}</td>" for c in cols) + "</tr>" for r in rows[:MAX_ROWS_SHOWN]
    )
    more = (f"<p class='more'>{len(rows) - MAX_ROWS_SHOWN} more rows not shown</p>"
            if len(rows) > MAX_ROWS_SHOWN else "")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more}"


_STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1200px}
h1{font-size:1.6em} h2{font-size:1.15em;margin-top:2em}
.why{color:#555} pre{background:#f5f5f5;padding:.6em;white-space:pre-wrap;font-size:.85em}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0} td,th{border:1px solid #ddd;padding:.25em .5em;
text-align:left;vertical-align:top} th{background:#fafafa}
.badge{display:inline-block;min-width:2.2em;text-align:center;border-radius:1em;padding:0 .5em;color:#fff}
.hit{background:#c0392b} .clear{background:#27ae60} .err{background:#7f8c8d}
.summary td:first-child{text-align:right} .more{color:#777;font-size:.85em}
.partial{background:#e67e22} .unknown{background:#7f8c8d} .warn{background:#fff6e5;border-left:4px solid #e67e22;
padding:.4em .6em} .st-failed{color:#c0392b} .st-partial{color:#d35400} .st-unserved{color:#2c5d8a}
"""


def render_report(answers: list[Answer], title: str = "awsgraph security questions",
                  coverage: Coverage | None = None) -> str:
    rows = []
    sections = []
    for a in answers:
        q = a.question
        badge = _badge(a)
        rows.append(f"<tr><td>{badge}</td><td><a href='#{html.escape(q.id)}'>{html.escape(q.title)}</a></td>"
                    f"<td>{html.escape(', '.join(q.tags))}</td></tr>")
        result = (f"<p><b>Error:</b> <code>{_cell(a.error)}</code></p>" if a.error
                  else _table(a.rows) if a.rows else "<p>No findings.</p>")
        sections.append(
            f"<section id='{html.escape(q.id)}'><h2>{badge} {html.escape(q.title)}</h2>"
            f"<p class='why'>{html.escape(q.why)}</p><pre>{_cell(a.query)}</pre>"
            f"<p class='more'>{html.escape(q.id)} · {a.seconds * 1000:.0f} ms</p>{_coverage_note(a)}{result}</section>"
        )
    generated = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    accounts = (f" about account(s) {_cell(', '.join(a.account for a in coverage.accounts))}"
                if coverage and coverage.accounts else "")
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{html.escape(title)}</h1><p>Generated {generated}{accounts}; {len(answers)} questions, "
        f"{sum(1 for a in answers if a.rows)} with findings.</p>{_coverage_section(coverage)}"
        f"<table class='summary'><thead><tr><th>rows</th><th>question</th><th>area</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>{''.join(sections)}</body></html>"
    )
