"""The Celery application both sides share: the worker that runs account units, and the run that
sends them (:mod:`awsgraph.workers.dispatch`).

One task, ``awsgraph.collect_account``: one account of one organization run, which the worker
collects and commits into the shared PostgreSQL graph (``run_account_unit``). It is delivered at
least once and may run more than once; it is idempotent per (run, account):

* acknowledged late (``acks_late``): a message is removed from the queue only once its task has
  returned, so a worker that dies mid-task leaves it to be delivered again;
* ``reject_on_worker_lost``: a pool process killed mid-task (SIGKILL, the OOM killer) sends the
  message straight back to the queue; a whole worker that vanishes gives it back when the
  broker's visibility timeout (the task time limit plus ten minutes) passes;
* a delivery starts the unit afresh (``begin_unit`` drops what an earlier delivery staged);
  a unit already committed in this run is not collected again; a unit started
  ``MAX_ATTEMPTS`` times without finishing is recorded failed instead of running again.

Everything is bounded: a task's time (``--task-time-limit``, a soft limit a minute earlier that
lets the unit record itself failed), deliveries per unit, and the messages a run has queued at once
(the run's ``--account-workers``).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from awsgraph.workers.messages import MessageError, describe, outcome_message, read_message

if TYPE_CHECKING:
    from celery import Celery

TASK_NAME = "awsgraph.collect_account"
QUEUE = "awsgraph"
DEFAULT_TIME_LIMIT = 3 * 3600  # seconds one account may take
MAX_ATTEMPTS = 3  # deliveries of one unit that may start before it is given up

log = logging.getLogger("awsgraph.worker")


@dataclass
class WorkerSettings:
    """What a worker decides for itself (never taken from a message): the database it writes and
    the AWS profile its credentials come from."""

    db: str
    profile: str | None = None


# Set by `awsgraph worker` before the pool starts; pool processes inherit it.
SETTINGS: WorkerSettings | None = None


def result_backend(broker: str) -> str:
    """Results go back through the broker's own kind: Redis stores them; AMQP (RabbitMQ) replies by RPC."""
    return "rpc://" if broker.startswith(("amqp://", "amqps://", "pyamqp://")) else broker


def make_app(broker: str, *, time_limit: int = DEFAULT_TIME_LIMIT) -> Celery:
    from celery import Celery

    app = Celery("awsgraph", broker=broker, backend=result_backend(broker), set_as_current=False)
    app.conf.update(
        task_default_queue=QUEUE,
        task_serializer="json", result_serializer="json", accept_content=["json"],
        task_acks_late=True, task_reject_on_worker_lost=True, worker_prefetch_multiplier=1,
        task_track_started=True, worker_send_task_events=True,
        task_time_limit=time_limit, task_soft_time_limit=max(time_limit - 60, 1),
        broker_transport_options={"visibility_timeout": time_limit + 600},
        result_expires=7 * 24 * 3600, broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False, worker_redirect_stdouts=False,
    )
    app.task(name=TASK_NAME, bind=True, acks_late=True, reject_on_worker_lost=True)(_collect_account)
    return app


class StoreUnreachable(Exception):
    """The worker could not open the graph database (yet): the task is tried again later."""


def _collect_account(task: Any, message: dict[str, Any]) -> dict[str, Any]:
    try:
        return collect_account_unit(message)
    except StoreUnreachable as exc:  # a database restarting, a network blip: a few more tries, spaced
        raise task.retry(exc=exc, countdown=10, max_retries=3) from None


def collect_account_unit(message: dict[str, Any]) -> dict[str, Any]:
    """Run one account unit as this worker (``SETTINGS``) is configured; its outcome as JSON."""
    from awsgraph.collect.org import run_account_unit
    from awsgraph.collect.run import open_session
    from awsgraph.collect.session import CredentialError
    from awsgraph.store import open_writer

    if SETTINGS is None:
        raise RuntimeError("not a configured awsgraph worker")
    account = str((message.get("target") or {}).get("account_id") or "") if isinstance(message, dict) else ""
    try:
        run_id, target, cfg, start_cfg = read_message(message, db=SETTINGS.db, profile=SETTINGS.profile)
    except MessageError as exc:
        log.error("refused %s: %s", describe(message) if isinstance(message, dict) else "a message", exc)
        return {"account": account, "status": "failed", "reason": str(exc), "hasResult": False}
    from awsgraph.store import StoreError

    try:
        store = open_writer(SETTINGS.db)
    except StoreError as exc:
        raise StoreUnreachable(str(exc)) from None
    try:
        status = store.run_status(run_id)
        if status != "running":
            return {"account": target.account_id, "name": target.name, "status": "failed",
                    "reason": f"run {run_id} is {status or 'unknown'}: not collected", "hasResult": False}
        done, attempts = store.unit_attempts(run_id, target.account_id)
        if done in ("success", "partial"):  # delivered again after a commit whose acknowledgement was lost
            return {"account": target.account_id, "name": target.name, "status": done,
                    "reason": "already committed in this run", "hasResult": False}
        if attempts >= MAX_ATTEMPTS:
            reason = f"its worker was lost {attempts} times: given up"
            store.fail_unit(run_id, target.account_id, "failed", reason)
            return {"account": target.account_id, "name": target.name, "status": "failed", "reason": reason,
                    "hasResult": False}
        log.info("collecting %s (attempt %d, pid %d)", describe(message), attempts + 1, os.getpid())
        source = None
        if target.role_arn is None or start_cfg.role_arn:
            try:  # the account the run started from, reached as the run reached it
                source = open_session(start_cfg)
            except CredentialError as exc:
                reason = f"this worker cannot reach the starting account: {exc}"
                store.fail_unit(run_id, target.account_id, "partial", reason)
                return {"account": target.account_id, "name": target.name, "status": "partial",
                        "reason": reason, "hasResult": False}
        try:
            outcome = run_account_unit(target, cfg, store, run_id, source=source)
        finally:
            if source is not None:
                source.close()
        return outcome_message(outcome)
    finally:
        store.close()
