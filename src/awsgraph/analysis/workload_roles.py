"""An instance ASSIGNED the role of its instance profile: the hop attack paths take from a host to IAM.

The instance names its profile (``IamInstanceProfile.Arn``) and a role lists the profiles it
sits in (``InstanceProfileList``), so the edge is a join of the two, found from the stored
records after collection.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from awsgraph.analysis.common import dicts, strings
from awsgraph.analysis.view import GraphView, Record
from awsgraph.model import Entity, Relationship


def _profiles(role: Record) -> list[str]:
    return strings(role.props.get("instanceProfileArns")) or [
        str(p["Arn"]) for p in dicts((role.raw or {}).get("InstanceProfileList")) if p.get("Arn")]


def instance_profile_of(instance: Record) -> str | None:
    profile = instance.props.get("iamInstanceProfile") or ((instance.raw or {}).get("IamInstanceProfile") or {}).get(
        "Arn")
    return str(profile) if profile else None


def instance_role_edges(view: GraphView) -> Iterator[Entity | Relationship]:
    roles_by_profile: dict[str, list[Record]] = defaultdict(list)
    for role in view.entities("aws_iam_role"):
        for profile in _profiles(role):
            roles_by_profile[profile].append(role)
    for inst in view.entities("aws_instance"):
        arn = instance_profile_of(inst)
        if arn is None:
            continue
        for role in roles_by_profile.get(arn, ()):
            yield Relationship(inst.key, "ASSIGNED", role.key, inst.type, role.type, {"instanceProfileArn": arn})
