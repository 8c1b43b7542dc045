"""Policy documents parsed into statements, and statement matching.

A statement matches a request when its Action/NotAction, Resource/NotResource and
Principal/NotPrincipal elements all cover it; its Condition is then evaluated separately
(true, false or unknown).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

from awsgraph.iam.patterns import LITERAL, action_matches, glob_match

_ACCOUNT_ID = re.compile(r"^\d{12}$")
EVERY_ACTION = "*"


def covers_every_action(pattern: str) -> bool:
    """``*``, ``*:*`` and the like: a pattern that matches every ``service:Action``."""
    parts = pattern.strip().split(":")
    return len(parts) <= 2 and all(part and set(part) == {"*"} for part in parts)


def _tuple(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list | tuple | set):
        return tuple(str(v) for v in value)
    return (str(value),)


@dataclass(frozen=True)
class Statement:
    effect: str  # "Allow" or "Deny"
    actions: tuple[str, ...]
    not_action: bool
    resources: tuple[str, ...] | None  # None: the statement has no Resource element
    not_resource: bool
    principals: Mapping[str, tuple[str, ...]] | None  # None: no Principal element
    not_principal: bool
    condition: Mapping[str, Any] | None
    sid: str | None = None
    source: str = ""  # which policy this came from (for explanations)
    index: int = 0
    variables: bool = True  # False for policy language 2008-10-17: ${...} is literal text

    @property
    def allow(self) -> bool:
        return self.effect == "Allow"

    def label(self) -> str:
        name = self.sid or f"#{self.index}"
        return f"{self.source}:{name}" if self.source else name

    def matches_action(self, action: str) -> bool:
        if action == EVERY_ACTION:
            # A request for every action: only an Action element that covers every action
            # matches it (never NotAction, which always leaves something out).
            return not self.not_action and any(covers_every_action(p) for p in self.actions)
        hit = _any_action_matches(self.actions, action)
        return not hit if self.not_action else hit

    def matches_resource(self, resource: str, context: Mapping[str, Any] | None) -> bool:
        if self.resources is None:
            return True  # trust policies and some resource policies omit Resource
        ctx = context if self.variables else LITERAL
        hit = any(glob_match(p, resource, ctx) for p in self.resources)
        return not hit if self.not_resource else hit


@lru_cache(maxsize=65536)
def _any_action_matches(patterns: tuple[str, ...], action: str) -> bool:
    """Whether any pattern matches ``action`` (cached: the same statements meet the same actions often)."""
    return any(action_matches(p, action) for p in patterns)


def load_document(doc: Any) -> dict[str, Any]:
    """Accept a dict, a JSON string, or a bare list of statements."""
    if doc is None:
        return {}
    if isinstance(doc, bytes | bytearray):
        doc = doc.decode()
    if isinstance(doc, str):
        doc = doc.strip()
        if not doc:
            return {}
        if doc.startswith("%7B") or doc.startswith("%7b"):
            doc = unquote(doc)  # IAM returns documents URL-encoded
        doc = json.loads(doc)
    if isinstance(doc, list):
        return {"Statement": doc}
    if isinstance(doc, Mapping):
        return dict(doc)
    raise TypeError(f"not a policy document: {type(doc).__name__}")


def normalize_principal(value: Any) -> dict[str, tuple[str, ...]]:
    if value is None:
        return {}
    if isinstance(value, str):
        return {"AWS": (value,)}
    if isinstance(value, Mapping):
        out: dict[str, tuple[str, ...]] = {}
        for k, v in value.items():
            out[str(k)] = _tuple(v)
        return out
    return {"AWS": _tuple(value)}


def parse_policy(doc: Any, source: str = "") -> list[Statement]:
    data = load_document(doc)
    # Only the 2012-10-17 language has policy variables; an explicit 2008-10-17 keeps ${...}
    # as text. (A document with no Version is read as 2012-10-17 here, forgivingly.)
    variables = str(data.get("Version", "2012-10-17")).strip() != "2008-10-17"
    raw = data.get("Statement", [])
    if isinstance(raw, Mapping):
        raw = [raw]
    out: list[Statement] = []
    for i, st in enumerate(raw if isinstance(raw, list | tuple) else ()):
        if not isinstance(st, Mapping):
            continue
        effect = str(st.get("Effect", "")).strip().capitalize()
        if effect not in ("Allow", "Deny"):
            continue
        not_action = "NotAction" in st and "Action" not in st
        actions = _tuple(st.get("NotAction") if not_action else st.get("Action"))
        if "Resource" in st:
            resources: tuple[str, ...] | None = _tuple(st["Resource"])
            not_resource = False
        elif "NotResource" in st:
            resources, not_resource = _tuple(st["NotResource"]), True
        else:
            resources, not_resource = None, False
        if "Principal" in st:
            principals: dict[str, tuple[str, ...]] | None = normalize_principal(st["Principal"])
            not_principal = False
        elif "NotPrincipal" in st:
            principals, not_principal = normalize_principal(st["NotPrincipal"]), True
        else:
            principals, not_principal = None, False
        cond = st.get("Condition")
        out.append(Statement(
            effect=effect, actions=actions, not_action=not_action, resources=resources,
            not_resource=not_resource, principals=principals, not_principal=not_principal,
            condition=cond if isinstance(cond, Mapping) and cond else None,
            sid=str(st["Sid"]) if st.get("Sid") else None, source=source, index=i, variables=variables,
        ))
    return out


# --- principals -------------------------------------------------------------------------

@dataclass(frozen=True)
class Principal:
    """The caller, as far as a principal ARN tells."""

    arn: str
    kind: str  # user | role | session | root | service | federated | anonymous | other
    account: str | None
    role_name: str | None = None

    @staticmethod
    def parse(arn: str | None) -> Principal:
        return _parse_principal(arn)

    @property
    def root_arn(self) -> str | None:
        return f"arn:aws:iam::{self.account}:root" if self.account else None

    def identities(self) -> list[str]:
        """ARNs that name this principal itself (not its account)."""
        if self.kind == "anonymous":
            return []
        return [self.arn]

    def names_role(self, entry: str) -> bool:
        """Whether ``entry`` is the role ARN behind this session (the path is not in a session ARN)."""
        if self.kind != "session" or not self.role_name or not self.account:
            return False
        parts = entry.split(":", 5)
        return (len(parts) == 6 and parts[2] == "iam" and parts[4] == self.account
                and parts[5].startswith("role/") and parts[5].rsplit("/", 1)[-1] == self.role_name)


@lru_cache(maxsize=65536)
def _parse_principal(arn: str | None) -> Principal:
    if not arn:
        return Principal("", "anonymous", None)
    arn = arn.strip()
    if _ACCOUNT_ID.match(arn):
        return Principal(f"arn:aws:iam::{arn}:root", "root", arn)
    if arn.endswith(".amazonaws.com") or arn.endswith(".amazonaws.com.cn") or (
        "." in arn and not arn.startswith("arn:")
    ):
        return Principal(arn, "service" if "amazonaws.com" in arn else "federated", None)
    parts = arn.split(":", 5)
    if len(parts) == 6 and parts[0] == "arn":
        account = parts[4] or None
        res = parts[5]
        if parts[2] == "iam":
            if res == "root":
                return Principal(arn, "root", account)
            if res.startswith("user/"):
                return Principal(arn, "user", account)
            if res.startswith("role/"):
                return Principal(arn, "role", account, res.rsplit("/", 1)[-1])
            if res.startswith(("saml-provider/", "oidc-provider/")):
                return Principal(arn, "federated", account)
        if parts[2] == "sts" and res.startswith("assumed-role/"):
            bits = res.split("/")
            return Principal(arn, "session", account, bits[1] if len(bits) > 1 else None)
        return Principal(arn, "other", account)
    return Principal(arn, "other", None)


def _entry_account(entry: str) -> str | None:
    if _ACCOUNT_ID.match(entry):
        return entry
    parts = entry.split(":", 5)
    if len(parts) == 6 and parts[2] == "iam" and parts[5] == "root":
        return parts[4]
    return None


def principal_match(stmt: Statement, principal: Principal) -> str | None:
    """How a statement's Principal element names the caller.

    Returns ``"self"`` (the caller's own ARN, or ``*`` for a non-role caller), ``"role"``
    (the caller's role ARN, or ``*`` for a role), ``"account"`` (the caller's account: access
    is delegated to the account's identity policies), or ``None`` (not named). Statements
    without a Principal element (identity policies) return ``"self"``.
    """
    if stmt.principals is None:
        return "self"
    if stmt.not_principal:
        listed = [e for vals in stmt.principals.values() for e in vals]
        if principal.kind == "anonymous":
            return None if "*" in listed else "self"
        own = principal.arn in listed or any(principal.names_role(e) for e in listed)
        account_listed = principal.root_arn is not None and any(
            _entry_account(e) == principal.account for e in listed)
        if principal.kind == "root":
            return None if account_listed else "self"
        if stmt.allow:
            # Allow with NotPrincipal: everyone except the principals named (an account entry
            # names every principal of that account).
            return None if own or account_listed or "*" in listed else "self"
        # Deny with NotPrincipal excludes only identities it names together with their
        # account: AWS checks the caller's account as well, so a user listed by ARN alone
        # is still denied through its account.
        if own and (account_listed or principal.kind in ("service", "federated")):
            return None
        return "self"
    best: str | None = None
    order = {"self": 3, "role": 2, "account": 1}
    for ptype, entries in stmt.principals.items():
        ptype_l = ptype.lower()
        for entry in entries:
            got: str | None = None
            if entry == "*":
                if ptype_l == "aws" or principal.kind in ("service", "federated"):
                    got = "role" if principal.kind == "role" else "self"
            elif ptype_l == "service":
                if principal.kind == "service" and entry.lower() == principal.arn.lower():
                    got = "self"
            elif ptype_l in ("federated", "canonicaluser"):
                if entry == principal.arn:
                    got = "self"
            else:
                if entry == principal.arn:
                    got = "role" if principal.kind == "role" else "self"
                elif principal.names_role(entry):
                    got = "role"
                elif principal.account and _entry_account(entry) == principal.account:
                    got = "self" if principal.kind == "root" else "account"
            if got and (best is None or order[got] > order[best]):
                best = got
    return best


@dataclass(frozen=True)
class Policy:
    """A parsed policy document, reusable across many evaluations."""

    statements: tuple[Statement, ...]
    name: str = ""


def compile_policy(doc: Any, name: str = "") -> Policy:
    """Parse once, evaluate many times (``evaluate`` accepts these wherever it takes documents)."""
    if isinstance(doc, Policy):
        return doc
    return Policy(tuple(parse_policy(doc, name)), name)


def statements_of(docs: Iterable[Any], prefix: str) -> list[Statement]:
    out: list[Statement] = []
    for i, doc in enumerate(docs):
        if isinstance(doc, Policy):
            out.extend(doc.statements)
        else:
            out.extend(parse_policy(doc, f"{prefix}[{i}]"))
    return out
