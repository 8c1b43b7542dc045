"""The generic collection engine: it knows no service by name.

It fans (account, region, spec) out over a bounded thread pool, paginates with
botocore's paginators, runs per-item detail calls concurrently, records each step's
outcome (success / partial / failed with the reason) and streams entities to the store.
Relationships are not made here: they are resolved afterwards from everything collected
(``awsgraph.collect.resolve``), so specs never depend on each other's order.

Every loop over what an API answers has a bound: a pagination that repeats a token stops,
and so do pages and items per list call and detail calls per step beyond the ``Options``
caps. Reaching one makes the step partial with the reason, so nothing is deleted in its scope.
While a unit of work runs, its clients may send only the operations it declares.
"""

from __future__ import annotations

import copy
import json
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

import jmespath
from botocore.exceptions import PaginationError
from botocore.parsers import ResponseParserError

from awsgraph.catalog.calls import Call, allowed_calls, methods
from awsgraph.catalog.spec import Bulk, Custom, Detail, FetchContext, Resource, Spec
from awsgraph.collect.config import DEFAULT_MAX_DETAILS, DEFAULT_MAX_ITEMS, DEFAULT_MAX_PAGES
from awsgraph.collect.convert import build_entity, decode_policy, jp
from awsgraph.collect.errors import UNSERVED, BoundReached, classify, error_code, worse
from awsgraph.collect.guard import call_scope
from awsgraph.collect.session import AwsSession, set_unit_counter
from awsgraph.model.entity import Entity, PropValue
from awsgraph.model.keys import account_key, service_key
from awsgraph.store.base import StepResult

GLOBAL = "global"


@dataclass
class Options:
    regions: list[str]
    workers: int = 32
    per_service: int = 16  # concurrent calls per (account, region, service)
    stamp: Mapping[str, PropValue] = field(default_factory=dict)
    flush_every: int = 500
    # Bounds on what hostile or broken answers can make us do; reaching one makes the step partial.
    max_pages: int = DEFAULT_MAX_PAGES  # pages of one paginated call
    max_items: int = DEFAULT_MAX_ITEMS  # items of one list call (or one Custom step)
    max_details: int = DEFAULT_MAX_DETAILS  # detail calls of one step


@dataclass
class _Step:
    spec: Spec
    account: str
    region: str  # scope region ("global" for global specs)
    client_region: str
    pending: int = 0
    status: str = "success"
    reasons: list[str] = field(default_factory=list)
    entities: int = 0
    calls: int = 0
    started: float = field(default_factory=time.monotonic)
    capped: str = ""
    ended: float | None = None
    parent_items: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    bulk_started: bool = False
    bulk_pending: int = 0  # Bulk reads not yet answered; items wait in ``parked`` meanwhile
    bulk_data: dict[str, dict[str, Any] | None] = field(default_factory=dict)  # into -> join map (None: failed)
    parked: list[tuple[Resource, _Item]] = field(default_factory=list)
    detail_calls: int = 0  # detail calls queued so far (bounded by Options.max_details)

    def note(self, status: str, reason: str) -> None:
        self.status = worse(self.status, status)
        if reason and reason not in self.reasons and len(self.reasons) < 5:
            self.reasons.append(reason)


@dataclass
class _Item:
    raw: dict[str, Any]
    spec: Resource | None = None  # the item's converter when it is not the step's (a Custom step's output)
    remaining: int = 0
    stage: int = -1  # the Detail.stage now running
    incomplete: bool = False  # a detail call failed: the record lacks what that call adds
    fell_back: bool = False  # a failed Bulk read was replaced by per-item calls


@dataclass
class _Unit:
    step: _Step
    kind: str  # list | detail | custom | bulk
    parent: dict[str, Any] | None = None
    item: _Item | None = None
    detail: Detail | None = None
    bulk: Bulk | None = None

    @property
    def queue_key(self) -> str:
        svc = self.step.spec.service
        return f"{self.step.account}/{self.step.client_region}/{svc}"


@dataclass
class _Outcome:
    unit: _Unit
    items: list[dict[str, Any]] = field(default_factory=list)
    typed: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    status: str = "success"
    reason: str = ""
    calls: int = 0
    capped: str = ""


@dataclass
class CollectResult:
    steps: list[StepResult]
    complete_scopes: set[tuple[str, str, str]]
    partial_scopes: set[tuple[str, str, str]]
    entities: int
    duration: float


class Collector:
    def __init__(
        self,
        session: AwsSession,
        specs: Sequence[Spec],
        sink: Callable[[list[Entity]], None],
        options: Options,
        progress: Callable[[int, int, str], None] | None = None,
    ) -> None:
        self.session = session
        self.specs = list(specs)
        self.sink = sink
        self.options = options
        self.progress = progress or (lambda done, total, label: None)
        self.account = session.account_id
        self.partition = session.partition
        session.permit(allowed_calls(self.specs))  # what these specs declare, and nothing else, is sent
        self._converters: dict[str, Resource] = {s.type: s for s in self.specs if isinstance(s, Resource)}
        self._children: dict[str, list[Resource]] = defaultdict(list)
        for s in self.specs:
            if isinstance(s, Resource) and s.parent is not None:
                self._children[s.parent.type].append(s)
        self._buffer: list[Entity] = []
        self._steps: list[_Step] = []
        self._queues: dict[str, deque[_Unit]] = defaultdict(deque)
        self._inflight: dict[str, int] = defaultdict(int)
        self._done_units = 0
        self._total_units = 0
        self._entity_count = 0
        self._seen_keys: set[str] = set()
        self._deferred: list[_Step] = []
        self._producers: dict[tuple[str, str], list[_Step]] = {}

    # -- planning ---------------------------------------------------------------------------
    def _regions_for(self, spec: Spec) -> list[tuple[str, str]]:
        """(scope region, client region) pairs a spec runs in."""
        if spec.scope == GLOBAL:
            return [(GLOBAL, self.session.home_region)]
        available = set(self.session.available_regions(spec.service))
        return [(r, r) for r in self.options.regions if not available or r in available]

    def plan(self) -> list[_Step]:
        steps = []
        for spec in self.specs:
            if isinstance(spec, Resource) and (spec.call is None or spec.parent is not None):
                continue  # converted from a Custom step, or listed per parent item
            for region, client_region in self._regions_for(spec):
                steps.append(_Step(spec, self.account, region, client_region))
        return steps

    # -- running ----------------------------------------------------------------------------
    def run(self) -> CollectResult:
        start = time.monotonic()
        self._emit(self._service_entities())
        planned = self.plan()
        self._producers = self._producer_index(planned)
        for step in planned:
            if self._waiting_on(step):
                self._deferred.append(step)  # opened when the steps it depends on close
            else:
                self._open_step(step, [_Unit(step, "custom" if isinstance(step.spec, Custom) else "list")])
        with ThreadPoolExecutor(max_workers=self.options.workers, thread_name_prefix="awsgraph") as pool:
            running: dict[Future[_Outcome], _Unit] = {}
            while True:
                self._dispatch(pool, running)
                if not running and self._deferred:
                    # only a dependency cycle leaves steps waiting with nothing running: run them
                    for waiting in self._deferred:
                        self._open_step(waiting, [_Unit(waiting, "custom")])
                    self._deferred = []
                    continue
                if not running:
                    break
                done, _ = wait(list(running), return_when=FIRST_COMPLETED)
                for fut in done:
                    unit = running.pop(fut)
                    self._inflight[unit.queue_key] -= 1
                    try:
                        outcome = fut.result()
                    except BaseException as exc:  # a bug in a spec must not abort the run
                        status, reason = classify(exc)
                        outcome = _Outcome(unit, status=status, reason=reason)
                    self._absorb(outcome)
                    self._done_units += 1
                self.progress(self._done_units, self._total_units, "")
        self._flush()
        return self._result(time.monotonic() - start)

    @staticmethod
    def _producer_index(steps: list[_Step]) -> dict[tuple[str, str], list[_Step]]:
        index: dict[tuple[str, str], list[_Step]] = defaultdict(list)
        for st in steps:
            types = (st.spec.type, *st.spec.spawn) if isinstance(st.spec, Resource) else st.spec.produces
            for t in types:
                index[(t, st.region)].append(st)
        return index

    def _waiting_on(self, step: _Step) -> bool:
        """True while a step this Custom step depends_on (same region, or global) is still open."""
        if not isinstance(step.spec, Custom) or not step.spec.depends_on:
            return False
        for t in step.spec.depends_on:
            for region in {step.region, GLOBAL}:
                if any(p.ended is None for p in self._producers.get((t, region), [])):
                    return True
        return False

    def _open_step(self, step: _Step, units: list[_Unit]) -> None:
        self._steps.append(step)
        step.started = time.monotonic()  # a deferred or child step starts when it is opened
        step.pending = len(units)
        for u in units:
            self._enqueue(u)
        if not units:
            self._close_step(step)

    def _enqueue(self, unit: _Unit) -> None:
        self._queues[unit.queue_key].append(unit)
        self._total_units += 1

    def _dispatch(self, pool: ThreadPoolExecutor, running: dict[Future[_Outcome], _Unit]) -> None:
        progressed = True
        while progressed and len(running) < self.options.workers:
            progressed = False
            for key in list(self._queues):
                queue = self._queues[key]
                if not queue:
                    del self._queues[key]
                    continue
                if self._inflight[key] >= self.options.per_service:
                    continue
                unit = queue.popleft()
                self._inflight[key] += 1
                running[pool.submit(self._execute, unit)] = unit
                progressed = True
                if len(running) >= self.options.workers:
                    return

    def _execute(self, unit: _Unit) -> _Outcome:
        counter = [0]
        set_unit_counter(counter)
        scope = call_scope(self._declared(unit))
        scope.__enter__()
        try:
            for attempt in range(3):
                try:
                    if unit.kind == "custom":
                        out = self._run_custom(unit)
                    elif unit.kind == "list":
                        out = self._run_list(unit)
                    elif unit.kind == "bulk":
                        out = self._run_bulk(unit)
                    else:
                        out = self._run_detail(unit)
                    break
                except ResponseParserError as exc:
                    # A garbled body (truncated or interleaved) is transient; botocore does not
                    # retry it, so the unit is tried again from the start.
                    status, reason = classify(exc)
                    out = _Outcome(unit, status=status, reason=f"{reason}: {str(exc)[:120]}")
                    time.sleep(0.05 * (attempt + 1))
                except Exception as exc:  # classified; the run goes on
                    status, reason = classify(exc)
                    out = _Outcome(unit, status=status, reason=reason)
                    break
        finally:
            scope.__exit__(None, None, None)
            set_unit_counter(None)
        out.calls = counter[0]
        return out

    def _declared(self, unit: _Unit) -> set[Call]:
        """The operations a unit may send: the one call it makes, or a Custom step's declared ones."""
        spec = unit.step.spec
        if unit.kind == "custom":
            return set(methods(spec))
        if unit.kind == "detail":
            assert unit.detail is not None and unit.item is not None
            service = unit.detail.service or (unit.item.spec.service if unit.item.spec else spec.service)
            return {(service, unit.detail.call)}
        if unit.kind == "bulk":
            assert unit.bulk is not None
            return {(unit.bulk.service or spec.service, unit.bulk.call)}
        assert isinstance(spec, Resource)
        return {(spec.service, spec.call or "")}

    def _client(self, step: _Step) -> Any:
        return self.session.client(step.spec.service, step.client_region)

    def paginate(self, client: Any, operation: str, params: Mapping[str, Any],
                 page_size: int | None = None) -> Iterator[dict[str, Any]]:
        """The pages of a call, bounded: a token seen before (botocore only notices one repeated
        back to back) or more than ``max_pages`` pages raise :class:`BoundReached` after the
        pages so far, which the caller keeps."""
        if not client.can_paginate(operation):
            yield getattr(client, operation)(**params)
            return
        paginator = client.get_paginator(operation)
        extra = {"PaginationConfig": {"PageSize": page_size}} if page_size else {}
        token_exprs, more_expr = _output_tokens(paginator)
        seen: set[str] = set()
        pages = 0
        try:
            for page in paginator.paginate(**params, **extra):
                pages += 1
                yield page
                token = [jmespath.search(e, page) for e in token_exprs]
                if all(t is None for t in token) or (more_expr and not jmespath.search(more_expr, page)):
                    return
                text = json.dumps(token, sort_keys=True, default=str)
                if text in seen:
                    raise BoundReached(f"{_op(operation)}: the pagination token repeated after {pages} pages;"
                                       " stopped")
                seen.add(text)
                if pages >= self.options.max_pages:
                    raise BoundReached(f"{_op(operation)}: stopped at {pages} pages (--max-pages)")
        except PaginationError as exc:  # botocore's own check: the same token twice in a row
            raise BoundReached(f"{_op(operation)}: the pagination token repeated after {pages} pages;"
                               " stopped") from exc

    def _run_list(self, unit: _Unit) -> _Outcome:
        spec = unit.step.spec
        assert isinstance(spec, Resource) and spec.call is not None
        client = self._client(unit.step)
        params = self._params(spec.params, unit.step)
        if unit.parent is not None and spec.parent is not None:
            for name, expr in spec.parent.params.items():
                params[name] = jp(expr, unit.parent)
        items_expr = spec.items or _result_key(client, spec.call)
        out = _Outcome(unit)
        try:
            self._list_pages(client, spec, params, items_expr, unit, out)
        except BoundReached as exc:  # what was listed so far is kept; the step is partial
            out.status, out.reason, out.capped = "partial", str(exc), str(exc)
        except Exception as exc:
            if error_code(exc) not in spec.missing:
                raise
        return out

    def _list_pages(self, client: Any, spec: Resource, params: dict[str, Any], items_expr: str | None,
                    unit: _Unit, out: _Outcome) -> None:
        seen = 0
        for page in self.paginate(client, spec.call or "", params, spec.page_size):
            found = jp(items_expr, page) if items_expr else page
            if isinstance(found, dict):
                found = [found]
            for item in found if isinstance(found, list) else []:
                seen += 1
                if seen > self.options.max_items:
                    raise BoundReached(f"{_op(spec.call or '')}: stopped at {self.options.max_items} items"
                                       " (--max-items)")
                if not isinstance(item, dict):
                    item = {"Value": item}
                if unit.parent is not None and spec.parent is not None:
                    for field_name, expr in spec.parent.carry.items():
                        item[field_name] = jp(expr, unit.parent)
                if spec.region_field and not item.get(spec.region_field):
                    item[spec.region_field] = unit.step.client_region
                if spec.keep is not None and not spec.keep(item):
                    continue
                out.items.append(item)
                if spec.cap is not None and len(out.items) >= spec.cap:
                    out.capped = f"capped at {spec.cap} items"
                    return

    def _run_detail(self, unit: _Unit) -> _Outcome:
        detail, item = unit.detail, unit.item
        assert detail is not None and item is not None
        service = detail.service or (item.spec.service if item.spec else unit.step.spec.service)
        client = self.session.client(service, unit.step.client_region)
        params = dict(detail.static)
        for name, expr in detail.params.items():
            params[name] = jp(expr, item.raw)
        out = _Outcome(unit)
        if any(v is None for v in params.values()):
            return out  # nothing to look up (e.g. a function outside any VPC has no subnets)
        try:
            if detail.paginate:
                merged: list[Any] = []
                try:
                    for page in self.paginate(client, detail.call, params):
                        value = jp(detail.result, page) if detail.result else page
                        merged.extend(value if isinstance(value, list) else [value])
                        if len(merged) > self.options.max_items:
                            raise BoundReached(f"{_op(detail.call)}: stopped at {self.options.max_items} items"
                                               " (--max-items)")
                except BoundReached as exc:
                    out.status, out.reason = "partial", str(exc)
                result: Any = merged
            else:
                resp = getattr(client, detail.call)(**params)
                result = jp(detail.result, resp) if detail.result else resp
                if isinstance(result, dict):
                    result.pop("ResponseMetadata", None)
        except Exception as exc:
            if error_code(exc) in detail.missing:
                return out
            out.status, out.reason = classify(exc)
            if out.status == "success":
                return out
            out.reason = f"{detail.call}: {out.reason}" if not out.reason.startswith(_op(detail.call)) else out.reason
            return out
        if detail.decode_json:
            result = decode_policy(result)
        out.items.append(result if detail.into == "*" and isinstance(result, dict) else {detail.into: result})
        return out

    def _run_bulk(self, unit: _Unit) -> _Outcome:
        bulk = unit.bulk
        assert bulk is not None
        client = self.session.client(bulk.service or unit.step.spec.service, unit.step.client_region)
        joined: dict[str, Any] = {}
        for page in self.paginate(client, bulk.call, dict(bulk.static)):
            for element in jp(bulk.items, page) or []:
                key = jp(bulk.key, element)
                if key is None:
                    continue
                value = jp(bulk.value, element) if bulk.value else element
                if bulk.many:
                    joined.setdefault(str(key), []).append(value)
                else:
                    joined.setdefault(str(key), value)
        out = _Outcome(unit)
        out.items.append(joined)
        return out

    def _run_custom(self, unit: _Unit) -> _Outcome:
        spec = unit.step.spec
        assert isinstance(spec, Custom)
        out = _Outcome(unit)

        def note_partial(reason: str) -> None:
            out.status = worse(out.status, "partial")
            if reason and reason not in out.reason:
                out.reason = f"{out.reason}; {reason}" if out.reason else reason

        def note_error(exc: BaseException) -> None:
            status, reason = classify(exc)
            if status != "success":
                out.status = worse(out.status, status)
                out.reason = f"{out.reason}; {reason}" if out.reason else reason

        ctx = FetchContext(
            account=self.account, region=unit.step.client_region, partition=self.partition,
            client=lambda service: self.session.client(service, unit.step.client_region),
            paginate=lambda client, op, **params: self.paginate(client, op, params),
            note_partial=note_partial,
            note_error=note_error,
        )
        try:
            for etype, item in spec.fetch(ctx):
                if len(out.typed) >= self.options.max_items:
                    raise BoundReached(f"{spec.name}: stopped at {self.options.max_items} items (--max-items)")
                out.typed.append((etype, item))
        except BoundReached as exc:  # what the step yielded so far is kept; the step is partial
            note_partial(str(exc))
        return out

    # -- bookkeeping (main thread only) -----------------------------------------------------
    def _absorb(self, out: _Outcome) -> None:
        unit, step = out.unit, out.unit.step
        step.calls += out.calls
        fallback = unit.kind == "bulk" and unit.bulk is not None and unit.bulk.fallback is not None
        if (out.status != "success" or out.reason) and not fallback:  # a fallback's own calls report
            step.note(out.status, out.reason)
        if out.capped:
            step.capped = out.capped
        if unit.kind == "list":
            spec = step.spec
            assert isinstance(spec, Resource)
            if spec.bulk and out.items and not step.bulk_started:
                # the region-wide reads start once there is something to join them to: a region
                # without buckets or functions costs no tag listing
                step.bulk_started = True
                step.bulk_pending = len(spec.bulk)
                for b in spec.bulk:
                    step.pending += 1
                    self._enqueue(_Unit(step, "bulk", bulk=b))
            for raw in out.items:
                item = _Item(raw)
                if not self._next_details(step, spec, item):
                    self._complete(step, spec, item)
        elif unit.kind == "detail":
            assert unit.item is not None
            for part in out.items:
                unit.item.raw.update(part)
            if out.status != "success":
                unit.item.incomplete = True
            unit.item.remaining -= 1
            if unit.item.remaining == 0:
                spec = unit.item.spec or step.spec
                assert isinstance(spec, Resource)
                if not self._next_details(step, spec, unit.item):
                    self._complete(step, spec, unit.item)
        elif unit.kind == "bulk":
            assert unit.bulk is not None
            step.bulk_pending -= 1
            ok = out.status == "success" and bool(out.items)
            step.bulk_data[unit.bulk.into] = out.items[0] if ok else None
            if step.bulk_pending == 0:
                parked, step.parked = step.parked, []
                for spec_, item_ in parked:
                    self._complete(step, spec_, item_)
        else:
            for etype, raw in out.typed:
                conv = self._converters.get(etype)
                if conv is None:
                    step.note("failed", f"no spec converts {etype}")
                    continue
                item = _Item(raw, conv)
                if not self._next_details(step, conv, item):
                    self._complete(step, conv, item)
        step.pending -= 1
        if step.pending == 0:
            self._close_step(step)

    def _next_details(self, step: _Step, spec: Resource, item: _Item) -> bool:
        """Enqueue the item's next stage of detail calls; False when none is left.

        Details of one stage run concurrently; a later stage starts once the earlier ones are
        merged into the item, so its params may read their results."""
        while True:
            later = [d.stage for d in spec.details if d.stage > item.stage]
            if not later:
                return False
            item.stage = min(later)
            # a call with nothing to look up (a null param) is not even queued
            batch = [d for d in spec.details if d.stage == item.stage and not self._nothing_to_look_up(d, item)]
            if batch:
                break
        if not self._may_call_details(step, len(batch)):
            item.incomplete = True
            return False
        item.remaining = len(batch)
        for d in batch:
            step.pending += 1
            self._enqueue(_Unit(step, "detail", item=item, detail=d))
        return True

    def _complete(self, step: _Step, spec: Resource, item: _Item) -> None:
        """An item whose details are all merged: join the step's Bulk reads into it (waiting
        for them if need be, or falling back to per-item calls if one failed), then build it."""
        if spec.bulk and spec is step.spec:
            if step.bulk_pending:
                step.parked.append((spec, item))
                return
            fallbacks: list[Detail] = []
            for bulk in spec.bulk:
                joined = step.bulk_data.get(bulk.into)
                if joined is None:  # the region-wide read failed
                    if bulk.fallback is None:
                        item.incomplete = True
                    elif not item.fell_back and not self._nothing_to_look_up(bulk.fallback, item):
                        fallbacks.append(bulk.fallback)
                    continue
                key = jp(bulk.match, item.raw)
                found = joined.get(str(key)) if key is not None else None
                item.raw[bulk.into] = found if found is not None else copy.deepcopy(bulk.default)
            if fallbacks and not self._may_call_details(step, len(fallbacks)):
                item.incomplete = True
                fallbacks = []
            if fallbacks:
                item.fell_back = True
                item.remaining = len(fallbacks)
                for d in fallbacks:
                    step.pending += 1
                    self._enqueue(_Unit(step, "detail", item=item, detail=d))
                return
        self._finish_item(step, spec, item.raw, incomplete=item.incomplete)

    def _may_call_details(self, step: _Step, count: int) -> bool:
        """Count ``count`` more detail calls against the step's bound; False once it is reached
        (the item is then built without them, and the step is partial)."""
        if step.detail_calls + count > self.options.max_details:
            reason = f"stopped after {step.detail_calls} detail calls (--max-details)"
            step.note("partial", reason)
            step.capped = step.capped or reason
            return False
        step.detail_calls += count
        return True

    @staticmethod
    def _nothing_to_look_up(detail: Detail, item: _Item) -> bool:
        try:
            return any(jp(expr, item.raw) is None for expr in detail.params.values())
        except Exception:
            return False  # let the unit itself report what is wrong

    def _finish_item(self, step: _Step, spec: Resource, raw: dict[str, Any], *, incomplete: bool = False) -> None:
        region = step.client_region if step.region == GLOBAL else step.region
        try:
            entity = build_entity(spec, raw, account=step.account, region=region, partition=self.partition,
                                  stamp=self.options.stamp)
        except Exception as exc:  # a spec that does not fit the data: report it, keep going
            step.note("failed", f"cannot convert a {spec.type}: {type(exc).__name__}: {exc}"[:200])
            return
        if entity is None:
            return
        entity.incomplete = incomplete
        if step.region == GLOBAL:
            entity.scope_region = GLOBAL
        elif entity.props.get("region") != step.region:
            entity.scope_region = step.region
        if self._children.get(spec.type):
            step.parent_items[spec.type].append(raw)
        step.entities += 1
        self._emit([entity])
        for sub_type, expr in spec.spawn.items():
            conv = self._converters.get(sub_type)
            found = jp(expr, raw)
            if conv is None or not found:
                continue
            for sub in found if isinstance(found, list) else [found]:
                if isinstance(sub, dict):
                    self._finish_item(step, conv, sub)

    def _close_step(self, step: _Step) -> None:
        # A finished parent step opens its child steps, one list unit per parent item.
        step.ended = time.monotonic()
        spec = step.spec
        produced = (spec.type,) if isinstance(spec, Resource) else spec.produces
        for ptype in produced:
            for child in self._children.get(ptype, []):
                cstep = _Step(child, step.account, step.region, step.client_region)
                if step.status == UNSERVED:  # the emulator's gap, not a failure of the child
                    cstep.note(UNSERVED, f"parent {ptype} not served by the endpoint")
                elif step.status != "success":
                    cstep.note("partial", f"parent {ptype} incomplete")
                self._open_step(cstep, [_Unit(cstep, "list", parent=p) for p in step.parent_items.get(ptype, [])])
        step.parent_items = defaultdict(list)
        for waiting in [w for w in self._deferred if not self._waiting_on(w)]:
            self._deferred.remove(waiting)
            self._open_step(waiting, [_Unit(waiting, "custom")])

    def _emit(self, entities: Iterable[Entity]) -> None:
        for e in entities:
            if e.key in self._seen_keys:
                continue  # the same resource from two listings (e.g. es and opensearch)
            self._seen_keys.add(e.key)
            self._buffer.append(e)
            self._entity_count += 1
        if len(self._buffer) >= self.options.flush_every:
            self._flush()

    def _flush(self) -> None:
        if self._buffer:
            batch, self._buffer = self._buffer, []
            self.sink(batch)

    def _params(self, params: Mapping[str, Any], step: _Step) -> dict[str, Any]:
        ctx = {"account": step.account, "region": step.client_region, "partition": self.partition}
        out: dict[str, Any] = {}
        for k, v in params.items():
            out[k] = _fill(v, ctx)
        return out

    def _service_entities(self) -> list[Entity]:
        groups = self._service_groups()
        stamp = dict(self.options.stamp)
        out = []
        for g in groups:
            props: dict[str, PropValue] = {
                "name": g, "displayName": f"AWS {g.upper() if len(g) <= 4 else g.title()}",
                "accountId": self.account, "category": ["infrastructure"], "function": ["cloud"], "active": True,
                **stamp,
            }
            e = Entity(key=service_key(self.account, g), type=f"aws_{g}", classes=("Service",), props=props,
                       link_values={"HAS|aws_account|_key|<": [account_key(self.account)]})
            e.scope_region = GLOBAL
            out.append(e)
        return out

    def _service_groups(self) -> list[str]:
        entity_types = {s.type for s in self.specs if isinstance(s, Resource)}
        return sorted({s.service_group for s in self.specs} - {t[4:] for t in entity_types if t.startswith("aws_")})

    def _result(self, duration: float) -> CollectResult:
        results: list[StepResult] = []
        scope_status: dict[tuple[str, str, str], str] = {}
        for s in self._steps:
            types = (s.spec.type, *s.spec.spawn) if isinstance(s.spec, Resource) else s.spec.produces
            name = s.spec.type if isinstance(s.spec, Resource) else s.spec.name
            results.append(StepResult(
                step=name, account=s.account, region=s.region, service=s.spec.service_group, types=types,
                status=s.status, reason="; ".join(s.reasons), entities=s.entities, calls=s.calls,
                duration=round((s.ended or time.monotonic()) - s.started, 3), capped=s.capped,
            ))
            for t in types:
                k = (s.account, s.region, t)
                scope_status[k] = worse(scope_status.get(k, "success"), s.status)
        for g in self._service_groups():
            scope_status.setdefault((self.account, GLOBAL, f"aws_{g}"), "success")
        complete = {k for k, v in scope_status.items() if v == "success"}
        partial = set(scope_status) - complete
        return CollectResult(results, complete, partial, self._entity_count, duration)


def _op(call: str) -> str:
    return "".join(p.title() for p in call.split("_"))


def _fill(value: Any, ctx: Mapping[str, str]) -> Any:
    if callable(value):  # evaluated when the step runs, e.g. a "last 90 days" window
        return _fill(value(), ctx)
    if isinstance(value, str) and "{" in value:
        try:
            return value.format_map(ctx)
        except (KeyError, ValueError):
            return value
    if isinstance(value, list):
        return [_fill(v, ctx) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, ctx) for k, v in value.items()}
    return value


def _output_tokens(paginator: Any) -> tuple[list[str], str | None]:
    """A paginator's next-token expressions and its more-results flag (botocore's paginator data)."""
    cfg = getattr(paginator, "_pagination_cfg", {}) or {}
    tokens = cfg.get("output_token") or []
    return ([tokens] if isinstance(tokens, str) else list(tokens)), cfg.get("more_results")


_result_keys: dict[tuple[str, str], str | None] = {}


def _result_key(client: Any, call: str) -> str | None:
    """The items key from botocore's paginator data, so specs need not restate it."""
    key = (client.meta.service_model.service_name, call)
    if key not in _result_keys:
        found: str | None = None
        if client.can_paginate(call):
            cfg = client.get_paginator(call)._pagination_cfg
            rk = cfg.get("result_key")
            if isinstance(rk, list):
                rk = rk[0]
            found = rk
        _result_keys[key] = found
    return _result_keys[key]
