"""AWS Config rules, their compliance, and what they evaluate."""

from __future__ import annotations

from typing import Any

from awsgraph.catalog.spec import Detail, Link, Resource

# Entity types whose ``id`` is the resource id AWS Config reports (instance id, bucket name, ...).
EVALUATED_BY_ID = (
    "aws_account",
    "aws_instance",
    "aws_security_group",
    "aws_vpc",
    "aws_subnet",
    "aws_ebs_volume",
    "aws_eip",
    "aws_network_acl",
    "aws_route_table",
    "aws_internet_gateway",
    "aws_nat_gateway",
    "aws_eni",
    "aws_vpn_gateway",
    "aws_s3_bucket",
    "aws_kms_key",
    "aws_iam_user",
    "aws_iam_group",
    "aws_iam_role",
    "aws_iam_policy",
    "aws_lambda_function",
    "aws_dynamodb_table",
    "aws_cloudtrail",
    "aws_elb",
    "aws_alb",
    "aws_nlb",
    "aws_api_gateway_rest_api",
    "aws_cloudfront_distribution",
    "aws_sns_topic",
    "aws_sqs_queue",
    "aws_acm_certificate",
    "aws_cloudformation_stack",
    "aws_ecr_repository",
    "aws_ecs_cluster",
    "aws_eks_cluster",
    "aws_efs_file_system",
    "aws_redshift_cluster",
    "aws_elasticsearch_domain",
    "aws_autoscaling_group",
    "aws_ami",
    "aws_ebs_snapshot",
)
EVALUATED_IDS = "Evaluations[].EvaluationResultIdentifier.EvaluationResultQualifier.ResourceId"


def _rule(item: dict[str, Any]) -> dict[str, Any]:
    evaluations = item.get("Evaluations") or []
    by_type: dict[str, int] = {}
    for ev in evaluations:
        t = str(ev.get("ComplianceType"))
        by_type[t] = by_type.get(t, 0) + 1
    compliance = item.get("Compliance")
    return {
        "complianceType": compliance,
        "compliant": compliance == "COMPLIANT" if compliance in ("COMPLIANT", "NON_COMPLIANT") else None,
        "nonCompliantResourceCount": by_type.get("NON_COMPLIANT") if evaluations else None,
        "compliantResourceCount": by_type.get("COMPLIANT") if evaluations else None,
        "evaluatedResourceCount": len(evaluations) if evaluations else None,
    }


RULE = Resource(
    type="aws_config_rule",
    cls=("ControlPolicy",),
    service="config",
    call="describe_config_rules",
    id="ConfigRuleId || ConfigRuleName",
    arn="ConfigRuleArn",
    name="ConfigRuleName",
    active="ConfigRuleState == 'ACTIVE'",
    tags="Tags",
    props={
        "description": "Description",
        "state": "ConfigRuleState",
        "sourceOwner": "Source.Owner",
        "sourceIdentifier": "Source.SourceIdentifier",
        "resourceTypes": "Scope.ComplianceResourceTypes",
        "maximumExecutionFrequency": "MaximumExecutionFrequency",
        "createdBy": "CreatedBy",
        "evaluationMode": "EvaluationModes[].Mode",
    },
    compute=_rule,
    details=(
        Detail(
            "describe_compliance_by_config_rule",
            into="Compliance",
            params={"ConfigRuleNames": "[ConfigRuleName]"},
            result="ComplianceByConfigRules[0].Compliance.ComplianceType",
        ),
        Detail(
            "get_compliance_details_by_config_rule",
            into="Evaluations",
            params={"ConfigRuleName": "ConfigRuleName"},
            result="EvaluationResults",
            paginate=True,
        ),
        Detail("list_tags_for_resource", into="Tags", params={"ResourceArn": "ConfigRuleArn"}, result="Tags"),
    ),
    web_link="https://console.aws.amazon.com/config/home?region={region}#/rules/details?configRuleName="
    "{ConfigRuleName}",
    links=(
        Link("EVALUATES", EVALUATED_BY_ID, values=EVALUATED_IDS, on="id"),
        Link("EVALUATES", EVALUATED_BY_ID, values=EVALUATED_IDS),  # resources Config names by ARN
        # A rule is the account's control whatever the compliance API says (or whether it answers).
        Link("EVALUATES", "aws_account", values="join('', ['aws:account:', split(':', ConfigRuleArn)[4]])"),
    ),
)

SPECS = (RULE,)
