"""CloudFront distributions: their origins (S3 buckets, API Gateway APIs), Lambda@Edge
functions, certificates and web ACLs."""

from __future__ import annotations

import re
from typing import Any

from awsgraph.catalog.spec import Detail, Link, Resource

# bucket.s3.amazonaws.com, bucket.s3.eu-west-1.amazonaws.com, bucket.s3-eu-west-1.amazonaws.com,
# bucket.s3-website-us-east-1.amazonaws.com, bucket.s3-website.eu-west-1.amazonaws.com
_S3_ORIGIN = re.compile(r"^(?P<bucket>.+?)\.s3(?:[.-](?:website[.-])?[a-z0-9-]+)?\.amazonaws\.com(?:\.cn)?$")
_API_ORIGIN = re.compile(r"^(?P<api>[a-z0-9]+)\.execute-api\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?$")


# The same, as JMESPath over the raw item for the links.
S3_ORIGIN_BUCKETS = "map(&split('.s3', @)[0], Origins.Items[?contains(DomainName, '.s3')].DomainName)"
API_ORIGIN_IDS = "map(&split('.', @)[0], Origins.Items[?contains(DomainName, '.execute-api.')].DomainName)"
EDGE_FUNCTIONS = (
    "map(&join(':', split(':', @)[0:7]), [DefaultCacheBehavior.LambdaFunctionAssociations.Items[]"
    ".LambdaFunctionARN, CacheBehaviors.Items[].LambdaFunctionAssociations.Items[].LambdaFunctionARN][][])"
)


def _unqualified(arn: str) -> str:
    """A Lambda ARN without its version or alias: arn:aws:lambda:r:a:function:name[:qualifier]."""
    parts = arn.split(":")
    return ":".join(parts[:7]) if len(parts) > 7 else arn


def _behaviors(item: dict[str, Any]) -> list[dict[str, Any]]:
    default = item.get("DefaultCacheBehavior") or {}
    return [default, *((item.get("CacheBehaviors") or {}).get("Items") or [])]


def _distribution(item: dict[str, Any]) -> dict[str, Any]:
    origins = (item.get("Origins") or {}).get("Items") or []
    domains = [str(o.get("DomainName", "")).lower() for o in origins]
    buckets = sorted({m.group("bucket") for d in domains if (m := _S3_ORIGIN.match(d))})
    apis = sorted({m.group("api") for d in domains if (m := _API_ORIGIN.match(d))})
    edge = sorted(
        {
            _unqualified(str(a.get("LambdaFunctionARN")))
            for b in _behaviors(item)
            for a in (b.get("LambdaFunctionAssociations") or {}).get("Items") or []
            if a.get("LambdaFunctionARN")
        }
    )
    cert = item.get("ViewerCertificate") or {}
    policies = {str(b.get("ViewerProtocolPolicy")) for b in _behaviors(item) if b.get("ViewerProtocolPolicy")}
    waf = item.get("WebACLId") or None
    return {
        "originDomainNames": domains,
        "originBucketNames": buckets,
        "originApiIds": apis,
        "lambdaEdgeFunctionArns": edge,
        "certificateArn": cert.get("ACMCertificateArn"),
        "iamCertificateId": cert.get("IAMCertificateId"),
        "defaultCertificate": cert.get("CloudFrontDefaultCertificate"),
        "minimumProtocolVersion": cert.get("MinimumProtocolVersion"),
        "sslSupportMethod": cert.get("SSLSupportMethod"),
        "viewerProtocolPolicies": sorted(policies),
        "httpsOnly": bool(policies) and "allow-all" not in policies,
        "webAclId": waf,
        "public": True,
        "category": ["network"],
        "function": ["content-distribution"],
        "loggingEnabled": ((item.get("Config") or {}).get("Logging") or {}).get("Enabled"),
        "loggingBucket": ((item.get("Config") or {}).get("Logging") or {}).get("Bucket"),
    }


DISTRIBUTION = Resource(
    type="aws_cloudfront_distribution",
    cls=("Gateway",),
    service="cloudfront",
    call="list_distributions",
    id="Id",
    arn="ARN",
    name="Id",
    scope="global",
    tags="Tags.Items",
    created="LastModifiedTime",
    active="Enabled",
    props={
        "domainName": "DomainName",
        "aliases": "Aliases.Items",
        "status": "Status",
        "enabled": "Enabled",
        "priceClass": "PriceClass",
        "httpVersion": "HttpVersion",
        "ipv6Enabled": "IsIPV6Enabled",
        "comment": "Comment",
        "lastModifiedTime": "LastModifiedTime",
    },
    compute=_distribution,
    raw=("DomainName",),  # never the origins: their custom headers carry shared secrets
    details=(
        Detail("list_tags_for_resource", into="Tags", params={"Resource": "ARN"}, result="Tags"),
        Detail("get_distribution_config", into="Config", params={"Id": "Id"}, result="DistributionConfig"),
    ),
    web_link="https://console.aws.amazon.com/cloudfront/v4/home#/distributions/{Id}",
    links=(
        Link("CONNECTS", "aws_s3_bucket", values=S3_ORIGIN_BUCKETS, on="name"),
        Link("CONNECTS", "aws_api_gateway_rest_api", values=API_ORIGIN_IDS, on="id"),
        Link("TRIGGERS", "aws_lambda_function", values=EDGE_FUNCTIONS),
        Link("USES", "aws_acm_certificate", values="ViewerCertificate.ACMCertificateArn"),
        # WebACLId is the web ACL's ARN for WAFv2 and its id for WAF classic.
        Link("PROTECTS", "aws_waf_web_acl", values="WebACLId", reverse=True),
        Link("PROTECTS", "aws_waf_web_acl", values="WebACLId", on="webAclId", reverse=True),
    ),
)

SPECS = (DISTRIBUTION,)
