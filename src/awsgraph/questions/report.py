"""Run every question into one self-contained HTML page (no scripts, no external assets)."""

from __future__ import annotations

import html
import json
import sqlite3
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from awsgraph.query import QueryError, run_query
from awsgraph.questions import QUESTIONS, Question, render
from awsgraph.questions.coverage import UNKNOWN, assess

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


def answer_all(conn: sqlite3.Connection, params: Mapping[str, str] | None = None) -> list[Answer]:
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


def _cell(value: Any) -> str:
    if isinstance(value, dict | list):
        value = json.dumps(value, sort_keys=True)
    return html.escape("" if value is None else str(value))


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
"""


def render_report(answers: list[Answer], title: str = "awsgraph security questions") -> str:
    rows = []
    sections = []
    for a in answers:
        q = a.question
        if a.error:
            badge = "<span class='badge err'>error</span>"
        elif a.coverage != "complete" and not a.rows:
            badge = f"<span class='badge err'>{html.escape(a.coverage)}</span>"  # no green 0 on missing data
        else:
            badge = f"<span class='badge {'hit' if a.rows else 'clear'}'>{len(a.rows)}</span>"
        rows.append(f"<tr><td>{badge}</td><td><a href='#{html.escape(q.id)}'>{html.escape(q.title)}</a></td>"
                    f"<td>{html.escape(', '.join(q.tags))}</td></tr>")
        result = (f"<p><b>Error:</b> <code>{html.escape(a.error)}</code></p>" if a.error
                  else _table(a.rows) if a.rows else "<p>No findings.</p>")
        if a.coverage != "complete":
            result = (f"<p class='coverage'><b>{html.escape(a.coverage)}:</b> {html.escape(a.coverage_note)}</p>"
                      + result)
        sections.append(
            f"<section id='{html.escape(q.id)}'><h2>{badge} {html.escape(q.title)}</h2>"
            f"<p class='why'>{html.escape(q.why)}</p><pre>{html.escape(a.query)}</pre>"
            f"<p class='more'>{html.escape(q.id)} · {a.seconds * 1000:.0f} ms</p>{result}</section>"
        )
    generated = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{html.escape(title)}</h1><p>Generated {generated}; {len(answers)} questions, "
        f"{sum(1 for a in answers if a.rows)} with findings.</p>"
        f"<table class='summary'><thead><tr><th>rows</th><th>question</th><th>area</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>{''.join(sections)}</body></html>"
    )
