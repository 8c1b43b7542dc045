"""An ``aws_account`` entity seen from two sources, merged by source.

An account's own run knows its alias, its sign-in URL and what it sees of its organization;
the Organizations listing of the management (or a delegated administrator) account knows its
name, email, status, the OU it sits in and when it joined. Each source writes its own
*fragment*; the stored entity is their merge, so collecting one account never rewrites
another's properties (the own run wins for its own properties, Organizations data fills in
the organization's).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SELF = "self"  # the account's own run
ORG = "org"  # the Organizations listing

# Properties the Organizations listing is the authority for.
ORG_PROPS = frozenset({
    "accountName", "email", "status", "joinedMethod", "createdOn", "parentId", "orgPath",
})


def compose(fragments: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The entity's JupiterOne properties from its fragments (``self`` and/or ``org``)."""
    own = dict(fragments.get(SELF) or {})
    org = dict(fragments.get(ORG) or {})
    if not own:
        return org
    if not org:
        return own
    out = dict(own)
    for k, v in org.items():
        if v is None:
            continue
        if k in ORG_PROPS or out.get(k) is None:
            out[k] = v
    if not own.get("alias") and org.get("accountName"):
        # no alias of its own: the organization's name for it reads better than a number
        out["name"] = out["displayName"] = org["accountName"]
    return out


def merge_links(fragments: Mapping[str, Mapping[str, list[str]]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for links in fragments.values():
        for link_id, values in links.items():
            merged = out.setdefault(link_id, [])
            merged.extend(v for v in values if v not in merged)
    return out
