"""Integration-instance configuration: from CLI flags, a TOML file or a JSON event.

Keys follow the JupiterOne integration instance (``roleArn``, ``externalId``,
``tagAccountName``, ``tagProduction``) plus awsgraph's own (``regions``, ``services``,
``excludeServices``, ``endpointUrl``, ``workers``...). snake_case spellings are accepted too.
Everything is validated before any collection starts.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from awsgraph.collect.regions import validate_regions
from awsgraph.model.fields import scrub_url_text

ROLE_ARN = re.compile(r"^arn:aws(-cn|-us-gov)?:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
EXTERNAL_ID = re.compile(r"^[\w+=,.@:/-]{2,1224}$")

_ALIASES = {
    "role_arn": "roleArn", "external_id": "externalId", "tag_account_name": "tagAccountName",
    "tag_production": "tagProduction", "exclude_services": "excludeServices", "endpoint_url": "endpointUrl",
    "per_service": "perService", "retry_mode": "retryMode", "max_attempts": "maxAttempts",
    "max_pages": "maxPages", "max_items": "maxItems", "max_details": "maxDetails",
}
# Bounds on what one call or step may make the collector do (see collect/engine.py).
DEFAULT_MAX_PAGES = 5_000
DEFAULT_MAX_ITEMS = 100_000
DEFAULT_MAX_DETAILS = 25_000


class ConfigError(ValueError):
    """Invalid configuration; the message is one line for the user."""


@dataclass
class InstanceConfig:
    instance_id: str | None = None
    role_arn: str | None = None
    external_id: str | None = None
    profile: str | None = None
    regions: list[str] | None = None  # None = every enabled region
    services: list[str] | None = None  # None = all
    exclude_services: list[str] = field(default_factory=list)
    tag_account_name: str | None = None
    tag_production: bool | None = None
    endpoint_url: str | None = None
    db: str = "awsgraph.db"
    workers: int = 32
    per_service: int = 16
    retry_mode: str = "standard"
    max_attempts: int = 10
    max_pages: int = DEFAULT_MAX_PAGES  # pages per paginated call
    max_items: int = DEFAULT_MAX_ITEMS  # items per list call or Custom step
    max_details: int = DEFAULT_MAX_DETAILS  # detail calls per step

    def public_dict(self) -> dict[str, Any]:
        """What the run record may keep: no external id (it is a shared secret)."""
        d = asdict(self)
        if d.get("external_id"):
            d["external_id"] = "***"
        if d.get("endpoint_url"):
            d["endpoint_url"] = scrub_url_text(d["endpoint_url"])  # no user:password@ or query kept
        if "://" in str(d.get("db") or ""):
            d["db"] = scrub_url_text(d["db"])  # a PostgreSQL URL: no password kept
        return d

    def stamp(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.tag_account_name:
            out["tag.AccountName"] = self.tag_account_name
        if self.tag_production is not None:
            out["tag.Production"] = self.tag_production
        return out


def _norm_keys(raw: dict[str, Any]) -> dict[str, Any]:
    return {_ALIASES.get(k, k): v for k, v in raw.items()}


def _as_list(value: Any, name: str) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [v.strip() for v in value if v.strip()]
    raise ConfigError(f"{name} must be a list of strings or a comma-separated string")


def _as_bool(value: Any, name: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false", "yes", "no", "1", "0"):
        return value.lower() in ("true", "yes", "1")
    raise ConfigError(f"{name} must be true or false")


def load_file(path: str | None, kind: str) -> dict[str, Any]:
    if not path:
        return {}
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"{kind} file not found: {path}")
    try:
        if kind == "config":
            data: Any = tomllib.loads(p.read_text())
            data = data.get("awsgraph", data) if isinstance(data, dict) else data
        else:
            data = json.loads(p.read_text())
    except (tomllib.TOMLDecodeError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot parse {kind} file {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{kind} file {path} must hold an object")
    if kind == "event":
        instance = data.get("instance")
        if not isinstance(instance, dict) or not isinstance(instance.get("config", {}), dict):
            raise ConfigError(f'event file {path} must be shaped {{"instance": {{"id": ..., "config": {{...}}}}}}')
        out = dict(instance.get("config") or {})
        if instance.get("id") is not None:
            out["instanceId"] = str(instance["id"])
        return out
    return data


def build_config(file_values: dict[str, Any], event_values: dict[str, Any], cli_values: dict[str, Any],
                 known_services: list[str]) -> InstanceConfig:
    """Merge (event < config file < CLI flags) and validate."""
    merged: dict[str, Any] = {}
    for source in (event_values, file_values, cli_values):
        merged.update({k: v for k, v in _norm_keys(source).items() if v is not None})
    known_keys = {"instanceId", "roleArn", "externalId", "profile", "regions", "services", "excludeServices",
                  "tagAccountName", "tagProduction", "endpointUrl", "db", "workers", "perService", "retryMode",
                  "maxAttempts", "maxPages", "maxItems", "maxDetails"}
    unknown = sorted(set(merged) - known_keys)
    if unknown:
        raise ConfigError(f"unknown configuration key(s): {', '.join(unknown)}")
    cfg = InstanceConfig(
        instance_id=merged.get("instanceId"),
        role_arn=merged.get("roleArn") or None,
        external_id=merged.get("externalId") or None,
        profile=merged.get("profile"),
        tag_account_name=merged.get("tagAccountName"),
        tag_production=_as_bool(merged.get("tagProduction"), "tagProduction"),
        endpoint_url=merged.get("endpointUrl"),
        db=str(merged.get("db") or "awsgraph.db"),
    )
    if cfg.role_arn is not None:
        if not ROLE_ARN.match(cfg.role_arn):
            raise ConfigError(f"malformed role ARN {cfg.role_arn!r} (expected arn:aws:iam::<12 digits>:role/<name>)")
        if not cfg.external_id:
            raise ConfigError("a role ARN needs an external id (--external-id / externalId)")
    if cfg.external_id is not None and not EXTERNAL_ID.match(cfg.external_id):
        raise ConfigError("malformed external id (2-1224 characters of letters, digits and +=,.@:/-)")
    if cfg.external_id and not cfg.role_arn:
        raise ConfigError("an external id is only used with a role ARN (--role-arn / roleArn)")
    regions = _as_list(merged.get("regions"), "regions")
    if regions is not None and regions not in ([], ["all"]):
        try:
            cfg.regions = validate_regions(regions)
        except ValueError as exc:
            raise ConfigError(str(exc)) from exc
    services = _as_list(merged.get("services"), "services")
    excluded = _as_list(merged.get("excludeServices"), "excludeServices") or []
    for name, values in (("service", services or []), ("service", excluded)):
        bad = sorted(set(values) - set(known_services))
        if bad:
            raise ConfigError(f"unknown {name}(s): {', '.join(bad)} (known: {', '.join(known_services)})")
    cfg.services = services or None
    cfg.exclude_services = excluded
    for key, attr, lo, hi in (("workers", "workers", 1, 256), ("perService", "per_service", 1, 256),
                              ("maxAttempts", "max_attempts", 1, 30), ("maxPages", "max_pages", 1, 1_000_000),
                              ("maxItems", "max_items", 1, 100_000_000),
                              ("maxDetails", "max_details", 0, 100_000_000)):
        if merged.get(key) is not None:
            try:
                value = int(merged[key])
            except (TypeError, ValueError) as exc:
                raise ConfigError(f"{key} must be a number") from exc
            if not lo <= value <= hi:
                raise ConfigError(f"{key} must be between {lo} and {hi}")
            setattr(cfg, attr, value)
    mode = merged.get("retryMode")
    if mode is not None:
        if mode not in ("standard", "adaptive", "legacy"):
            raise ConfigError("retryMode must be standard, adaptive or legacy")
        cfg.retry_mode = mode
    return cfg
