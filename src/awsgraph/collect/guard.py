"""The read-only guard and the redaction of secrets, installed on every client we make.

The guard runs on botocore's ``before-call`` event, so a refused operation raises before
any request is signed or sent. Only metadata reads pass: operation names starting with
Describe/List/Get/BatchGet/Search/Lookup/Head, minus reads that return contents or
secrets. Redaction runs on ``after-call`` and removes secret values from every parsed
response before anything else sees it.
"""

from __future__ import annotations

from typing import Any

READ_PREFIXES = ("Describe", "List", "Get", "BatchGet", "Search", "Lookup", "Head")

# Reads that return contents or secrets rather than metadata: refused even though their
# names look like reads. Keys are boto3 client names ("s3", "dynamodb", "logs", ...).
CONTENT_READS: dict[str, frozenset[str]] = {
    "s3": frozenset({"GetObject", "GetObjectTorrent", "GetObjectAcl", "GetObjectAttributes",
                     "GetObjectLegalHold", "GetObjectRetention", "GetObjectTagging", "HeadObject",
                     "SelectObjectContent", "ListObjects", "ListObjectsV2", "ListObjectVersions",
                     "ListParts", "ListMultipartUploads"}),
    "dynamodb": frozenset({"GetItem", "BatchGetItem", "Query", "Scan", "ExecuteStatement",
                           "BatchExecuteStatement", "ExecuteTransaction", "TransactGetItems"}),
    "dynamodbstreams": frozenset({"GetRecords", "GetShardIterator"}),
    "secretsmanager": frozenset({"GetSecretValue", "BatchGetSecretValue", "GetRandomPassword"}),
    "ssm": frozenset({"GetParameter", "GetParameters", "GetParametersByPath", "GetParameterHistory",
                      "GetDocument", "GetCommandInvocation"}),
    "logs": frozenset({"GetLogEvents", "FilterLogEvents", "GetLogRecord", "GetQueryResults",
                                  "GetLogObject"}),
    "ec2": frozenset({"DescribeInstanceAttribute", "GetPasswordData", "GetConsoleOutput",
                      "GetConsoleScreenshot", "GetLaunchTemplateData", "DescribeLaunchTemplateVersions"}),
    "lambda": frozenset({"GetFunction", "GetLayerVersion", "GetLayerVersionByArn"}),
    "ecr": frozenset({"BatchGetImage", "GetDownloadUrlForLayer", "GetAuthorizationToken"}),
    "kms": frozenset({"GetParametersForImport", "GetPublicKey"}),
    "sqs": frozenset({"ReceiveMessage"}),
    "kinesis": frozenset({"GetRecords", "GetShardIterator"}),
    "sts": frozenset({"GetSessionToken", "GetFederationToken", "GetAccessKeyInfo"}),
    "cognito-identity": frozenset({"GetCredentialsForIdentity", "GetOpenIdToken",
                                   "GetOpenIdTokenForDeveloperIdentity"}),
    "codecommit": frozenset({"GetBlob", "GetFile", "GetFolder"}),
    "cloudformation": frozenset({"GetTemplate"}),
    "glacier": frozenset({"GetJobOutput"}),
    "athena": frozenset({"GetQueryResults"}),
}

# Not reads, but allowed: AssumeRole is how a read-only session is established;
# GenerateCredentialReport makes IAM (re)build the account's credential report, which holds no
# secret and is the only source of password and MFA state per user (AWS's SecurityAudit policy
# grants it for this reason).
ALLOWED_NON_READS = {("sts", "AssumeRole"), ("iam", "GenerateCredentialReport")}


class WriteOperationBlocked(Exception):
    """Raised before sending any request that is not a metadata read."""

    def __init__(self, service: str, operation: str) -> None:
        super().__init__(f"awsgraph is read-only: refused {service}:{operation}")
        self.service = service
        self.operation = operation


def is_read_operation(service: str, operation: str) -> bool:
    """True if ``operation`` (PascalCase) of the boto3 client ``service`` is a metadata read."""
    svc = service.lower()
    if (svc, operation) in ALLOWED_NON_READS:
        return True
    if operation in CONTENT_READS.get(svc, frozenset()):
        return False
    return operation.startswith(READ_PREFIXES)


def guard_before_call(model: Any, **_: Any) -> None:
    if not is_read_operation(model.service_model.service_name, model.name):
        raise WriteOperationBlocked(model.service_model.service_name, model.name)


# -- redaction ------------------------------------------------------------------------
REDACTED = "[redacted]"
# Keys whose values are secrets or contents wherever they appear in a response.
SECRET_KEYS = frozenset({
    "UserData", "userData", "Password", "password", "MasterUserPassword", "SecretAccessKey",
    "secretAccessKey", "SecretString", "SecretBinary", "PrivateKey", "privateKey", "KeyMaterial",
    "AuthToken", "authToken", "PasswordData", "SessionToken", "sessionToken", "Plaintext",
    "CiphertextBlob", "PrivateKeyPlaintext", "Certificate_PrivateKey", "SSHPublicKeyBody",
    "ZipFile", "authorizationToken",
})
# Maps of name -> value where names may stay (useful) but values go.
VALUE_MAPS = frozenset({"Variables", "environmentVariables", "EnvironmentVariables", "Environment"})


def redact(obj: Any, parent_key: str = "") -> Any:
    """Remove secret values in place; returns ``obj`` for convenience."""
    if isinstance(obj, dict):
        for k in list(obj):
            v = obj[k]
            if k in SECRET_KEYS:
                obj[k] = REDACTED
            elif k in VALUE_MAPS and isinstance(v, dict):
                variables = v.get("Variables")
                inner: dict[str, Any] = variables if isinstance(variables, dict) else v
                flat = all(not isinstance(x, dict) for x in inner.values())
                names = sorted(str(n) for n in inner) if flat else None
                if names is not None:
                    obj[k] = {"VariableNames": names}
                else:
                    redact(v, k)
            elif k in {"environment", "Environment", "secrets"} and isinstance(v, list):
                # ECS/Batch container definitions: [{"name": ..., "value": ...}]
                obj[k] = [{"name": i.get("name") or i.get("Name")} if isinstance(i, dict) else REDACTED
                          for i in v]
            else:
                redact(v, k)
    elif isinstance(obj, list):
        for item in obj:
            redact(item, parent_key)
    return obj


def redact_after_call(parsed: Any = None, **_: Any) -> None:
    if isinstance(parsed, dict):
        redact(parsed)
