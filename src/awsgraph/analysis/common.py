"""Helpers shared by the analysers: keys, ARNs, placeholder entities, the ARN index."""

from __future__ import annotations

import bisect
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from awsgraph.analysis.view import GraphView, Record
from awsgraph.iam.patterns import Unresolved, glob_match, matcher
from awsgraph.model import Entity, Relationship
from awsgraph.model.keys import account_key, service_key
from awsgraph.model.tags import tag_key

EVERYONE_KEY = "global:everyone"
INTERNET_KEY = "global:internet"
MAPPER = "system-mapper"

__all__ = ["EVERYONE_KEY", "INTERNET_KEY", "MAPPER", "ArnIndex", "account_key", "service_key"]


def _is_arn(value: Any) -> bool:
    # Keys such as "arn:...:role/x|inline-policy|p" name a record, not an AWS resource.
    return isinstance(value, str) and value.startswith("arn:") and "|" not in value and " " not in value


def arn_of(rec: Record) -> str | None:
    arn = rec.props.get("arn")
    if _is_arn(arn):
        return str(arn)
    for k in ("Arn", "ARN"):
        v = rec.raw.get(k) if rec.raw else None
        if _is_arn(v):
            return str(v)
    if _is_arn(rec.key):
        return rec.key
    return None


def arn_account(arn: str | None) -> str | None:
    if not arn:
        return None
    parts = arn.split(":", 5)
    if len(parts) == 6 and parts[4].isdigit():
        return parts[4]
    return None


def record_account(rec: Record, view: GraphView | None = None) -> str | None:
    return rec.account or arn_account(arn_of(rec)) or (default_account(view) if view else None)


def default_account(view: GraphView) -> str | None:
    """The account most records belong to (Organizations member accounts are mere entities)."""
    cached = getattr(view, "_awsgraph_home_account", None)
    if cached is not None:
        return str(cached) or None
    counts: Counter[str] = Counter(r.account for r in view.all() if r.account and r.type != "aws_account")
    home = counts.most_common(1)[0][0] if counts else None
    if home is None:
        for acct in view.entities("aws_account"):
            home = str(acct.props.get("accountId") or acct.key.rsplit(":", 1)[-1])
            break
    view._awsgraph_home_account = home or ""  # type: ignore[attr-defined]
    return home


# IAM action prefixes whose service entity the catalog may name after the botocore service.
SERVICE_ALIASES: dict[str, tuple[str, ...]] = {
    "elasticloadbalancing": ("elbv2", "elb"),
    "elasticfilesystem": ("efs",),
    "es": ("opensearch", "elasticsearch"),
    "states": ("stepfunctions", "sfn"),
    "monitoring": ("cloudwatch",),
    "logs": ("cloudwatch",),
    "events": ("cloudwatch",),
    "execute-api": ("apigateway",),
    "ecs-tasks": ("ecs",),
}


def service_type(service: str) -> str:
    """``aws_<service>``, spelt as an identifier (``vpc-flow-logs`` -> ``aws_vpc_flow_logs``)."""
    return "aws_" + service.replace("-", "_").replace(".", "_")


def service_entity_key(view: GraphView, account: str, service: str) -> tuple[str, Record | None]:
    """The key of the service entity for an IAM prefix: a collected one when it exists."""
    for name in (service, *SERVICE_ALIASES.get(service, ())):
        key = service_key(account, name)
        rec = view.get(key)
        if rec is not None:
            return key, rec
    return service_key(account, service), None


def dicts(value: Any) -> list[dict[str, Any]]:
    """The mapping items of a raw list (anything else, or a non-list, gives nothing)."""
    if not isinstance(value, list | tuple):
        return []
    return [v for v in value if isinstance(v, dict)]


def strings(value: Any) -> list[str]:
    if not isinstance(value, list | tuple):
        return []
    return [str(v) for v in value if isinstance(v, str | int)]


def as_int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def placeholder(key: str, type_: str, classes: Iterable[str], **props: Any) -> Entity:
    out: dict[str, Any] = {"_source": MAPPER, "displayName": props.pop("displayName", key)}
    out.update({k: v for k, v in props.items() if v is not None})
    return Entity(key=key, type=type_, classes=tuple(classes), props=out)


def account_placeholder(account: str) -> Entity:
    return placeholder(account_key(account), "aws_account", ("Account",), accountId=account,
                       displayName=account, name=account, vendor="Amazon Web Services")


def service_placeholder(account: str, service: str) -> Entity:
    return placeholder(service_key(account, service), service_type(service), ("Service",), accountId=account,
                       displayName=service.upper() if len(service) <= 3 else service, name=service,
                       category=["infrastructure"], function=["cloud"])


def merge_props(key: str, type_: str, classes: Iterable[str], props: dict[str, Any]) -> Entity:
    """An entity update: the store merges ``props`` into the collected entity with ``key``."""
    return Entity(key=key, type=type_, classes=tuple(classes), props=props, raw={"__merge__": True})


def json_prop(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def tags_of(rec: Record) -> dict[str, str]:
    raw = rec.raw or {}
    tags = raw.get("Tags") or raw.get("TagList") or raw.get("tags")
    out: dict[str, str] = {}
    if isinstance(tags, dict):
        out = {str(k): str(v) for k, v in tags.items()}
    for t in dicts(tags):
        k = t.get("Key", t.get("key"))
        if k is not None:
            out[str(k)] = str(t.get("Value", t.get("value", "")))
    for k, v in rec.props.items():
        key = tag_key(k)
        if key is not None and key not in out:
            out[key] = str(v)
    return out


class Edges:
    """Collects relationships, merging repeats of the same key."""

    def __init__(self) -> None:
        self._by_key: dict[str, Relationship] = {}

    def add(self, rel: Relationship) -> Relationship:
        old = self._by_key.get(rel.key)
        if old is None:
            self._by_key[rel.key] = rel
            return rel
        for k, v in rel.props.items():
            ov = old.props.get(k)
            if ov is None:
                old.props[k] = v
            elif isinstance(ov, bool) and isinstance(v, bool):
                # An edge is conditional only if every way to it is.
                old.props[k] = (ov and v) if k in _ALL_OF else (ov or v)
            elif isinstance(ov, str) and isinstance(v, str) and ov != v and k in _JOINED:
                merged = sorted(set(ov.split(",")) | set(v.split(",")))
                old.props[k] = ",".join(x for x in merged if x)
        old.mapped = old.mapped or rel.mapped
        return old

    def __iter__(self) -> Iterator[Relationship]:
        return iter(self._by_key.values())


_ALL_OF = {"conditional", "externalIdRequired"}
_JOINED = {"actions", "normalizedActions", "resources", "accessLevels", "ports", "statements"}


def _literal_prefix(pattern: str) -> str:
    cut = len(pattern)
    for ch in ("*", "?", "$"):
        i = pattern.find(ch)
        if i != -1:
            cut = min(cut, i)
    return pattern[:cut]


class ArnIndex:
    """Entities with ARNs, sorted per service by full ARN and by the part after the account.

    A pattern is answered from whichever sorted list its literal prefix narrows most, then
    glob-checked; patterns are never compared with every resource.
    """

    def __init__(self, records: Iterable[Record]) -> None:
        full: dict[str, list[tuple[str, Record]]] = defaultdict(list)
        tail: dict[str, list[tuple[str, Record]]] = defaultdict(list)
        for rec in records:
            arn = arn_of(rec)
            if not arn:
                continue
            parts = arn.split(":", 5)
            if len(parts) != 6:
                continue
            full[parts[2]].append((arn, rec))
            tail[parts[2]].append((parts[5], rec))
        self._full = {s: sorted(v, key=lambda t: t[0]) for s, v in full.items()}
        self._full_keys = {s: [t[0] for t in v] for s, v in self._full.items()}
        self._tail = {s: sorted(v, key=lambda t: t[0]) for s, v in tail.items()}
        self._tail_keys = {s: [t[0] for t in v] for s, v in self._tail.items()}

    def services(self) -> list[str]:
        return list(self._full)

    def by_service(self, service: str) -> list[Record]:
        return [r for _a, r in self._full.get(service, ())]

    @staticmethod
    def _range(keys: list[str], rows: list[tuple[str, Record]], prefix: str) -> list[tuple[str, Record]]:
        lo = bisect.bisect_left(keys, prefix)
        hi = bisect.bisect_left(keys, prefix + "\U0010ffff")
        return rows[lo:hi]

    def match(self, pattern: str, context: Mapping[str, Any] | None = None) -> list[tuple[str, Record]]:
        """(arn, record) pairs whose ARN the IAM pattern matches (whole-string glob)."""
        parts = pattern.split(":", 5)
        if len(parts) != 6 or parts[0] != "arn":
            return []
        service = parts[2]
        wild = any(c in service for c in "*?$")
        services = [s for s in self._full if glob_match(service, s)] if wild else [service]
        try:
            test = matcher(pattern, context)
        except Unresolved:  # a policy variable without a value: the pattern matches nothing
            return []
        out: list[tuple[str, Record]] = []
        full_prefix = _literal_prefix(pattern)
        tail_prefix = _literal_prefix(parts[5])
        for svc in services:
            if svc not in self._full:
                continue
            if len(full_prefix) > len(":".join(parts[:5])) or not tail_prefix:
                cands = self._range(self._full_keys[svc], self._full[svc], full_prefix)
                out.extend((a, r) for a, r in cands if test(a))
            else:
                cands = self._range(self._tail_keys[svc], self._tail[svc], tail_prefix)
                for _t, r in cands:
                    a = arn_of(r)
                    if a and test(a):
                        out.append((a, r))
        return out


def mapping_filter_keys(target: dict[str, Any]) -> list[list[str]]:
    """``targetFilterKeys`` for a mapped relationship to a placeholder, as the SDK would name them.

    The JupiterOne platform resolves a mapped target by these properties, so each names what
    identifies the thing outside this integration: a person by email, an account by id, a
    domain by name, a host by address.
    """
    t = str(target.get("_type", ""))
    if t in ("everyone", "internet"):
        return [["_type", "_key"]]
    if t == "employee" and target.get("email"):
        return [["_class", "email"]]
    if t == "aws_account" and target.get("accountId"):
        return [["_type", "accountId"]]
    if t == "domain" and target.get("domainName"):
        return [["_class", "domainName"]]
    if t == "host":
        return [["_class", "ipAddress"]] if target.get("ipAddress") else [["_class", "fqdn"]]
    if t == "network" and target.get("CIDR"):
        return [["_class", "CIDR"]]
    if t == "aws_vpc" and target.get("vpcId"):
        return [["_type", "vpcId"]]
    if target.get("arn"):
        return [["_type", "arn"]]
    if t.startswith("aws_") and target.get("accountId"):
        return [["_type", "accountId"]]  # a service entity: one per type and account
    return [["_type", "_key"]]
