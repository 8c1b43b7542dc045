# ruff: noqa: E501  (a data table: one case per line reads better than wrapped calls)
"""Evaluator cases: (id, kwargs for evaluate, expected decision, expected conditional)."""

from __future__ import annotations

from typing import Any

A = "111111111111"
B = "222222222222"
USER = f"arn:aws:iam::{A}:user/alice"
USER_B = f"arn:aws:iam::{B}:user/bob"
ROLE = f"arn:aws:iam::{A}:role/app"
ROLE_B = f"arn:aws:iam::{B}:role/ext"
SESSION = f"arn:aws:sts::{A}:assumed-role/app/s1"
BUCKET = "arn:aws:s3:::data-bucket"
OBJ = "arn:aws:s3:::data-bucket/reports/q1.csv"
TABLE = f"arn:aws:dynamodb:us-east-1:{A}:table/orders"
QUEUE = f"arn:aws:sqs:us-east-1:{A}:jobs"
KEY = f"arn:aws:kms:us-east-1:{A}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def allow(action: Any, resource: Any = "*", condition: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    st: dict[str, Any] = {"Effect": "Allow", "Action": action, "Resource": resource}
    if condition:
        st["Condition"] = condition
    st.update(extra)
    return st


def deny(action: Any, resource: Any = "*", condition: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    st = allow(action, resource, condition, **extra)
    st["Effect"] = "Deny"
    return st


def pol(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def st_raw(**fields: Any) -> dict[str, Any]:
    return dict(fields)


Case = tuple[str, dict[str, Any], str, bool]
CASES: list[Case] = []


def case(cid: str, action: str, resource: str, expected: str, conditional: bool = False, **kw: Any) -> None:
    CASES.append((cid, {"action": action, "resource": resource, **kw}, expected, conditional))


# --- basics ---------------------------------------------------------------------------
case("no-policies", "s3:GetObject", OBJ, "implicit_deny")
case("exact-allow", "s3:GetObject", OBJ, "allow", identity_policies=[pol(allow("s3:GetObject", OBJ))])
case("star-star", "ec2:RunInstances", "*", "allow", identity_policies=[pol(allow("*", "*"))])
case("star-action-any-resource", "iam:CreateUser", f"arn:aws:iam::{A}:user/x", "allow",
     identity_policies=[pol(allow("*", "*"))])
case("other-action", "s3:PutObject", OBJ, "implicit_deny", identity_policies=[pol(allow("s3:GetObject", OBJ))])
case("other-resource", "s3:GetObject", "arn:aws:s3:::other/x", "implicit_deny",
     identity_policies=[pol(allow("s3:GetObject", OBJ))])
case("statement-dict-not-list", "s3:GetObject", OBJ, "allow",
     identity_policies=[{"Statement": allow("s3:GetObject", "*")}])
case("json-string-policy", "s3:GetObject", OBJ, "allow",
     identity_policies=['{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}'])
case("single-policy-dict-not-list", "s3:GetObject", OBJ, "allow", identity_policies=pol(allow("s3:*")))
case("action-list", "s3:PutObject", OBJ, "allow",
     identity_policies=[pol(allow(["s3:GetObject", "s3:PutObject"], OBJ))])
case("resource-list", "s3:GetObject", OBJ, "allow",
     identity_policies=[pol(allow("s3:GetObject", ["arn:aws:s3:::x/*", "arn:aws:s3:::data-bucket/*"]))])
case("multiple-policies-union", "sqs:SendMessage", QUEUE, "allow",
     identity_policies=[pol(allow("s3:*")), pol(allow("sqs:SendMessage", QUEUE))])
case("effect-unknown-ignored", "s3:GetObject", OBJ, "implicit_deny",
     identity_policies=[pol({"Effect": "Maybe", "Action": "*", "Resource": "*"})])

# --- action matching ----------------------------------------------------------------------
case("action-case-insensitive", "s3:getobject", OBJ, "allow", identity_policies=[pol(allow("S3:GetObject", OBJ))])
case("action-case-insensitive-2", "S3:GETOBJECT", OBJ, "allow", identity_policies=[pol(allow("s3:get*", OBJ))])
case("action-prefix-wild", "s3:GetObjectAcl", OBJ, "allow", identity_policies=[pol(allow("s3:Get*", OBJ))])
case("action-prefix-wild-miss", "s3:PutObject", OBJ, "implicit_deny", identity_policies=[pol(allow("s3:Get*", OBJ))])
case("action-middle-wild", "iam:CreateAccessKey", "*", "allow", identity_policies=[pol(allow("iam:*AccessKey*"))])
case("action-middle-wild-2", "iam:ListAccessKeys", "*", "allow", identity_policies=[pol(allow("iam:*AccessKey*"))])
case("action-question-one-char", "ec2:DescribeVpcs", "*", "allow",
     identity_policies=[pol(allow("ec2:DescribeVpc?"))])
case("action-question-not-zero", "ec2:DescribeVpc", "*", "implicit_deny",
     identity_policies=[pol(allow("ec2:DescribeVpc?"))])
case("action-question-not-two", "ec2:DescribeVpcsX", "*", "implicit_deny",
     identity_policies=[pol(allow("ec2:DescribeVpc?"))])
case("action-service-star", "dynamodb:Query", TABLE, "allow", identity_policies=[pol(allow("dynamodb:*"))])
case("action-service-mismatch", "dynamodb:Query", TABLE, "implicit_deny", identity_policies=[pol(allow("s3:*"))])
case("action-no-prefix-leak", "s3x:GetObject", "*", "implicit_deny", identity_policies=[pol(allow("s3:*"))])
case("action-whole-string", "s3:GetObjectVersion", OBJ, "implicit_deny",
     identity_policies=[pol(allow("s3:GetObject", OBJ))])
case("action-star-service-wild", "s3:GetObject", OBJ, "allow", identity_policies=[pol(allow("*:GetObject"))])
case("action-service-wild-question", "sns:Publish", "*", "allow", identity_policies=[pol(allow("s?s:Publish"))])
case("action-service-wild-question-sqs-miss", "sqs:SendMessage", "*", "implicit_deny",
     identity_policies=[pol(allow("s?s:Publish"))])

# --- resource matching ------------------------------------------------------------------
case("resource-case-sensitive", "s3:GetObject", "arn:aws:s3:::Data-Bucket/x", "implicit_deny",
     identity_policies=[pol(allow("s3:GetObject", "arn:aws:s3:::data-bucket/*"))])
case("resource-star-crosses-slash", "s3:GetObject", OBJ, "allow",
     identity_policies=[pol(allow("s3:GetObject", "arn:aws:s3:::data-*"))])
case("resource-star-crosses-colon", "dynamodb:Query", TABLE, "allow",
     identity_policies=[pol(allow("dynamodb:Query", "arn:aws:dynamodb:*"))])
case("resource-question", "s3:GetObject", "arn:aws:s3:::b1/x", "allow",
     identity_policies=[pol(allow("s3:GetObject", "arn:aws:s3:::b?/x"))])
case("resource-question-miss", "s3:GetObject", "arn:aws:s3:::b12/x", "implicit_deny",
     identity_policies=[pol(allow("s3:GetObject", "arn:aws:s3:::b?/x"))])
case("resource-dot-literal", "s3:GetObject", "arn:aws:s3:::myXbucket/x", "implicit_deny",
     identity_policies=[pol(allow("s3:GetObject", "arn:aws:s3:::my.bucket/x"))])
case("resource-dot-literal-hit", "s3:GetObject", "arn:aws:s3:::my.bucket/x", "allow",
     identity_policies=[pol(allow("s3:GetObject", "arn:aws:s3:::my.bucket/x"))])
case("resource-plus-literal", "s3:GetObject", "arn:aws:s3:::a+b/x", "allow",
     identity_policies=[pol(allow("s3:GetObject", "arn:aws:s3:::a+b/x"))])
case("resource-plus-not-regex", "s3:GetObject", "arn:aws:s3:::aab/x", "implicit_deny",
     identity_policies=[pol(allow("s3:GetObject", "arn:aws:s3:::a+b/x"))])
case("resource-brackets-literal", "s3:GetObject", "arn:aws:s3:::b/a", "implicit_deny",
     identity_policies=[pol(allow("s3:GetObject", "arn:aws:s3:::b/[ab]"))])
case("resource-parens-literal", "s3:GetObject", "arn:aws:s3:::b/(x)", "allow",
     identity_policies=[pol(allow("s3:GetObject", "arn:aws:s3:::b/(x)"))])
case("resource-caret-dollar-literal", "s3:GetObject", "arn:aws:s3:::b/^x$", "allow",
     identity_policies=[pol(allow("s3:GetObject", "arn:aws:s3:::b/^x$"))])
case("resource-whole-string-prefix", "s3:GetObject", "arn:aws:s3:::data-bucket-2/x", "implicit_deny",
     identity_policies=[pol(allow("s3:GetObject", "arn:aws:s3:::data-bucket/*"))])
case("resource-whole-string-suffix", "s3:ListBucket", "arn:aws:s3:::xdata-bucket", "implicit_deny",
     identity_policies=[pol(allow("s3:ListBucket", "arn:aws:s3:::data-bucket"))])
case("resource-account-wild", "dynamodb:GetItem", TABLE, "allow",
     identity_policies=[pol(allow("dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:*:table/orders"))])
case("resource-region-mismatch", "dynamodb:GetItem", TABLE, "implicit_deny",
     identity_policies=[pol(allow("dynamodb:GetItem", "arn:aws:dynamodb:eu-west-1:*:table/orders"))])

# --- S3 bucket vs object ------------------------------------------------------------------
case("s3-object-grant-not-bucket", "s3:ListBucket", BUCKET, "implicit_deny",
     identity_policies=[pol(allow("s3:*", "arn:aws:s3:::data-bucket/*"))])
case("s3-bucket-grant-not-object", "s3:GetObject", OBJ, "implicit_deny",
     identity_policies=[pol(allow("s3:*", BUCKET))])
case("s3-bucket-grant-bucket", "s3:ListBucket", BUCKET, "allow", identity_policies=[pol(allow("s3:*", BUCKET))])
case("s3-object-grant-object", "s3:GetObject", OBJ, "allow",
     identity_policies=[pol(allow("s3:*", "arn:aws:s3:::data-bucket/*"))])
case("s3-both", "s3:ListBucket", BUCKET, "allow",
     identity_policies=[pol(allow("s3:*", [BUCKET, BUCKET + "/*"]))])
case("s3-prefix-object", "s3:GetObject", OBJ, "allow",
     identity_policies=[pol(allow("s3:GetObject", "arn:aws:s3:::data-bucket/reports/*"))])
case("s3-prefix-object-miss", "s3:GetObject", "arn:aws:s3:::data-bucket/private/a", "implicit_deny",
     identity_policies=[pol(allow("s3:GetObject", "arn:aws:s3:::data-bucket/reports/*"))])

# --- NotAction / NotResource ----------------------------------------------------------------
case("notaction-allow-other", "ec2:RunInstances", "*", "allow",
     identity_policies=[pol({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})])
case("notaction-allow-excluded", "iam:CreateUser", "*", "implicit_deny",
     identity_policies=[pol({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})])
case("notaction-excluded-case-insensitive", "IAM:createuser", "*", "implicit_deny",
     identity_policies=[pol({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})])
case("notaction-deny", "s3:DeleteBucket", BUCKET, "deny",
     identity_policies=[pol(allow("*"), {"Effect": "Deny", "NotAction": ["s3:Get*", "s3:List*"], "Resource": "*"})])
case("notaction-deny-excluded", "s3:GetObject", OBJ, "allow",
     identity_policies=[pol(allow("*"), {"Effect": "Deny", "NotAction": ["s3:Get*", "s3:List*"], "Resource": "*"})])
case("notresource-allow", "s3:GetObject", OBJ, "allow",
     identity_policies=[pol({"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::secret/*"})])
case("notresource-allow-excluded", "s3:GetObject", "arn:aws:s3:::secret/k", "implicit_deny",
     identity_policies=[pol({"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::secret/*"})])
case("notresource-only-statement", "sqs:SendMessage", QUEUE, "allow",
     identity_policies=[pol({"Effect": "Allow", "Action": "*", "NotResource": BUCKET})])
case("notresource-deny", "s3:GetObject", "arn:aws:s3:::other/x", "deny",
     identity_policies=[pol(allow("s3:*"), {"Effect": "Deny", "Action": "s3:*", "NotResource": [BUCKET, BUCKET + "/*"]})])
case("notresource-deny-excluded", "s3:GetObject", OBJ, "allow",
     identity_policies=[pol(allow("s3:*"), {"Effect": "Deny", "Action": "s3:*", "NotResource": [BUCKET, BUCKET + "/*"]})])
case("notaction-notresource", "sns:Publish", "arn:aws:sns:us-east-1:1:t", "allow",
     identity_policies=[pol({"Effect": "Allow", "NotAction": "iam:*", "NotResource": BUCKET})])
case("notaction-notresource-excluded-resource", "s3:ListBucket", BUCKET, "implicit_deny",
     identity_policies=[pol({"Effect": "Allow", "NotAction": "iam:*", "NotResource": BUCKET})])

# --- explicit deny ----------------------------------------------------------------------------
case("deny-wins-same-policy", "s3:GetObject", OBJ, "deny",
     identity_policies=[pol(allow("s3:*"), deny("s3:GetObject", OBJ))])
case("deny-wins-other-policy", "s3:GetObject", OBJ, "deny",
     identity_policies=[pol(allow("s3:*")), pol(deny("s3:*"))])
case("deny-without-allow-is-explicit", "s3:GetObject", OBJ, "deny", identity_policies=[pol(deny("s3:*"))])
case("deny-other-resource", "s3:GetObject", OBJ, "allow",
     identity_policies=[pol(allow("s3:*"), deny("s3:*", "arn:aws:s3:::other/*"))])
case("deny-wild-action", "iam:DeleteRole", "*", "deny",
     identity_policies=[pol(allow("*"), deny("iam:Delete*"))])
case("deny-in-boundary", "s3:GetObject", OBJ, "deny",
     identity_policies=[pol(allow("s3:*"))], boundary=pol(allow("*"), deny("s3:GetObject")))
case("deny-in-scp", "s3:GetObject", OBJ, "deny",
     identity_policies=[pol(allow("s3:*"))], scps=[[pol(allow("*"), deny("s3:*"))]])
case("deny-in-resource-policy", "s3:GetObject", OBJ, "deny", principal_arn=USER,
     identity_policies=[pol(allow("s3:*"))], resource_policy=pol(deny("s3:*", "*", Principal="*")))
case("deny-in-resource-policy-other-principal", "s3:GetObject", OBJ, "allow", principal_arn=USER,
     identity_policies=[pol(allow("s3:*"))],
     resource_policy=pol(deny("s3:*", "*", Principal={"AWS": f"arn:aws:iam::{A}:user/mallory"})))

# --- policy variables -------------------------------------------------------------------------
HOME = "arn:aws:s3:::home/${aws:username}/*"
case("var-resolved", "s3:GetObject", "arn:aws:s3:::home/alice/notes.txt", "allow",
     identity_policies=[pol(allow("s3:GetObject", HOME))], context={"aws:username": "alice"})
case("var-other-user", "s3:GetObject", "arn:aws:s3:::home/bob/notes.txt", "implicit_deny",
     identity_policies=[pol(allow("s3:GetObject", HOME))], context={"aws:username": "alice"})
case("var-missing-matches-nothing", "s3:GetObject", "arn:aws:s3:::home/alice/x", "implicit_deny",
     identity_policies=[pol(allow("s3:GetObject", HOME))])
case("var-missing-literal-not-matched", "s3:GetObject", "arn:aws:s3:::home/${aws:username}/x", "implicit_deny",
     identity_policies=[pol(allow("s3:GetObject", HOME))])
case("var-key-case-insensitive", "s3:GetObject", "arn:aws:s3:::home/alice/x", "allow",
     identity_policies=[pol(allow("s3:GetObject", "arn:aws:s3:::home/${AWS:UserName}/*"))],
     context={"aws:username": "alice"})
case("var-from-principal-user", "s3:GetObject", "arn:aws:s3:::home/alice/x", "allow", principal_arn=USER,
     identity_policies=[pol(allow("s3:GetObject", HOME))])
case("var-value-is-literal", "s3:GetObject", "arn:aws:s3:::home/alXce/x", "implicit_deny",
     identity_policies=[pol(allow("s3:GetObject", HOME))], context={"aws:username": "al.ce"})
case("var-value-star-literal", "s3:GetObject", "arn:aws:s3:::home/anything/x", "implicit_deny",
     identity_policies=[pol(allow("s3:GetObject", HOME))], context={"aws:username": "*"})
case("var-escape-star", "s3:GetObject", "arn:aws:s3:::b/*", "allow",
     identity_policies=[pol(allow("s3:GetObject", "arn:aws:s3:::b/${*}"))])
case("var-escape-star-literal-only", "s3:GetObject", "arn:aws:s3:::b/anything", "implicit_deny",
     identity_policies=[pol(allow("s3:GetObject", "arn:aws:s3:::b/${*}"))])
case("var-escape-question", "s3:GetObject", "arn:aws:s3:::b/what?", "allow",
     identity_policies=[pol(allow("s3:GetObject", "arn:aws:s3:::b/what${?}"))])
case("var-escape-question-literal-only", "s3:GetObject", "arn:aws:s3:::b/whatX", "implicit_deny",
     identity_policies=[pol(allow("s3:GetObject", "arn:aws:s3:::b/what${?}"))])
case("var-escape-dollar", "s3:GetObject", "arn:aws:s3:::b/$x", "allow",
     identity_policies=[pol(allow("s3:GetObject", "arn:aws:s3:::b/${$}x"))])
case("var-default-used", "s3:GetObject", "arn:aws:s3:::home/guest/x", "allow",
     identity_policies=[pol(allow("s3:GetObject", "arn:aws:s3:::home/${aws:username, 'guest'}/*"))])
case("var-principal-tag", "s3:GetObject", "arn:aws:s3:::team-red/x", "allow",
     identity_policies=[pol(allow("s3:GetObject", "arn:aws:s3:::team-${aws:PrincipalTag/team}/*"))],
     context={"aws:PrincipalTag/team": "red"})
case("var-missing-in-deny-no-deny", "s3:GetObject", "arn:aws:s3:::home/alice/x", "allow",
     identity_policies=[pol(allow("s3:*"), deny("s3:*", HOME))])
case("var-in-condition", "s3:ListBucket", "arn:aws:s3:::home", "allow",
     identity_policies=[pol(allow("s3:ListBucket", "arn:aws:s3:::home",
                                  {"StringLike": {"s3:prefix": "${aws:username}/*"}}))],
     context={"aws:username": "alice", "s3:prefix": "alice/docs"})
case("var-in-condition-other", "s3:ListBucket", "arn:aws:s3:::home", "implicit_deny",
     identity_policies=[pol(allow("s3:ListBucket", "arn:aws:s3:::home",
                                  {"StringLike": {"s3:prefix": "${aws:username}/*"}}))],
     context={"aws:username": "alice", "s3:prefix": "bob/docs"})

# --- conditions ---------------------------------------------------------------------------
def cond_case(cid: str, condition: dict[str, Any], context: dict[str, Any] | None, expected: str,
              conditional: bool = False) -> None:
    case(cid, "s3:GetObject", OBJ, expected, conditional,
         identity_policies=[pol(allow("s3:GetObject", OBJ, condition))], context=context)


cond_case("cond-unresolved-allow-conditional", {"StringEquals": {"aws:PrincipalTag/team": "red"}}, None,
          "allow", True)
cond_case("cond-string-equals-true", {"StringEquals": {"aws:PrincipalTag/team": "red"}},
          {"aws:PrincipalTag/team": "red"}, "allow")
cond_case("cond-string-equals-false", {"StringEquals": {"aws:PrincipalTag/team": "red"}},
          {"aws:PrincipalTag/team": "blue"}, "implicit_deny")
cond_case("cond-string-equals-case-sensitive", {"StringEquals": {"aws:PrincipalTag/team": "red"}},
          {"aws:PrincipalTag/team": "RED"}, "implicit_deny")
cond_case("cond-string-equals-ignorecase", {"StringEqualsIgnoreCase": {"aws:PrincipalTag/team": "red"}},
          {"aws:PrincipalTag/team": "RED"}, "allow")
cond_case("cond-string-not-equals-ignorecase", {"StringNotEqualsIgnoreCase": {"aws:PrincipalTag/team": "red"}},
          {"aws:PrincipalTag/team": "RED"}, "implicit_deny")
cond_case("cond-string-equals-list-or", {"StringEquals": {"aws:PrincipalTag/team": ["red", "blue"]}},
          {"aws:PrincipalTag/team": "blue"}, "allow")
cond_case("cond-string-not-equals-list-nor", {"StringNotEquals": {"aws:PrincipalTag/team": ["red", "blue"]}},
          {"aws:PrincipalTag/team": "blue"}, "implicit_deny")
cond_case("cond-string-not-equals-true", {"StringNotEquals": {"aws:PrincipalTag/team": ["red", "blue"]}},
          {"aws:PrincipalTag/team": "green"}, "allow")
cond_case("cond-string-like", {"StringLike": {"s3:prefix": "home/*"}}, {"s3:prefix": "home/a"}, "allow")
cond_case("cond-string-like-question", {"StringLike": {"s3:prefix": "v?"}}, {"s3:prefix": "v12"}, "implicit_deny")
cond_case("cond-string-like-literal-dot", {"StringLike": {"s3:prefix": "a.b"}}, {"s3:prefix": "axb"},
          "implicit_deny")
cond_case("cond-string-not-like", {"StringNotLike": {"s3:prefix": "secret/*"}}, {"s3:prefix": "secret/x"},
          "implicit_deny")
cond_case("cond-key-name-case-insensitive", {"StringEquals": {"AWS:PrincipalTag/team": "red"}},
          {"aws:principaltag/team": "red"}, "allow")
cond_case("cond-multiple-keys-and", {"StringEquals": {"aws:PrincipalTag/team": "red", "aws:RequestedRegion": "eu-west-1"}},
          {"aws:PrincipalTag/team": "red", "aws:RequestedRegion": "us-east-1"}, "implicit_deny")
cond_case("cond-multiple-operators-and",
          {"StringEquals": {"aws:PrincipalTag/team": "red"}, "Bool": {"aws:SecureTransport": "true"}},
          {"aws:PrincipalTag/team": "red", "aws:SecureTransport": True}, "allow")
cond_case("cond-one-false-one-unknown", {"StringEquals": {"aws:PrincipalTag/team": "red"},
                                         "Bool": {"aws:SecureTransport": "true"}},
          {"aws:PrincipalTag/team": "blue"}, "implicit_deny")
cond_case("cond-one-true-one-unknown", {"StringEquals": {"aws:PrincipalTag/team": "red"},
                                        "Bool": {"aws:SecureTransport": "true"}},
          {"aws:PrincipalTag/team": "red"}, "allow", True)
cond_case("cond-bool-true", {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
          {"aws:MultiFactorAuthPresent": "true"}, "allow")
cond_case("cond-bool-false", {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
          {"aws:MultiFactorAuthPresent": False}, "implicit_deny")
cond_case("cond-bool-python-bool", {"Bool": {"aws:SecureTransport": True}}, {"aws:SecureTransport": True}, "allow")
cond_case("cond-absent-key-positive-false", {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
          {"aws:MultiFactorAuthPresent": None}, "implicit_deny")
cond_case("cond-absent-key-negated-true", {"StringNotEquals": {"aws:PrincipalTag/team": "red"}},
          {"aws:PrincipalTag/team": None}, "allow")
cond_case("cond-ifexists-absent", {"StringEqualsIfExists": {"ec2:InstanceType": "t3.micro"}},
          {"ec2:InstanceType": None}, "allow")
cond_case("cond-ifexists-present-match", {"StringEqualsIfExists": {"ec2:InstanceType": "t3.micro"}},
          {"ec2:InstanceType": "t3.micro"}, "allow")
cond_case("cond-ifexists-present-mismatch", {"StringEqualsIfExists": {"ec2:InstanceType": "t3.micro"}},
          {"ec2:InstanceType": "m5.large"}, "implicit_deny")
cond_case("cond-ifexists-unknown", {"StringEqualsIfExists": {"ec2:InstanceType": "t3.micro"}}, None,
          "allow", True)
cond_case("cond-null-true-absent", {"Null": {"aws:TokenIssueTime": "true"}}, {"aws:TokenIssueTime": None}, "allow")
cond_case("cond-null-true-present", {"Null": {"aws:TokenIssueTime": "true"}},
          {"aws:TokenIssueTime": "2024-01-01T00:00:00Z"}, "implicit_deny")
cond_case("cond-null-false-present", {"Null": {"aws:TokenIssueTime": "false"}},
          {"aws:TokenIssueTime": "2024-01-01T00:00:00Z"}, "allow")
cond_case("cond-null-false-absent", {"Null": {"aws:TokenIssueTime": "false"}}, {"aws:TokenIssueTime": None},
          "implicit_deny")
cond_case("cond-null-unknown", {"Null": {"aws:TokenIssueTime": "false"}}, None, "allow", True)
cond_case("cond-numeric-lt", {"NumericLessThan": {"s3:max-keys": "10"}}, {"s3:max-keys": "5"}, "allow")
cond_case("cond-numeric-lt-false", {"NumericLessThan": {"s3:max-keys": "10"}}, {"s3:max-keys": 10}, "implicit_deny")
cond_case("cond-numeric-lte", {"NumericLessThanEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": 10}, "allow")
cond_case("cond-numeric-gt", {"NumericGreaterThan": {"s3:max-keys": "10"}}, {"s3:max-keys": "11"}, "allow")
cond_case("cond-numeric-gte", {"NumericGreaterThanEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": "9"},
          "implicit_deny")
cond_case("cond-numeric-eq", {"NumericEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": "10.0"}, "allow")
cond_case("cond-numeric-ne", {"NumericNotEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": "10"}, "implicit_deny")
cond_case("cond-numeric-bad-value", {"NumericEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": "ten"},
          "implicit_deny")
cond_case("cond-date-lt", {"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}},
          {"aws:CurrentTime": "2026-11-26T12:00:00Z"}, "allow")
cond_case("cond-date-lt-false", {"DateLessThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}},
          {"aws:CurrentTime": "2026-11-26T12:00:00Z"}, "implicit_deny")
cond_case("cond-date-gt", {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01"}},
          {"aws:CurrentTime": "2026-11-26T12:00:00Z"}, "allow")
cond_case("cond-date-epoch", {"DateGreaterThan": {"aws:EpochTime": "1577836800"}},
          {"aws:EpochTime": "2026-11-26T12:00:00Z"}, "allow")
cond_case("cond-date-equals", {"DateEquals": {"aws:CurrentTime": "2026-11-26T12:00:00Z"}},
          {"aws:CurrentTime": "2026-11-26T13:00:00+01:00"}, "allow")
cond_case("cond-date-not-equals", {"DateNotEquals": {"aws:CurrentTime": "2026-11-26T12:00:00Z"}},
          {"aws:CurrentTime": "2026-11-26T12:00:00Z"}, "implicit_deny")
cond_case("cond-ip-in", {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, {"aws:SourceIp": "203.0.113.9"}, "allow")
cond_case("cond-ip-out", {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, {"aws:SourceIp": "198.51.100.9"},
          "implicit_deny")
cond_case("cond-ip-list", {"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "203.0.113.0/24"]}},
          {"aws:SourceIp": "10.1.2.3"}, "allow")
cond_case("cond-not-ip", {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, {"aws:SourceIp": "198.51.100.9"},
          "allow")
cond_case("cond-not-ip-inside", {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
          {"aws:SourceIp": "203.0.113.1"}, "implicit_deny")
cond_case("cond-ip-v6", {"IpAddress": {"aws:SourceIp": "2001:db8::/32"}}, {"aws:SourceIp": "2001:db8::1"}, "allow")
cond_case("cond-ip-v6-vs-v4", {"IpAddress": {"aws:SourceIp": "2001:db8::/32"}}, {"aws:SourceIp": "10.0.0.1"},
          "implicit_deny")
cond_case("cond-ip-single-host", {"IpAddress": {"aws:SourceIp": "203.0.113.7"}}, {"aws:SourceIp": "203.0.113.7"},
          "allow")
cond_case("cond-arn-like", {"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:111111111111:*"}},
          {"aws:SourceArn": "arn:aws:sns:us-east-1:111111111111:topic"}, "allow")
cond_case("cond-arn-like-account-mismatch", {"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:111111111111:*"}},
          {"aws:SourceArn": "arn:aws:sns:us-east-1:222222222222:topic"}, "implicit_deny")
cond_case("cond-arn-equals", {"ArnEquals": {"aws:SourceArn": "arn:aws:sns:us-east-1:1:t"}},
          {"aws:SourceArn": "arn:aws:sns:us-east-1:1:t"}, "allow")
cond_case("cond-arn-not-like", {"ArnNotLike": {"aws:SourceArn": "arn:aws:sns:*:*:bad-*"}},
          {"aws:SourceArn": "arn:aws:sns:us-east-1:1:bad-topic"}, "implicit_deny")
cond_case("cond-arn-like-segment-wildcard-no-colon", {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::b*"}},
          {"aws:SourceArn": "arn:aws:s3:::bucket"}, "allow")
cond_case("cond-forall-subset", {"ForAllValues:StringEquals": {"aws:TagKeys": ["env", "team"]}},
          {"aws:TagKeys": ["env"]}, "allow")
cond_case("cond-forall-not-subset", {"ForAllValues:StringEquals": {"aws:TagKeys": ["env", "team"]}},
          {"aws:TagKeys": ["env", "cost"]}, "implicit_deny")
cond_case("cond-forall-empty-true", {"ForAllValues:StringEquals": {"aws:TagKeys": ["env"]}},
          {"aws:TagKeys": []}, "allow")
cond_case("cond-forall-absent-true", {"ForAllValues:StringEquals": {"aws:TagKeys": ["env"]}},
          {"aws:TagKeys": None}, "allow")
cond_case("cond-forany-hit", {"ForAnyValue:StringEquals": {"aws:TagKeys": ["env", "team"]}},
          {"aws:TagKeys": ["cost", "team"]}, "allow")
cond_case("cond-forany-miss", {"ForAnyValue:StringEquals": {"aws:TagKeys": ["env", "team"]}},
          {"aws:TagKeys": ["cost"]}, "implicit_deny")
cond_case("cond-forany-absent-false", {"ForAnyValue:StringEquals": {"aws:TagKeys": ["env"]}},
          {"aws:TagKeys": None}, "implicit_deny")
cond_case("cond-forany-like", {"ForAnyValue:StringLike": {"aws:TagKeys": ["env*"]}},
          {"aws:TagKeys": ["environment"]}, "allow")
cond_case("cond-forall-not-equals", {"ForAllValues:StringNotEquals": {"aws:TagKeys": ["secret"]}},
          {"aws:TagKeys": ["env", "secret"]}, "implicit_deny")
cond_case("cond-unknown-operator-conditional", {"StringMaybe": {"aws:PrincipalTag/team": "red"}},
          {"aws:PrincipalTag/team": "red"}, "allow", True)
cond_case("cond-single-value-list-context", {"StringEquals": {"aws:PrincipalTag/team": "red"}},
          {"aws:PrincipalTag/team": ["red"]}, "allow")

# conditional Deny
case("cond-deny-unresolved-does-not-deny", "s3:GetObject", OBJ, "allow", True,
     identity_policies=[pol(allow("s3:*"), deny("s3:*", "*", {"Bool": {"aws:MultiFactorAuthPresent": "false"}}))])
case("cond-deny-resolved-denies", "s3:GetObject", OBJ, "deny",
     identity_policies=[pol(allow("s3:*"), deny("s3:*", "*", {"Bool": {"aws:MultiFactorAuthPresent": "false"}}))],
     context={"aws:MultiFactorAuthPresent": "false"})
case("cond-deny-resolved-false", "s3:GetObject", OBJ, "allow",
     identity_policies=[pol(allow("s3:*"), deny("s3:*", "*", {"Bool": {"aws:MultiFactorAuthPresent": "false"}}))],
     context={"aws:MultiFactorAuthPresent": "true"})
case("cond-deny-unresolved-without-allow", "s3:GetObject", OBJ, "implicit_deny", True,
     identity_policies=[pol(deny("s3:*", "*", {"Bool": {"aws:MultiFactorAuthPresent": "false"}}))])
case("cond-deny-plus-certain-deny", "s3:GetObject", OBJ, "deny",
     identity_policies=[pol(allow("s3:*"), deny("s3:*", "*", {"Bool": {"aws:X": "false"}}), deny("s3:Get*"))])
case("cond-deny-ip", "s3:GetObject", OBJ, "deny",
     identity_policies=[pol(allow("s3:*"), deny("*", "*", {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}))],
     context={"aws:SourceIp": "8.8.8.8"})
case("cond-deny-ip-inside", "s3:GetObject", OBJ, "allow",
     identity_policies=[pol(allow("s3:*"), deny("*", "*", {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}))],
     context={"aws:SourceIp": "10.0.0.8"})
case("cond-allow-unconditional-and-conditional", "s3:GetObject", OBJ, "allow", False,
     identity_policies=[pol(allow("s3:*"), allow("s3:*", "*", {"Bool": {"aws:X": "true"}}))])

# --- permissions boundaries -------------------------------------------------------------
case("boundary-intersect-allow", "s3:GetObject", OBJ, "allow",
     identity_policies=[pol(allow("s3:*"))], boundary=pol(allow("s3:Get*")))
case("boundary-intersect-excluded", "s3:PutObject", OBJ, "implicit_deny",
     identity_policies=[pol(allow("s3:*"))], boundary=pol(allow("s3:Get*")))
case("boundary-does-not-grant", "ec2:RunInstances", "*", "implicit_deny",
     identity_policies=[pol(allow("s3:*"))], boundary=pol(allow("*")))
case("boundary-resource-limited", "s3:GetObject", "arn:aws:s3:::other/x", "implicit_deny",
     identity_policies=[pol(allow("s3:*"))], boundary=pol(allow("s3:*", BUCKET + "/*")))
case("boundary-empty-denies-all", "s3:GetObject", OBJ, "implicit_deny",
     identity_policies=[pol(allow("*"))], boundary=pol())
case("boundary-conditional", "s3:GetObject", OBJ, "allow", True,
     identity_policies=[pol(allow("s3:*"))], boundary=pol(allow("s3:*", "*", {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}})))
case("boundary-notaction", "iam:CreateUser", "*", "implicit_deny",
     identity_policies=[pol(allow("*"))], boundary=pol({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}))
case("boundary-as-list", "s3:GetObject", OBJ, "allow",
     identity_policies=[pol(allow("s3:*"))], boundary=[pol(allow("s3:GetObject"))])

# --- SCPs ---------------------------------------------------------------------------------------
FULL = pol(allow("*"))
case("scp-full-access", "s3:GetObject", OBJ, "allow", identity_policies=[pol(allow("s3:*"))], scps=[[FULL], [FULL]])
case("scp-level-missing-allow", "s3:GetObject", OBJ, "implicit_deny",
     identity_policies=[pol(allow("s3:*"))], scps=[[FULL], [pol(allow("ec2:*"))]])
case("scp-every-level-must-allow", "s3:GetObject", OBJ, "implicit_deny",
     identity_policies=[pol(allow("s3:*"))], scps=[[pol(allow("s3:*"))], [FULL], [pol(allow("sqs:*"))]])
case("scp-any-policy-in-level", "s3:GetObject", OBJ, "allow",
     identity_policies=[pol(allow("s3:*"))], scps=[[FULL], [pol(allow("ec2:*")), pol(allow("s3:Get*"))]])
case("scp-does-not-grant", "s3:GetObject", OBJ, "implicit_deny", scps=[[FULL]])
case("scp-deny-any-level", "s3:GetObject", OBJ, "deny",
     identity_policies=[pol(allow("s3:*"))], scps=[[FULL], [FULL, pol(deny("s3:GetObject"))], [FULL]])
case("scp-deny-notaction-region-style", "ec2:RunInstances", "*", "deny",
     identity_policies=[pol(allow("*"))],
     scps=[[FULL, pol({"Effect": "Deny", "NotAction": ["iam:*", "sts:*"], "Resource": "*",
                       "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1"]}}})]],
     context={"aws:RequestedRegion": "us-east-1"})
case("scp-deny-notaction-region-ok", "ec2:RunInstances", "*", "allow",
     identity_policies=[pol(allow("*"))],
     scps=[[FULL, pol({"Effect": "Deny", "NotAction": ["iam:*", "sts:*"], "Resource": "*",
                       "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1"]}}})]],
     context={"aws:RequestedRegion": "eu-west-1"})
case("scp-deny-region-unknown-conditional", "ec2:RunInstances", "*", "allow", True,
     identity_policies=[pol(allow("*"))],
     scps=[[FULL, pol({"Effect": "Deny", "NotAction": ["iam:*", "sts:*"], "Resource": "*",
                       "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1"]}}})]])
case("scp-level-as-dict", "s3:GetObject", OBJ, "allow", identity_policies=[pol(allow("s3:*"))], scps=[FULL])
case("scp-limits-resource-policy", "s3:GetObject", OBJ, "implicit_deny", principal_arn=USER,
     resource_policy=pol(allow("s3:GetObject", OBJ, Principal={"AWS": USER})), scps=[[pol(allow("ec2:*"))]])
case("scp-conditional-allow", "s3:GetObject", OBJ, "allow", True,
     identity_policies=[pol(allow("s3:*"))],
     scps=[[pol(allow("*", "*", {"StringEquals": {"aws:PrincipalTag/ok": "yes"}}))]])

# --- resource-based policies, same account -----------------------------------------------------
case("rp-same-account-user-arn-alone", "s3:GetObject", OBJ, "allow", principal_arn=USER, resource_account=A,
     resource_policy=pol(allow("s3:GetObject", BUCKET + "/*", Principal={"AWS": USER})))
case("rp-same-account-identity-alone", "s3:GetObject", OBJ, "allow", principal_arn=USER, resource_account=A,
     identity_policies=[pol(allow("s3:GetObject"))],
     resource_policy=pol(allow("s3:GetObject", BUCKET + "/*", Principal={"AWS": f"arn:aws:iam::{A}:user/bob"})))
case("rp-same-account-neither", "s3:GetObject", OBJ, "implicit_deny", principal_arn=USER, resource_account=A,
     resource_policy=pol(allow("s3:GetObject", BUCKET + "/*", Principal={"AWS": f"arn:aws:iam::{A}:user/bob"})))
case("rp-same-account-star", "s3:GetObject", OBJ, "allow", principal_arn=USER, resource_account=A,
     resource_policy=pol(allow("s3:GetObject", BUCKET + "/*", Principal="*")))
case("rp-same-account-star-aws", "s3:GetObject", OBJ, "allow", principal_arn=USER, resource_account=A,
     resource_policy=pol(allow("s3:GetObject", BUCKET + "/*", Principal={"AWS": "*"})))
case("rp-anonymous-public", "s3:GetObject", OBJ, "allow",
     resource_policy=pol(allow("s3:GetObject", BUCKET + "/*", Principal="*")))
case("rp-anonymous-not-public", "s3:GetObject", OBJ, "implicit_deny",
     resource_policy=pol(allow("s3:GetObject", BUCKET + "/*", Principal={"AWS": USER})))
case("rp-account-root-delegates", "s3:GetObject", OBJ, "implicit_deny", principal_arn=USER, resource_account=A,
     resource_policy=pol(allow("s3:GetObject", BUCKET + "/*", Principal={"AWS": f"arn:aws:iam::{A}:root"})))
case("rp-account-root-delegates-identity-allows", "s3:GetObject", OBJ, "allow", principal_arn=USER,
     resource_account=A, identity_policies=[pol(allow("s3:GetObject"))],
     resource_policy=pol(allow("s3:GetObject", BUCKET + "/*", Principal={"AWS": A})))
case("rp-user-arn-not-limited-by-boundary", "s3:GetObject", OBJ, "allow", principal_arn=USER, resource_account=A,
     boundary=pol(allow("ec2:*")),
     resource_policy=pol(allow("s3:GetObject", BUCKET + "/*", Principal={"AWS": USER})))
case("rp-role-arn-limited-by-boundary", "s3:GetObject", OBJ, "implicit_deny", principal_arn=ROLE,
     resource_account=A, boundary=pol(allow("ec2:*")),
     resource_policy=pol(allow("s3:GetObject", BUCKET + "/*", Principal={"AWS": ROLE})))
case("rp-role-arn-within-boundary", "s3:GetObject", OBJ, "allow", principal_arn=ROLE, resource_account=A,
     boundary=pol(allow("s3:*")),
     resource_policy=pol(allow("s3:GetObject", BUCKET + "/*", Principal={"AWS": ROLE})))
case("rp-role-arn-no-identity-needed", "s3:GetObject", OBJ, "allow", principal_arn=ROLE, resource_account=A,
     resource_policy=pol(allow("s3:GetObject", BUCKET + "/*", Principal={"AWS": ROLE})))
case("rp-session-arn-not-limited-by-boundary", "s3:GetObject", OBJ, "allow", principal_arn=SESSION,
     resource_account=A, boundary=pol(allow("ec2:*")),
     resource_policy=pol(allow("s3:GetObject", BUCKET + "/*", Principal={"AWS": SESSION})))
case("rp-session-matches-role-arn", "s3:GetObject", OBJ, "allow", principal_arn=SESSION, resource_account=A,
     resource_policy=pol(allow("s3:GetObject", BUCKET + "/*", Principal={"AWS": f"arn:aws:iam::{A}:role/team/app"})))
case("rp-session-role-arn-boundary-limits", "s3:GetObject", OBJ, "implicit_deny", principal_arn=SESSION,
     resource_account=A, boundary=pol(allow("ec2:*")),
     resource_policy=pol(allow("s3:GetObject", BUCKET + "/*", Principal={"AWS": ROLE})))
case("rp-deny-beats-identity", "sqs:SendMessage", QUEUE, "deny", principal_arn=USER,
     identity_policies=[pol(allow("sqs:*"))],
     resource_policy=pol(deny("sqs:*", QUEUE, Principal={"AWS": USER})))
case("rp-condition-unresolved", "sqs:SendMessage", QUEUE, "allow", True, principal_arn=USER,
     resource_policy=pol(allow("sqs:SendMessage", QUEUE, {"ArnEquals": {"aws:SourceArn": "arn:aws:sns:us-east-1:1:t"}},
                               Principal={"AWS": USER})))
case("rp-wrong-action", "sqs:DeleteQueue", QUEUE, "implicit_deny", principal_arn=USER,
     resource_policy=pol(allow("sqs:SendMessage", QUEUE, Principal={"AWS": USER})))
case("rp-no-resource-element", "sqs:SendMessage", QUEUE, "allow", principal_arn=USER,
     resource_policy=pol({"Effect": "Allow", "Principal": {"AWS": USER}, "Action": "sqs:SendMessage"}))
case("rp-notprincipal-deny-others", "s3:GetObject", OBJ, "deny", principal_arn=f"arn:aws:iam::{A}:user/mallory",
     identity_policies=[pol(allow("s3:*"))],
     resource_policy=pol({"Effect": "Deny", "NotPrincipal": {"AWS": [USER, f"arn:aws:iam::{A}:root"]},
                          "Action": "s3:*", "Resource": "*"}))
case("rp-notprincipal-excluded", "s3:GetObject", OBJ, "allow", principal_arn=USER,
     identity_policies=[pol(allow("s3:*"))],
     resource_policy=pol({"Effect": "Deny", "NotPrincipal": {"AWS": [USER, f"arn:aws:iam::{A}:root"]},
                          "Action": "s3:*", "Resource": "*"}))
case("rp-notprincipal-allow", "s3:GetObject", OBJ, "allow", principal_arn=USER,
     resource_policy=pol({"Effect": "Allow", "NotPrincipal": {"AWS": f"arn:aws:iam::{A}:user/bob"},
                          "Action": "s3:GetObject", "Resource": "*"}))
case("rp-service-principal", "sqs:SendMessage", QUEUE, "allow", principal_arn="sns.amazonaws.com",
     resource_policy=pol(allow("sqs:SendMessage", QUEUE, Principal={"Service": "sns.amazonaws.com"})))
case("rp-service-principal-other", "sqs:SendMessage", QUEUE, "implicit_deny", principal_arn="events.amazonaws.com",
     resource_policy=pol(allow("sqs:SendMessage", QUEUE, Principal={"Service": "sns.amazonaws.com"})))

# --- cross-account ---------------------------------------------------------------------------------
case("xacct-both-allow", "s3:GetObject", OBJ, "allow", principal_arn=USER_B, resource_account=A,
     identity_policies=[pol(allow("s3:GetObject", OBJ))],
     resource_policy=pol(allow("s3:GetObject", BUCKET + "/*", Principal={"AWS": USER_B})))
case("xacct-only-resource-policy", "s3:GetObject", OBJ, "implicit_deny", principal_arn=USER_B, resource_account=A,
     resource_policy=pol(allow("s3:GetObject", BUCKET + "/*", Principal={"AWS": USER_B})))
case("xacct-only-identity", "s3:GetObject", OBJ, "implicit_deny", principal_arn=USER_B, resource_account=A,
     identity_policies=[pol(allow("s3:GetObject", OBJ))],
     resource_policy=pol(allow("s3:GetObject", BUCKET + "/*", Principal={"AWS": USER})))
case("xacct-identity-no-resource-policy", "s3:GetObject", OBJ, "implicit_deny", principal_arn=USER_B,
     resource_account=A, identity_policies=[pol(allow("s3:GetObject", OBJ))], resource_policy=pol())
case("xacct-account-principal", "s3:GetObject", OBJ, "allow", principal_arn=USER_B, resource_account=A,
     identity_policies=[pol(allow("s3:GetObject", OBJ))],
     resource_policy=pol(allow("s3:GetObject", BUCKET + "/*", Principal={"AWS": B})))
case("xacct-account-root-principal", "s3:GetObject", OBJ, "allow", principal_arn=USER_B, resource_account=A,
     identity_policies=[pol(allow("s3:GetObject", OBJ))],
     resource_policy=pol(allow("s3:GetObject", BUCKET + "/*", Principal={"AWS": f"arn:aws:iam::{B}:root"})))
case("xacct-star-principal", "s3:GetObject", OBJ, "allow", principal_arn=USER_B, resource_account=A,
     identity_policies=[pol(allow("s3:GetObject", OBJ))],
     resource_policy=pol(allow("s3:GetObject", BUCKET + "/*", Principal="*")))
case("xacct-boundary-limits", "s3:GetObject", OBJ, "implicit_deny", principal_arn=USER_B, resource_account=A,
     identity_policies=[pol(allow("s3:GetObject", OBJ))], boundary=pol(allow("ec2:*")),
     resource_policy=pol(allow("s3:GetObject", BUCKET + "/*", Principal={"AWS": USER_B})))
case("xacct-from-arn-account", "sqs:SendMessage", QUEUE, "implicit_deny", principal_arn=USER_B,
     resource_policy=pol(allow("sqs:SendMessage", QUEUE, Principal={"AWS": USER_B})))
case("xacct-from-arn-account-with-identity", "sqs:SendMessage", QUEUE, "allow", principal_arn=USER_B,
     identity_policies=[pol(allow("sqs:*"))],
     resource_policy=pol(allow("sqs:SendMessage", QUEUE, Principal={"AWS": USER_B})))
case("xacct-resource-policy-deny", "sqs:SendMessage", QUEUE, "deny", principal_arn=USER_B,
     identity_policies=[pol(allow("sqs:*"))],
     resource_policy=pol(allow("sqs:SendMessage", QUEUE, Principal={"AWS": USER_B}),
                         deny("sqs:*", QUEUE, Principal={"AWS": B})))

# --- role trust policies (sts:AssumeRole) ----------------------------------------------------------
def trust(principal: Any, action: Any = "sts:AssumeRole", condition: dict[str, Any] | None = None) -> dict[str, Any]:
    st: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": action}
    if condition:
        st["Condition"] = condition
    return pol(st)


case("trust-same-account-user-named", "sts:AssumeRole", ROLE, "allow", principal_arn=USER,
     resource_policy=trust({"AWS": USER}))
case("trust-same-account-user-other", "sts:AssumeRole", ROLE, "implicit_deny", principal_arn=USER,
     identity_policies=[pol(allow("sts:AssumeRole"))], resource_policy=trust({"AWS": f"arn:aws:iam::{A}:user/bob"}))
case("trust-same-account-root-needs-identity", "sts:AssumeRole", ROLE, "implicit_deny", principal_arn=USER,
     resource_policy=trust({"AWS": f"arn:aws:iam::{A}:root"}))
case("trust-same-account-root-with-identity", "sts:AssumeRole", ROLE, "allow", principal_arn=USER,
     identity_policies=[pol(allow("sts:AssumeRole", ROLE))], resource_policy=trust({"AWS": f"arn:aws:iam::{A}:root"}))
case("trust-identity-alone-not-enough", "sts:AssumeRole", ROLE, "implicit_deny", principal_arn=USER,
     identity_policies=[pol(allow("sts:AssumeRole", ROLE))], resource_policy=trust({"Service": "ec2.amazonaws.com"}))
case("trust-cross-account-both", "sts:AssumeRole", ROLE, "allow", principal_arn=USER_B,
     identity_policies=[pol(allow("sts:AssumeRole", ROLE))], resource_policy=trust({"AWS": B}))
case("trust-cross-account-no-identity", "sts:AssumeRole", ROLE, "implicit_deny", principal_arn=USER_B,
     resource_policy=trust({"AWS": B}))
case("trust-cross-account-other-account", "sts:AssumeRole", ROLE, "implicit_deny", principal_arn=USER_B,
     identity_policies=[pol(allow("sts:AssumeRole"))], resource_policy=trust({"AWS": "333333333333"}))
case("trust-cross-account-external-id-unknown", "sts:AssumeRole", ROLE, "allow", True, principal_arn=USER_B,
     identity_policies=[pol(allow("sts:AssumeRole"))],
     resource_policy=trust({"AWS": B}, condition={"StringEquals": {"sts:ExternalId": "abc"}}))
case("trust-cross-account-external-id-wrong", "sts:AssumeRole", ROLE, "implicit_deny", principal_arn=USER_B,
     identity_policies=[pol(allow("sts:AssumeRole"))],
     resource_policy=trust({"AWS": B}, condition={"StringEquals": {"sts:ExternalId": "abc"}}),
     context={"sts:ExternalId": "zzz"})
case("trust-service", "sts:AssumeRole", ROLE, "allow", principal_arn="lambda.amazonaws.com",
     resource_policy=trust({"Service": "lambda.amazonaws.com"}))
case("trust-service-list", "sts:AssumeRole", ROLE, "allow", principal_arn="ecs-tasks.amazonaws.com",
     resource_policy=trust({"Service": ["lambda.amazonaws.com", "ecs-tasks.amazonaws.com"]}))
case("trust-service-wrong-action", "sts:AssumeRoleWithSAML", ROLE, "implicit_deny", principal_arn="lambda.amazonaws.com",
     resource_policy=trust({"Service": "lambda.amazonaws.com"}))
case("trust-action-wildcard", "sts:AssumeRoleWithWebIdentity", ROLE, "allow",
     principal_arn=f"arn:aws:iam::{A}:oidc-provider/token.actions.githubusercontent.com",
     resource_policy=trust({"Federated": f"arn:aws:iam::{A}:oidc-provider/token.actions.githubusercontent.com"},
                           action="sts:AssumeRole*"))
case("trust-role-principal-same-account", "sts:AssumeRole", ROLE, "allow",
     principal_arn=f"arn:aws:iam::{A}:role/ci", resource_policy=trust({"AWS": f"arn:aws:iam::{A}:role/ci"}))
case("trust-star-same-account", "sts:AssumeRole", ROLE, "allow", principal_arn=USER, resource_policy=trust("*"))

# --- KMS key policies ----------------------------------------------------------------------------
KEY_ROOT = pol(allow("kms:*", "*", Principal={"AWS": f"arn:aws:iam::{A}:root"}))
case("kms-root-delegation-identity", "kms:Decrypt", KEY, "allow", principal_arn=USER,
     identity_policies=[pol(allow("kms:Decrypt"))], resource_policy=KEY_ROOT)
case("kms-root-delegation-no-identity", "kms:Decrypt", KEY, "implicit_deny", principal_arn=USER,
     resource_policy=KEY_ROOT)
case("kms-no-delegation-identity-not-enough", "kms:Decrypt", KEY, "implicit_deny", principal_arn=USER,
     identity_policies=[pol(allow("kms:*"))],
     resource_policy=pol(allow("kms:*", "*", Principal={"AWS": f"arn:aws:iam::{A}:user/admin"})))
case("kms-key-policy-names-user", "kms:Decrypt", KEY, "allow", principal_arn=USER,
     resource_policy=pol(allow("kms:Decrypt", "*", Principal={"AWS": USER})))
# resource_policy=None means "not given": a key policy must allow, so the identity alone is conditional.
case("kms-identity-only-no-key-policy-given", "kms:Decrypt", KEY, "allow", True, principal_arn=USER,
     identity_policies=[pol(allow("kms:Decrypt", KEY))])

# --- root user --------------------------------------------------------------------------------
ROOT_B = f"arn:aws:iam::{B}:root"
case("root-same-account-needs-no-identity-policy", "s3:GetObject", OBJ, "allow", principal_arn=f"arn:aws:iam::{A}:root",
     resource_account=A)
case("root-still-limited-by-scp", "s3:GetObject", OBJ, "implicit_deny", principal_arn=f"arn:aws:iam::{A}:root",
     resource_account=A, scps=[[pol(allow("ec2:*"))]])
case("root-cross-account-with-bucket-policy", "s3:GetObject", OBJ, "allow", principal_arn=ROOT_B, resource_account=A,
     resource_policy=pol(allow("s3:GetObject", BUCKET + "/*", Principal={"AWS": B})))
case("root-cross-account-without-bucket-policy", "s3:GetObject", OBJ, "implicit_deny", principal_arn=ROOT_B,
     resource_account=A, resource_policy=pol())
case("root-explicit-deny", "s3:GetObject", OBJ, "deny", principal_arn=f"arn:aws:iam::{A}:root", resource_account=A,
     resource_policy=pol(deny("s3:*", "*", Principal="*")))
case("implicit-deny-unconditional-when-no-deny-matches", "s3:GetObject", OBJ, "implicit_deny", False,
     identity_policies=[pol(allow("s3:GetObject", OBJ, {"Bool": {"aws:X": "true"}}))], scps=[[pol(allow("ec2:*"))]])

# --- policy language version: variables exist only in 2012-10-17 ------------------------------
V2008 = {"Version": "2008-10-17", "Statement": [allow("s3:GetObject", HOME)]}
case("v2008-variable-is-literal-text", "s3:GetObject", "arn:aws:s3:::home/alice/x", "implicit_deny",
     identity_policies=[V2008], context={"aws:username": "alice"})
case("v2008-literal-variable-matches-itself", "s3:GetObject", "arn:aws:s3:::home/${aws:username}/x", "allow",
     identity_policies=[V2008], context={"aws:username": "alice"})
case("no-version-still-substitutes", "s3:GetObject", "arn:aws:s3:::home/alice/x", "allow",
     identity_policies=[{"Statement": [allow("s3:GetObject", HOME)]}], context={"aws:username": "alice"})
case("v2008-condition-variable-literal", "s3:ListBucket", "arn:aws:s3:::home", "implicit_deny",
     identity_policies=[{"Version": "2008-10-17", "Statement": [allow("s3:ListBucket", "*", {"StringLike": {"s3:prefix": "${aws:username}/*"}})]}],
     context={"aws:username": "alice", "s3:prefix": "alice/x"})
case("arnlike-with-variable-containing-colon", "s3:GetObject", OBJ, "allow",
     identity_policies=[pol(allow("s3:GetObject", "*", {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::${aws:PrincipalAccount}:user/*"}}))],
     principal_arn=USER)
case("arnlike-with-variable-other-account", "s3:GetObject", OBJ, "implicit_deny",
     identity_policies=[pol(allow("s3:GetObject", "*", {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::${aws:PrincipalAccount}:user/*"}}))],
     principal_arn=USER, context={"aws:PrincipalAccount": B})

# --- keys derived from the principal ----------------------------------------------------------
case("derived-principal-account", "s3:GetObject", OBJ, "allow", identity_policies=[pol(allow("s3:*", "*", {"StringEquals": {"aws:PrincipalAccount": A}}))],
     principal_arn=USER)
case("derived-principal-type-user", "s3:GetObject", OBJ, "implicit_deny", identity_policies=[pol(allow("s3:*", "*", {"StringEquals": {"aws:PrincipalType": "AssumedRole"}}))],
     principal_arn=USER)
case("derived-principal-arn-session-is-role", "s3:GetObject", OBJ, "allow", identity_policies=[pol(allow("s3:*", "*", {"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{A}:role/app"}}))],
     principal_arn=SESSION)
case("derived-service-principal", "sqs:SendMessage", QUEUE, "allow", principal_arn="sns.amazonaws.com",
     resource_policy=pol(allow("sqs:SendMessage", QUEUE, {"Bool": {"aws:PrincipalIsAWSService": "true"}}, Principal={"Service": "sns.amazonaws.com"})))
case("context-overrides-derived", "s3:GetObject", OBJ, "implicit_deny", identity_policies=[pol(allow("s3:*", "*", {"StringEquals": {"aws:PrincipalAccount": A}}))],
     principal_arn=USER, context={"aws:PrincipalAccount": B})
case("trust-user-named-boundary-must-allow-assume", "sts:AssumeRole", ROLE, "implicit_deny", principal_arn=USER,
     boundary=pol(allow("s3:*")), resource_policy=trust({"AWS": USER}))
case("trust-user-named-boundary-allows-assume", "sts:AssumeRole", ROLE, "allow", principal_arn=USER,
     boundary=pol(allow("sts:AssumeRole")), resource_policy=trust({"AWS": USER}))


# --- gaps found by running others' suites (issue 12 item 5) ------------------------------------------
# Set qualifiers with Null: each value present is "not null"; a missing key has no values, so
# ForAllValues holds vacuously and ForAnyValue fails.
cond_case("cond-forall-null-true-absent", {"ForAllValues:Null": {"aws:TagKeys": "true"}}, {"aws:TagKeys": None}, "allow")
cond_case("cond-forall-null-true-present", {"ForAllValues:Null": {"aws:TagKeys": "true"}}, {"aws:TagKeys": ["env"]},
          "implicit_deny")
cond_case("cond-forall-null-false-absent", {"ForAllValues:Null": {"aws:TagKeys": "false"}}, {"aws:TagKeys": None}, "allow")
cond_case("cond-forall-null-false-present", {"ForAllValues:Null": {"aws:TagKeys": "false"}},
          {"aws:TagKeys": ["env", "team"]}, "allow")
cond_case("cond-forany-null-true-absent", {"ForAnyValue:Null": {"aws:TagKeys": "true"}}, {"aws:TagKeys": None},
          "implicit_deny")
cond_case("cond-forany-null-true-present", {"ForAnyValue:Null": {"aws:TagKeys": "true"}}, {"aws:TagKeys": ["env"]},
          "implicit_deny")
cond_case("cond-forany-null-false-absent", {"ForAnyValue:Null": {"aws:TagKeys": "false"}}, {"aws:TagKeys": None},
          "implicit_deny")
cond_case("cond-forany-null-false-empty-list", {"ForAnyValue:Null": {"aws:TagKeys": "false"}}, {"aws:TagKeys": []},
          "implicit_deny")
cond_case("cond-forany-null-false-present", {"ForAnyValue:Null": {"aws:TagKeys": "false"}}, {"aws:TagKeys": ["env"]},
          "allow")
cond_case("cond-forall-null-unknown-key", {"ForAllValues:Null": {"aws:TagKeys": "true"}}, None, "allow", True)
# Deny with ForAnyValue:Null on a missing key does not apply.
case("deny-forany-null-absent-does-not-deny", "s3:PutObject", OBJ, "allow",
     identity_policies=[pol(allow("s3:*"), deny("s3:PutObject", "*", {"ForAnyValue:Null": {"s3:RequestObjectTagKeys": "false"}}))],
     context={"s3:RequestObjectTagKeys": None})

# Date conditions with fractional epoch seconds (aws:EpochTime, and policies written that way).
cond_case("cond-date-fractional-epoch-context", {"DateGreaterThan": {"aws:CurrentTime": "2018-08-10T00:00:00Z"}},
          {"aws:CurrentTime": "1533859200.25"}, "allow")
cond_case("cond-date-fractional-epoch-context-before", {"DateGreaterThan": {"aws:CurrentTime": "2018-08-10T00:00:00Z"}},
          {"aws:CurrentTime": "1533859199.75"}, "implicit_deny")
cond_case("cond-date-fractional-epoch-policy", {"DateLessThan": {"aws:EpochTime": "1533859200.5"}},
          {"aws:EpochTime": "1533859200"}, "allow")
cond_case("cond-date-fractional-epoch-equals", {"DateEquals": {"aws:CurrentTime": "2018-08-10T00:00:00Z"}},
          {"aws:CurrentTime": "1533859200.0"}, "allow")
cond_case("cond-date-garbage-never-matches", {"DateLessThan": {"aws:EpochTime": "1533859200.5.1"}},
          {"aws:EpochTime": "1"}, "implicit_deny")

# Service-linked roles are not subject to SCPs; an ordinary role with the same name elsewhere is.
SLR = f"arn:aws:iam::{A}:role/aws-service-role/elasticloadbalancing.amazonaws.com/AWSServiceRoleForElasticLoadBalancing"
SCP_DENY_EC2 = [[pol(allow("*"), deny("ec2:*"))]]
case("slr-exempt-from-scp-deny", "ec2:DescribeInstances", "*", "allow", principal_arn=SLR,
     identity_policies=[pol(allow("ec2:Describe*"))], scps=SCP_DENY_EC2)
case("slr-exempt-from-scp-allow-list", "ec2:DescribeInstances", "*", "allow", principal_arn=SLR,
     identity_policies=[pol(allow("ec2:Describe*"))], scps=[[pol(allow("s3:*"))]])
case("slr-session-exempt-from-scp", "ec2:DescribeInstances", "*", "allow",
     principal_arn=f"arn:aws:sts::{A}:assumed-role/AWSServiceRoleForElasticLoadBalancing/elb",
     identity_policies=[pol(allow("ec2:Describe*"))], scps=SCP_DENY_EC2)
case("slr-still-needs-identity-policy", "ec2:DescribeInstances", "*", "implicit_deny", principal_arn=SLR, scps=SCP_DENY_EC2)
case("ordinary-role-subject-to-scp", "ec2:DescribeInstances", "*", "deny", principal_arn=ROLE,
     identity_policies=[pol(allow("ec2:Describe*"))], scps=SCP_DENY_EC2)

# sts:GetCallerIdentity needs no permission and cannot be denied (not even by an SCP).
case("get-caller-identity-no-policy", "sts:GetCallerIdentity", "*", "allow", principal_arn=USER)
case("get-caller-identity-explicit-deny", "sts:GetCallerIdentity", "*", "allow", principal_arn=USER,
     identity_policies=[pol(deny("*"))], scps=[[pol(deny("sts:*"))]])
case("get-session-token-is-not-exempt", "sts:GetSessionToken", "*", "deny", principal_arn=USER,
     identity_policies=[pol(allow("sts:*"), deny("sts:*"))])

# A resource-policy statement without Principal/NotPrincipal grants (and denies) nothing.
case("rp-statement-without-principal-grants-nothing", "s3:GetObject", OBJ, "implicit_deny", principal_arn=USER,
     resource_account=A, resource_policy=pol(allow("s3:GetObject", BUCKET + "/*")))
case("rp-statement-without-principal-denies-nothing", "s3:GetObject", OBJ, "allow", principal_arn=USER,
     resource_account=A, identity_policies=[pol(allow("s3:*"))], resource_policy=pol(deny("s3:*", "*")))
case("rp-without-principal-cross-account", "s3:GetObject", OBJ, "implicit_deny", principal_arn=USER_B,
     resource_account=A, identity_policies=[pol(allow("s3:*"))], resource_policy=pol(allow("s3:GetObject", "*")))

# NotPrincipal with Allow: everyone except the principals named.
NOT_BOB = pol({"Effect": "Allow", "NotPrincipal": {"AWS": f"arn:aws:iam::{A}:user/bob"}, "Action": "s3:GetObject",
               "Resource": "*"})
case("rp-notprincipal-allow-excludes-named-user", "s3:GetObject", OBJ, "implicit_deny",
     principal_arn=f"arn:aws:iam::{A}:user/bob", resource_account=A, resource_policy=NOT_BOB)
case("rp-notprincipal-allow-anonymous-included", "s3:GetObject", OBJ, "allow", resource_account=A, resource_policy=NOT_BOB)
case("rp-notprincipal-allow-excludes-account", "s3:GetObject", OBJ, "implicit_deny", principal_arn=USER,
     resource_account=A, resource_policy=pol({"Effect": "Allow", "NotPrincipal": {"AWS": A}, "Action": "s3:*",
                                              "Resource": "*"}))
case("rp-notprincipal-allow-other-account-user-needs-identity", "s3:GetObject", OBJ, "implicit_deny",
     principal_arn=USER_B, resource_account=A, resource_policy=NOT_BOB)
case("rp-notprincipal-allow-other-account-user-with-identity", "s3:GetObject", OBJ, "allow",
     principal_arn=USER_B, resource_account=A, identity_policies=[pol(allow("s3:GetObject"))], resource_policy=NOT_BOB)
case("rp-notprincipal-allow-excludes-role-of-session", "s3:GetObject", OBJ, "implicit_deny", principal_arn=SESSION,
     resource_account=A, resource_policy=pol({"Effect": "Allow", "NotPrincipal": {"AWS": ROLE}, "Action": "s3:*",
                                              "Resource": "*"}))

# resource_policy=None is "not given": cross-account and KMS answers depend on it.
case("xacct-resource-policy-not-given", "s3:GetObject", OBJ, "allow", True, principal_arn=USER_B, resource_account=A,
     identity_policies=[pol(allow("s3:GetObject", OBJ))])
case("xacct-resource-policy-not-given-no-identity", "s3:GetObject", OBJ, "implicit_deny", principal_arn=USER_B,
     resource_account=A)
case("xacct-resource-policy-known-empty", "s3:GetObject", OBJ, "implicit_deny", principal_arn=USER_B,
     resource_account=A, identity_policies=[pol(allow("s3:GetObject", OBJ))], resource_policy={})
case("kms-key-policy-not-given-no-identity", "kms:Decrypt", KEY, "implicit_deny", principal_arn=USER)
case("kms-key-policy-not-given-no-principal", "kms:Decrypt", KEY, "allow", True,
     identity_policies=[pol(allow("kms:Decrypt"))])
case("kms-key-policy-known-empty", "kms:Decrypt", KEY, "implicit_deny", principal_arn=USER,
     identity_policies=[pol(allow("kms:Decrypt"))], resource_policy={})
case("kms-key-policy-not-given-explicit-deny", "kms:Decrypt", KEY, "deny", principal_arn=USER,
     identity_policies=[pol(allow("kms:*"), deny("kms:Decrypt"))])
case("trust-policy-not-given", "sts:AssumeRole", ROLE, "allow", True, principal_arn=USER,
     identity_policies=[pol(allow("sts:AssumeRole"))])
case("same-account-no-resource-policy-identity-decides", "s3:GetObject", OBJ, "allow", principal_arn=USER,
     resource_account=A, identity_policies=[pol(allow("s3:GetObject", OBJ))])

# An action of "*" asks for every action: the administrator test.
case("every-action-star", "*", "*", "allow", principal_arn=USER, identity_policies=[pol(allow("*"))])
case("every-action-star-colon-star", "*", "*", "allow", principal_arn=USER, identity_policies=[pol(allow("*:*"))])
case("every-action-not-from-notaction", "*", "*", "implicit_deny", principal_arn=USER,
     identity_policies=[pol({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})])
case("every-action-not-from-one-service", "*", "*", "implicit_deny", principal_arn=USER,
     identity_policies=[pol(allow("s3:*"))])
case("every-action-narrow-deny-keeps-admin", "*", "*", "allow", principal_arn=USER,
     identity_policies=[pol(allow("*"), deny("organizations:LeaveOrganization"))])
case("every-action-deny-star", "*", "*", "deny", principal_arn=USER, identity_policies=[pol(allow("*"), deny("*"))])
case("every-action-boundary", "*", "*", "implicit_deny", principal_arn=USER, identity_policies=[pol(allow("*"))],
     boundary=pol(allow("s3:*")))
case("every-action-scp-allow-list", "*", "*", "implicit_deny", principal_arn=USER, identity_policies=[pol(allow("*"))],
     scps=[[pol(allow("*"))], [pol(allow("ec2:*"))]])
case("every-action-conditional", "*", "*", "allow", True, principal_arn=USER,
     identity_policies=[pol(allow("*", "*", {"Bool": {"aws:MultiFactorAuthPresent": "true"}}))])
