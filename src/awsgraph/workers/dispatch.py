"""The run's side: send one task per account to the workers, follow them, collect their outcomes.

:class:`CeleryDispatch` is what ``run_organization`` calls instead of its thread pool; the run
itself (``begin_run``, the cross-account pass once every unit is done, ``end_run``) stays in the
process that started it, which holds the database's writer lease and its heartbeat.

Progress is fed by the workers' task events (``task-started``, ``task-succeeded``…, which
``awsgraph worker`` sends): a thread follows them, and a task's result is read from the backend
when an event says it has finished. Events are not stored by the broker (one sent while nobody
listens is gone), so every task's state is also read every ``FALLBACK_POLL_SECONDS``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from awsgraph.collect.config import InstanceConfig
from awsgraph.collect.org import AccountOutcome, AccountTarget, OrgProgress
from awsgraph.store.base import GraphStore
from awsgraph.workers.app import DEFAULT_TIME_LIMIT, TASK_NAME, make_app
from awsgraph.workers.messages import describe, read_outcome, task_message

TICK_SECONDS = 0.25  # the dispatch loop's own pace (no broker call unless an event or the fallback asks)
FALLBACK_POLL_SECONDS = 5.0  # a task's state is read from the backend at least this often
_FINISHED = frozenset({"task-succeeded", "task-failed", "task-revoked", "task-rejected"})
_FOLLOWED = _FINISHED | {"task-started", "task-retried"}

log = logging.getLogger("awsgraph.dispatch")


class TaskEvents:
    """The last event the workers sent about each task, followed in a thread of its own."""

    def __init__(self, app: Any) -> None:
        self._app = app
        self._last: dict[str, str] = {}
        self._lock = threading.Lock()
        self._receiver: Any = None
        self._stopping = False
        self.listening = threading.Event()
        self.error: str | None = None
        self._thread = threading.Thread(target=self._follow, name="awsgraph-task-events", daemon=True)

    def start(self, wait: float = 5.0) -> bool:
        """Start following; True once the event queue is bound (events sent from then on are seen)."""
        self._thread.start()
        self.listening.wait(wait)
        return self.listening.is_set()

    def last(self, task_id: str) -> str | None:
        with self._lock:
            return self._last.get(task_id)

    def forget(self, task_id: str) -> None:
        with self._lock:
            self._last.pop(task_id, None)

    def stop(self) -> None:
        self._stopping = True
        if self._receiver is not None:
            self._receiver.should_stop = True
        self._thread.join(timeout=5)

    def _on_event(self, event: dict[str, Any]) -> None:
        kind, task_id = event.get("type"), event.get("uuid")
        if kind in _FOLLOWED and isinstance(task_id, str):
            with self._lock:
                bounded = len(self._last) < 100_000 or task_id in self._last  # other runs' tasks pass too
                if bounded and self._last.get(task_id) not in _FINISHED:
                    self._last[task_id] = kind

    def _follow(self) -> None:
        try:
            with self._app.connection_for_read() as conn:
                receiver = self._app.events.Receiver(conn, handlers={"*": self._on_event})
                receiver.connect_max_retries = 2
                receiver.should_stop = self._stopping
                receiver.on_consume_ready = lambda *_a, **_k: self.listening.set()
                self._receiver = receiver
                receiver.capture(limit=None, timeout=None, wakeup=False)
        except Exception as exc:  # the fallback polling carries on without events
            if not self._stopping:
                self.error = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
                log.warning("task events stopped (%s); following the tasks by polling", self.error)


@dataclass
class _Sent:
    target: AccountTarget
    result: Any  # celery.result.AsyncResult
    sent: float
    started: bool = False
    looked: float = 0.0  # when its state was last read from the backend


@dataclass
class CeleryDispatch:
    """Queue the units of a run for ``awsgraph worker`` processes listening on ``broker``.

    At most ``in_flight`` tasks of the run are queued or running at once (the rest wait here, not
    in the broker). A task that no worker has finished ``give_up_after`` seconds after it was
    queued is revoked and its account recorded failed, so a run without workers still ends.
    """

    broker: str
    cfg: InstanceConfig
    store: GraphStore
    in_flight: int = 4
    time_limit: int = DEFAULT_TIME_LIMIT
    give_up_after: float | None = None  # default: twice the time limit
    notes: list[str] = field(default_factory=list)
    ended_by_event: int = field(default=0, init=False)  # outcomes read because an event said the task ended

    def __call__(self, targets: list[AccountTarget], run_id: int, progress: OrgProgress) -> list[AccountOutcome]:
        app = make_app(self.broker, time_limit=self.time_limit)
        limit = self.give_up_after if self.give_up_after is not None else 2.0 * self.time_limit
        waiting = deque(targets)
        running: dict[str, _Sent] = {}
        outcomes: list[AccountOutcome] = []
        events = TaskEvents(app)
        if not events.start():
            self.notes.append("the workers' task events were not followed: progress comes from polling")
        try:
            while waiting or running:
                while waiting and len(running) < max(self.in_flight, 1):
                    target = waiting.popleft()
                    message = task_message(run_id, self.cfg.db, target, self.cfg)
                    result = app.send_task(TASK_NAME, args=[message], argsrepr=f"({describe(message)!r},)",
                                           kwargsrepr="{}")
                    now = time.monotonic()
                    running[result.id] = _Sent(target, result, now, looked=now)
                for task_id, sent in list(running.items()):
                    outcome = self._follow(task_id, sent, events, progress, limit, run_id)
                    if outcome is not None:
                        del running[task_id]
                        events.forget(task_id)
                        if not sent.started:  # it ran between two looks
                            progress.account_started(sent.target.account_id, sent.target.name)
                        outcomes.append(outcome)
                        progress.account_done(outcome)
                if running:
                    time.sleep(TICK_SECONDS)
        except BaseException:
            for sent in running.values():  # the run is ending: nothing of it should start later
                sent.result.revoke()
            raise
        finally:
            events.stop()
            app.close()
        return outcomes

    def _follow(self, task_id: str, sent: _Sent, events: TaskEvents, progress: OrgProgress, limit: float,
                run_id: int) -> AccountOutcome | None:
        """What the events say about one task; its state is read when they say it ended, or as a fallback."""
        event = events.last(task_id)
        if event is not None and event != "task-retried" and not sent.started:
            sent.started = True
            progress.account_started(sent.target.account_id, sent.target.name)
        now = time.monotonic()
        if event in _FINISHED or now - sent.looked >= FALLBACK_POLL_SECONDS or now - sent.sent > limit:
            sent.looked = now
            outcome = self._poll(sent, progress, limit, run_id)
            if outcome is not None and event in _FINISHED:
                self.ended_by_event += 1
            return outcome
        return None

    def _poll(self, sent: _Sent, progress: OrgProgress, limit: float, run_id: int) -> AccountOutcome | None:
        target = sent.target
        state = sent.result.state
        if state == "STARTED" and not sent.started:
            sent.started = True
            progress.account_started(target.account_id, target.name)
        if state == "SUCCESS":
            answer = sent.result.result
            sent.result.forget()
            if not isinstance(answer, dict):
                return self._failed(run_id, target, "the worker answered something else than an outcome")
            answer.setdefault("name", target.name)
            return read_outcome(answer)
        if state in ("FAILURE", "REVOKED"):
            error = sent.result.result
            sent.result.forget()
            reason = f"{type(error).__name__}: {error}".splitlines()[0][:300] if error else state.lower()
            return self._failed(run_id, target, f"the worker's task failed: {reason}")
        if time.monotonic() - sent.sent > limit:
            sent.result.revoke(terminate=True)
            return self._failed(run_id, target, f"no worker finished it within {limit:.0f} s")
        return None

    def _failed(self, run_id: int, target: AccountTarget, reason: str) -> AccountOutcome:
        status, _attempts = self.store.unit_attempts(run_id, target.account_id)
        if status not in ("success", "partial"):
            self.store.fail_unit(run_id, target.account_id, "failed", reason)
        return AccountOutcome(target.account_id, target.name, "failed", reason)
