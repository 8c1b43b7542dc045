"""What a task message carries, and what a worker answers: plain JSON, no credentials.

A message names one account of one run and how to reach it: the run id, the database it writes
(its URL without password or query, which the worker checks against its own ``--db``), the
account's id, name, member role ARN and external id, the role the run started from (ARN and
external id, when the run assumed one), the regions and settings. Never an access key, a session
token, a password or a profile's secrets: a worker reaches AWS with the credentials of its own
environment (default chain or ``--profile``), as the run's starting process does, and assumes the
same roles from there. External ids are not secrets in AWS's model, but they stay out of logs:
the message's printable form (``argsrepr``) names only the run and the account.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from awsgraph.collect.config import InstanceConfig
from awsgraph.collect.org import AccountOutcome, AccountTarget
from awsgraph.collect.run import AccountResult
from awsgraph.model.fields import scrub_url_text
from awsgraph.store.base import StepResult

VERSION = 1
# The settings a message carries; the worker's own flags decide the rest (profile, database URL).
_SETTINGS = ("regions", "services", "exclude_services", "tag_account_name", "tag_production", "endpoint_url",
             "workers", "per_service", "retry_mode", "max_attempts", "max_pages", "max_items", "max_details")


class MessageError(ValueError):
    """A message this worker cannot run (another version, another database, malformed)."""


def database_name(db: str) -> str:
    """The database as a message names it: its URL without password, user or query."""
    return scrub_url_text(db) if "://" in db else db


def task_message(run_id: int, db: str, target: AccountTarget, cfg: InstanceConfig) -> dict[str, Any]:
    settings = {k: getattr(cfg, k) for k in _SETTINGS}
    if settings["endpoint_url"]:
        settings["endpoint_url"] = scrub_url_text(settings["endpoint_url"])
    return {
        "version": VERSION, "run": run_id, "db": database_name(db),
        "target": asdict(target),
        "start": {"roleArn": cfg.role_arn, "externalId": cfg.external_id},
        "settings": settings,
    }


def describe(message: dict[str, Any]) -> str:
    """How logs and monitors show a message: the run and the account, nothing else."""
    return f"run={message.get('run')} account={(message.get('target') or {}).get('account_id')}"


def read_message(message: dict[str, Any], *, db: str, profile: str | None
                 ) -> tuple[int, AccountTarget, InstanceConfig, InstanceConfig]:
    """(run id, target, the unit's configuration, the starting session's configuration)."""
    if not isinstance(message, dict) or message.get("version") != VERSION:
        raise MessageError("a task message of another awsgraph version")
    if message.get("db") != database_name(db):
        raise MessageError(f"the run writes {message.get('db')}, this worker writes {database_name(db)}")
    try:
        run_id = int(message["run"])
        t = message["target"]
        target = AccountTarget(account_id=str(t["account_id"]), name=str(t.get("name") or ""),
                               role_arn=t.get("role_arn"), external_id=t.get("external_id"),
                               lists_organization=bool(t.get("lists_organization")),
                               organization_only=bool(t.get("organization_only")))
        settings = {k: v for k, v in dict(message["settings"]).items() if k in _SETTINGS}
        start = dict(message.get("start") or {})
    except (KeyError, TypeError, ValueError) as exc:
        raise MessageError(f"malformed task message: {exc}") from None
    cfg = InstanceConfig(**settings, profile=profile, db=db)
    start_cfg = InstanceConfig(**settings, profile=profile, db=db, role_arn=start.get("roleArn"),
                               external_id=start.get("externalId"))
    return run_id, target, cfg, start_cfg


def outcome_message(outcome: AccountOutcome) -> dict[str, Any]:
    r = outcome.result
    return {**outcome.to_dict(), "leftOrganization": list(r.left_organization) if r else [],
            "notes": list(r.notes) if r else [], "hasResult": r is not None}


def read_outcome(answer: dict[str, Any]) -> AccountOutcome:
    account = str(answer.get("account") or "")
    result = None
    if answer.get("hasResult"):
        steps = [StepResult(str(s.get("step")), account, str(s.get("region")), "", (), str(s.get("status")),
                            str(s.get("reason") or "")) for s in answer.get("partialSteps") or []]
        result = AccountResult(account, list(answer.get("regions") or []), steps, int(answer.get("entities") or 0),
                               int(answer.get("apiCalls") or 0), int(answer.get("httpRequests") or 0),
                               float(answer.get("durationSeconds") or 0.0), dict(answer.get("changes") or {}),
                               list(answer.get("notes") or []), list(answer.get("leftOrganization") or []))
    return AccountOutcome(account, str(answer.get("name") or ""), str(answer.get("status") or "failed"),
                          str(answer.get("reason") or ""), result, float(answer.get("durationSeconds") or 0.0))
