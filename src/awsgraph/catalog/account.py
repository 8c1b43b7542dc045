"""The AWS account itself, its alias, and Organizations sub-accounts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from awsgraph.catalog.spec import Custom, FetchContext, Link, Resource


def fetch_account(ctx: FetchContext) -> Iterator[tuple[str, dict[str, Any]]]:
    account: dict[str, Any] = {"AccountId": ctx.account, "Key": f"aws:account:{ctx.account}"}
    try:
        aliases = ctx.client("iam").list_account_aliases().get("AccountAliases", [])
        if aliases:
            account["Alias"] = aliases[0]
    except Exception as exc:
        ctx.note_error(exc)
    members: list[dict[str, Any]] = []
    try:
        org = ctx.client("organizations").describe_organization()["Organization"]
        account["Organization"] = {k: org.get(k) for k in ("Id", "Arn", "MasterAccountId", "FeatureSet")}
        master = org.get("MasterAccountId")
        if master and master != ctx.account:
            account["MasterKey"] = f"aws:account:{master}"
            members.append({"AccountId": master, "Key": f"aws:account:{master}", "Role": "management"})
        elif master == ctx.account:
            orgs = ctx.client("organizations")
            for page in ctx.paginate(orgs, "list_accounts"):
                for acct in page.get("Accounts", []):
                    if acct.get("Id") == ctx.account:
                        account["Name"] = acct.get("Name")
                        continue
                    members.append({
                        "AccountId": acct.get("Id"), "Key": f"aws:account:{acct.get('Id')}",
                        "Name": acct.get("Name"), "Email": acct.get("Email"), "Status": acct.get("Status"),
                        "Arn": acct.get("Arn"), "JoinedTimestamp": acct.get("JoinedTimestamp"),
                        "MasterKey": f"aws:account:{ctx.account}",
                    })
    except Exception as exc:
        ctx.note_error(exc)
    yield "aws_account", account
    for m in members:
        yield "aws_account", m


ACCOUNT = Resource(
    type="aws_account", cls=("Account",), service="organizations", group="account", call=None,
    id="AccountId", key_template="{Key}", name="Alias || Name || AccountId", scope="global",
    props={"accountId": "AccountId", "alias": "Alias", "accountName": "Name", "email": "Email",
           "status": "Status", "organizationId": "Organization.Id", "orgArn": "Organization.Arn",
           "masterAccountId": "Organization.MasterAccountId", "orgRole": "Role"},
    compute=lambda item: {"vendor": "Amazon Web Services", "accessURL":
                          f"https://{item['Alias']}.signin.aws.amazon.com/console" if item.get("Alias")
                          else f"https://{item.get('AccountId')}.signin.aws.amazon.com/console"},
    created="JoinedTimestamp",
    web_link="https://console.aws.amazon.com/billing/home#/account",
    links=(Link("HAS", "aws_account", values="MasterKey", reverse=True),),
    service_has=False, tags=None,
    safe={"links": "MasterKey is the graph key awsgraph builds for the management account, not a credential"},
    description="The account being read; with Organizations, the management account HAS its members.",
)

SPECS = (
    ACCOUNT,
    Custom(name="account", service="organizations", group="account", fetch=fetch_account,
           produces=("aws_account",), scope="global",
           operations=("iam:list_account_aliases", "organizations:describe_organization",
                       "organizations:list_accounts")),
)
