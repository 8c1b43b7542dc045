"""Web ACLs: WAF classic (global and regional) and WAFv2 (CLOUDFRONT and REGIONAL scopes), one type.

Most accounts now only have WAFv2. What a web ACL protects comes from the protected side where
that is the portable read (CloudFront ``WebACLId``, API stages' ``webAclArn``, and per load
balancer ``GetWebACLForResource``), and from WAF classic regional's ``ListResourcesForWebACL``.
"""

from __future__ import annotations

from typing import Any

from awsgraph.catalog.spec import Detail, Link, Resource, Scope

GROUP = "waf"
# A REST API stage ARN (arn:aws:apigateway:r::/restapis/ID/stages/NAME) -> the API's ARN.
API_ARNS = "map(&join('/', split('/', @)[0:3]), ResourceArns[?contains(@, ':apigateway:')])"


def _acl(item: dict[str, Any]) -> dict[str, Any]:
    acl = item.get("WebACL") or {}
    default = acl.get("DefaultAction") or {}
    action = default.get("Type") or next(iter(default), None)
    rules = acl.get("Rules") or []
    return {
        "defaultAction": str(action).upper() if action else None,
        "ruleCount": len(rules),
        "managedRuleGroups": sorted(
            {
                f"{(r.get('Statement') or {}).get('ManagedRuleGroupStatement', {}).get('VendorName')}:"
                f"{(r.get('Statement') or {}).get('ManagedRuleGroupStatement', {}).get('Name')}"
                for r in rules
                if (r.get("Statement") or {}).get("ManagedRuleGroupStatement")
            }
        ),
        "category": ["network"],
        "function": ["firewall"],
    }


def _classic(
    service: str, scope: Scope, extra: tuple[Detail, ...] = (), links: tuple[Link, ...] = ()
) -> Resource:
    return Resource(
        type="aws_waf_web_acl",
        cls=("Firewall",),
        service=service,
        group=GROUP,
        call="list_web_acls",
        params={"Limit": 100},
        items="WebACLs",
        scope=scope,
        id="WebACLId",
        name="Name",
        arn="WebACL.WebACLArn",
        tags=None,
        arn_template=f"arn:{{partition}}:{service}:{{region}}:{{account}}:webacl/{{WebACLId}}"
        if scope == "regional"
        else "arn:{partition}:waf::{account}:webacl/{WebACLId}",
        props={
            "webAclId": "WebACLId",
            "metricName": "WebACL.MetricName",
            "wafVersion": "'classic'",
            "scope": f"'{'REGIONAL' if scope == 'regional' else 'CLOUDFRONT'}'",
        },
        compute=_acl,
        details=(
            Detail("get_web_acl", into="WebACL", params={"WebACLId": "WebACLId"}, result="WebACL"),
            *extra,
        ),
        web_link="https://console.aws.amazon.com/wafv2/home#/webacls",
        links=links,
        description=f"WAF classic ({service}) web ACLs.",
    )


CLASSIC_GLOBAL = _classic("waf", "global")
CLASSIC_REGIONAL = _classic(
    "waf-regional",
    "regional",
    extra=(
        Detail(
            "list_resources_for_web_acl",
            into="ResourceArns",
            params={"WebACLId": "WebACLId"},
            result="ResourceArns",
        ),
    ),
    links=(
        Link("PROTECTS", ("aws_alb", "aws_nlb"), values="ResourceArns"),
        Link("PROTECTS", "aws_api_gateway_rest_api", values=API_ARNS),
    ),
)


def _v2(scope: Scope) -> Resource:
    api_scope = "CLOUDFRONT" if scope == "global" else "REGIONAL"
    return Resource(
        type="aws_waf_web_acl",
        cls=("Firewall",),
        service="wafv2",
        group=GROUP,
        call="list_web_acls",
        params={"Scope": api_scope},
        items="WebACLs",
        scope=scope,
        id="Id",
        name="Name",
        arn="ARN",
        tags="Tags",
        props={
            "webAclId": "Id",
            "description": "Description",
            "wafVersion": "'v2'",
            "scope": f"'{api_scope}'",
            "capacity": "WebACL.Capacity",
            "managedByFirewallManager": "WebACL.ManagedByFirewallManager",
            "loggingEnabled": "Logging && `true` || `false`",
        },
        compute=_acl,
        details=(
            Detail(
                "get_web_acl",
                into="WebACL",
                params={"Name": "Name", "Id": "Id"},
                static={"Scope": api_scope},
                result="WebACL",
            ),
            Detail(
                "list_tags_for_resource",
                into="Tags",
                params={"ResourceARN": "ARN"},
                result="TagInfoForResource.TagList",
            ),
            Detail(
                "get_logging_configuration",
                into="Logging",
                params={"ResourceArn": "ARN"},
                result="LoggingConfiguration",
                missing=("WAFNonexistentItemException",),
            ),
        ),
        web_link="https://console.aws.amazon.com/wafv2/homev2/web-acl/{Name}/{Id}/overview?region={region}",
        description=f"WAFv2 web ACLs of scope {api_scope}.",
    )


V2_CLOUDFRONT = _v2("global")
V2_REGIONAL = _v2("regional")

SPECS = (CLASSIC_GLOBAL, CLASSIC_REGIONAL, V2_CLOUDFRONT, V2_REGIONAL)
