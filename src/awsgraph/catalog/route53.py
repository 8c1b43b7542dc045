"""Route53 hosted zones and their record sets, and domains registered with Route53 Domains."""

from __future__ import annotations

from typing import Any

from awsgraph.catalog.spec import Detail, Link, Parent, Resource

CONSOLE = "https://console.aws.amazon.com/route53/v2/hostedzones#ListRecordSets/{ZoneId}"


def _zone(item: dict[str, Any]) -> dict[str, Any]:
    private = bool((item.get("Config") or {}).get("PrivateZone"))
    return {
        "domainName": str(item.get("Name", "")).rstrip("."),
        "privateZone": private,
        "public": not private,
        "comment": (item.get("Config") or {}).get("Comment"),
    }


def _record(item: dict[str, Any]) -> dict[str, Any]:
    values = [str(r.get("Value")) for r in item.get("ResourceRecords") or [] if r.get("Value") is not None]
    alias = item.get("AliasTarget") or {}
    alias_dns = str(alias.get("DNSName", "")).rstrip(".") or None
    return {
        "value": values or ([alias_dns] if alias_dns else []),
        "resourceRecords": values,
        "aliasTarget": alias_dns,
        "aliasHostedZoneId": alias.get("HostedZoneId"),
        "aliasEvaluateTargetHealth": alias.get("EvaluateTargetHealth"),
        "domainName": str(item.get("Name", "")).rstrip("."),
        "TTL": item.get("TTL") if item.get("TTL") is not None else _alias_ttl(alias_dns),
    }


def _alias_ttl(target: str | None) -> int | None:
    """An alias record has no TTL of its own; AWS fixes it at 60 s for load balancers and S3 website
    endpoints. Others (a record in the zone, CloudFront, API Gateway) stay unknown."""
    name = (target or "").lower()
    if name.endswith(".elb.amazonaws.com") or ".s3-website" in name:
        return 60
    return None


ZONE_ID = "split('/', Id)[-1]"  # Id comes as "/hostedzone/Z123"; everything else uses the bare id
ZONE = Resource(
    type="aws_route53_zone",
    cls=("DomainZone",),
    service="route53",
    call="list_hosted_zones",
    id=ZONE_ID,
    name="Name",
    arn_template="arn:{partition}:route53:::hostedzone/{id}",
    scope="global",
    tags="Tags",
    props={
        "resourceRecordSetCount": "ResourceRecordSetCount",
        "callerReference": "CallerReference",
        "zoneId": ZONE_ID,
        "nameServers": "Delegation.DelegationSet.NameServers",
        "vpcIds": "Delegation.VPCs[].VPCId",
    },
    compute=_zone,
    raw=("Name", "Config.PrivateZone"),
    details=(
        Detail(
            "list_tags_for_resource",
            into="Tags",
            params={"ResourceId": ZONE_ID},
            static={"ResourceType": "hostedzone"},
            result="ResourceTagSet.Tags",
        ),
        Detail("get_hosted_zone", into="Delegation", params={"Id": ZONE_ID}),
    ),
    web_link="https://console.aws.amazon.com/route53/v2/hostedzones#ListRecordSets/{id}",
    description="Hosted zones; their record sets are listed per zone.",
)

RECORD = Resource(
    type="aws_route53_record",
    cls=("DomainRecord",),
    service="route53",
    call="list_resource_record_sets",
    parent=Parent(
        "aws_route53_zone", params={"HostedZoneId": "Id"}, carry={"ZoneId": ZONE_ID, "ZoneName": "Name"}
    ),
    # Record sets have no ARN or id: zone, name, type and set identifier name one.
    id="join('|', [ZoneId, Name, Type, SetIdentifier || ''])",
    name="Name",
    tags=None,
    key_template="arn:{partition}:route53:::hostedzone/{ZoneId}/recordset/{Name}/{Type}/{SetIdentifier}",
    scope="global",
    props={
        "type": "Type",
        "recordType": "Type",
        "zoneId": "ZoneId",
        "zoneName": "ZoneName",
        "setIdentifier": "SetIdentifier",
        "weight": "Weight",
        "routingRegion": "Region",
        "failover": "Failover",
        "healthCheckId": "HealthCheckId",
    },
    compute=_record,
    raw=("Name", "Type", "AliasTarget", "ResourceRecords"),
    web_link=CONSOLE,
    links=(Link("HAS", "aws_route53_zone", values="ZoneId", on="zoneId", reverse=True),),
    service_has=False,
    description="Listed page by page per zone (no per-record calls); alias targets are kept.",
)

DOMAIN = Resource(
    type="aws_route53_domain",
    cls=("Domain",),
    service="route53domains",
    group="route53",
    call="list_domains",
    id="DomainName",
    name="DomainName",
    scope="global",
    key_template="arn:{partition}:route53domains:::domain/{DomainName}",
    created="Detail.CreationDate",
    tags=None,
    props={
        "domainName": "DomainName",
        "autoRenew": "AutoRenew",
        "transferLock": "TransferLock",
        "expiresOn": "Expiry",
        "expiry": "Expiry",
        "registrar": "Detail.RegistrarName",
        "nameServers": "Detail.Nameservers[].Name",
        "statusList": "Detail.StatusList",
        "privacyProtected": "Detail.AdminPrivacy",
        "dnssecKeyCount": "length(Detail.DnssecKeys || `[]`)",
    },
    details=(Detail("get_domain_detail", into="Detail", params={"DomainName": "DomainName"}),),
    raw=("DomainName",),
    web_link="https://console.aws.amazon.com/route53/home#DomainDetail:{DomainName}",
)

SPECS = (ZONE, RECORD, DOMAIN)
