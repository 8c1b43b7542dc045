"""JupiterOne data-model classes awsgraph uses: parent class and required properties.

A vocabulary of our own, checked against the published class schemas (@jupiterone/data-model,
v0.55 required sets). ``fill_required`` gives a missing required property an explicit null
(or a sensible default), so every entity carries the keys its classes require.
"""

from __future__ import annotations

from typing import Any

CLASSES: dict[str, tuple[str, tuple[str, ...]]] = {
    'AccessKey': ('Key', ()),
    'AccessPolicy': ('Entity', ()),
    'AccessRole': ('Entity', ()),
    'Account': ('Entity', ()),
    'Alert': ('RecordEntity', ()),
    'Application': ('Entity', ()),
    'ApplicationEndpoint': ('Entity', ('address',)),
    'Assessment': ('Entity', ('category', 'summary', 'internal')),
    'Attacker': ('Entity', ()),
    'Backup': ('Entity', ()),
    'Certificate': ('Entity', ()),
    'Channel': ('Entity', ()),
    'Cluster': ('Entity', ()),
    'CodeCommit': ('Entity', ('branch', 'message', 'merge', 'versionBump')),
    'CodeDeploy': ('RecordEntity', ()),
    'CodeModule': ('Entity', ()),
    'CodeRepo': ('Entity', ()),
    'CodeReview': ('RecordEntity', ('title',)),
    'Configuration': ('Entity', ()),
    'Container': ('Entity', ()),
    'Control': ('Entity', ()),
    'ControlPolicy': ('Entity', ()),
    'CryptoKey': ('Key', ()),
    'DataCollection': ('Entity', ('classification',)),
    'DataObject': ('Entity', ('classification',)),
    'DataStore': ('Entity', ('classification', 'encrypted')),
    'Database': ('Entity', ()),
    'Deployment': ('Entity', ()),
    'Device': ('Entity', ('category', 'make', 'model', 'serial', 'deviceId', 'lastSeenOn')),
    'Directory': ('Entity', ()),
    'Disk': ('DataStore', ()),
    'Document': ('Entity', ()),
    'Domain': ('Entity', ('domainName',)),
    'DomainRecord': ('Entity', ('type', 'TTL')),
    'DomainZone': ('Entity', ('domainName',)),
    'Entity': ('GraphObject', ('name', 'displayName')),
    'Finding': ('RecordEntity', ('category', 'severity', 'numericSeverity', 'open')),
    'Firewall': ('Entity', ('category',)),
    'Framework': ('GraphObject', ('name', 'displayName', 'standard', 'version')),
    'Function': ('Entity', ()),
    'Gateway': ('Entity', ('category', 'function', 'public')),
    'GraphObject': ('', ('_key', '_class', '_type')),
    'Group': ('Entity', ()),
    'Host': ('Entity', ('hostname',)),
    'HostAgent': ('Entity', ('function', 'lastSeenOn')),
    'Image': ('Entity', ()),
    'Incident': ('Entity', ('category', 'severity', 'reportable')),
    'Internet': ('GraphObject', ('displayName',)),
    'IpAddress': ('Entity', ('ipAddress',)),
    'IpRange': ('Entity', ('begin', 'end', 'active', 'public')),
    'Issue': ('Entity', ()),
    'Key': ('Entity', ()),
    'Logs': ('Entity', ()),
    'Model': ('Entity', ()),
    'Module': ('Entity', ()),
    'NHI': ('Entity', ()),
    'Network': ('Entity', ('CIDR', 'public', 'internal')),
    'NetworkEndpoint': ('Entity', ()),
    'NetworkInterface': ('Entity', ()),
    'Organization': ('Entity', ()),
    'PR': ('RecordEntity', ('title', 'state', 'source', 'target', 'repository')),
    'PasswordPolicy': ('Entity', ()),
    'Person': ('Entity', ('firstName', 'lastName', 'email')),
    'Policy': ('RecordEntity', ('title', 'summary', 'content')),
    'Port': ('Entity', ('protocol', 'open', 'port')),
    'Problem': ('Finding', ()),
    'Procedure': ('RecordEntity', ('title', 'summary', 'content')),
    'Process': ('Entity', ()),
    'Product': ('Entity', ()),
    'Program': ('Entity', ()),
    'Project': ('Entity', ()),
    'Question': ('Entity', ('queries',)),
    'Queue': ('Entity', ()),
    'Record': ('RecordEntity', ()),
    'RecordEntity': ('GraphObject', ('name', 'displayName')),
    'Repository': ('Entity', ()),
    'Requirement': ('RecordEntity', ('title',)),
    'Resource': ('Entity', ()),
    'Review': ('RecordEntity', ('title',)),
    'Risk': ('RecordEntity', ('probability', 'impact', 'score', 'status')),
    'Root': ('GraphObject', ('displayName',)),
    'Rule': ('Entity', ()),
    'Ruleset': ('Entity', ()),
    'Scanner': ('Entity', ('category',)),
    'Secret': ('Entity', ()),
    'Section': ('Entity', ()),
    'Service': ('Entity', ('category', 'function')),
    'Site': ('Entity', ()),
    'Standard': ('Entity', ('name', 'version')),
    'Subscription': ('Entity', ()),
    'Task': ('Entity', ()),
    'Team': ('Entity', ()),
    'ThreatIntel': ('RecordEntity', ()),
    'Training': ('RecordEntity', ()),
    'User': ('Entity', ()),
    'UserGroup': ('Entity', ()),
    'Vault': ('Entity', ('name',)),
    'Vendor': ('Entity', ('category',)),
    'Vulnerability': ('RecordEntity', ('category', 'severity', 'blocking', 'open', 'production', 'public')),
    'Weakness': ('RecordEntity', ()),
    'Workflow': ('Entity', ()),
    'Workload': ('Entity', ()),
}

DEFAULTS: dict[str, Any] = {
    "category": ["infrastructure"],
    "function": ["cloud"],
    "vendor": "Amazon Web Services",
    "internal": True,
    "summary": "",
}


def required_properties(cls: str) -> tuple[str, ...]:
    """Required properties of ``cls`` including those it inherits."""
    seen: list[str] = []
    current: str | None = cls
    guard = 0
    while current and current in CLASSES and guard < 10:
        parent, req = CLASSES[current]
        seen.extend(r for r in req if r not in seen)
        current = parent
        guard += 1
    return tuple(seen)


def fill_required(props: dict[str, Any], classes: tuple[str, ...] | list[str]) -> None:
    for cls in classes:
        for prop in required_properties(cls):
            if prop.startswith("_") or prop in props:
                continue
            if prop == "displayName" and "name" in props:
                props[prop] = props["name"]
            elif prop == "name" and "displayName" in props:
                props[prop] = props["displayName"]
            else:
                props[prop] = DEFAULTS.get(prop)
