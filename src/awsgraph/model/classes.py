"""JupiterOne data-model classes awsgraph uses: parent class and required properties.

A vocabulary of our own, transcribed from the published class schemas of @jupiterone/data-model
0.64.2 (a test compares it with them when they are at hand). A required property marked ``?``
accepts null in the class and every class it extends (``Network.public`` does not: ``Entity``
says boolean). ``fill_required`` gives every missing required property that accepts null an
explicit null, and fills ``name``/``displayName`` from each other; a required property that
cannot be null is left for the entity's producer to set (the schema test fails if one does not):
nothing here invents a value.

``Monitor`` and ``Everyone`` are classes the AWS integration's spec uses that the data model does
not define; they add no requirement beyond ``Entity``.
"""

from __future__ import annotations

from typing import Any

_DEVICE = (
    "category?", "displayName", "ipv4Addresses?", "ipv6Addresses?", "macAddresses?", "publicIpAddresses?",
    "privateIpAddresses?", "hostname?", "fqdn?", "serial?", "deviceId?", "lastSeenOn?", "make?", "model?",
    "osName?", "osType?", "osDetails?", "osVersion?",
)

CLASSES: dict[str, tuple[str, tuple[str, ...]]] = {
    'AccessKey': ('Key', ()),
    'AccessPolicy': ('Entity', ()),
    'AccessRole': ('Entity', ()),
    'Account': ('Entity', ('vendor',)),
    'Alert': ('RecordEntity', ()),
    'Application': ('Entity', ()),
    'ApplicationEndpoint': ('Entity', ('address?',)),
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
    'DataCollection': ('Entity', ('classification?',)),
    'DataObject': ('Entity', ('classification?',)),
    'DataStore': ('Entity', ('classification?', 'encrypted?')),
    'Database': ('Entity', ()),
    'Deployment': ('Entity', ()),
    'Device': ('Entity', _DEVICE),
    'Directory': ('Entity', ()),
    'Disk': ('DataStore', ()),
    'Document': ('Entity', ()),
    'Domain': ('Entity', ('domainName',)),
    'DomainRecord': ('Entity', ('type', 'TTL')),
    'DomainZone': ('Entity', ('domainName',)),
    'Entity': ('GraphObject', ('name', 'displayName')),
    'Everyone': ('Entity', ()),  # not in the data model: JupiterOne's global principal
    'Finding': ('RecordEntity', ('category', 'severity?', 'numericSeverity?', 'open')),
    'Firewall': ('Entity', ('category',)),
    'Framework': ('GraphObject', ('name', 'displayName', 'standard', 'version')),
    'Function': ('Entity', ()),
    'Gateway': ('Entity', ('category', 'function', 'public')),
    'GraphObject': ('', ('_key', '_class', '_type')),
    'Group': ('Entity', ()),
    'Host': ('Entity', _DEVICE),
    'HostAgent': ('Entity', ('function', 'lastSeenOn?')),
    'Image': ('Entity', ()),
    'Incident': ('Entity', ('category', 'severity', 'reportable')),
    'Internet': ('GraphObject', ('displayName',)),
    'IpAddress': ('Entity', ('ipAddress',)),
    'IpRange': ('Entity', ('begin', 'end', 'active', 'public')),
    'Issue': ('Entity', ()),
    'Key': ('Entity', ()),
    'Logs': ('Entity', ()),
    'Monitor': ('Entity', ()),  # not in the data model: the spec's class for metric alarms
    'Model': ('Entity', ()),
    'Module': ('Entity', ()),
    'NHI': ('Entity', ()),
    'Network': ('Entity', ('CIDR?', 'public', 'internal?')),
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
    'User': ('Entity', ('firstName?', 'lastName?', 'email?', 'shortLoginId?', 'username?')),
    'UserGroup': ('Entity', ()),
    'Vault': ('Entity', ('name',)),
    'Vendor': ('Entity', ('category',)),
    'Vulnerability': ('RecordEntity', ('open', 'cveId?')),
    'Weakness': ('RecordEntity', ('open', 'cweId?')),
    'Workflow': ('Entity', ()),
    'Workload': ('Entity', ()),
}


def _required(cls: str) -> list[str]:
    seen: list[str] = []
    current: str | None = cls
    guard = 0
    while current and current in CLASSES and guard < 10:
        parent, req = CLASSES[current]
        seen.extend(r for r in req if r not in seen and r.rstrip("?") not in seen and r + "?" not in seen)
        current = parent
        guard += 1
    return seen


def required_properties(cls: str) -> tuple[str, ...]:
    """Required properties of ``cls`` including those it inherits."""
    return tuple(r.rstrip("?") for r in _required(cls))


def nullable_required(cls: str) -> tuple[str, ...]:
    """The required properties of ``cls`` (inherited included) that accept null."""
    return tuple(r[:-1] for r in _required(cls) if r.endswith("?"))


# Properties these classes hold as lists that may arrive as one string (the lower-cased copy of
# an ``Email`` tag is a string on every other class).
_LIST_PROPS: dict[str, tuple[str, ...]] = {
    "User": ("email", "username", "shortLoginId", "emailDomain"),
    "Person": ("email", "emailDomain", "phone", "userIds"),
}


def conform(props: dict[str, Any], classes: tuple[str, ...] | list[str]) -> None:
    """Shape ``props`` for its classes: required properties filled (see :func:`fill_required`) and
    the list-valued properties of User and Person made lists."""
    fill_required(props, classes)
    for cls in classes:
        for prop in _LIST_PROPS.get(cls, ()):
            if isinstance(props.get(prop), str):
                props[prop] = [props[prop]]


def fill_required(props: dict[str, Any], classes: tuple[str, ...] | list[str]) -> None:
    if "displayName" not in props and isinstance(props.get("name"), str):
        props["displayName"] = props["name"]
    if "name" not in props and isinstance(props.get("displayName"), str):
        props["name"] = props["displayName"]
    for cls in classes:
        for prop in nullable_required(cls):
            props.setdefault(prop, None)
