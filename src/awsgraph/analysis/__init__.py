"""Pure analysis over collected records: never calls AWS.

``ANALYSERS`` is the explicit registry the collector runs after relationships are resolved;
each analyser takes a :class:`GraphView` and yields entities (placeholders, global
entities) and relationships.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from awsgraph.analysis.exposure import exposure
from awsgraph.analysis.mapped import dns_connections, domain_zones, user_persons, vpc_peering
from awsgraph.analysis.nacl import nacl_edges
from awsgraph.analysis.policy_edges import policy_edges
from awsgraph.analysis.privesc import escalation_edges
from awsgraph.analysis.resource_policies import resource_policy_edges
from awsgraph.analysis.routes import main_route_tables
from awsgraph.analysis.security_groups import security_group_edges
from awsgraph.analysis.trust import trust_edges
from awsgraph.analysis.view import GraphView, Record
from awsgraph.analysis.workload_roles import instance_role_edges
from awsgraph.model import Entity, Relationship

Analyser = Callable[[GraphView], Iterable[Entity | Relationship]]

ANALYSERS: tuple[Analyser, ...] = (
    policy_edges,
    resource_policy_edges,
    trust_edges,
    security_group_edges,
    nacl_edges,
    exposure,
    user_persons,
    dns_connections,
    domain_zones,
    vpc_peering,
    main_route_tables,
    escalation_edges,
    instance_role_edges,
)

__all__ = ["ANALYSERS", "Analyser", "GraphView", "Record"]
