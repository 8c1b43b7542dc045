"""The AWS account itself, its alias, and Organizations sub-accounts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from awsgraph.catalog.spec import Custom, FetchContext, Link, Resource


def fetch_account(ctx: FetchContext) -> Iterator[tuple[str, dict[str, Any]]]:
    """The account itself, as its own run sees it (the ``self`` fragment of its entity).

    Other accounts of its organization are not written here: the Organizations listing of the
    management account describes them (``awsgraph.catalog.organizations``), so a member's run
    never rewrites the management account's entity, and the other way round.
    """
    account: dict[str, Any] = {"__fragment__": "self", "AccountId": ctx.account,
                               "Key": f"aws:account:{ctx.account}"}
    try:
        aliases = ctx.client("iam").list_account_aliases().get("AccountAliases", [])
        if aliases:
            account["Alias"] = aliases[0]
    except Exception as exc:
        ctx.note_error(exc)
    try:
        org = ctx.client("organizations").describe_organization()["Organization"]
        account["Organization"] = {k: org.get(k) for k in ("Id", "Arn", "MasterAccountId", "FeatureSet")}
        master = org.get("MasterAccountId")
        if master and master != ctx.account:
            account["MasterKey"] = f"aws:account:{master}"
        else:
            account["Role"] = "management"
    except Exception as exc:
        ctx.note_error(exc)
    yield "aws_account", account


ACCOUNT = Resource(
    type="aws_account", cls=("Account",), service="organizations", group="account", call=None,
    id="AccountId", key_template="{Key}", name="Alias || Name || AccountId", scope="global",
    props={"accountId": "AccountId", "alias": "Alias", "accountName": "Name", "email": "Email",
           "status": "Status", "organizationId": "Organization.Id", "orgArn": "Organization.Arn",
           "masterAccountId": "Organization.MasterAccountId", "orgRole": "Role", "parentId": "ParentId",
           "orgPath": "OrgPath", "joinedMethod": "JoinedMethod"},
    compute=lambda item: {"vendor": "Amazon Web Services", "accessURL":
                          f"https://{item['Alias']}.signin.aws.amazon.com/console" if item.get("Alias")
                          else f"https://{item.get('AccountId')}.signin.aws.amazon.com/console"},
    created="JoinedTimestamp",
    web_link="https://console.aws.amazon.com/billing/home#/account",
    links=(Link("HAS", "aws_account", values="MasterKey", reverse=True),
           Link("CONTAINS", ("aws_organization", "aws_organizations_ou"), values="ParentKey", reverse=True)),
    service_has=False, tags=None,
    safe={"links": "MasterKey and ParentKey are graph keys awsgraph builds for the management account and the "
                   "account's parent, not credentials"},
    description="An account: the one being read, or one its organization lists. The management account "
                "HAS its members; the organization or OU it sits in CONTAINS it.",
)

SPECS = (
    ACCOUNT,
    Custom(name="account", service="organizations", group="account", fetch=fetch_account,
           produces=("aws_account",), scope="global",
           operations=("iam:list_account_aliases", "organizations:describe_organization")),
)
