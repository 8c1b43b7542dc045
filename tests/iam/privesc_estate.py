# ruff: noqa: E501  (an estate as data: one principal per line reads better than wrapped calls)
"""An estate with one principal per escalation technique (``p-…``) and the negatives (``n-…``).

Declared once as data; :func:`records` turns it into stored-record dicts for the analysis and
:func:`seed` creates it in (moto's) AWS for the end-to-end test, so both see the same estate.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

ACCT = "123456789012"  # moto's default account
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: Any, resource: Any = "*") -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource}


def arn(kind: str, name: str) -> str:
    return f"arn:aws:iam::{ACCT}:{kind}/{name}"


def trust_aws(*principals: str) -> dict[str, Any]:
    return doc({"Effect": "Allow", "Principal": {"AWS": list(principals)}, "Action": "sts:AssumeRole"})


def trust_service(service: str) -> dict[str, Any]:
    return doc({"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"})


EVERYTHING = doc(allow("*"))


@dataclass
class User:
    inline: dict[str, Any] = field(default_factory=dict)
    managed: list[str] = field(default_factory=list)  # customer policy names or AWS ARNs
    groups: list[str] = field(default_factory=list)
    boundary: str | None = None
    console: bool | None = None  # has a console password (a login profile); None: not known


@dataclass
class Role:
    trust: dict[str, Any]
    inline: dict[str, Any] = field(default_factory=dict)
    managed: list[str] = field(default_factory=list)
    profile: bool = False
    boundary: str | None = None


# customer-managed policies: name -> versions (the last one is the default)
POLICIES: dict[str, list[dict[str, Any]]] = {
    "cpv-policy": [doc(allow("iam:CreatePolicyVersion", f"arn:aws:iam::{ACCT}:policy/cpv-policy"))],
    "sdv-policy": [EVERYTHING, doc(allow("iam:SetDefaultPolicyVersion", f"arn:aws:iam::{ACCT}:policy/sdv-policy"))],
    "s3-and-attach-only": [doc(allow(["s3:*", "iam:AttachRolePolicy"]))],
}

GROUPS: dict[str, dict[str, Any]] = {
    "admins": {"everything": EVERYTHING},
    "g-attach": {"self-attach": doc(allow("iam:AttachGroupPolicy", arn("group", "g-attach")))},
    "g-put": {"self-put": doc(allow("iam:PutGroupPolicy", arn("group", "g-put")))},
}

ROOT = f"arn:aws:iam::{ACCT}:root"
USERS: dict[str, User] = {
    "victim-admin": User(inline={"everything": EVERYTHING}, console=False),
    # an administrator who signs in to the console: its password can be changed (UpdateLoginProfile)
    "console-admin": User(inline={"everything": EVERYTHING}, console=True),
    # self-escalation
    "p-create-policy-version": User(managed=["cpv-policy"]),
    "p-set-default-policy-version": User(managed=["sdv-policy"]),
    "p-attach-user-policy": User(inline={"p": doc(allow("iam:AttachUserPolicy", arn("user", "p-attach-user-policy")))}),
    "p-put-user-policy": User(inline={"p": doc(allow("iam:PutUserPolicy", arn("user", "p-put-user-policy")))}),
    "p-attach-group-policy": User(groups=["g-attach"]),
    "p-put-group-policy": User(groups=["g-put"]),
    "p-add-user-to-group": User(inline={"p": doc(allow("iam:AddUserToGroup", arn("group", "admins")))}),
    # taking over another principal
    "p-create-access-key": User(inline={"p": doc(allow("iam:CreateAccessKey", arn("user", "victim-admin")))}),
    "p-create-login-profile": User(inline={"p": doc(allow("iam:CreateLoginProfile", arn("user", "victim-admin")))}),
    "p-update-login-profile": User(inline={"p": doc(allow("iam:UpdateLoginProfile", arn("user", "console-admin")))}),
    "p-update-assume-role-policy": User(inline={"p": doc(allow("iam:UpdateAssumeRolePolicy", arn("role", "locked-admin")))}),
    "p-assume-role": User(inline={"p": doc(allow("sts:AssumeRole", arn("role", "admin-role")))}),
    "p-chain": User(inline={"p": doc(allow("sts:AssumeRole", arn("role", "hop-role")))}),
    # passing a role to a compute service
    "p-lambda-create-invoke": User(inline={"p": doc(allow(["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"]))}),
    "p-lambda-event-source": User(inline={"p": doc(allow(["iam:PassRole", "lambda:CreateFunction", "lambda:CreateEventSourceMapping"]))}),
    "p-ec2-run-instances": User(inline={"p": doc(allow(["iam:PassRole", "ec2:RunInstances"]))}),
    "p-ec2-associate-profile": User(inline={"p": doc(allow(["iam:PassRole", "ec2:AssociateIamInstanceProfile"]))}),
    "p-cfn-create-stack": User(inline={"p": doc(allow(["iam:PassRole", "cloudformation:CreateStack"]))}),
    "p-cfn-update-stack": User(inline={"p": doc(allow(["iam:PassRole", "cloudformation:UpdateStack"]))}),
    "p-ecs-run-task": User(inline={"p": doc(allow(["iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:RunTask"]))}),
    "p-glue-dev-endpoint": User(inline={"p": doc(allow(["iam:PassRole", "glue:CreateDevEndpoint"]))}),
    "p-glue-job": User(inline={"p": doc(allow(["iam:PassRole", "glue:CreateJob", "glue:StartJobRun"]))}),
    "p-codebuild": User(inline={"p": doc(allow(["iam:PassRole", "codebuild:CreateProject", "codebuild:StartBuild"]))}),
    "p-sagemaker-notebook": User(inline={"p": doc(allow(["iam:PassRole", "sagemaker:CreateNotebookInstance", "sagemaker:CreatePresignedNotebookInstanceUrl"]))}),
    "p-sagemaker-training": User(inline={"p": doc(allow(["iam:PassRole", "sagemaker:CreateTrainingJob"]))}),
    "p-datapipeline": User(inline={"p": doc(allow(["iam:PassRole", "datapipeline:CreatePipeline", "datapipeline:PutPipelineDefinition", "datapipeline:ActivatePipeline"]))}),
    "p-asg-launch-configuration": User(inline={"p": doc(allow(["iam:PassRole", "autoscaling:CreateLaunchConfiguration", "autoscaling:CreateAutoScalingGroup"]))}),
    "p-asg-launch-template": User(inline={"p": doc(allow(["iam:PassRole", "ec2:CreateLaunchTemplate", "autoscaling:CreateAutoScalingGroup"]))}),
    # code that already runs as a role
    "p-lambda-update-code": User(inline={"p": doc(allow("lambda:UpdateFunctionCode"))}),
    "p-ssm-send-command": User(inline={"p": doc(allow("ssm:SendCommand"))}),
    "p-ssm-start-session": User(inline={"p": doc(allow("ssm:StartSession"))}),
    # negatives
    "n-passrole-only": User(inline={"p": doc(allow("iam:PassRole"))}),
    "n-explicit-deny": User(inline={"p": doc(allow("iam:PutUserPolicy", arn("user", "n-explicit-deny")), deny("iam:*"))}),
    "n-untrusted": User(inline={"p": doc(allow("sts:AssumeRole", arn("role", "trusts-someone-else")))}),
    "n-service-trust": User(inline={"p": doc(allow("sts:AssumeRole", arn("role", "lambda-admin")))}),
    "n-read-only": User(managed=["arn:aws:iam::aws:policy/IAMReadOnlyAccess"]),
}

ROLES: dict[str, Role] = {
    "admin-role": Role(trust_aws(ROOT), managed=[ADMIN]),
    "locked-admin": Role(trust_aws(arn("user", "victim-admin")), inline={"everything": EVERYTHING}),
    "trusts-someone-else": Role(trust_aws(arn("user", "victim-admin")), inline={"everything": EVERYTHING}),
    "hop-role": Role(trust_aws(arn("user", "p-chain")), inline={"hop": doc(allow("sts:AssumeRole", arn("role", "admin-role")))}),
    "lambda-admin": Role(trust_service("lambda.amazonaws.com"), inline={"everything": EVERYTHING}),
    "ec2-admin": Role(trust_service("ec2.amazonaws.com"), inline={"everything": EVERYTHING}, profile=True),
    "cfn-admin": Role(trust_service("cloudformation.amazonaws.com"), inline={"everything": EVERYTHING}),
    "ecs-admin": Role(trust_service("ecs-tasks.amazonaws.com"), inline={"everything": EVERYTHING}),
    "glue-admin": Role(trust_service("glue.amazonaws.com"), inline={"everything": EVERYTHING}),
    "codebuild-admin": Role(trust_service("codebuild.amazonaws.com"), inline={"everything": EVERYTHING}),
    "sagemaker-admin": Role(trust_service("sagemaker.amazonaws.com"), inline={"everything": EVERYTHING}),
    "datapipeline-admin": Role(trust_service("datapipeline.amazonaws.com"), inline={"everything": EVERYTHING}),
    "p-role-attach-self": Role(trust_service("ec2.amazonaws.com"), inline={"p": doc(allow("iam:AttachRolePolicy", arn("role", "p-role-attach-self")))}),
    # a role (moto keeps no user boundaries) allowed to attach any policy to itself, bounded
    "n-boundary": Role(trust_service("ec2.amazonaws.com"), managed=["s3-and-attach-only"], boundary="s3-and-attach-only"),
    "p-role-put-self": Role(trust_service("ec2.amazonaws.com"), inline={"p": doc(allow("iam:PutRolePolicy", arn("role", "p-role-put-self")))}),
}

FUNCTIONS = {"admin-fn": "lambda-admin"}
INSTANCES = {"admin-box": "ec2-admin"}

# principal name -> the technique its path starts with; the chain has two steps
EXPECTED: dict[str, str] = {
    "p-create-policy-version": "iam-create-policy-version",
    "p-set-default-policy-version": "iam-set-default-policy-version",
    "p-attach-user-policy": "iam-attach-user-policy",
    "p-put-user-policy": "iam-put-user-policy",
    "p-attach-group-policy": "iam-attach-group-policy",
    "p-put-group-policy": "iam-put-group-policy",
    "p-add-user-to-group": "iam-add-user-to-group",
    "p-create-access-key": "iam-create-access-key",
    "p-create-login-profile": "iam-create-login-profile",
    "p-update-login-profile": "iam-update-login-profile",
    "p-update-assume-role-policy": "iam-update-assume-role-policy",
    "p-assume-role": "sts-assume-role",
    "p-chain": "sts-assume-role",
    "hop-role": "sts-assume-role",
    "p-lambda-create-invoke": "lambda-create-invoke",
    "p-lambda-event-source": "lambda-create-event-source",
    "p-ec2-run-instances": "ec2-run-instances",
    "p-ec2-associate-profile": "ec2-associate-instance-profile",
    "p-cfn-create-stack": "cloudformation-create-stack",
    "p-cfn-update-stack": "cloudformation-update-stack",
    "p-ecs-run-task": "ecs-run-task",
    "p-glue-dev-endpoint": "glue-dev-endpoint",
    "p-glue-job": "glue-job",
    "p-codebuild": "codebuild-project",
    "p-sagemaker-notebook": "sagemaker-notebook",
    "p-sagemaker-training": "sagemaker-training-job",
    "p-datapipeline": "datapipeline-pipeline",
    "p-asg-launch-configuration": "autoscaling-launch-configuration",
    "p-asg-launch-template": "autoscaling-launch-template",
    "p-lambda-update-code": "lambda-update-function-code",
    "p-ssm-send-command": "ssm-send-command",
    "p-ssm-start-session": "ssm-start-session",
    "p-role-attach-self": "iam-attach-role-policy",
    "p-role-put-self": "iam-put-role-policy",
}


def principal_arn(name: str) -> str:
    return arn("role", name) if name in ROLES else arn("user", name)


def _policy_arn(name: str) -> str:
    return name if name.startswith("arn:") else f"arn:aws:iam::{ACCT}:policy/{name}"


def _attached(names: list[str]) -> list[dict[str, str]]:
    return [{"PolicyName": _policy_arn(n).rsplit("/", 1)[-1], "PolicyArn": _policy_arn(n)} for n in names]


def records(aws_managed: dict[str, dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """The estate as stored records: ``{"key", "type", "props", "raw"}`` dicts.

    ``aws_managed`` maps the AWS-managed policy ARNs used to their documents (the collector
    fetches those; the plain-record tests pass small stand-ins).
    """
    out: list[dict[str, Any]] = []

    def add(key: str, type_: str, raw: dict[str, Any], **props: Any) -> None:
        out.append({"key": key, "type": type_, "props": {"arn": key, "accountId": ACCT, **props}, "raw": raw})

    for name, versions in POLICIES.items():
        pa = _policy_arn(name)
        vlist = [{"VersionId": f"v{i + 1}", "IsDefaultVersion": i == len(versions) - 1, "Document": v}
                 for i, v in enumerate(versions)]
        add(pa, "aws_iam_policy", {"PolicyName": name, "Arn": pa, "Document": versions[-1], "PolicyVersionList": vlist},
            name=name)
    for pa, document in (aws_managed or {}).items():
        add(pa, "aws_iam_policy", {"PolicyName": pa.rsplit("/", 1)[-1], "Arn": pa, "Document": document})
    for name, inline in GROUPS.items():
        add(arn("group", name), "aws_iam_group", {
            "GroupName": name, "Arn": arn("group", name),
            "GroupPolicyList": [{"PolicyName": n, "PolicyDocument": d} for n, d in inline.items()]}, name=name)
    for name, u in USERS.items():
        raw: dict[str, Any] = {
            "UserName": name, "Arn": arn("user", name), "GroupList": list(u.groups),
            "UserPolicyList": [{"PolicyName": n, "PolicyDocument": d} for n, d in u.inline.items()],
            "AttachedManagedPolicies": _attached(u.managed)}
        if u.boundary:
            raw["PermissionsBoundary"] = {"PermissionsBoundaryType": "Policy",
                                          "PermissionsBoundaryArn": _policy_arn(u.boundary)}
        known = {} if u.console is None else {"passwordEnabled": u.console}
        add(arn("user", name), "aws_iam_user", raw, name=name, **known)
    for name, r in ROLES.items():
        profiles = [{"InstanceProfileName": name, "Arn": f"arn:aws:iam::{ACCT}:instance-profile/{name}"}] if r.profile else []
        raw = {"RoleName": name, "Arn": arn("role", name), "AssumeRolePolicyDocument": r.trust,
               "RolePolicyList": [{"PolicyName": n, "PolicyDocument": d} for n, d in r.inline.items()],
               "AttachedManagedPolicies": _attached(r.managed), "InstanceProfileList": profiles}
        if r.boundary:
            raw["PermissionsBoundary"] = {"PermissionsBoundaryType": "Policy",
                                          "PermissionsBoundaryArn": _policy_arn(r.boundary)}
        add(arn("role", name), "aws_iam_role", raw, name=name, instanceProfileArns=[p["Arn"] for p in profiles])
    for name, role in FUNCTIONS.items():
        fa = f"arn:aws:lambda:us-east-1:{ACCT}:function:{name}"
        add(fa, "aws_lambda_function", {"FunctionName": name, "FunctionArn": fa, "Role": arn("role", role)}, name=name)
    for name, role in INSTANCES.items():
        ia = f"arn:aws:ec2:us-east-1:{ACCT}:instance/i-{name}"
        add(ia, "aws_instance", {"InstanceId": f"i-{name}",
                                 "IamInstanceProfile": {"Arn": f"arn:aws:iam::{ACCT}:instance-profile/{role}"}},
            iamInstanceProfile=f"arn:aws:iam::{ACCT}:instance-profile/{role}")
    return out


def seed(session: Any, region: str = "us-east-1") -> dict[str, str]:
    """Create the estate with boto3 (moto); returns the instance ids by name."""
    iam = session.client("iam")
    for name, versions in POLICIES.items():
        iam.create_policy(PolicyName=name, PolicyDocument=json.dumps(versions[0]))
        for v in versions[1:]:
            iam.create_policy_version(PolicyArn=_policy_arn(name), PolicyDocument=json.dumps(v), SetAsDefault=True)
    for name, inline in GROUPS.items():
        iam.create_group(GroupName=name)
        for pname, d in inline.items():
            iam.put_group_policy(GroupName=name, PolicyName=pname, PolicyDocument=json.dumps(d))
    for name, u in USERS.items():
        kwargs: dict[str, Any] = {"UserName": name}
        if u.boundary:
            kwargs["PermissionsBoundary"] = _policy_arn(u.boundary)
        iam.create_user(**kwargs)
        if u.console:
            iam.create_login_profile(UserName=name, Password="Not-a-real-pa55word!")
        for pname, d in u.inline.items():
            iam.put_user_policy(UserName=name, PolicyName=pname, PolicyDocument=json.dumps(d))
        for m in u.managed:
            iam.attach_user_policy(UserName=name, PolicyArn=_policy_arn(m))
        for g in u.groups:
            iam.add_user_to_group(GroupName=g, UserName=name)
    for name, r in ROLES.items():
        kwargs = {"RoleName": name, "AssumeRolePolicyDocument": json.dumps(r.trust)}
        if r.boundary:
            kwargs["PermissionsBoundary"] = _policy_arn(r.boundary)
        iam.create_role(**kwargs)
        for pname, d in r.inline.items():
            iam.put_role_policy(RoleName=name, PolicyName=pname, PolicyDocument=json.dumps(d))
        for m in r.managed:
            iam.attach_role_policy(RoleName=name, PolicyArn=_policy_arn(m))
        if r.profile:
            iam.create_instance_profile(InstanceProfileName=name)
            iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=name)
    lam = session.client("lambda", region_name=region)
    for name, role in FUNCTIONS.items():
        lam.create_function(FunctionName=name, Runtime="python3.12", Role=arn("role", role), Handler="x.handler",
                            Code={"ZipFile": _zip()})
    ec2 = session.client("ec2", region_name=region)
    ids: dict[str, str] = {}
    for name, role in INSTANCES.items():
        got = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1,
                                IamInstanceProfile={"Name": role})
        ids[name] = got["Instances"][0]["InstanceId"]
    return ids


def _zip() -> bytes:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("x.py", "def handler(event, context):\n    return 1\n")
    return buf.getvalue()
