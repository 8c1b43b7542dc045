"""The console's pages and JSON endpoints (Flask). Every page only reads; every value is escaped."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import threading
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import resources
from typing import Any, Generic, TypeVar

from flask import Flask, Response, abort, render_template, request

from awsgraph.collect.errors import UNSERVED
from awsgraph.query import QueryError
from awsgraph.serve.db import DatabaseError, QueryTimeout, Result, reading, run_bounded
from awsgraph.store import GraphReads, describe, is_url
from awsgraph.visualize import VENDOR_JS, collect, compact, payload, script_json
from awsgraph.visualize.groups import edge_label, entity_label

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Cache-Control": "no-store",
}
# The only files served: the page assets that ship in the package.
_STATIC = {
    "cytoscape.min.js": ("vendor", VENDOR_JS, "text/javascript"),
    "graph.js": ("web", "graph.js", "text/javascript"),
    "graph.css": ("web", "graph.css", "text/css"),
    "console.js": ("web", "console.js", "text/javascript"),
    "console.css": ("web", "console.css", "text/css"),
}
ENTITY_COLUMNS = ("_type", "displayName", "_key", "region", "accountId")
EXAMPLES = (
    "FIND aws_s3_bucket",
    "FIND Host WITH exposedToInternet = true",
    "FIND Internet THAT ALLOWS AS rule aws_security_group AS sg RETURN sg.displayName, rule.ports",
    "FIND aws_iam_role THAT TRUSTS * AS p RETURN aws_iam_role.displayName, p.displayName",
    "FIND aws_instance AS i RETURN i.region, count(i)",
)
ONCE_TIMEOUT = 120.0  # seconds for what is computed once per database change (the whole graph, every answer)
T = TypeVar("T")
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


@dataclass
class Settings:
    db: str
    max_rows: int = 1000  # rows a table shows
    timeout: float = 10.0  # seconds a query may run
    max_graph_nodes: int = 50_000  # entities the whole-graph view carries
    max_query_nodes: int = 5_000  # entities a query's graph view carries
    trusted_hosts: tuple[str, ...] | None = ("127.0.0.1", "localhost", "::1")


def visible(value: Any) -> str:
    """Text for a page: None is empty, objects are JSON, control characters are shown, not obeyed."""
    if value is None:
        return ""
    if isinstance(value, dict | list | bool):
        value = json.dumps(value, sort_keys=True)
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", str(value))


def _when(epoch: float | None) -> str:
    if not epoch:
        return ""
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _columns(rows: Iterable[dict[str, Any]]) -> list[str]:
    cols: list[str] = []
    for r in rows:
        cols += [k for k in r if k not in cols]
    return cols


@dataclass
class Table:
    columns: list[str]
    rows: list[dict[str, Any]]
    entities: bool  # rows are entities: _key links to the entity page


def table_of(rows: list[dict[str, Any]]) -> Table:
    if len(rows) == 1 and set(rows[0]) == {"vertices", "edges"}:
        rows = list(rows[0]["vertices"])  # RETURN TREE: its entities
    if rows and all("_key" in r and "_type" in r for r in rows):
        return Table(list(ENTITY_COLUMNS), rows, True)
    return Table(_columns(rows), rows, False)


class Cache(Generic[T]):
    """One value (every question's answer, the whole graph's page data), kept until the database file changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple[Any, ...] | None = None
        self._value: T | None = None

    def get(self, signature: tuple[Any, ...], compute: Callable[[], T]) -> T:
        with self._lock:
            if self._value is None or self._key != signature:
                self._value = compute()
                self._key = signature
            return self._value


def host_name(header: str) -> str:
    """The name in a Host header, without its port or IPv6 brackets, lower-cased."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].partition("]")[0]
    return header.rpartition(":")[0] if header.count(":") == 1 else header


def jsonify(**values: Any) -> Response:
    """JSON with ``<``, ``>`` and ``&`` escaped, so no sniffing can take a value for markup."""
    return Response(script_json(values), mimetype="application/json")


def _signature(path: str) -> tuple[Any, ...]:
    """What changes when a run writes the database: the file's (and its WAL's) size and time, or, for
    PostgreSQL, the runs table."""
    if is_url(path):
        try:
            with reading(path, 10.0) as store:
                return store.change_mark()
        except (DatabaseError, QueryTimeout):
            return (None,)
    out: list[Any] = []
    for suffix in ("", "-wal"):
        try:
            st = os.stat(path + suffix)
            out += [st.st_mtime_ns, st.st_size]
        except OSError:
            out += [None, None]
    return tuple(out)


def create_app(settings: Settings) -> Flask:
    app = Flask("awsgraph.serve", template_folder=str(resources.files("awsgraph").joinpath("data", "templates")),
                static_folder=None)
    app.jinja_env.finalize = visible
    app.jinja_env.globals.update(when=_when, edge_label=edge_label, entity_label=entity_label)
    answers: Cache[list[Any]] = Cache()
    whole_graph: Cache[bytes] = Cache()

    def read() -> Any:
        return reading(settings.db, settings.timeout)

    # Computed once per change of the database and then served from memory: a longer allowance.
    def read_once() -> Any:
        return reading(settings.db, max(settings.timeout, ONCE_TIMEOUT))

    def whole() -> bytes:
        with read_once() as store:
            data = collect(store, None, settings.max_graph_nodes)
        name = describe(settings.db) if is_url(settings.db) else os.path.basename(settings.db)
        title = f"the whole graph of {name}"
        return script_json(payload(data, title, with_props=False)).encode()

    def every_answer() -> list[Any]:
        from awsgraph.questions.report import answer_all

        with read_once() as store:
            return answer_all(store)

    def warm() -> None:
        """Compute the whole graph's data and every answer ahead of the first visit to them."""
        signature = _signature(settings.db)
        whole_graph.get(signature, whole)
        answers.get(signature, every_answer)

    app.extensions["awsgraph.warm"] = warm

    @app.before_request
    def known_host() -> tuple[str, int] | None:
        # With no login on loopback, a page elsewhere could rebind its name to 127.0.0.1 and read
        # the graph through the browser: answer only requests that name this machine.
        if settings.trusted_hosts is not None and host_name(request.headers.get("Host", "")) not in \
                settings.trusted_hosts:
            return "unknown host name in the request (awsgraph serve answers loopback names only)", 400
        return None

    @app.after_request
    def headers(resp: Response) -> Response:
        resp.headers.update(_HEADERS)
        return resp

    @app.errorhandler(DatabaseError)
    def database_error(exc: DatabaseError) -> tuple[str, int]:
        return render_template("error.html", message=str(exc)), 503

    @app.errorhandler(QueryTimeout)
    def too_slow(exc: QueryTimeout) -> tuple[str, int]:
        return render_template("error.html", message=str(exc)), 503

    @app.get("/static/<name>")
    def static_file(name: str) -> Response:
        if name not in _STATIC:
            abort(404)
        folder, filename, mime = _STATIC[name]
        body = resources.files("awsgraph").joinpath("data", folder, filename).read_bytes()
        resp = Response(body, mimetype=mime)
        return resp

    @app.get("/favicon.ico")
    def favicon() -> tuple[str, int]:
        return "", 204

    @app.get("/")
    def console() -> str | tuple[str, int]:
        text = request.args.get("q", "").strip()
        view = "graph" if request.args.get("view") == "graph" else "table"
        result: Result | None = None
        error = None
        if text:
            try:
                with read() as store:
                    result = run_bounded(store, text, settings.max_rows, settings.timeout)
            except QueryError as exc:
                error = str(exc)
        page = render_template("console.html", q=text, view=view, result=result, error=error,
                               table=table_of(result.rows) if result else None, examples=EXAMPLES,
                               max_rows=settings.max_rows)
        return (page, 400) if error else page

    @app.get("/api/query")
    def api_query() -> Response | tuple[Response, int]:
        text = request.args.get("q", "").strip()
        if not text:
            return jsonify(error="give a J1QL query as ?q="), 400
        try:
            with read() as store:
                result = run_bounded(store, text, settings.max_rows, settings.timeout)
        except QueryError as exc:
            return jsonify(error=str(exc)), 400
        return jsonify(rows=result.rows, truncated=result.truncated, seconds=round(result.seconds, 3))

    @app.get("/api/graph")
    def api_graph() -> Response | tuple[Response, int]:
        text = request.args.get("q", "").strip() or None
        if text is None:
            return Response(whole_graph.get(_signature(settings.db), whole), mimetype="application/json")
        try:
            with read() as store:
                data = collect(store, text, settings.max_query_nodes)
        except QueryError as exc:
            return jsonify(error=str(exc)), 400
        return jsonify(**payload(data, text, with_props=False))

    @app.get("/api/entity")
    def api_entity() -> Response | tuple[Response, int]:
        key = request.args.get("key", "")
        with read() as store:
            found = store.entity(key)
        if found is None:
            return jsonify(error="no such entity"), 404
        return jsonify(props=compact(found.props))

    @app.get("/graph")
    def graph() -> str:
        return render_template("graph.html")

    @app.get("/questions")
    def questions() -> str:
        return render_template("questions.html", answers=answers.get(_signature(settings.db), every_answer))

    @app.get("/questions/<qid>")
    def question(qid: str) -> str | tuple[str, int]:
        from awsgraph.questions import UnknownQuestion, get

        try:
            q = get(qid)
        except UnknownQuestion:
            abort(404)
        found = [a for a in answers.get(_signature(settings.db), every_answer) if a.question.id == q.id]
        if not found:
            abort(404)
        answer = found[0]
        return render_template("question.html", q=q, answer=answer, table=table_of(answer.rows[:settings.max_rows]),
                               truncated=len(answer.rows) > settings.max_rows)

    @app.get("/entity")
    def entity() -> str | tuple[str, int]:
        key = request.args.get("key", "")
        with read() as store:
            found = store.entity(key)
            if found is None:
                return render_template("error.html", message=f"no entity with key {visible(key)}"), 404
            props = found.props
            out = _neighbours(store, key, True, settings.max_rows)
            inc = _neighbours(store, key, False, settings.max_rows)
        quoted = "'" + key.replace("\\", "\\\\").replace("'", "\\'") + "'"
        return render_template("entity.html", props=props, key=key, deleted_run=found.deleted_run,
                               first_run=found.first_run, last_run=found.last_run, outgoing=out, incoming=inc,
                               max_rows=settings.max_rows,
                               focus_fragment=urllib.parse.urlencode({"focus": key}),
                               as_query=f"FIND * WITH _key = {quoted}")

    @app.get("/runs")
    def runs() -> str:
        with read() as store:
            listing = _runs(store)
        return render_template("runs.html", runs=listing)

    @app.get("/runs/<int:run_id>")
    def run(run_id: int) -> str | tuple[str, int]:
        with read() as store:
            found = [r for r in _runs(store) if r["id"] == run_id]
            if not found:
                abort(404)
            steps = [(s.step, s.account, s.region, s.status, s.reason, s.entities, s.calls, s.duration, s.capped)
                     for s in sorted(store.steps(run_id),
                                     key=lambda s: (s.status == "success", s.step, s.account, s.region))]
        return render_template("run.html", run=found[0], steps=steps, labels=found[0]["labels"])

    @app.get("/diff")
    def diff() -> str | tuple[str, int]:
        from awsgraph.diff import DiffError, diff_runs

        def number(name: str) -> int | None:
            raw = request.args.get(name, "").strip()
            if not raw:
                return None
            if not raw.isdigit():
                abort(400)
            return int(raw)

        from_run, to_run = number("from"), number("to")
        with read() as store:
            listing = _runs(store)
            try:
                result = diff_runs(store, from_run, to_run)
                error = None
            except DiffError as exc:
                result, error = None, str(exc)
        changes = result.changes[: settings.max_rows] if result else []
        page = render_template("diff.html", runs=listing, result=result, error=error, changes=changes,
                               truncated=bool(result and len(result.changes) > settings.max_rows),
                               max_rows=settings.max_rows)
        return (page, 400) if error else page

    return app


def _neighbours(store: GraphReads, key: str, outgoing: bool, cap: int) -> dict[str, Any]:
    rows = store.neighbours(key, outgoing=outgoing, cap=cap + 1)
    items = [{"rel": compact(r), "other": o} for r, o in rows[:cap]]
    return {"items": items, "truncated": len(rows) > cap}


def _runs(store: Any) -> list[dict[str, Any]]:
    """Runs with what they covered, never their whole configuration (it names roles and endpoints)."""
    bad = store.step_status_counts()
    out = []
    for run in reversed(store.runs()):
        cfg, summ = run.config or {}, run.summary or {}
        regions = cfg.get("resolvedRegions") or cfg.get("regions") or []
        # an API the endpoint does not implement is its gap, not a failure (awsgraph.collect.errors)
        labels = {UNSERVED: "not served by the emulator" if cfg.get("endpoint_url") else "not served by the endpoint"}
        out.append({"id": run.id, "started": run.started_at, "finished": run.finished_at, "status": run.status,
                    "account": cfg.get("account") or summ.get("account") or "",
                    "regions": ", ".join(map(str, regions)) if isinstance(regions, list) else str(regions),
                    "changes": summ.get("changes") or {}, "labels": labels,
                    "not_success": {labels.get(k, k): n for k, n in bad.get(run.id, {}).items()}})
    return out
