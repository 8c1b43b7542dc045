"""The catalog: what awsgraph collects, one module per AWS service, in one explicit registry."""

from __future__ import annotations

from awsgraph.catalog import (
    account,
    autoscaling,
    batch,
    dynamodb,
    ec2,
    ecr,
    ecs,
    efs,
    eks,
    elasticache,
    elasticsearch,
    iam,
    kms,
    lambda_,
    rds,
    redshift,
    s3,
)
from awsgraph.catalog.spec import Custom, Detail, FetchContext, Link, Parent, Resource, Spec

CATALOG: tuple[Spec, ...] = (
    *account.SPECS,
    *iam.SPECS,
    *ec2.SPECS,
    *s3.SPECS,
    *kms.SPECS,
    *lambda_.SPECS, *ecs.SPECS, *eks.SPECS, *ecr.SPECS, *batch.SPECS, *autoscaling.SPECS,
    *efs.SPECS, *rds.SPECS, *redshift.SPECS, *dynamodb.SPECS, *elasticache.SPECS, *elasticsearch.SPECS,
)


def service_groups(catalog: tuple[Spec, ...] = CATALOG) -> list[str]:
    """The names users pass to --services / --exclude-services."""
    return sorted({s.service_group for s in catalog})


def resources(catalog: tuple[Spec, ...] = CATALOG) -> list[Resource]:
    return [s for s in catalog if isinstance(s, Resource)]


__all__ = ["CATALOG", "Custom", "Detail", "FetchContext", "Link", "Parent", "Resource", "Spec", "resources",
           "service_groups"]
