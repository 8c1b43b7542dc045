"""Elasticsearch / OpenSearch domains, read through both the ``es`` and ``opensearch`` APIs.

Both APIs list every domain of the region, so one small fetch step lists once and describes
each domain once, through the API of its engine type (the legacy API reports Elasticsearch
versions, the newer one OpenSearch versions), falling back to the other API when one is missing
or denied. An OpenSearch domain and an Elasticsearch one are the same entity type, told apart by
``engine`` and ``engineVersion``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from awsgraph.catalog.refs import kms_ref
from awsgraph.catalog.spec import Custom, FetchContext, Link, Resource

BATCH = 5  # domains per Describe call (the API's limit)
CONSOLE = "https://console.aws.amazon.com/aos/home?region={region}#opensearch/domains/{DomainName}"


def _open_principal(statement: dict[str, Any]) -> bool:
    principal = statement.get("Principal")
    if principal == "*":
        return True
    aws = principal.get("AWS") if isinstance(principal, dict) else None
    return aws == "*" or (isinstance(aws, list) and "*" in aws)


def _domain(item: dict[str, Any]) -> dict[str, Any]:
    d = item.get("Domain") or {}
    version = str(d.get("EngineVersion") or d.get("ElasticsearchVersion") or "")
    engine, _, number = version.partition("_")
    if not number:  # the legacy API gives a bare Elasticsearch version ("7.10")
        engine, number = "Elasticsearch", version
    vpc = d.get("VPCOptions") or {}
    policy: Any = d.get("AccessPolicies")
    try:
        policy = json.loads(policy) if isinstance(policy, str) and policy else policy
    except ValueError:
        policy = None
    statements = (policy or {}).get("Statement") if isinstance(policy, dict) else None
    statements = [statements] if isinstance(statements, dict) else statements or []
    open_policy = any(
        isinstance(s, dict) and s.get("Effect") == "Allow" and _open_principal(s) and "Condition" not in s
        for s in statements
    )
    endpoint = d.get("Endpoint") or (d.get("Endpoints") or {}).get("vpc")
    return {
        "engine": engine.lower() or None,
        "engineVersion": number or None,
        "version": version or None,
        "endpoint": endpoint,
        "hostname": endpoint,
        "inVpc": bool(vpc.get("VPCId")),
        "publiclyAccessible": not vpc.get("VPCId"),
        "public": not vpc.get("VPCId") and open_policy,
        "accessPolicyOpen": open_policy,
        "classification": None,
    }


API = {"opensearch": "describe_domains", "es": "describe_elasticsearch_domains"}


def _list(ctx: FetchContext) -> dict[str, str]:
    """Domain name -> engine type, from the first API that answers (an error only when none does)."""
    first: Exception | None = None
    for service in API:
        try:
            listed = ctx.client(service).list_domain_names().get("DomainNames") or []
        except Exception as exc:  # the newer API absent or denied: the legacy one may answer
            first = first or exc
            continue
        return {str(d["DomainName"]): str(d.get("EngineType") or "OpenSearch") for d in listed if d.get("DomainName")}
    if first is not None:
        ctx.note_error(first)
    return {}


def _describe(ctx: FetchContext, service: str, names: list[str]) -> list[tuple[str, dict[str, Any]]]:
    client = ctx.client(service)
    out: list[tuple[str, dict[str, Any]]] = []
    for i in range(0, len(names), BATCH):
        found = getattr(client, API[service])(DomainNames=names[i : i + BATCH]).get("DomainStatusList") or []
        out.extend((service, status) for status in found)
    return out


def fetch_domains(ctx: FetchContext) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each domain described once, through the API of its engine (whose version field it fills),
    falling back to the other API when that one is missing or denied."""
    engines = _list(ctx)
    by_api: dict[str, list[str]] = {"opensearch": [], "es": []}
    for name, engine in engines.items():
        by_api["es" if engine.lower() == "elasticsearch" else "opensearch"].append(name)
    described: list[tuple[str, dict[str, Any]]] = []
    for service, names in by_api.items():
        if not names:
            continue
        try:
            described.extend(_describe(ctx, service, names))
        except Exception as exc:
            other = "es" if service == "opensearch" else "opensearch"
            try:
                described.extend(_describe(ctx, other, names))
            except Exception:
                ctx.note_error(exc)
    seen: set[str] = set()
    for api, status in described:
        arn, domain = status.get("ARN"), status.get("DomainName")
        if not arn or arn in seen:
            continue
        seen.add(arn)
        try:
            tags = ctx.client(api).list_tags(ARN=arn).get("TagList") or []
        except Exception as exc:
            ctx.note_error(exc)
            tags = []
        yield (
            "aws_elasticsearch_domain",
            {
                "DomainName": domain,
                "EngineType": engines.get(str(domain)),
                "Domain": status,
                "Tags": tags,
                "Api": api,
            },
        )


DOMAIN = Resource(
    type="aws_elasticsearch_domain",
    cls=("Database", "DataStore", "Cluster"),
    service="opensearch",
    group="es",
    call=None,
    id="DomainName",
    arn="Domain.ARN",
    name="DomainName",
    tags="Tags",
    active="!Domain.Deleted",
    props={
        "domainId": "Domain.DomainId",
        "domainName": "DomainName",
        "engineType": "EngineType",
        "vpcId": "Domain.VPCOptions.VPCId",
        "subnetIds": "Domain.VPCOptions.SubnetIds",
        "securityGroupIds": "Domain.VPCOptions.SecurityGroupIds",
        "encrypted": "Domain.EncryptionAtRestOptions.Enabled || `false`",
        "kmsKeyId": "Domain.EncryptionAtRestOptions.KmsKeyId",
        "nodeToNodeEncryption": "Domain.NodeToNodeEncryptionOptions.Enabled",
        "enforceHTTPS": "Domain.DomainEndpointOptions.EnforceHTTPS",
        "tlsSecurityPolicy": "Domain.DomainEndpointOptions.TLSSecurityPolicy",
        "fineGrainedAccessControl": "Domain.AdvancedSecurityOptions.Enabled",
        "instanceType": "Domain.ClusterConfig.InstanceType || Domain.ElasticsearchClusterConfig.InstanceType",
        "instanceCount": "Domain.ClusterConfig.InstanceCount || Domain.ElasticsearchClusterConfig.InstanceCount",
        "multiAZ": "Domain.ClusterConfig.ZoneAwarenessEnabled || "
        "Domain.ElasticsearchClusterConfig.ZoneAwarenessEnabled",
        "cognitoEnabled": "Domain.CognitoOptions.Enabled",
        "readThrough": "Api",
    },
    compute=_domain,
    web_link=CONSOLE,
    links=(
        Link(
            "PROTECTS",
            "aws_security_group",
            values="Domain.VPCOptions.SecurityGroupIds",
            on="id",
            reverse=True,
        ),
        Link(
            "USES", "aws_kms_key", values=kms_ref("Domain.EncryptionAtRestOptions.KmsKeyId", "Domain.ARN"), on="keyRefs"
        ),
    ),
)

SPECS = (
    DOMAIN,
    Custom(
        name="elasticsearch_domains",
        service="opensearch",
        group="es",
        fetch=fetch_domains,
        produces=("aws_elasticsearch_domain",),
        operations=(
            "opensearch:list_domain_names",
            "opensearch:describe_domains",
            "opensearch:list_tags",
            "es:list_domain_names",
            "es:describe_elasticsearch_domains",
            "es:list_tags",
        ),
    ),
)
