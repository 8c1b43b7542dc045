"""Resolve a policy ``Principal`` entry to a graph entity (collected or placeholder)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from awsgraph.analysis.common import (
    EVERYONE_KEY,
    account_key,
    account_placeholder,
    arn_of,
    placeholder,
    service_entity_key,
    service_placeholder,
    service_type,
)
from awsgraph.analysis.view import GraphView, Record
from awsgraph.model import Entity

_ACCOUNT_ID = re.compile(r"^\d{12}$")
# Service principals whose entity is named after another service.
_SERVICE_ALIASES = {"ecs-tasks": "ecs", "edgelambda": "lambda", "elasticloadbalancing": "elb"}
_PRINCIPAL_TYPES = ("aws_iam_user", "aws_iam_role", "aws_iam_group", "aws_iam_saml_provider",
                    "aws_iam_oidc_provider")

# Service.category and .function of an identity provider (as the catalog's SAML provider has them)
_IDP_CLASSIFICATION: dict[str, list[str]] = {"category": ["security"], "function": ["authentication"]}


@dataclass(frozen=True)
class Target:
    key: str
    type: str
    account: str | None  # the principal's account, when it has one
    placeholder: Entity | None = None


def everyone_entity() -> Entity:
    return placeholder(EVERYONE_KEY, "everyone", ("Everyone",), displayName="Everyone", name="Everyone", public=True)


def service_name(principal: str) -> str:
    name = principal.strip().lower().split(".amazonaws.com", 1)[0].split(".")[0]
    return _SERVICE_ALIASES.get(name, name)


class PrincipalResolver:
    def __init__(self, view: GraphView) -> None:
        self.view = view
        self.by_arn: dict[str, Record] = {}
        for rec in view.entities(*_PRINCIPAL_TYPES):
            arn = arn_of(rec)
            if arn:
                self.by_arn[arn] = rec
        # Role ARNs in trust policies may omit or differ in path; index by account+name too.
        self.by_name: dict[tuple[str, str, str], Record] = {}
        for arn, rec in self.by_arn.items():
            parts = arn.split(":", 5)
            if len(parts) == 6 and "/" in parts[5]:
                kind = parts[5].split("/", 1)[0]
                self.by_name[(parts[4], kind, parts[5].rsplit("/", 1)[-1])] = rec

    def _account(self, account: str) -> Target:
        key = account_key(account)
        ph = None if self.view.get(key) is not None else account_placeholder(account)
        return Target(key, "aws_account", account, ph)

    def resolve(self, ptype: str, entry: str, home_account: str) -> Target | None:
        ptype_l = ptype.lower()
        entry = entry.strip()
        if ptype_l == "aws":
            if entry == "*":
                return Target(EVERYONE_KEY, "everyone", None, everyone_entity())
            if _ACCOUNT_ID.match(entry):
                return self._account(entry)
            parts = entry.split(":", 5)
            if len(parts) != 6 or parts[0] != "arn":
                return None  # a unique ID left behind by a deleted principal
            account = parts[4]
            res = parts[5]
            if account == "cloudfront":  # a CloudFront origin access identity
                return self.resolve("Service", "cloudfront.amazonaws.com", home_account)
            if res == "root":
                return self._account(account)
            rec = self.by_arn.get(entry)
            if rec is None and "/" in res:
                kind = res.split("/", 1)[0]
                if parts[2] == "sts" and kind == "assumed-role":
                    bits = res.split("/")
                    rec = self.by_name.get((account, "role", bits[1])) if len(bits) > 1 else None
                    kind = "role"
                else:
                    rec = self.by_name.get((account, kind, res.rsplit("/", 1)[-1]))
                if rec is None and kind in ("user", "role"):
                    typ = f"aws_iam_{kind}"
                    cls = ("User",) if kind == "user" else ("AccessRole",)
                    ph = placeholder(entry, typ, cls, arn=entry, accountId=account,
                                     name=res.rsplit("/", 1)[-1], displayName=res.rsplit("/", 1)[-1])
                    return Target(entry, typ, account, ph)
            if rec is None:
                return None
            return Target(rec.key, rec.type, account)
        if ptype_l == "service":
            svc = service_name(entry)
            key, existing = service_entity_key(self.view, home_account, svc)
            if existing is not None:
                return Target(key, existing.type, None)
            return Target(key, service_type(svc), None, service_placeholder(home_account, svc))
        if ptype_l == "federated":
            rec = self.by_arn.get(entry)
            if rec is not None:
                return Target(rec.key, rec.type, None)
            if entry.startswith("arn:"):
                parts = entry.split(":", 5)
                kind = "saml" if ":saml-provider/" in entry else "oidc"
                typ = f"aws_iam_{kind}_provider"
                ph = placeholder(entry, typ, ("Service",), arn=entry,
                                 accountId=parts[4] if len(parts) == 6 else None,
                                 displayName=entry.rsplit("/", 1)[-1], **_IDP_CLASSIFICATION)
                return Target(entry, typ, parts[4] if len(parts) == 6 else None, ph)
            key = f"federated:{entry}"
            return Target(key, "aws_iam_identity_provider", None,
                          placeholder(key, "aws_iam_identity_provider", ("Service",), displayName=entry,
                                      **_IDP_CLASSIFICATION))
        return None
