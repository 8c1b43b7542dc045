"""Builders for plain-dict records shaped as the catalog produces them."""

from __future__ import annotations

from typing import Any

from awsgraph.analysis.view import GraphView, Record
from awsgraph.model import Entity, Relationship

ACCT = "111111111111"
OTHER = "222222222222"


def rec(key: str, type_: str, raw: dict[str, Any] | None = None, **props: Any) -> Record:
    props.setdefault("accountId", ACCT)
    if key.startswith("arn:"):
        props.setdefault("arn", key)
    return Record(key, type_, props, raw or {})


def account() -> Record:
    return rec(f"aws:account:{ACCT}", "aws_account", {}, accountId=ACCT)


def bucket(name: str, **raw: Any) -> Record:
    return rec(f"arn:aws:s3:::{name}", "aws_s3_bucket", {"Name": name, **raw}, name=name)


def managed_policy(name: str, *statements: dict[str, Any]) -> Record:
    arn = f"arn:aws:iam::{ACCT}:policy/{name}"
    return rec(arn, "aws_iam_policy", {"PolicyName": name, "Arn": arn,
                                      "Document": {"Version": "2012-10-17", "Statement": list(statements)}},
               name=name)


def role_policy(role: str, name: str, *statements: dict[str, Any]) -> Record:
    return rec(f"arn:aws:iam::{ACCT}:role/{role}:policy/{name}", "aws_iam_role_policy",
               {"PolicyName": name, "OwnerType": "role", "OwnerName": role,
                "OwnerArn": f"arn:aws:iam::{ACCT}:role/{role}",
                "PolicyDocument": {"Version": "2012-10-17", "Statement": list(statements)}}, name=name)


def out_of(records: list[Record], analyser: Any) -> tuple[dict[str, Entity], list[Relationship]]:
    view = GraphView(records)
    ents: dict[str, Entity] = {}
    rels: list[Relationship] = []
    for item in analyser(view):
        if isinstance(item, Entity):
            ents[item.key] = item
        else:
            rels.append(item)
    return ents, rels


def edges(rels: list[Relationship], verb: str | None = None) -> dict[tuple[str, str], Relationship]:
    return {(r.from_key, r.to_key): r for r in rels if verb is None or r.verb == verb}

