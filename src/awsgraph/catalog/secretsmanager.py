"""Secrets Manager secrets: metadata only (name, key, rotation, dates, tags, resource policy).

The secret's value is never read: ``GetSecretValue`` and ``BatchGetSecretValue`` are refused by
the read-only guard, and ``ListSecrets`` answers with metadata alone. Of each version only its
stage labels (``AWSCURRENT``, ``AWSPENDING``...) are kept, never a version's value.
"""

from __future__ import annotations

from awsgraph.catalog.refs import kms_ref
from awsgraph.catalog.spec import Detail, Link, Resource

# The rotation function without a version or alias qualifier: Lambda functions are keyed by
# their unqualified ARN.
ROTATION_FUNCTION = "RotationLambdaARN && join(':', split(':', RotationLambdaARN)[0:7])"

SECRET = Resource(
    type="aws_secretsmanager_secret",
    cls=("Secret",),
    service="secretsmanager",
    call="list_secrets",
    # Secrets scheduled for deletion are still there (and restorable) until their deletion date.
    params={"IncludePlannedDeletion": True},
    id="Name",
    arn="ARN",
    name="Name",
    created="CreatedDate",
    active="!DeletedDate",
    tags="Tags",
    props={
        "secretName": "Name",
        "description": "Description",
        "kmsKeyId": "KmsKeyId",
        "rotationEnabled": "RotationEnabled",
        "rotationLambdaArn": "RotationLambdaARN",
        "rotationAfterDays": "RotationRules.AutomaticallyAfterDays",
        "rotationSchedule": "RotationRules.ScheduleExpression",
        "lastRotatedOn": "LastRotatedDate",
        "lastChangedOn": "LastChangedDate",
        "lastAccessedOn": "LastAccessedDate",
        "nextRotationOn": "NextRotationDate",
        "deletedOn": "DeletedDate",
        "owningService": "OwningService",
        "primaryRegion": "PrimaryRegion",
        # the labels of the versions (AWSCURRENT, AWSPREVIOUS, AWSPENDING), never version ids or values
        "versionStages": "SecretVersionsToStages && sort(values(SecretVersionsToStages)[])",
    },
    raw=("Policy",),
    safe={
        "Policy": "the secret's resource policy, in IAM's policy language; read by the ALLOWS analysis",
        "versionStages": "the stage labels of the secret's versions (AWSCURRENT...), never a version's value",
    },
    details=(
        # A secret scheduled for deletion refuses most calls: it is not asked (a null param skips the call).
        Detail(
            "get_resource_policy",
            into="Policy",
            params={"SecretId": "(!DeletedDate && ARN) || `null`"},
            result="ResourcePolicy",
            decode_json=True,
            missing=("ResourceNotFoundException",),
        ),
    ),
    web_link="https://console.aws.amazon.com/secretsmanager/secret?name={Name}&region={region}",
    links=(
        Link("USES", "aws_kms_key", values=kms_ref("KmsKeyId", "ARN"), on="keyRefs"),
        Link("USES", "aws_lambda_function", values=ROTATION_FUNCTION),
    ),
    description="Secrets Manager secrets: metadata, rotation and resource policy; never the secret's value.",
)

SPECS = (SECRET,)
