"""Privilege-escalation techniques as data: what each needs, on what, and where it is documented.

A technique is one way a principal gains another principal's permissions (or grants itself
more). Each names the IAM actions it needs and on which resource each is asked
(:class:`Need`); the escalation analysis (:mod:`awsgraph.analysis.privesc`) asks the policy
evaluator about every need, so boundaries, explicit denies, SCPs and conditions all count.

Kinds:

* ``self``: the principal grants itself any permission (an edge from the principal to itself,
  kept only when what it can grant makes it an administrator: a permissions boundary or an SCP
  that bounds the grant removes it);
* ``takeover``: the principal acts as another user or role (access key, console password,
  trust policy, ``sts:AssumeRole``);
* ``passrole``: the principal hands a role to a compute service it can then run code in; the
  role must trust that service, and ``iam:PassRole`` is asked with ``iam:PassedToService``;
* ``existing``: the principal runs code in something that already runs as a role (a Lambda
  function's code, an instance reachable through Systems Manager).

``docs/privesc-techniques.md`` is generated from this table (``awsgraph docs``).
"""

from __future__ import annotations

from dataclasses import dataclass

# Where a need's action is asked:
#   self            the principal's own ARN
#   target          the user or role taken over / passed
#   attached-policy a customer-managed policy attached to the principal (directly or via a group)
#   own-group       a group the principal (a user) belongs to
#   other-group     a group the principal (a user) does not belong to
#   new             a resource the principal creates (any name it may choose)
#   function        an existing Lambda function that runs as the target role
#   instance        an existing EC2 instance whose instance profile holds the target role
#   any-instance    any existing instance (or one the principal may name)
ON = ("self", "target", "attached-policy", "own-group", "other-group", "new", "function", "instance",
      "any-instance")
KINDS = ("self", "takeover", "passrole", "existing")
ADMIN_POLICY_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"

RHINO = "https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/"
PMAPPER = "https://github.com/nccgroup/PMapper/wiki/Edge-Identification"
AWS_PASSROLE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html"
AWS_SSM = "https://docs.aws.amazon.com/systems-manager/latest/userguide/getting-started-restrict-access-quickstart.html"


@dataclass(frozen=True)
class Need:
    action: str
    on: str


@dataclass(frozen=True)
class Technique:
    id: str
    kind: str
    title: str
    needs: tuple[Need, ...]
    principal: str = "any"  # which principals can use it: any | user | role
    target: str = "self"  # what the edge points to: self | user | role
    service: str = ""  # passrole: the service principal the role must trust
    instance_profile: bool = False  # the passed role must sit in an instance profile
    source: str = RHINO
    note: str = ""

    @property
    def actions(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(n.action for n in self.needs))


def _self(tid: str, title: str, action: str, on: str, principal: str = "any", note: str = "") -> Technique:
    return Technique(tid, "self", title, (Need(action, on),), principal=principal, note=note)


def _pass(tid: str, title: str, service: str, *actions: str, instance_profile: bool = False,
          source: str = RHINO, note: str = "") -> Technique:
    needs = (Need("iam:PassRole", "target"), *(Need(a, "new") for a in actions))
    return Technique(tid, "passrole", title, needs, target="role", service=service,
                     instance_profile=instance_profile, source=source, note=note)


TECHNIQUES: tuple[Technique, ...] = (
    # --- granting oneself more ------------------------------------------------------------
    _self("iam-create-policy-version", "New default version of a policy attached to oneself",
          "iam:CreatePolicyVersion", "attached-policy",
          note="--set-as-default needs no iam:SetDefaultPolicyVersion"),
    _self("iam-set-default-policy-version", "Make an older, broader version of an attached policy the default",
          "iam:SetDefaultPolicyVersion", "attached-policy",
          note="only when a stored non-default version would make the principal an administrator"),
    _self("iam-attach-user-policy", "Attach an administrator policy to oneself (user)", "iam:AttachUserPolicy",
          "self", principal="user", note="asked with iam:PolicyARN = AdministratorAccess"),
    _self("iam-attach-role-policy", "Attach an administrator policy to oneself (role)", "iam:AttachRolePolicy",
          "self", principal="role", note="asked with iam:PolicyARN = AdministratorAccess"),
    _self("iam-attach-group-policy", "Attach an administrator policy to one's own group", "iam:AttachGroupPolicy",
          "own-group", principal="user", note="asked with iam:PolicyARN = AdministratorAccess"),
    _self("iam-put-user-policy", "Write an inline policy on oneself (user)", "iam:PutUserPolicy", "self",
          principal="user"),
    _self("iam-put-role-policy", "Write an inline policy on oneself (role)", "iam:PutRolePolicy", "self",
          principal="role"),
    _self("iam-put-group-policy", "Write an inline policy on one's own group", "iam:PutGroupPolicy", "own-group",
          principal="user"),
    _self("iam-add-user-to-group", "Join a group with more rights", "iam:AddUserToGroup", "other-group",
          principal="user", note="only when the group's policies would make the user an administrator"),
    # --- taking over another principal --------------------------------------------------
    Technique("iam-create-access-key", "takeover", "Create an access key for another user",
              (Need("iam:CreateAccessKey", "target"),), target="user",
              note="fails when the user already has two keys"),
    Technique("iam-create-login-profile", "takeover", "Give another user a console password",
              (Need("iam:CreateLoginProfile", "target"),), target="user",
              note="skipped for users known to have a password already"),
    Technique("iam-update-login-profile", "takeover", "Reset another user's console password",
              (Need("iam:UpdateLoginProfile", "target"),), target="user",
              note="skipped for users known to have no password"),
    Technique("iam-update-assume-role-policy", "takeover", "Rewrite a role's trust policy, then assume it",
              (Need("iam:UpdateAssumeRolePolicy", "target"),), target="role",
              note="the assumption is asked against the rewritten trust (the boundary still applies)"),
    Technique("sts-assume-role", "takeover", "Assume a role whose trust policy admits the caller",
              (Need("sts:AssumeRole", "target"),), target="role", source=PMAPPER,
              note="same and cross-account; needs both the trust policy and, unless it names the caller, "
                   "the caller's policies"),
    # --- passing a role to a compute service --------------------------------------------
    _pass("lambda-create-invoke", "Create a Lambda function with the role and invoke it", "lambda.amazonaws.com",
          "lambda:CreateFunction", "lambda:InvokeFunction"),
    _pass("lambda-create-event-source", "Create a Lambda function with the role and an event source to run it",
          "lambda.amazonaws.com", "lambda:CreateFunction", "lambda:CreateEventSourceMapping"),
    _pass("ec2-run-instances", "Launch an instance with the role's instance profile", "ec2.amazonaws.com",
          "ec2:RunInstances", instance_profile=True,
          note="the role must be in an instance profile, or the caller may create one "
               "(iam:CreateInstanceProfile + iam:AddRoleToInstanceProfile)"),
    Technique("ec2-associate-instance-profile", "passrole",
              "Attach the role's instance profile to an existing instance",
              (Need("iam:PassRole", "target"), Need("ec2:AssociateIamInstanceProfile", "any-instance")),
              target="role", service="ec2.amazonaws.com", instance_profile=True,
              note="the caller also needs a way into that instance"),
    _pass("cloudformation-create-stack", "Create a CloudFormation stack that runs as the role",
          "cloudformation.amazonaws.com", "cloudformation:CreateStack"),
    _pass("cloudformation-update-stack", "Update a CloudFormation stack to run as the role",
          "cloudformation.amazonaws.com", "cloudformation:UpdateStack"),
    _pass("ecs-run-task", "Register an ECS task definition with the role and run it", "ecs-tasks.amazonaws.com",
          "ecs:RegisterTaskDefinition", "ecs:RunTask", source=PMAPPER),
    _pass("glue-dev-endpoint", "Create a Glue development endpoint with the role", "glue.amazonaws.com",
          "glue:CreateDevEndpoint"),
    _pass("glue-job", "Create and start a Glue job with the role", "glue.amazonaws.com",
          "glue:CreateJob", "glue:StartJobRun"),
    _pass("codebuild-project", "Create a CodeBuild project with the role and start a build",
          "codebuild.amazonaws.com", "codebuild:CreateProject", "codebuild:StartBuild", source=PMAPPER),
    _pass("sagemaker-notebook", "Create a SageMaker notebook with the role and open it", "sagemaker.amazonaws.com",
          "sagemaker:CreateNotebookInstance", "sagemaker:CreatePresignedNotebookInstanceUrl", source=PMAPPER),
    _pass("sagemaker-training-job", "Create a SageMaker training job that runs as the role",
          "sagemaker.amazonaws.com", "sagemaker:CreateTrainingJob", source=PMAPPER),
    _pass("datapipeline-pipeline", "Create and activate a Data Pipeline that runs as the role",
          "datapipeline.amazonaws.com", "datapipeline:CreatePipeline", "datapipeline:PutPipelineDefinition",
          "datapipeline:ActivatePipeline"),
    _pass("autoscaling-launch-configuration", "Auto Scaling group from a launch configuration with the role",
          "ec2.amazonaws.com", "autoscaling:CreateLaunchConfiguration", "autoscaling:CreateAutoScalingGroup",
          instance_profile=True, source=PMAPPER),
    _pass("autoscaling-launch-template", "Auto Scaling group from a launch template with the role",
          "ec2.amazonaws.com", "ec2:CreateLaunchTemplate", "autoscaling:CreateAutoScalingGroup",
          instance_profile=True, source=PMAPPER),
    # --- code that already runs as a role -----------------------------------------------
    Technique("lambda-update-function-code", "existing", "Replace the code of a function that runs as the role",
              (Need("lambda:UpdateFunctionCode", "function"),), target="role"),
    Technique("ssm-send-command", "existing", "Run a command through Systems Manager on an instance with the role",
              (Need("ssm:SendCommand", "instance"),), target="role", source=AWS_SSM),
    Technique("ssm-start-session", "existing", "Open a Session Manager shell on an instance with the role",
              (Need("ssm:StartSession", "instance"),), target="role", source=AWS_SSM),
)

BY_ID = {t.id: t for t in TECHNIQUES}
DOCS_NAME = "privesc-techniques.md"


def render_docs() -> str:
    """``docs/privesc-techniques.md``: one row per technique."""
    lines = [
        "<!-- Generated by `awsgraph docs` from src/awsgraph/iam/techniques.py; do not edit by hand. -->",
        "# Privilege-escalation techniques",
        "",
        "`awsgraph privesc` and the `MANAGES` relationships between principals (`_key` qualified by the",
        "technique id) come from this table. Every action is asked of the policy evaluator with the",
        "principal's identity policies, permissions boundary, SCPs when known and the resource's own policy",
        "(a role's trust policy), so explicit denies remove an edge and unresolved conditions mark it",
        "`conditional`. An administrator is a principal the evaluator allows to do `*` on `*`; administrators",
        "get no outgoing edges (they already have everything), and a principal that can certainly make itself",
        "one gets only those self edges.",
        "",
        "| id | kind | technique | IAM actions (asked on) | edge | source |",
        "|---|---|---|---|---|---|",
    ]
    for t in TECHNIQUES:
        needs = "<br>".join(f"`{n.action}` ({n.on})" for n in t.needs)
        if t.service:
            needs += f"<br>role trusts `{t.service}`"
        if t.instance_profile:
            needs += "<br>role in an instance profile"
        edge = "principal → itself" if t.target == "self" else f"principal → {t.target}"
        title = t.title + (f" ({t.note})" if t.note else "")
        lines.append(f"| `{t.id}` | {t.kind} | {title} | {needs} | {edge} | [source]({t.source}) |")
    lines += [
        "",
        "Where a need is asked (`on`): `self` the principal's own ARN; `target` the user or role taken over or",
        "passed; `attached-policy` a customer-managed policy attached to the principal or its groups;",
        "`own-group` / `other-group` a group the user is / is not in; `new` a resource the principal",
        "creates, under any name its policies allow; `function` / `instance` an existing function or",
        "instance running as the target role; `any-instance` any instance.",
        "",
        "Across accounts only `sts-assume-role` applies (IAM actions act on the caller's own account). In an",
        "organization each account's derivation finds the roles of other accounts whose trust policy names one",
        "of its principals, its account or anyone, and decides the edge with the caller's policies and SCPs and",
        "the role's trust policy; the edge belongs to the caller's account and goes when either side changes",
        "so that it no longer holds. `awsgraph privesc` joins the stored edges of every account, so a path may",
        "cross accounts several times.",
        "",
    ]
    return "\n".join(lines)
