"""The catalog: what awsgraph collects, one module per AWS service, in one explicit registry."""

from __future__ import annotations

from awsgraph.catalog import (
    account,
    acm,
    apigateway,
    autoscaling,
    batch,
    cloudformation,
    cloudfront,
    cloudtrail,
    cloudwatch,
    config,
    dynamodb,
    ec2,
    ecr,
    ecs,
    efs,
    eks,
    elasticache,
    elasticsearch,
    elb,
    findings,
    iam,
    kms,
    lambda_,
    messaging,
    organizations,
    rds,
    redshift,
    route53,
    s3,
    secretsmanager,
    transfer,
    waf,
    workspaces,
)
from awsgraph.catalog.spec import Bulk, Custom, Detail, FetchContext, Link, Parent, Resource, Spec

CATALOG: tuple[Spec, ...] = (
    *account.SPECS,
    *organizations.SPECS,
    *iam.SPECS,
    *ec2.SPECS,
    *s3.SPECS,
    *kms.SPECS,
    *secretsmanager.SPECS,
    *lambda_.SPECS, *ecs.SPECS, *eks.SPECS, *ecr.SPECS, *batch.SPECS, *autoscaling.SPECS,
    *efs.SPECS, *rds.SPECS, *redshift.SPECS, *dynamodb.SPECS, *elasticache.SPECS, *elasticsearch.SPECS,
    *elb.SPECS, *cloudfront.SPECS, *apigateway.SPECS, *acm.SPECS, *route53.SPECS, *messaging.SPECS,
    *cloudwatch.SPECS, *cloudtrail.SPECS, *config.SPECS, *cloudformation.SPECS, *findings.SPECS,
    *transfer.SPECS, *waf.SPECS, *workspaces.SPECS,
)


def service_groups(catalog: tuple[Spec, ...] = CATALOG) -> list[str]:
    """The names users pass to --services / --exclude-services."""
    return sorted({s.service_group for s in catalog})


def resources(catalog: tuple[Spec, ...] = CATALOG) -> list[Resource]:
    return [s for s in catalog if isinstance(s, Resource)]


__all__ = ["CATALOG", "Bulk", "Custom", "Detail", "FetchContext", "Link", "Parent", "Resource", "Spec", "resources",
           "service_groups"]
