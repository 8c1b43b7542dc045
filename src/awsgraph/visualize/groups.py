"""Where each entity sits in the overview: account → region → VPC or service → type.

The page draws groups collapsed, with counts, and expands them on click, so a large estate
never reaches the browser as one hairball. Everything here is plain data for the page's
script; nothing is markup.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

# Entities the mappers make (not collected from an account) sit under one group of their own.
OUTSIDE = "outside"
_MAPPER_TYPES = {"internet": "Internet", "everyone": "Everyone", "network": "networks", "employee": "people",
                 "domain": "domains"}
MAX_LABEL = 80  # characters of a label drawn on the canvas; the inspector shows the whole value
MAX_EDGE_LABEL = 48


@functools.lru_cache(maxsize=1)
def type_services() -> dict[str, str]:
    """Entity type → the AWS service group that collects it (``aws_instance`` → ``ec2``)."""
    from awsgraph.catalog import CATALOG
    from awsgraph.catalog.spec import Custom, Resource

    out: dict[str, str] = {}
    for spec in CATALOG:
        if isinstance(spec, Resource):
            out.setdefault(spec.type, spec.service_group)
        elif isinstance(spec, Custom):
            for produced in spec.produces:
                out.setdefault(produced, spec.service_group)
    return out


@functools.lru_cache(maxsize=1)
def service_names() -> frozenset[str]:
    """The catalog's service groups: ``aws_<group>`` entities stand for a whole service."""
    from awsgraph.catalog import service_groups

    return frozenset(service_groups())


def service_of(etype: str) -> str:
    known = type_services().get(etype)
    if known:
        return known
    if etype.startswith("aws_"):  # aws_<service> entities, and types only relationships produce
        return etype[4:].split("_", 1)[0]
    return _MAPPER_TYPES.get(etype, "other")


def _text(value: Any, limit: int = MAX_LABEL) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def entity_label(props: dict[str, Any]) -> str:
    return _text(props.get("displayName") or props.get("name") or props.get("_key"))


def entity_class(props: dict[str, Any]) -> str:
    classes = props.get("_class") or []
    if isinstance(classes, list):
        return str(classes[0]) if classes else str(props.get("_type", ""))
    return str(classes)


def edge_label(props: dict[str, Any]) -> str:
    """The verb, and for network rules what they allow: ``ALLOWS tcp:22`` or ``ALLOWS tcp 80-443``."""
    verb = str(props.get("_class") or props.get("displayName") or "")
    if verb not in ("ALLOWS", "DENIES"):
        return _text(verb, MAX_EDGE_LABEL)
    ports = props.get("ports")
    if isinstance(ports, str) and ports:
        return _text(f"{verb} {ports}", MAX_EDGE_LABEL)
    proto, low, high = props.get("ipProtocol"), props.get("fromPort"), props.get("toPort")
    if proto is None and low is None:
        return verb
    if str(proto) in ("-1", "*", "all"):
        return f"{verb} all traffic"
    span = "" if low is None else (str(low) if low == high or high is None else f"{low}-{high}")
    return _text(" ".join(p for p in (verb, str(proto or ""), span) if p), MAX_EDGE_LABEL)


@dataclass
class Group:
    kind: str  # account | region | vpc | service | type
    label: str
    parent: int  # index into the group list, -1 for a root
    count: int = 0


@dataclass
class Layout:
    """Groups (a forest) and each entity's innermost group, aligned with the entity list."""

    groups: list[Group] = field(default_factory=list)
    member_of: list[int] = field(default_factory=list)
    subtitles: list[str] = field(default_factory=list)  # region · account beside same-named entities


def _account_of(props: dict[str, Any], column: str | None) -> str:
    return str(props.get("accountId") or column or "")


def _region_of(props: dict[str, Any], column: str | None) -> str:
    return str(column or props.get("region") or "global")


def build_layout(entities: Iterable[tuple[dict[str, Any], str | None, str | None]]) -> Layout:
    """``entities``: (props, account column, region column) in the page's order."""
    rows = list(entities)
    account_names: dict[str, str] = {}
    vpc_names: dict[tuple[str, str, str], str] = {}
    for props, account, region in rows:
        if props.get("_type") == "aws_account" and props.get("accountId"):
            name = props.get("accountName") or props.get("name")
            if name and name != props.get("accountId"):
                account_names[str(props["accountId"])] = str(name)
        if props.get("_type") == "aws_vpc" and props.get("vpcId"):
            key = (_account_of(props, account), _region_of(props, region), str(props["vpcId"]))
            vpc_names[key] = str(props.get("displayName") or props.get("name") or props["vpcId"])

    layout = Layout()
    index: dict[tuple[str, ...], int] = {}

    def group(path: tuple[str, ...], kind: str, label: str, parent: int) -> int:
        found = index.get(path)
        if found is None:
            found = index[path] = len(layout.groups)
            layout.groups.append(Group(kind, _text(label), parent))
        layout.groups[found].count += 1
        return found

    # Containers first, then a type group inside a container only where the type has several entities.
    placed: list[tuple[tuple[str, ...], int]] = []
    for props, account_col, region_col in rows:
        etype = str(props.get("_type", ""))
        account = _account_of(props, account_col)
        if not account_col and etype in _MAPPER_TYPES:
            top = group((OUTSIDE,), "account", "outside any account", -1)
            container = group((OUTSIDE, etype), "service", _MAPPER_TYPES[etype], top)
            placed.append(((OUTSIDE, etype), container))
            continue
        name = account_names.get(account)
        acct_label = f"{name} ({account})" if name else (account or "no account")
        top = group(("a", account), "account", f"account {acct_label}", -1)
        region = _region_of(props, region_col)
        reg = group(("a", account, region), "region", region, top)
        vpc = props.get("vpcId")
        path: tuple[str, ...]
        if isinstance(vpc, str) and vpc:
            label = vpc_names.get((account, region, vpc), vpc)
            label = f"VPC {label}" + (f" ({vpc})" if label != vpc else "")
            path = ("a", account, region, "vpc", vpc)
            container = group(path, "vpc", label, reg)
        elif entity_class(props) == "Service" and etype[4:] in service_names():
            # The aws_<service> entities, one per service: together, not one box each.
            path = ("a", account, region, "svc", "")
            container = group(path, "service", "AWS services", reg)
        else:
            service = service_of(etype)
            path = ("a", account, region, "svc", service)
            container = group(path, "service", service, reg)
        placed.append((path, container))

    per_type = Counter((path, str(props.get("_type", ""))) for (path, _), (props, _, _) in zip(placed, rows,
                                                                                                   strict=True))
    for (path, container), (props, _, _) in zip(placed, rows, strict=True):
        etype = str(props.get("_type", ""))
        if per_type[(path, etype)] > 1 and path[0] != OUTSIDE:
            layout.member_of.append(group((*path, "type", etype), "type", etype, container))
        else:
            layout.member_of.append(container)

    labels = Counter(entity_label(props) for props, _, _ in rows)
    for props, account_col, region_col in rows:
        if labels[entity_label(props)] > 1:
            account = _account_of(props, account_col)
            where = [_region_of(props, region_col), account_names.get(account, account)]
            layout.subtitles.append(" · ".join(w for w in where if w))
        else:
            layout.subtitles.append("")
    return layout
