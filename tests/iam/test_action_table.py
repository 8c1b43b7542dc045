from __future__ import annotations

from awsgraph.iam import actions


def test_snapshot_covers_the_common_services():
    for svc in ("s3", "ec2", "iam", "sts", "dynamodb", "lambda", "sqs", "sns", "kms", "ecr", "rds"):
        assert actions.known_service(svc), svc
    assert len(actions.services()) > 300


def test_lookup_levels_and_resource_types():
    get = actions.lookup("S3:getobject")
    assert get is not None and (get.name, get.level) == ("GetObject", "R")
    assert "object" in get.resource_types and "bucket" not in get.resource_types
    lst = actions.lookup("s3:ListBucket")
    assert lst is not None and lst.level == "L" and "bucket" in lst.resource_types
    assert actions.lookup("s3:NoSuchAction") is None
    assert actions.lookup("nosuchservice:Get") is None


def test_expand_patterns():
    gets = {a.full for a in actions.expand("s3:Get*")}
    assert "s3:GetObject" in gets and "s3:PutObject" not in gets
    assert all(a.service == "s3" for a in actions.expand("s3:*"))
    assert {a.full for a in actions.expand("s?s:Publish")} == {"sns:Publish"}
    assert actions.expand("nosuch:*") == ()
    assert actions.covers_service("S3:*", "s3") and not actions.covers_service("s3:Get*", "s3")


def test_resource_type_of_arns():
    cases = {
        "arn:aws:s3:::b": "bucket",
        "arn:aws:s3:::b/k/x": "object",
        "arn:aws:dynamodb:us-east-1:1:table/t": "table",
        "arn:aws:lambda:us-east-1:1:function:f": "function",
        "arn:aws:iam::1:role/path/r": "role",
        "arn:aws:sqs:us-east-1:1:q": "queue",
        "arn:aws:kms:us-east-1:1:key/abc": "key",
    }
    for arn, rtype in cases.items():
        assert actions.resource_type_of(arn) == rtype, arn
    assert actions.resource_type_of("not-an-arn") is None


def test_applies_to_crosses_services_by_template():
    assume = actions.lookup("sts:AssumeRole")
    assert assume is not None
    assert actions.applies_to(assume, "arn:aws:iam::1:role/x")
    assert not actions.applies_to(assume, "arn:aws:iam::1:user/x")
    get = actions.lookup("s3:GetObject")
    assert get is not None and not actions.applies_to(get, "arn:aws:s3:::bucket")


def test_expand_agrees_with_matching_every_action() -> None:
    """expand() takes shortcuts (exact names by lookup, service and name matched apart);
    its answer must be what testing the pattern against every known action gives."""
    from awsgraph.iam.patterns import action_matches

    everything = actions.expand("*")
    assert len(everything) > 10000
    for pattern in ("s3:GetObject", "S3:getobject", "s3:Get*", "s3:*Acl", "ec2:Describe*Attribute",
                    "s*:List*", "*:GetPolicy", "iam:?etRole", "kms:*", "lambda:InvokeFunction*",
                    "s3:NoSuchAction", "nosuch:Get*", "sts:AssumeRole"):
        brute = {a.full for a in everything if action_matches(pattern, a.full)}
        assert {a.full for a in actions.expand(pattern)} == brute, pattern


def test_resource_types_match_whatever_case_aws_spells_them() -> None:
    """Actions name their resource types as AWS spells them (``Secret``, ``autoScalingGroup``); the
    resource table and resource_type_of() use lower case. A grant on a secret's or a group's ARN
    must apply to it, or the policy analysis draws no ALLOWS edge to it."""
    secret = "arn:aws:secretsmanager:us-east-1:1:secret:db-creds-AbCdEf"
    get = actions.lookup("secretsmanager:GetSecretValue")
    assert get is not None and actions.resource_type_of(secret) in get.resource_types
    assert actions.applies_to(get, secret)
    gets = actions.expand("secretsmanager:Get*")
    assert any(a.name == "GetSecretValue" and "secret" in a.resource_types for a in gets)
    group = "arn:aws:autoscaling:us-east-1:1:autoScalingGroup:0f1e:autoScalingGroupName/web"
    update = actions.lookup("autoscaling:UpdateAutoScalingGroup")
    assert update is not None and actions.applies_to(update, group)
    assert actions.resource_type_of(group) in update.resource_types
