"""AWS Organizations: the organization, its OU tree, its accounts and its service control policies.

Listed by the management account (or, in an organization run, by the delegated administrator
the run starts from). Every account of the organization is yielded as the Organizations
*fragment* of its ``aws_account`` entity (name, email, status, the OU it sits in); the
account's own run writes the other fragment, and the store merges them
(``awsgraph.model.accounts``), so neither overwrites the other.

Relationships: ``aws_account`` MANAGES ``aws_organization``; the organization (its root) or an
OU HAS each OU below it and CONTAINS each account in it; each SCP ENFORCES the root
(organization), OUs and accounts it is attached to.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from typing import Any

from awsgraph.catalog.spec import Custom, FetchContext, Link, Resource

SCP = "SERVICE_CONTROL_POLICY"
MAX_DEPTH = 5  # AWS allows OUs five levels deep under the root
MAX_OUS = 2000
MAX_ACCOUNTS = 20000
MAX_POLICIES = 1000
PARENTS = ("aws_organization", "aws_organizations_ou")


def account_key(account_id: str) -> str:
    return f"aws:account:{account_id}"


def _error_code(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    return str((response or {}).get("Error", {}).get("Code", "")) if isinstance(response, dict) else ""


def list_organization(ctx: FetchContext, *, force: bool = False) -> Iterator[tuple[str, dict[str, Any]]]:
    """The organization as seen from ``ctx.account``: nothing unless it is the management account
    (or ``force``: the delegated administrator an organization run starts from)."""
    orgs = ctx.client("organizations")
    try:
        org = orgs.describe_organization()["Organization"]
    except Exception as exc:
        ctx.note_error(exc)  # not in an organization is no failure
        return
    master = str(org.get("MasterAccountId") or "")
    if master != ctx.account and not force:
        return
    org_id, org_arn = str(org.get("Id") or ""), str(org.get("Arn") or "")
    if not org_id or not org_arn:
        ctx.note_partial("DescribeOrganization returned no organization id")
        return
    roots = [r for page in ctx.paginate(orgs, "list_roots") for r in page.get("Roots", [])]
    if not roots:
        ctx.note_partial("ListRoots returned no root")
        return
    root = roots[0]
    root_id = str(root.get("Id"))
    scp_enabled = any(t.get("Type") == SCP and t.get("Status") == "ENABLED" for t in root.get("PolicyTypes") or [])
    common = {"OrganizationId": org_id, "Organization": {k: org.get(k) for k in ("Id", "Arn", "MasterAccountId",
                                                                                   "FeatureSet")}}
    yield "aws_organization", {
        "Id": org_id, "Arn": org_arn, "MasterAccountId": master, "MasterAccountEmail": org.get("MasterAccountEmail"),
        "FeatureSet": org.get("FeatureSet"), "RootId": root_id, "RootArn": root.get("Arn"),
        "ScpEnabled": scp_enabled, "MasterKey": account_key(master) if master else None,
    }
    # The tree, breadth first: every parent's accounts and child OUs.
    queue: deque[tuple[str, str, str, int]] = deque([(root_id, org_arn, f"{org_id}/{root_id}/", 0)])
    ous = accounts = 0
    while queue:
        parent_id, parent_key, path, depth = queue.popleft()
        for page in ctx.paginate(orgs, "list_accounts_for_parent", ParentId=parent_id):
            for acct in page.get("Accounts", []):
                accounts += 1
                if accounts > MAX_ACCOUNTS:
                    ctx.note_partial(f"more than {MAX_ACCOUNTS} accounts: the rest were not listed")
                    return
                aid = str(acct.get("Id") or "")
                if not aid:
                    continue
                yield "aws_account", {
                    "__fragment__": "org", "AccountId": aid, "Key": account_key(aid), "Arn": acct.get("Arn"),
                    "Name": acct.get("Name"), "Email": acct.get("Email"), "Status": acct.get("Status"),
                    "JoinedMethod": acct.get("JoinedMethod"), "JoinedTimestamp": acct.get("JoinedTimestamp"),
                    "ParentId": parent_id, "ParentKey": parent_key, "OrgPath": path,
                    "MasterKey": account_key(master) if master and aid != master else None, **common,
                }
        if depth >= MAX_DEPTH:
            continue
        for page in ctx.paginate(orgs, "list_organizational_units_for_parent", ParentId=parent_id):
            for ou in page.get("OrganizationalUnits", []):
                ous += 1
                if ous > MAX_OUS:
                    ctx.note_partial(f"more than {MAX_OUS} OUs: the rest were not listed")
                    return
                ou_id, ou_arn = str(ou.get("Id") or ""), str(ou.get("Arn") or "")
                if not ou_id or not ou_arn:
                    continue
                yield "aws_organizations_ou", {
                    "Id": ou_id, "Arn": ou_arn, "Name": ou.get("Name"), "ParentId": parent_id,
                    "ParentKey": parent_key, "Path": f"{path}{ou_id}/", "OrganizationId": org_id,
                }
                queue.append((ou_id, ou_arn, f"{path}{ou_id}/", depth + 1))
    yield from _policies(ctx, orgs, org_id, org_arn, scp_enabled)


def _policies(ctx: FetchContext, orgs: Any, org_id: str, org_arn: str, enabled: bool
              ) -> Iterator[tuple[str, dict[str, Any]]]:
    if not enabled:
        return  # SCPs are off: none applies, and ListPolicies would say so with an error
    count = 0
    for page in ctx.paginate(orgs, "list_policies", Filter=SCP):
        for summary in page.get("Policies", []):
            count += 1
            if count > MAX_POLICIES:
                ctx.note_partial(f"more than {MAX_POLICIES} SCPs: the rest were not listed")
                return
            pid, arn = str(summary.get("Id") or ""), str(summary.get("Arn") or "")
            if not pid or not arn:
                continue
            item: dict[str, Any] = {
                "Id": pid, "Arn": arn, "Name": summary.get("Name"), "Description": summary.get("Description"),
                "Type": summary.get("Type"), "AwsManaged": summary.get("AwsManaged"), "OrganizationId": org_id,
                # An AWS-managed SCP has one ARN in every organization; its attachments do not.
                "Key": arn if ":policy/o-" in arn else f"{arn}|{org_id}",
            }
            try:
                item["Content"] = orgs.describe_policy(PolicyId=pid)["Policy"].get("Content")
            except Exception as exc:
                ctx.note_error(exc)
            targets: list[dict[str, Any]] = []
            try:
                for tpage in ctx.paginate(orgs, "list_targets_for_policy", PolicyId=pid):
                    targets.extend(t for t in tpage.get("Targets", []) if isinstance(t, dict))
            except Exception as exc:
                ctx.note_error(exc)
            item["Targets"] = [{"TargetId": t.get("TargetId"), "Type": t.get("Type"), "Name": t.get("Name")}
                               for t in targets]
            item["TargetIds"] = [str(t.get("TargetId")) for t in targets if t.get("TargetId")]
            item["TargetKeys"] = [_target_key(t, org_arn) for t in targets if t.get("TargetId")]
            yield "aws_organizations_policy", item


def _target_key(target: dict[str, Any], org_arn: str) -> str:
    kind = target.get("Type")
    if kind == "ROOT":
        return org_arn
    if kind == "ACCOUNT":
        return account_key(str(target.get("TargetId")))
    return str(target.get("Arn") or target.get("TargetId"))


def fetch_organization(ctx: FetchContext) -> Iterator[tuple[str, dict[str, Any]]]:
    yield from list_organization(ctx)


def fetch_organization_as_administrator(ctx: FetchContext) -> Iterator[tuple[str, dict[str, Any]]]:
    yield from list_organization(ctx, force=True)


ORGANIZATION = Resource(
    type="aws_organization", cls=("Organization",), service="organizations", group="account", call=None,
    id="Id", arn="Arn", name="Id", scope="global", tags=None, service_has=False,
    props={"organizationId": "Id", "masterAccountId": "MasterAccountId", "featureSet": "FeatureSet",
           "rootId": "RootId", "rootArn": "RootArn", "scpEnabled": "ScpEnabled"},
    web_link="https://console.aws.amazon.com/organizations/v2/home",
    links=(Link("MANAGES", "aws_account", values="MasterKey", reverse=True),),
    safe={"links": "MasterKey is the graph key awsgraph builds for the management account, not a credential"},
    description="The AWS Organization: its management account MANAGES it; its root HAS the top OUs.",
)

OU = Resource(
    type="aws_organizations_ou", cls=("Organization",), service="organizations", group="account", call=None,
    id="Id", arn="Arn", name="Name", scope="global", tags=None, service_has=False,
    props={"ouId": "Id", "parentId": "ParentId", "orgPath": "Path", "organizationId": "OrganizationId"},
    links=(Link("HAS", PARENTS, values="ParentKey", reverse=True),),
    safe={"links": "ParentKey is the graph key of the OU's parent (an ARN awsgraph reads), not a credential"},
    description="An organizational unit; its parent (the organization or an OU) HAS it.",
)

POLICY = Resource(
    type="aws_organizations_policy", cls=("ControlPolicy",), service="organizations", group="account",
    call=None, id="Id", arn="Arn", key_template="{Key}", name="Name", scope="global", tags=None,
    service_has=False,
    props={"policyId": "Id", "description": "Description", "policyType": "Type", "awsManaged": "AwsManaged",
           "content": "Content", "targetIds": "TargetIds", "organizationId": "OrganizationId"},
    compute=lambda item: {"category": "other"},
    links=(Link("ENFORCES", (*PARENTS, "aws_account"), values="TargetKeys"),),
    safe={"content": "an SCP document: IAM policy language (which actions the organization allows), never a "
                     "credential; read by scp_levels for who-can and the ALLOWS edges"},
    description="A service control policy (document in `content`); it ENFORCES what it is attached to.",
)

# list_accounts: an organization run plans its accounts with it (``awsgraph.collect.org``)
_OPERATIONS = ("organizations:describe_organization", "organizations:list_accounts", "organizations:list_roots",
               "organizations:list_accounts_for_parent", "organizations:list_organizational_units_for_parent",
               "organizations:list_policies", "organizations:describe_policy",
               "organizations:list_targets_for_policy")

LISTING = Custom(name="organization", service="organizations", group="account", fetch=fetch_organization,
                 produces=("aws_organization", "aws_organizations_ou", "aws_organizations_policy", "aws_account"),
                 scope="global", operations=_OPERATIONS)
# The same listing from a delegated administrator (an organization run starting there).
LISTING_AS_ADMINISTRATOR = Custom(
    name="organization", service="organizations", group="account", fetch=fetch_organization_as_administrator,
    produces=LISTING.produces, scope="global", operations=_OPERATIONS)

SPECS = (ORGANIZATION, OU, POLICY, LISTING)
