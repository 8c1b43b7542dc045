"""The read-only guard and the redaction of secrets, installed on every client we make.

The guard runs on botocore's ``before-call`` event, so a refused operation raises before
any request is signed or sent. It is an allow-list: a client passes only the operations
the catalog declares (``awsgraph.catalog.calls``: the list the IAM policy is made of), and
while the engine runs one unit of work (a list call, a detail call, a Custom step) only the
operations that unit declares. As a second net, a declared operation must also look like a
metadata read (Describe/List/Get/... minus reads of contents or secrets) or be one of the
few non-reads the catalog may declare (``NON_READ_OPERATIONS``, each with its reason).
Redaction runs on ``after-call`` and removes secret values from every parsed response
before anything else sees it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from botocore import xform_name

from awsgraph.catalog.calls import NON_READ_OPERATIONS, Call

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



class WriteOperationBlocked(Exception):
    """Raised before sending any request the allow-list does not cover."""

    def __init__(self, service: str, operation: str, why: str = "not a metadata read") -> None:
        super().__init__(f"awsgraph is read-only: refused {service}:{operation} ({why})")
        self.service = service
        self.operation = operation


def is_read_operation(service: str, operation: str) -> bool:
    """True if ``operation`` (PascalCase) of the boto3 client ``service`` looks like a metadata read,
    or is one of the declared non-reads. The allow-list decides; this is its second net."""
    svc = service.lower()
    if (svc, operation) in NON_READ_OPERATIONS:
        return True
    if operation in CONTENT_READS.get(svc, frozenset()):
        return False
    return operation.startswith(READ_PREFIXES)


_scope = threading.local()


def current_scope() -> frozenset[Call] | None:
    return getattr(_scope, "calls", None)


@contextmanager
def call_scope(calls: Iterable[Call]) -> Iterator[None]:
    """Narrow this thread's clients to ``calls`` (what one unit of work declares) for a while."""
    previous = current_scope()
    _scope.calls = frozenset(calls)
    try:
        yield
    finally:
        _scope.calls = previous


class CallGuard:
    """The ``before-call`` handler: refuse what is not allowed, before it is signed or sent."""

    def __init__(self, allowed: Iterable[Call], *, reads_only: bool = True) -> None:
        self.allowed = frozenset(allowed)
        self.reads_only = reads_only  # False only for the session's own AssumeRole client

    def allow(self, calls: Iterable[Call]) -> None:
        self.allowed = self.allowed | frozenset(calls)  # one reference swap: safe for the readers

    def __call__(self, model: Any, **_: Any) -> None:
        service, operation = model.service_model.service_name, model.name
        call = (service, xform_name(operation))  # the boto3 method name, as specs declare it
        scope = current_scope()
        if call not in self.allowed:
            raise WriteOperationBlocked(service, operation, "not an operation the catalog declares")
        if scope is not None and call not in scope:
            raise WriteOperationBlocked(service, operation, "not declared by the step making the call")
        if self.reads_only and not is_read_operation(service, operation):
            raise WriteOperationBlocked(service, operation)


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
