# ruff: noqa: E501  (synthetic statements read better one per line)
"""Benchmark the privilege-escalation analysis on synthetic IAM estates (not a unit test).

    .venv/bin/python bench/privesc_bench.py --estate principals --principals 10000
    .venv/bin/python bench/privesc_bench.py --estate scale           # the IAM part of seed_scale.py at 100 %

``principals``: half users (in groups, some with boundaries and inline policies), half roles
(trusting services, the account, named users or roles, another account; EC2 roles in instance
profiles), plus Lambda functions and instances running as roles. Policies mix what real estates
have: read-only, power users (``NotAction: iam:*``), self-service keys on ``${aws:username}``,
deployers (``iam:PassRole`` on ``app-*`` + Lambda/CloudFormation), per-team ``sts:AssumeRole``,
IAM admins under a boundary, SSM operators, group managers, a few administrators.
``scale``: what ``seed_scale.py`` creates in IAM (2,000 roles, 1,000 functions, instance profiles).

Prints the time of each phase, the edges by technique, how many principals can become an
administrator, and the peak RSS of the process.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from awsgraph.analysis.privesc import analyse
from awsgraph.analysis.view import GraphView, Record

ACCT = "123456789012"
OTHER = "210987654321"
SERVICES = ("lambda.amazonaws.com", "ec2.amazonaws.com", "ecs-tasks.amazonaws.com", "glue.amazonaws.com",
            "codebuild.amazonaws.com", "cloudformation.amazonaws.com")


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def iam_arn(kind: str, name: str, account: str = ACCT) -> str:
    return f"arn:aws:iam::{account}:{kind}/{name}"


def shape(i: int, rng: random.Random, teams: int) -> dict[str, Any]:
    """One identity policy, drawn from the mix real estates have (narrow grants dominate)."""
    team = rng.randrange(teams)
    r = rng.random()
    if r < 0.47:
        return doc(allow(["s3:Get*", "s3:List*", "ec2:Describe*", "dynamodb:Query"], "*"))
    if r < 0.49:
        return doc({"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"})
    if r < 0.64:
        return doc(allow(["iam:CreateAccessKey", "iam:UpdateLoginProfile", "iam:ListAccessKeys"],
                         f"arn:aws:iam::{ACCT}:user/${{aws:username}}"))
    if r < 0.69:
        return doc(allow("iam:PassRole", f"arn:aws:iam::{ACCT}:role/app-team{team}-*"),
                   allow(["lambda:CreateFunction", "lambda:InvokeFunction", "cloudformation:*"], "*"))
    if r < 0.84:
        return doc(allow("sts:AssumeRole", f"arn:aws:iam::{ACCT}:role/team{team}-*"))
    if r < 0.85:
        return doc(allow("iam:*", "*"))  # IAM admin: most carry a boundary (below)
    if r < 0.86:
        return doc(allow("*", "*"))
    if r < 0.89:  # ABAC: operators reach their team's instances
        return doc(allow(["ssm:SendCommand", "ssm:StartSession"], f"arn:aws:ec2:*:{ACCT}:instance/*",
                         Condition={"StringEquals": {"ssm:resourceTag/team": f"t{team}"}}))
    if r < 0.92:
        return doc(allow("iam:AddUserToGroup", f"arn:aws:iam::{ACCT}:group/team{team}-*"))
    if r < 0.95:
        return doc(allow("lambda:UpdateFunctionCode", f"arn:aws:lambda:*:{ACCT}:function:team{team}-*"))
    return doc(allow(["dynamodb:*", "s3:*"], [f"arn:aws:s3:::team{team}-*", f"arn:aws:dynamodb:*:{ACCT}:table/team{team}-*"]))


def group_shape(rng: random.Random, teams: int) -> dict[str, Any]:
    """What a group grants: mostly read and team data, sometimes operations."""
    team = rng.randrange(teams)
    r = rng.random()
    if r < 0.7:
        return doc(allow(["s3:Get*", "s3:List*", "ec2:Describe*", "cloudwatch:Get*"], "*"))
    if r < 0.9:
        return doc(allow(["dynamodb:*", "s3:*"], [f"arn:aws:s3:::team{team}-*", f"arn:aws:dynamodb:*:{ACCT}:table/team{team}-*"]))
    if r < 0.98:
        return doc(allow(["ssm:SendCommand", "ssm:StartSession"], f"arn:aws:ec2:*:{ACCT}:instance/*",
                         Condition={"StringEquals": {"ssm:resourceTag/team": f"t{team}"}}))
    return doc({"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"})


def principals_estate(n: int, seed: int = 7) -> list[Record]:
    rng = random.Random(seed)
    teams = max(1, n // 100)
    out: list[Record] = []
    boundary = iam_arn("policy", "dev-boundary").replace(":policy/", ":policy/")
    out.append(Record(boundary, "aws_iam_policy", {"arn": boundary, "accountId": ACCT},
                      {"Arn": boundary, "PolicyName": "dev-boundary",
                       "Document": doc({"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"})}))
    managed = []
    for k in range(200):
        arn = f"arn:aws:iam::{ACCT}:policy/managed-{k}"
        versions = [{"VersionId": "v1", "IsDefaultVersion": False, "Document": shape(k, rng, teams)}] if k % 20 == 0 else []
        out.append(Record(arn, "aws_iam_policy", {"arn": arn, "accountId": ACCT},
                          {"Arn": arn, "PolicyName": f"managed-{k}", "Document": shape(k, rng, teams),
                           "PolicyVersionList": versions}))
        managed.append(arn)
    group_managed = []
    for k in range(50):
        arn = f"arn:aws:iam::{ACCT}:policy/group-{k}"
        out.append(Record(arn, "aws_iam_policy", {"arn": arn, "accountId": ACCT},
                          {"Arn": arn, "PolicyName": f"group-{k}", "Document": group_shape(rng, teams)}))
        group_managed.append(arn)
    groups = []
    for g in range(max(1, n // 200)):
        name = f"team{g % teams}-g{g}"
        arn = iam_arn("group", name)
        out.append(Record(arn, "aws_iam_group", {"arn": arn, "accountId": ACCT}, {
            "GroupName": name, "Arn": arn,
            "AttachedManagedPolicies": [{"PolicyArn": rng.choice(group_managed)} for _ in range(rng.randint(1, 2))],
            "GroupPolicyList": [{"PolicyName": "g", "PolicyDocument": group_shape(rng, teams)}]}))
        groups.append(name)
    users = n // 2
    for u in range(users):
        name = f"user{u}"
        arn = iam_arn("user", name)
        inline = shape(u, rng, teams)
        raw: dict[str, Any] = {
            "UserName": name, "Arn": arn, "GroupList": rng.sample(groups, k=min(len(groups), rng.randint(0, 2))),
            "UserPolicyList": [{"PolicyName": "own", "PolicyDocument": inline}] if rng.random() < 0.6 else [],
            "AttachedManagedPolicies": [{"PolicyArn": rng.choice(managed)}] if rng.random() < 0.3 else []}
        if '"iam:*"' in json.dumps(inline) or rng.random() < 0.1:
            raw["PermissionsBoundary"] = {"PermissionsBoundaryArn": boundary}
        out.append(Record(arn, "aws_iam_user", {"arn": arn, "accountId": ACCT}, raw))
    roles = n - users
    role_names = []
    for k in range(roles):
        r = rng.random()
        team = rng.randrange(teams)
        if r < 0.30:
            principal: dict[str, Any] = {"Service": "lambda.amazonaws.com"}
            name = f"app-team{team}-fn-{k}" if k % 3 == 0 else f"team{team}-fn-{k}"
        elif r < 0.55:
            principal, name = {"Service": "ec2.amazonaws.com"}, f"team{team}-ec2-{k}"
        elif r < 0.70:
            principal, name = {"Service": rng.choice(SERVICES)}, f"app-team{team}-svc-{k}"
        elif r < 0.75:
            principal, name = {"AWS": f"arn:aws:iam::{ACCT}:root"}, f"team{team}-role-{k}"
        elif r < 0.95:
            who = iam_arn("user", f"user{rng.randrange(max(1, users))}") if rng.random() < 0.5 else \
                iam_arn("role", role_names[rng.randrange(len(role_names))] if role_names else "none")
            principal, name = {"AWS": who}, f"team{team}-chain-{k}"
        else:
            principal, name = {"AWS": f"arn:aws:iam::{OTHER}:root"}, f"team{team}-xacct-{k}"
        arn = iam_arn("role", name)
        policy = doc(allow("*")) if rng.random() < 0.05 else shape(k, rng, teams)
        profiles = [{"Arn": f"arn:aws:iam::{ACCT}:instance-profile/{name}"}] if principal.get("Service") == "ec2.amazonaws.com" else []
        out.append(Record(arn, "aws_iam_role", {"arn": arn, "accountId": ACCT,
                                                "instanceProfileArns": [p["Arn"] for p in profiles]}, {
            "RoleName": name, "Arn": arn,
            "AssumeRolePolicyDocument": doc({"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}),
            "RolePolicyList": [{"PolicyName": "inline", "PolicyDocument": policy}],
            "AttachedManagedPolicies": [{"PolicyArn": rng.choice(managed)}] if rng.random() < 0.3 else [],
            "InstanceProfileList": profiles, "Tags": [{"Key": "team", "Value": f"t{team}"}]}))
        role_names.append(name)
    fn_roles = [r for r in role_names if "-fn-" in r] or role_names
    ec2_roles = [r for r in role_names if "-ec2-" in r] or role_names
    for f in range(n // 10):
        role = fn_roles[f % len(fn_roles)]
        arn = f"arn:aws:lambda:us-east-1:{ACCT}:function:{role.split('-fn-')[0]}-f{f}"
        out.append(Record(arn, "aws_lambda_function", {"arn": arn, "accountId": ACCT},
                          {"FunctionArn": arn, "Role": iam_arn("role", role)}))
    for i in range(n // 10):
        role = ec2_roles[i % len(ec2_roles)]
        arn = f"arn:aws:ec2:us-east-1:{ACCT}:instance/i-{i:08x}"
        team = role.split("-", 1)[0].replace("team", "t")
        out.append(Record(arn, "aws_instance", {"arn": arn, "accountId": ACCT,
                                                "iamInstanceProfile": f"arn:aws:iam::{ACCT}:instance-profile/{role}"},
                          {"Tags": [{"Key": "team", "Value": team}]}))
    return out


def scale_estate(scale: float = 1.0) -> list[Record]:
    """The IAM records seed_scale.py creates (its role, policy and profile rules)."""
    n_roles, n_policies, n_fns = int(2000 * scale), max(1, int(1000 * scale)), int(1000 * scale)
    out: list[Record] = []
    policies = []
    for i in range(n_policies):
        arn = f"arn:aws:iam::{ACCT}:policy/scale/scale-policy-{i}"
        out.append(Record(arn, "aws_iam_policy", {"arn": arn, "accountId": ACCT}, {"Arn": arn, "Document": doc(
            allow(["s3:GetObject", "s3:ListBucket"], [f"arn:aws:s3:::scale-bucket-{i:05d}", f"arn:aws:s3:::scale-bucket-{i:05d}/*"]),
            allow("ec2:Describe*"))}))
        policies.append(arn)
    roles = []
    for i in range(n_roles):
        name = f"scale-role-{i:05d}"
        arn = iam_arn("role", name)
        stmts = [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com" if i % 2 else "ec2.amazonaws.com"},
                  "Action": "sts:AssumeRole"}]
        if i % 10 == 0:
            stmts.append({"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"}})
        profiles = [{"Arn": f"arn:aws:iam::{ACCT}:instance-profile/scale-profile-{i // 2}"}] if i % 2 == 0 else []
        out.append(Record(arn, "aws_iam_role", {"arn": arn, "accountId": ACCT,
                                                "instanceProfileArns": [p["Arn"] for p in profiles]}, {
            "RoleName": name, "Arn": arn, "AssumeRolePolicyDocument": doc(*stmts),
            "RolePolicyList": [{"PolicyName": "inline", "PolicyDocument": doc(allow("logs:*" if i % 3 else "*"))}],
            "AttachedManagedPolicies": [{"PolicyArn": policies[i % len(policies)]}], "InstanceProfileList": profiles}))
        roles.append(arn)
    lambda_roles = [r for i, r in enumerate(roles) if i % 2] or roles
    for f in range(n_fns):
        arn = f"arn:aws:lambda:us-east-1:{ACCT}:function:scale-fn-{f:05d}"
        out.append(Record(arn, "aws_lambda_function", {"arn": arn, "accountId": ACCT},
                          {"FunctionArn": arn, "Role": lambda_roles[f % len(lambda_roles)]}))
    return out


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--estate", choices=["principals", "scale"], default="principals")
    ap.add_argument("--principals", type=int, default=10000)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args()
    load_before = os.getloadavg()
    t0 = time.perf_counter()
    records = principals_estate(args.principals) if args.estate == "principals" else scale_estate(args.scale)
    view = GraphView(records)
    t1 = time.perf_counter()
    result = analyse(view)
    t2 = time.perf_counter()
    paths = result.paths()
    t3 = time.perf_counter()
    users = sum(1 for a in result.actors.values() if a.kind == "user")
    figures = {
        "estate": args.estate, "principals": len(result.actors), "users": users, "roles": len(result.actors) - users,
        "records": len(records), "build_s": round(t1 - t0, 2), "analyse_s": round(t2 - t1, 2),
        "paths_s": round(t3 - t2, 2), "administrators": len(result.admins), "edges": len(result.edges),
        "can_become_admin": len(paths), "peak_rss_mb": round(rss_mb(), 1),
        "edges_by_technique": dict(Counter(e.technique for e in result.edges).most_common()),
        "load_before": [round(x, 2) for x in load_before], "load_after": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
    }
    print(json.dumps(figures, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
