"""IAM: people, a CI user, groups, roles with varied trust, policies, SAML, password policy."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from awsgraph.sandbox.seed import Estate


def _doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def seed(estate: Estate) -> None:
    iam = estate.client("iam")
    acct = estate.account
    iam.create_account_alias(AccountAlias="acme-demo")
    # The demo account manages an organization with two member accounts; the workloads account
    # sits in an OU whose SCP keeps its accounts in the organization.
    org = estate.client("organizations")
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    org.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")
    workloads_ou = org.create_organizational_unit(ParentId=root, Name="workloads")["OrganizationalUnit"]["Id"]
    for name in ("acme-workloads", "acme-sandbox"):
        req = org.create_account(AccountName=name, Email=f"aws+{name}@example.com")["CreateAccountStatus"]
        if name == "acme-workloads":
            member = org.describe_create_account_status(CreateAccountRequestId=req["Id"])["CreateAccountStatus"]
            org.move_account(AccountId=member["AccountId"], SourceParentId=root, DestinationParentId=workloads_ou)
    scp = org.create_policy(Name="stay-in-the-org", Description="members may not leave",
                            Type="SERVICE_CONTROL_POLICY", Content=_doc(
                                {"Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*"}))
    org.attach_policy(PolicyId=scp["Policy"]["PolicySummary"]["Id"], TargetId=workloads_ou)
    iam.update_account_password_policy(MinimumPasswordLength=8, RequireSymbols=False, RequireNumbers=True,
                                       RequireUppercaseCharacters=True, RequireLowercaseCharacters=True,
                                       AllowUsersToChangePassword=True, MaxPasswordAge=90,
                                       PasswordReusePrevention=5)
    # People: one whose user name is an email, one tagged with an Email.
    iam.create_user(UserName="alice@example.com", Tags=[{"Key": "Team", "Value": "platform"}])
    iam.create_user(UserName="bob", Tags=[{"Key": "Email", "Value": "Bob@Example.com"},
                                          {"Key": "Owner", "Value": "Security"}])
    iam.create_user(UserName="ci-deployer", Path="/service/", Tags=[{"Key": "Production", "Value": "true"}])
    key = iam.create_access_key(UserName="ci-deployer")["AccessKey"]
    estate.made["ci_access_key_id"] = key["AccessKeyId"]
    mfa = iam.create_virtual_mfa_device(VirtualMFADeviceName="alice-phone")["VirtualMFADevice"]
    iam.enable_mfa_device(UserName="alice@example.com", SerialNumber=mfa["SerialNumber"],
                          AuthenticationCode1="123456", AuthenticationCode2="654321")
    iam.create_login_profile(UserName="bob", Password="hunter2-demo-db-password")

    iam.create_group(GroupName="admins")
    iam.attach_group_policy(GroupName="admins", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    iam.add_user_to_group(GroupName="admins", UserName="bob")
    iam.create_group(GroupName="developers")
    iam.add_user_to_group(GroupName="developers", UserName="alice@example.com")
    iam.put_group_policy(GroupName="developers", PolicyName="dev-ec2-read", PolicyDocument=_doc(
        {"Effect": "Allow", "Action": ["ec2:Describe*", "s3:ListAllMyBuckets"], "Resource": "*"}))

    read_data = iam.create_policy(PolicyName="read-customer-data", Description="Read the customer data bucket",
                                  PolicyDocument=_doc(
                                      {"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
                                       "Resource": [f"arn:aws:s3:::acme-customer-data-{acct}",
                                                    f"arn:aws:s3:::acme-customer-data-{acct}/*"]}))["Policy"]
    deploy = iam.create_policy(PolicyName="ci-deploy", PolicyDocument=_doc(
        {"Effect": "Allow", "Action": ["lambda:UpdateFunctionCode", "s3:PutObject"],
         "Resource": ["arn:aws:lambda:*:*:function:acme-*", f"arn:aws:s3:::acme-artifacts-{acct}/*"]},
        {"Effect": "Deny", "Action": "iam:*", "Resource": "*"}))["Policy"]
    iam.attach_user_policy(UserName="ci-deployer", PolicyArn=deploy["Arn"])
    iam.put_user_policy(UserName="alice@example.com", PolicyName="self-service-mfa", PolicyDocument=_doc(
        {"Effect": "Allow", "Action": ["iam:CreateVirtualMFADevice", "iam:EnableMFADevice"],
         "Resource": "arn:aws:iam::*:user/${aws:username}"}))

    trust = {
        "app-instance-role": {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                              "Action": "sts:AssumeRole"},
        "acme-lambda-exec": {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                             "Action": "sts:AssumeRole"},
        "partner-audit": {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
                          "Action": "sts:AssumeRole",
                          "Condition": {"StringEquals": {"sts:ExternalId": "partner-xyz"}}},
        "vendor-no-external-id": {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::777788889999:role/ops"},
                                  "Action": "sts:AssumeRole"},
        "break-glass": {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{acct}:user/bob"},
                        "Action": "sts:AssumeRole"},
        "awsgraph-audit": {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{acct}:root"},
                           "Action": "sts:AssumeRole",
                           "Condition": {"StringEquals": {"sts:ExternalId": "awsgraph-demo-7f3c"}}},
    }
    roles: dict[str, str] = {}
    for name, statement in trust.items():
        roles[name] = iam.create_role(RoleName=name, AssumeRolePolicyDocument=_doc(statement),
                                      Tags=[{"Key": "Owner", "Value": "platform"}])["Role"]["Arn"]
    iam.attach_role_policy(RoleName="app-instance-role", PolicyArn=read_data["Arn"])
    iam.attach_role_policy(RoleName="acme-lambda-exec",
                           PolicyArn="arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
    iam.attach_role_policy(RoleName="break-glass", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    iam.attach_role_policy(RoleName="awsgraph-audit", PolicyArn="arn:aws:iam::aws:policy/SecurityAudit")
    iam.put_role_policy(RoleName="partner-audit", PolicyName="read-logs", PolicyDocument=_doc(
        {"Effect": "Allow", "Action": ["s3:Get*", "s3:List*"],
         "Resource": [f"arn:aws:s3:::acme-logs-{acct}", f"arn:aws:s3:::acme-logs-{acct}/*"]}))
    # A bootstrap script's leftover: the web instance's role may attach any managed policy to itself,
    # AdministratorAccess included (a self-escalation `awsgraph privesc` and the attack paths show).
    iam.put_role_policy(RoleName="app-instance-role", PolicyName="bootstrap-leftover", PolicyDocument=_doc(
        {"Effect": "Allow", "Action": "iam:AttachRolePolicy", "Resource": roles["app-instance-role"]}))
    iam.create_instance_profile(InstanceProfileName="app-instance-profile")
    iam.add_role_to_instance_profile(InstanceProfileName="app-instance-profile", RoleName="app-instance-role")
    iam.create_saml_provider(Name="acme-okta", SAMLMetadataDocument="<EntityDescriptor>" + "x" * 1000 +
                             "</EntityDescriptor>")
    estate.made["roles"] = roles
