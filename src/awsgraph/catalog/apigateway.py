"""API Gateway REST APIs and the Lambda functions their integrations and authorizers call."""

from __future__ import annotations

import json
from typing import Any

from awsgraph.catalog.spec import Detail, Link, Resource

# Integration and authorizer URIs name the function inside an apigateway ARN:
# arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/<function ARN>[:qualifier]/invocations
_URIS = (
    "[Resources[].values(resourceMethods || `{}`)[].methodIntegration.uri, Authorizers[].authorizerUri][]"
    " | [?contains(@, ':lambda:path/')]"
)
LAMBDA_ARNS = (
    f"map(&join(':', split(':', split('/invocations', split('/functions/', @)[1])[0])[0:7]), {_URIS})"
)


def _api(item: dict[str, Any]) -> dict[str, Any]:
    types = (item.get("endpointConfiguration") or {}).get("types") or []
    policy = item.get("policy")
    doc: Any = None
    if isinstance(policy, str) and policy:
        try:
            doc = json.loads(policy.replace('\\"', '"'))
        except ValueError:
            doc = None
    stages = item.get("Stages") or []
    methods = [m for r in item.get("Resources") or [] for m in (r.get("resourceMethods") or {}).values()]
    return {
        "endpointTypes": types,
        "public": "PRIVATE" not in types,
        "private": "PRIVATE" in types,
        "hasPolicy": bool(policy),
        "policyDocument": json.dumps(doc, sort_keys=True) if isinstance(doc, dict) else None,
        "stageNames": [s.get("stageName") for s in stages if s.get("stageName")],
        "webAclArns": sorted({s["webAclArn"] for s in stages if s.get("webAclArn")}),
        "methodCount": len(methods),
        "unauthenticatedMethodCount": sum(
            1 for m in methods if m.get("authorizationType") in (None, "NONE") and not m.get("apiKeyRequired")
        ),
        "category": ["network"],
        "function": ["api-gateway"],
    }


REST_API = Resource(
    type="aws_api_gateway_rest_api",
    cls=("Gateway",),
    service="apigateway",
    call="get_rest_apis",
    id="id",
    name="name",
    arn_template="arn:{partition}:apigateway:{region}::/restapis/{id}",
    tags="tags",
    created="createdDate",
    props={
        "description": "description",
        "apiKeySource": "apiKeySource",
        "version": "version",
        "disableExecuteApiEndpoint": "disableExecuteApiEndpoint",
        "lambdaFunctionArns": LAMBDA_ARNS,
    },
    compute=_api,
    raw=("id",),  # never the stages: their variables may hold secrets
    details=(
        Detail(
            "get_resources",
            into="Resources",
            params={"restApiId": "id"},
            static={"embed": ["methods"]},
            result="items",
            paginate=True,
        ),
        Detail(
            "get_authorizers", into="Authorizers", params={"restApiId": "id"}, result="items", paginate=True
        ),
        Detail("get_stages", into="Stages", params={"restApiId": "id"}, result="item"),
    ),
    web_link="https://console.aws.amazon.com/apigateway/home?region={region}#/apis/{id}/resources",
    links=(
        Link("TRIGGERS", "aws_lambda_function", values=LAMBDA_ARNS),
        Link("PROTECTS", "aws_waf_web_acl", values="Stages[].webAclArn", reverse=True),
    ),
)

SPECS = (REST_API,)
