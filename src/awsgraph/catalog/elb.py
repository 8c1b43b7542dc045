"""Elastic Load Balancing: application and network load balancers (elbv2, split by type),
classic load balancers (elb) and target groups with their registered targets."""

from __future__ import annotations

from typing import Any

from awsgraph.catalog.spec import Detail, Link, Resource

GROUP = "elasticloadbalancing"
CONSOLE = "https://console.aws.amazon.com/ec2/v2/home?region={region}#"
# WAFv2 answers "no web ACL" with an empty body; these mean "not associated" too.
NO_WAF = ("WAFNonexistentItemException", "WAFUnavailableEntityException")


def _attrs(item: dict[str, Any]) -> dict[str, str]:
    return {a.get("Key", ""): a.get("Value", "") for a in item.get("Attributes") or [] if isinstance(a, dict)}


def _v2(item: dict[str, Any]) -> dict[str, Any]:
    attrs = _attrs(item)
    listeners = item.get("Listeners") or []
    protocols = sorted({str(x.get("Protocol")) for x in listeners if x.get("Protocol")})
    return {
        "public": item.get("Scheme") == "internet-facing",
        "internal": item.get("Scheme") == "internal",
        "category": ["network"],
        "function": ["load-balancing"],
        "listenerProtocols": protocols,
        "listenerPorts": sorted({int(x["Port"]) for x in listeners if x.get("Port") is not None}),
        "httpsOnly": bool(protocols) and all(p in ("HTTPS", "TLS") for p in protocols),
        "sslPolicies": sorted({str(x["SslPolicy"]) for x in listeners if x.get("SslPolicy")}),
        "accessLogsEnabled": attrs.get("access_logs.s3.enabled") == "true" if attrs else None,
        "accessLogsBucket": attrs.get("access_logs.s3.bucket") or None,
        "deletionProtection": attrs.get("deletion_protection.enabled") == "true" if attrs else None,
        "dropInvalidHeaderFields": attrs.get("routing.http.drop_invalid_header_fields.enabled") == "true"
        if "routing.http.drop_invalid_header_fields.enabled" in attrs
        else None,
        "webAclArn": item.get("WebACLArn"),
    }


_V2_PROPS = {
    "dnsName": "DNSName",
    "scheme": "Scheme",
    "type": "Type",
    "state": "State.Code",
    "vpcId": "VpcId",
    "ipAddressType": "IpAddressType",
    "securityGroupIds": "SecurityGroups",
    "subnetIds": "AvailabilityZones[].SubnetId",
    "availabilityZones": "AvailabilityZones[].ZoneName",
    "hostedZoneId": "CanonicalHostedZoneId",
    "certificateArns": "Listeners[].Certificates[].CertificateArn",
}
_V2_DETAILS = (
    Detail(
        "describe_listeners",
        into="Listeners",
        params={"LoadBalancerArn": "LoadBalancerArn"},
        result="Listeners",
        paginate=True,
        missing=("ListenerNotFound",),
    ),
    Detail(
        "describe_load_balancer_attributes",
        into="Attributes",
        params={"LoadBalancerArn": "LoadBalancerArn"},
        result="Attributes",
    ),
    Detail(
        "describe_tags",
        into="Tags",
        params={"ResourceArns": "[LoadBalancerArn]"},
        result="TagDescriptions[0].Tags",
    ),
)


def _v2_lb(
    type_: str, lb_type: str, extra_links: tuple[Link, ...] = (), extra_details: tuple[Detail, ...] = ()
) -> Resource:
    return Resource(
        type=type_,
        cls=("Gateway",),
        service="elbv2",
        group=GROUP,
        call="describe_load_balancers",
        id="LoadBalancerName",
        arn="LoadBalancerArn",
        name="LoadBalancerName",
        created="CreatedTime",
        active="State.Code == 'active'",
        props=_V2_PROPS,
        compute=_v2,
        keep=lambda item: item.get("Type") == lb_type,
        # listeners' ports and protocols only: their actions may hold an OIDC client secret
        raw=("Scheme", "DNSName", "IpAddressType", "SecurityGroups", "AvailabilityZones.SubnetId",
             "Listeners.Port", "Listeners.Protocol"),
        details=_V2_DETAILS + extra_details,
        web_link=CONSOLE + "LoadBalancers:search={LoadBalancerName}",
        links=(
            Link("PROTECTS", "aws_security_group", values="SecurityGroups", on="id", reverse=True),
            Link("HAS", "aws_subnet", values="AvailabilityZones[].SubnetId", on="id", reverse=True),
            Link("USES", "aws_acm_certificate", values="Listeners[].Certificates[].CertificateArn"),
            *extra_links,
        ),
        description=f"elbv2 load balancers of type {lb_type}.",
    )


ALB = _v2_lb(
    "aws_alb",
    "application",
    # moto lacks wafv2 ListResourcesForWebACL; asking per load balancer works everywhere.
    extra_details=(
        Detail(
            "get_web_acl_for_resource",
            into="WebACLArn",
            service="wafv2",
            params={"ResourceArn": "LoadBalancerArn"},
            result="WebACL.ARN",
            missing=NO_WAF,
        ),
    ),
    extra_links=(Link("PROTECTS", "aws_waf_web_acl", values="WebACLArn", reverse=True),),
)
NLB = _v2_lb("aws_nlb", "network")

TARGET_GROUP = Resource(
    type="aws_lb_target_group",
    cls=("Group",),
    service="elbv2",
    group=GROUP,
    call="describe_target_groups",
    id="TargetGroupName",
    arn="TargetGroupArn",
    name="TargetGroupName",
    props={
        "protocol": "Protocol",
        "port": "Port",
        "targetType": "TargetType",
        "vpcId": "VpcId",
        "healthCheckProtocol": "HealthCheckProtocol",
        "healthCheckPath": "HealthCheckPath",
        "healthCheckEnabled": "HealthCheckEnabled",
        "loadBalancerArns": "LoadBalancerArns",
        "targetIds": "TargetHealthDescriptions[].Target.Id",
        "healthyTargetCount": "length(TargetHealthDescriptions[?TargetHealth.State=='healthy'])",
        "targetCount": "length(TargetHealthDescriptions || `[]`)",
    },
    details=(
        Detail(
            "describe_target_health",
            into="TargetHealthDescriptions",
            params={"TargetGroupArn": "TargetGroupArn"},
            result="TargetHealthDescriptions",
        ),
        Detail(
            "describe_tags",
            into="Tags",
            params={"ResourceArns": "[TargetGroupArn]"},
            result="TagDescriptions[0].Tags",
        ),
    ),
    web_link=CONSOLE + "TargetGroups:search={TargetGroupName}",
    links=(
        Link("CONNECTS", ("aws_alb", "aws_nlb"), values="LoadBalancerArns", reverse=True),
        Link("HAS", "aws_instance", values="TargetHealthDescriptions[].Target.Id", on="id"),
        Link("HAS", "aws_lambda_function", values="TargetHealthDescriptions[].Target.Id"),
        Link("HAS", "aws_eni", values="TargetHealthDescriptions[].Target.Id", on="privateIpAddresses"),
        Link("HAS", "aws_eip", values="TargetHealthDescriptions[].Target.Id", on="publicIp"),
    ),
)


def _classic(item: dict[str, Any]) -> dict[str, Any]:
    listeners = [d.get("Listener") or {} for d in item.get("ListenerDescriptions") or []]
    protocols = sorted({str(x.get("Protocol")).upper() for x in listeners if x.get("Protocol")})
    attrs = item.get("Attributes") or {}
    return {
        "public": item.get("Scheme") == "internet-facing",
        "internal": item.get("Scheme") == "internal",
        "category": ["network"],
        "function": ["load-balancing"],
        "type": "classic",
        "listenerProtocols": protocols,
        "listenerPorts": sorted({int(x["LoadBalancerPort"]) for x in listeners if x.get("LoadBalancerPort")}),
        "httpsOnly": bool(protocols) and all(p in ("HTTPS", "SSL") for p in protocols),
        "accessLogsEnabled": (attrs.get("AccessLog") or {}).get("Enabled") if attrs else None,
        "crossZoneLoadBalancing": (attrs.get("CrossZoneLoadBalancing") or {}).get("Enabled")
        if attrs
        else None,
        "connectionDraining": (attrs.get("ConnectionDraining") or {}).get("Enabled") if attrs else None,
    }


CLASSIC = Resource(
    type="aws_elb",
    cls=("Gateway",),
    service="elb",
    group=GROUP,
    call="describe_load_balancers",
    id="LoadBalancerName",
    name="LoadBalancerName",
    arn_template="arn:{partition}:elasticloadbalancing:{region}:{account}:loadbalancer/{LoadBalancerName}",
    created="CreatedTime",
    props={
        "dnsName": "DNSName",
        "scheme": "Scheme",
        "vpcId": "VPCId",
        "securityGroupIds": "SecurityGroups",
        "subnetIds": "Subnets",
        "availabilityZones": "AvailabilityZones",
        "hostedZoneId": "CanonicalHostedZoneNameID",
        "instanceIds": "Instances[].InstanceId",
        "certificateArns": "ListenerDescriptions[].Listener.SSLCertificateId",
    },
    compute=_classic,
    raw=("Scheme", "DNSName", "SecurityGroups", "Subnets", "ListenerDescriptions.Listener.Protocol",
         "ListenerDescriptions.Listener.LoadBalancerPort"),
    details=(
        Detail(
            "describe_load_balancer_attributes",
            into="Attributes",
            params={"LoadBalancerName": "LoadBalancerName"},
            result="LoadBalancerAttributes",
        ),
        Detail(
            "describe_tags",
            into="Tags",
            params={"LoadBalancerNames": "[LoadBalancerName]"},
            result="TagDescriptions[0].Tags",
        ),
    ),
    web_link=CONSOLE + "LoadBalancers:search={LoadBalancerName}",
    links=(
        Link("PROTECTS", "aws_security_group", values="SecurityGroups", on="id", reverse=True),
        Link("HAS", "aws_subnet", values="Subnets", on="id", reverse=True),
        Link("USES", "aws_acm_certificate", values="ListenerDescriptions[].Listener.SSLCertificateId"),
        # A classic load balancer has no target groups: it sends traffic to its instances.
        Link("CONNECTS", "aws_instance", values="Instances[].InstanceId", on="id"),
    ),
)

SPECS = (ALB, NLB, CLASSIC, TARGET_GROUP)
