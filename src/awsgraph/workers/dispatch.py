"""The run's side: send one task per account to the workers, follow them, collect their outcomes.

:class:`CeleryDispatch` is what ``run_organization`` calls instead of its thread pool; the run
itself (``begin_run``, the cross-account pass once every unit is done, ``end_run``) stays in the
process that started it, which holds the database's writer lease and its heartbeat.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from awsgraph.collect.config import InstanceConfig
from awsgraph.collect.org import AccountOutcome, AccountTarget, OrgProgress
from awsgraph.store.base import GraphStore
from awsgraph.workers.app import DEFAULT_TIME_LIMIT, TASK_NAME, make_app
from awsgraph.workers.messages import describe, read_outcome, task_message

POLL_SECONDS = 0.25


@dataclass
class _Sent:
    target: AccountTarget
    result: Any  # celery.result.AsyncResult
    sent: float
    started: bool = False


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

    def __call__(self, targets: list[AccountTarget], run_id: int, progress: OrgProgress) -> list[AccountOutcome]:
        app = make_app(self.broker, time_limit=self.time_limit)
        limit = self.give_up_after if self.give_up_after is not None else 2.0 * self.time_limit
        waiting = deque(targets)
        running: dict[str, _Sent] = {}
        outcomes: list[AccountOutcome] = []
        try:
            while waiting or running:
                while waiting and len(running) < max(self.in_flight, 1):
                    target = waiting.popleft()
                    message = task_message(run_id, self.cfg.db, target, self.cfg)
                    result = app.send_task(TASK_NAME, args=[message], argsrepr=f"({describe(message)!r},)",
                                           kwargsrepr="{}")
                    running[result.id] = _Sent(target, result, time.monotonic())
                for task_id, sent in list(running.items()):
                    outcome = self._poll(sent, progress, limit, run_id)
                    if outcome is not None:
                        del running[task_id]
                        if not sent.started:  # it ran between two looks
                            progress.account_started(sent.target.account_id, sent.target.name)
                        outcomes.append(outcome)
                        progress.account_done(outcome)
                if running:
                    time.sleep(POLL_SECONDS)
        except BaseException:
            for sent in running.values():  # the run is ending: nothing of it should start later
                sent.result.revoke()
            raise
        finally:
            app.close()
        return outcomes

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
