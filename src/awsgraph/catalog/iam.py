"""IAM: users, groups, roles, policies (inline and managed), access keys, MFA, SAML, password policy.

Users, groups, roles and policies come from one paginated GetAccountAuthorizationDetails
call (the escape hatch below); access keys and MFA devices are listed per user by the
generic engine.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import unquote

from awsgraph.catalog.spec import Custom, Detail, FetchContext, Link, Parent, Resource

CONSOLE = "https://console.aws.amazon.com/iam/home"
POLICY_LANGUAGE = ("IAM policy language: who may do what, never a credential; read by the ALLOWS, TRUSTS and"
                   " who-can analysis")
OWNER_TYPES = ("aws_iam_user", "aws_iam_group", "aws_iam_role")


def _doc(value: Any) -> Any:
    if isinstance(value, str):
        import json

        try:
            return json.loads(unquote(value))
        except ValueError:
            return value
    return value


# Generating takes AWS a few seconds; a report younger than four hours is reused at once.
REPORT_POLLS = 6
REPORT_WAIT_SECONDS = (1.0, 2.0, 3.0, 5.0, 8.0)


def _error_code(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    return str(((response or {}).get("Error") or {}).get("Code") or type(exc).__name__)


def _credential_report(ctx: FetchContext, sleep: Callable[[float], None] = time.sleep) -> dict[str, dict[str, str]]:
    """Per-user password and MFA facts from the IAM credential report, generated if need be.

    ``GenerateCredentialReport`` is the one non-read the guard allows (documented there); the
    report holds no secret. Polled a bounded number of times. When it cannot be had (denied,
    still in progress) users simply lack ``passwordEnabled``/``mfaEnabled``: the questions that
    need them then answer "unknown: no credential report" rather than a reassuring 0.
    """
    iam = ctx.client("iam")
    content: Any = None
    for attempt in range(REPORT_POLLS):
        try:
            iam.generate_credential_report()
            content = iam.get_credential_report().get("Content", b"")
            break
        except Exception as exc:
            if _error_code(exc) not in ("ReportInProgress", "ReportNotPresent", "ReportExpired",
                                        "ReportInProgressException", "ReportNotPresentException"):
                return {}  # denied or broken: the users say so by lacking the report's facts
            if attempt + 1 < REPORT_POLLS:
                sleep(REPORT_WAIT_SECONDS[min(attempt, len(REPORT_WAIT_SECONDS) - 1)])
    if content is None:
        return {}
    if isinstance(content, bytes):
        content = content.decode("utf-8", "replace")
    if not isinstance(content, str) or content == "[redacted]":
        return {}
    return {row.get("user", ""): row for row in csv.DictReader(io.StringIO(content))}


def fetch_authorization_details(ctx: FetchContext) -> Iterator[tuple[str, dict[str, Any]]]:
    iam = ctx.client("iam")
    users: list[dict[str, Any]] = []
    groups: list[dict[str, Any]] = []
    roles: list[dict[str, Any]] = []
    policies: list[dict[str, Any]] = []
    # AWS-managed policies are fetched one by one below, only those in use: the full list is
    # over a thousand documents that nothing in the account references.
    gaad_filter = ["User", "Role", "Group", "LocalManagedPolicy"]
    for page in ctx.paginate(iam, "get_account_authorization_details", Filter=gaad_filter):
        users.extend(page.get("UserDetailList", []))
        groups.extend(page.get("GroupDetailList", []))
        roles.extend(page.get("RoleDetailList", []))
        policies.extend(page.get("Policies", []))
    report = _credential_report(ctx)

    attached: set[str] = set()
    for principal in (*users, *groups, *roles):
        for ap in principal.get("AttachedManagedPolicies", []) or []:
            attached.add(ap.get("PolicyArn", ""))
        boundary = (principal.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
        if boundary:
            attached.add(boundary)

    def inline(owner: dict[str, Any], owner_type: str, name_key: str, list_key: str) -> Iterator[dict[str, Any]]:
        for p in owner.get(list_key, []) or []:
            yield {"PolicyName": p.get("PolicyName"), "PolicyDocument": _doc(p.get("PolicyDocument")),
                   "OwnerArn": owner.get("Arn"), "OwnerName": owner.get(name_key), "OwnerType": owner_type}

    for u in users:
        row = report.get(u.get("UserName", ""))
        if row:
            u["CredentialReport"] = {k: v for k, v in row.items() if k not in ("user", "arn")}
        for ap in u.get("AttachedManagedPolicies", []) or []:
            ap.setdefault("PolicyName", ap.get("PolicyArn", "").rsplit("/", 1)[-1])
        yield "aws_iam_user", u
        for p in inline(u, "user", "UserName", "UserPolicyList"):
            yield "aws_iam_user_policy", p
    for g in groups:
        yield "aws_iam_group", g
        for p in inline(g, "group", "GroupName", "GroupPolicyList"):
            yield "aws_iam_group_policy", p
    for r in roles:
        r["AssumeRolePolicyDocument"] = _doc(r.get("AssumeRolePolicyDocument"))
        yield "aws_iam_role", r
        for p in inline(r, "role", "RoleName", "RolePolicyList"):
            yield "aws_iam_role_policy", p
    have = {p.get("Arn") for p in policies}
    for arn in sorted(a for a in attached if a and a not in have and ":iam::aws:policy/" in a):
        # read by MANAGED_POLICY's details, all at once, once this step has yielded
        yield "aws_iam_policy", {"Arn": arn, "FetchArn": arn, "PolicyName": arn.rsplit("/", 1)[-1],
                                 "PolicyId": arn, "AwsManaged": True}
    for p in policies:
        arn = p.get("Arn", "")
        aws_managed = arn.startswith("arn:aws:iam::aws:") or ":iam::aws:policy/" in arn
        if aws_managed and arn not in attached and not p.get("AttachmentCount"):
            continue  # AWS-managed policies only when something here uses them
        p.setdefault("PolicyName", arn.rsplit("/", 1)[-1])
        p.setdefault("PolicyId", arn)
        versions = [v for v in p.get("PolicyVersionList", []) or [] if isinstance(v, dict)]
        default = next((v for v in versions if v.get("IsDefaultVersion")), None)
        p["Document"] = _doc(default.get("Document")) if default else None
        p["AwsManaged"] = aws_managed
        # The other versions stay: iam:SetDefaultPolicyVersion can bring one back (privesc).
        p["PolicyVersionList"] = [
            {"VersionId": v.get("VersionId"), "IsDefaultVersion": bool(v.get("IsDefaultVersion")),
             "Document": _doc(v.get("Document"))} for v in versions if not v.get("IsDefaultVersion")]
        yield "aws_iam_policy", p


def _role_props(item: dict[str, Any]) -> dict[str, Any]:
    doc = item.get("AssumeRolePolicyDocument") or {}
    services: list[str] = []
    for st in (doc.get("Statement") or []) if isinstance(doc, dict) else []:
        principal = st.get("Principal") if isinstance(st, dict) else None
        if isinstance(principal, dict):
            svc = principal.get("Service")
            services.extend([svc] if isinstance(svc, str) else (svc or []))
    return {"trustedServices": sorted(set(services)),
            "serviceLinked": "/aws-service-role/" in (item.get("Path") or "")}


def _user_props(item: dict[str, Any]) -> dict[str, Any]:
    rep = item.get("CredentialReport") or {}
    out: dict[str, Any] = {"username": [item["UserName"]] if item.get("UserName") else None}
    if rep:
        out["passwordEnabled"] = rep.get("password_enabled") == "true"
        out["mfaEnabled"] = rep.get("mfa_active") == "true"
        last = rep.get("password_last_used")
        if last and last not in ("N/A", "no_information", "not_supported"):
            out["passwordLastUsed"] = last
        for n in ("1", "2"):
            if rep.get(f"access_key_{n}_active") == "true":
                out.setdefault("activeAccessKeys", 0)
                out["activeAccessKeys"] += 1
    return out


def _policy_props(doc_key: str) -> Any:
    def compute(item: dict[str, Any]) -> dict[str, Any]:
        import json

        doc = item.get(doc_key)
        admin = False
        if isinstance(doc, dict):
            stmts = doc.get("Statement") or []
            for st in stmts if isinstance(stmts, list) else [stmts]:
                if not isinstance(st, dict) or st.get("Effect") != "Allow" or "Condition" in st:
                    continue
                acts = st.get("Action") or []
                res = st.get("Resource") or []
                acts = [acts] if isinstance(acts, str) else acts
                res = [res] if isinstance(res, str) else res
                if "*" in acts and "*" in res:
                    admin = True
        return {"admin": admin,
                "document": json.dumps(doc, sort_keys=True) if doc is not None else None}
    return compute


USER = Resource(
    type="aws_iam_user", cls=("User",), service="iam", call=None, id="UserId", arn="Arn", name="UserName",
    scope="global", created="CreateDate",
    props={"userId": "UserId", "path": "Path", "groupNames": "GroupList",
           "permissionsBoundaryArn": "PermissionsBoundary.PermissionsBoundaryArn"},
    compute=_user_props,
    raw=("UserName", "Arn", "GroupList", "AttachedManagedPolicies", "PermissionsBoundary"),
    web_link=CONSOLE + "#/users/{UserName}",
    links=(
        Link("HAS", "aws_iam_policy", values="AttachedManagedPolicies[].PolicyArn"),
        Link("CONTAINS", "aws_iam_group", values="GroupList", on="name", reverse=True),
        # The account HAS its users too, so account-level questions need one hop, as in JupiterOne.
        Link("HAS", "aws_account", values="split(':', Arn)[4]", on="accountId", reverse=True),
    ),
)
GROUP = Resource(
    type="aws_iam_group", cls=("UserGroup",), service="iam", call=None, id="GroupId", arn="Arn",
    name="GroupName", scope="global", created="CreateDate", tags=None,
    props={"groupId": "GroupId", "path": "Path"},
    raw=("GroupName", "Arn", "AttachedManagedPolicies"),
    web_link=CONSOLE + "#/groups/{GroupName}",
    links=(Link("HAS", "aws_iam_policy", values="AttachedManagedPolicies[].PolicyArn"),),
)
ROLE = Resource(
    type="aws_iam_role", cls=("AccessRole",), service="iam", call=None, id="RoleId", arn="Arn",
    name="RoleName", scope="global", created="CreateDate",
    props={"roleId": "RoleId", "path": "Path", "description": "Description",
           "maxSessionDuration": "MaxSessionDuration", "lastUsedOn": "RoleLastUsed.LastUsedDate",
           "lastUsedRegion": "RoleLastUsed.Region",
           "permissionsBoundaryArn": "PermissionsBoundary.PermissionsBoundaryArn",
           "instanceProfileArns": "InstanceProfileList[].Arn"},
    compute=_role_props,
    raw=("RoleName", "Arn", "AssumeRolePolicyDocument", "AttachedManagedPolicies", "PermissionsBoundary"),
    safe={"AssumeRolePolicyDocument": POLICY_LANGUAGE},
    web_link=CONSOLE + "#/roles/{RoleName}",
    links=(Link("HAS", "aws_iam_policy", values="AttachedManagedPolicies[].PolicyArn"),),
)


def _inline(type_: str, owner_type: str) -> Resource:
    return Resource(
        type=type_, cls=("AccessPolicy",), service="iam", call=None, id="PolicyName", name="PolicyName",
        key_template="{OwnerArn}|inline-policy|{PolicyName}", scope="global", tags=None,
        props={"policyName": "PolicyName", "ownerName": "OwnerName", "ownerArn": "OwnerArn"},
        compute=_policy_props("PolicyDocument"),
        raw=("PolicyName", "PolicyDocument", "OwnerArn", "OwnerName", "OwnerType"),
        safe={"PolicyDocument": POLICY_LANGUAGE},
        links=(Link("HAS", owner_type, values="OwnerArn", on="arn", reverse=True),),
        description=f"Inline policy of an IAM {owner_type[8:]}.",
    )


MANAGED_POLICY = Resource(
    type="aws_iam_policy", cls=("AccessPolicy",), service="iam", call=None, id="PolicyId", arn="Arn",
    name="PolicyName", scope="global", created="CreateDate", tags=None,
    # AWS-managed policies in use arrive from the authorization details as bare ARNs (FetchArn);
    # local ones come whole and skip these calls.
    details=(
        Detail("get_policy", into="*", params={"PolicyArn": "FetchArn"}, result="Policy"),
        Detail("get_policy_version", into="Document", stage=1, decode_json=True,
               params={"PolicyArn": "FetchArn", "VersionId": "DefaultVersionId"}, result="PolicyVersion.Document"),
    ),
    props={"policyId": "PolicyId", "path": "Path", "defaultVersionId": "DefaultVersionId",
           "attachmentCount": "AttachmentCount", "awsManaged": "AwsManaged",
           "permissionsBoundaryUsageCount": "PermissionsBoundaryUsageCount", "description": "Description"},
    compute=_policy_props("Document"),
    # PolicyVersionList: the non-default versions (documents), which iam:SetDefaultPolicyVersion can restore
    raw=("Arn", "PolicyName", "Document", "PolicyVersionList"),
    safe={"Document": POLICY_LANGUAGE, "PolicyVersionList": POLICY_LANGUAGE},
    web_link=CONSOLE + "#/policies/{Arn}",
)

ACCESS_KEY = Resource(
    type="aws_iam_access_key", cls=("AccessKey",), service="iam", call="list_access_keys",
    parent=Parent("aws_iam_user", params={"UserName": "UserName"}, carry={"UserArn": "Arn"}),
    id="AccessKeyId", name="AccessKeyId", key_template="{AccessKeyId}", scope="global", tags=None,
    created="CreateDate", active="Status == 'Active'",
    props={"userName": "UserName", "status": "Status", "userArn": "UserArn"},
    links=(Link("HAS", "aws_iam_user", values="UserArn", on="arn", reverse=True),),
    service_has=False,
    description="Access key metadata (never the secret).",
)
MFA_DEVICE = Resource(
    type="mfa_device", cls=("AccessKey",), service="iam", call="list_mfa_devices",
    parent=Parent("aws_iam_user", params={"UserName": "UserName"}, carry={"UserArn": "Arn"}),
    id="SerialNumber", name="SerialNumber", key_template="{SerialNumber}", scope="global", tags=None,
    created="EnableDate",
    props={"userName": "UserName", "serialNumber": "SerialNumber",
           "virtual": "contains(SerialNumber, ':mfa/')"},
    links=(Link("HAS", "aws_iam_user", values="UserArn", on="arn", reverse=True),),
    service_has=False,
)
SAML_PROVIDER = Resource(
    type="aws_iam_saml_provider", cls=("Service",), service="iam", call="list_saml_providers",
    items="SAMLProviderList", id="Arn", arn="Arn", name="arn_name(Arn)", scope="global",
    created="CreateDate", props={"validUntil": "ValidUntil"},
    compute=lambda item: {"name": str(item.get("Arn", "")).rsplit("/", 1)[-1],
                          "category": ["security"], "function": ["authentication"]},
)
PASSWORD_POLICY = Resource(
    type="aws_iam_account_password_policy", cls=("PasswordPolicy",), service="iam",
    call="get_account_password_policy", items="PasswordPolicy", missing=("NoSuchEntity",),
    id="'account-password-policy'", name="'Password Policy'", scope="global", tags=None,
    key_template="arn:{partition}:iam::{account}:account-password-policy",
    props={"minLength": "MinimumPasswordLength", "requireSymbols": "RequireSymbols",
           "requireNumbers": "RequireNumbers", "requireUppercase": "RequireUppercaseCharacters",
           "requireLowercase": "RequireLowercaseCharacters", "allowUsersToChangePassword":
           "AllowUsersToChangePassword", "expirePasswords": "ExpirePasswords", "maxAgeDays": "MaxPasswordAge",
           "historyCount": "PasswordReusePrevention", "hardExpiry": "HardExpiry"},
    web_link=CONSOLE + "#/account_settings",
)

SPECS = (
    USER, GROUP, ROLE, MANAGED_POLICY,
    _inline("aws_iam_user_policy", "aws_iam_user"),
    _inline("aws_iam_group_policy", "aws_iam_group"),
    _inline("aws_iam_role_policy", "aws_iam_role"),
    Custom(name="iam_authorization_details", service="iam", fetch=fetch_authorization_details,
           produces=("aws_iam_user", "aws_iam_group", "aws_iam_role", "aws_iam_policy", "aws_iam_user_policy",
                     "aws_iam_group_policy", "aws_iam_role_policy"),
           scope="global",
           operations=("iam:get_account_authorization_details", "iam:generate_credential_report",
                       "iam:get_credential_report")),
    ACCESS_KEY, MFA_DEVICE, SAML_PROVIDER, PASSWORD_POLICY,
)
