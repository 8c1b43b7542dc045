"""Entity and Relationship records shaped like JupiterOne's graph objects.

An entity is a flat mapping of primitive (or list-of-primitive) properties plus the
reserved ``_key``/``_type``/``_class`` fields. Relationships carry ``_key`` =
``from|verb|to`` and a ``_type`` built from the two entity types the way the
JupiterOne SDK builds it (``aws_vpc`` CONTAINS ``aws_subnet`` -> ``aws_vpc_contains_subnet``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from awsgraph.model.tags import tag_property

Primitive = str | int | float | bool | None
PropValue = Primitive | list[Primitive]

# Tags whose lower-cased copy is kept as a top-level property (JupiterOne convention).
_COPIED_TAGS = {"classification", "owner", "email"}
# Data-type tags the spec's ProTips describe as booleans.
_BOOLEAN_TAGS = {"pii", "phi", "pci"}
_EMAIL = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
_NUMBER = re.compile(r"^-?(0|[1-9]\d*)(\.\d+)?$")


@dataclass
class Entity:
    key: str
    type: str
    classes: tuple[str, ...]
    props: dict[str, PropValue] = field(default_factory=dict)
    # Values named by this entity's raw record that links resolve later: {link_id: [values]}.
    link_values: dict[str, list[str]] = field(default_factory=dict)
    raw: dict[str, Any] | None = None
    # The (region) scope this entity was listed in, when it differs from its own region
    # (an S3 bucket is listed globally but lives in a region). None = props["region"].
    scope_region: str | None = None
    # Built while some detail call failed: an earlier, complete version in the store wins.
    incomplete: bool = False

    def to_j1(self) -> dict[str, Any]:
        from awsgraph.model.classes import conform

        out: dict[str, Any] = {"_key": self.key, "_type": self.type, "_class": list(self.classes)}
        out.update(self.props)
        conform(out, self.classes)
        return out


@dataclass
class Relationship:
    from_key: str
    verb: str
    to_key: str
    from_type: str
    to_type: str
    props: dict[str, PropValue] = field(default_factory=dict)
    # JupiterOne mapped relationships: the target was not collected but synthesised.
    mapped: bool = False
    # Tells apart several relationships with the same ends and verb (one ALLOWS per rule, one
    # escalation edge per technique): it becomes the last part of the key.
    qualifier: str = ""

    @property
    def key(self) -> str:
        return relationship_key(self.from_key, self.verb, self.to_key, self.qualifier)

    @property
    def type(self) -> str:
        return relationship_type(self.from_type, self.verb, self.to_type)

    def to_j1(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "_key": self.key,
            "_type": self.type,
            "_class": self.verb,
            "_fromEntityKey": self.from_key,
            "_toEntityKey": self.to_key,
            "displayName": self.verb,
        }
        out.update(self.props)
        return out


def relationship_key(from_key: str, verb: str, to_key: str, qualifier: str = "") -> str:
    base = f"{from_key}|{verb.lower()}|{to_key}"
    return f"{base}|{qualifier}" if qualifier else base


def relationship_type(from_type: str, verb: str, to_type: str) -> str:
    """Build a relationship ``_type`` as the JupiterOne SDK does.

    The SDK drops the shared prefix of the target type: ``aws_vpc`` + ``aws_subnet``
    gives ``aws_vpc_contains_subnet``; ``aws_ecs_cluster`` + ``aws_ecs_service`` gives
    ``aws_ecs_cluster_has_service``.
    """
    parts_from = from_type.split("_")
    parts_to = to_type.split("_")
    i = 0
    while True:
        if i < len(parts_from) and parts_to[i] == parts_from[i]:
            i += 1
        else:
            break
        if i >= len(parts_to) - 1:
            break
    return f"{from_type}_{verb.lower()}_{'_'.join(parts_to[i:])}"


def _coerce_tag_value(value: str) -> PropValue:
    low = value.strip().lower()
    if low == "true":
        return True
    if low == "false":
        return False
    if _NUMBER.match(value.strip()) and len(value.strip()) < 16:
        num = float(value)
        return int(num) if num.is_integer() and "." not in value else num
    return value


def normalize_tags(tags: Mapping[str, str] | Iterable[Mapping[str, Any]] | None) -> dict[str, PropValue]:
    """Turn AWS tags into JupiterOne tag properties.

    Accepts either a ``{key: value}`` mapping or AWS's ``[{"Key": k, "Value": v}]`` list
    (any capitalisation of Key/Value). Returns ``tag.<Key>`` properties (keys outside JupiterOne's
    property-name pattern encoded by :mod:`awsgraph.model.tags`) with ``true``/``false``
    coerced to booleans and numeric strings to numbers, lower-cased copies of the
    ``Classification``/``Owner``/``Email`` tags, PII/PHI/PCI coerced to booleans, and ``tags``
    listing the keys whose value is true.
    """
    pairs: list[tuple[str, str]] = []
    if tags is None:
        return {}
    if isinstance(tags, Mapping):
        pairs = [(str(k), "" if v is None else str(v)) for k, v in tags.items()]
    else:
        for item in tags:
            if not isinstance(item, Mapping):
                continue
            k = item.get("Key", item.get("key", item.get("TagKey")))
            v = item.get("Value", item.get("value", item.get("TagValue")))
            if k is None:
                continue
            pairs.append((str(k), "" if v is None else str(v)))
    out: dict[str, PropValue] = {}
    true_tags: list[Primitive] = []
    for k, v in pairs:
        val = _coerce_tag_value(v)
        if k.lower() in _BOOLEAN_TAGS and not isinstance(val, bool):
            val = v.strip().lower() in {"yes", "y", "1", "true"}
        out[tag_property(k)] = val
        if k.lower() in _COPIED_TAGS and (k.lower() != "email" or _EMAIL.match(v.strip())):
            out[k.lower()] = v.strip().lower() if k.lower() == "email" else v.lower()
        if val is True:
            true_tags.append(k)
    if true_tags:
        out["tags"] = true_tags
    return out


def to_primitive(value: Any) -> PropValue:
    """Flatten a value to something an entity property may hold."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if hasattr(value, "timestamp"):
        return int(value.timestamp() * 1000)
    if isinstance(value, list | tuple | set):
        items = [to_primitive(v) for v in value]
        if all(v is None or isinstance(v, str | bool | int | float) for v in items):
            return [v for v in items if v is not None]  # type: ignore[misc]
        return json.dumps(list(value), default=str, sort_keys=True)
    if isinstance(value, Mapping):
        return json.dumps(value, default=str, sort_keys=True)
    return str(value)
