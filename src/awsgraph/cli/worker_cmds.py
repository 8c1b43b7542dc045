"""`awsgraph worker`: a Celery worker that collects the accounts of organization runs into a shared
PostgreSQL graph (see :mod:`awsgraph.workers`)."""

from __future__ import annotations

import argparse
import os
from typing import Any

from awsgraph.cli.common import CliError
from awsgraph.cli.output import inert
from awsgraph.store import StoreError, describe, is_url, open_writer

BROKER_SCHEMES = ("redis://", "rediss://", "amqp://", "amqps://", "pyamqp://")
MAX_TIME_LIMIT = 24 * 3600


def add_broker_flags(p: argparse.ArgumentParser | argparse._ArgumentGroup, *, required: bool = False) -> None:
    p.add_argument("--broker", required=required, metavar="URL",
                   help="Celery broker: redis://HOST:PORT/N (or amqp://... for RabbitMQ)")
    p.add_argument("--task-time-limit", type=int, metavar="SECONDS", default=None,
                   help="the longest one account may take on a worker (default 3 hours)")


def register(sub: Any) -> None:
    p = sub.add_parser("worker", help="run a worker that collects accounts of organization runs (Celery)")
    add_broker_flags(p, required=True)
    p.add_argument("--db", required=True, metavar="URL", help="the shared graph: postgresql://user@host:port/dbname")
    p.add_argument("--profile", help="AWS profile this worker's credentials come from (default: the credential chain)")
    p.add_argument("--concurrency", type=int, default=1, metavar="N",
                   help="accounts this worker collects at once (processes; default 1)")
    p.add_argument("--loglevel", default="info", choices=["debug", "info", "warning", "error"])
    p.set_defaults(func=cmd_worker)


def check_broker(url: str | None) -> str:
    if not url or not url.startswith(BROKER_SCHEMES):
        raise CliError("--broker wants a Celery broker URL: redis://HOST:PORT/N or amqp://USER@HOST:PORT/VHOST")
    return url


def check_shared_db(db: str | None) -> str:
    if not db or not is_url(db):
        raise CliError("workers write a shared PostgreSQL graph: give --db postgresql://user@host:port/dbname")
    return db


def time_limit(args: argparse.Namespace) -> int:
    from awsgraph.workers.app import DEFAULT_TIME_LIMIT

    value = args.task_time_limit if args.task_time_limit is not None else DEFAULT_TIME_LIMIT
    if not 60 <= value <= MAX_TIME_LIMIT:
        raise CliError(f"--task-time-limit must be between 60 and {MAX_TIME_LIMIT} seconds")
    return int(value)


def cmd_worker(args: argparse.Namespace) -> int:
    from awsgraph.workers import app as worker_app

    broker, db = check_broker(args.broker), check_shared_db(args.db)
    limit = time_limit(args)
    if not 1 <= args.concurrency <= 64:
        raise CliError("--concurrency must be between 1 and 64")
    try:
        open_writer(db).close()  # reachable, an awsgraph graph (its tables created when missing)
    except StoreError as exc:
        raise CliError(str(exc)) from exc
    worker_app.SETTINGS = worker_app.WorkerSettings(db=db, profile=args.profile)
    app = worker_app.make_app(broker, time_limit=limit)
    print(f"awsgraph worker: writing {inert(describe(db))}, tasks from {inert(describe_broker(broker))}", flush=True)
    app.worker_main(["worker", f"--concurrency={args.concurrency}", f"--loglevel={args.loglevel.upper()}",
                     "-Q", worker_app.QUEUE, "--pool=prefork", "--without-gossip", "--without-mingle",
                     f"--hostname=awsgraph-{os.getpid()}@%h"])
    return 0


def describe_broker(url: str) -> str:
    from awsgraph.model.fields import scrub_url_text

    return scrub_url_text(url)
