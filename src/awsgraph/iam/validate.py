"""Checks on what a person types or hands in (``iam simulate``, ``who-can``): one line per problem.

The evaluator itself is forgiving (it skips what it cannot read, as AWS skips what does not
apply); a person asking a question deserves to hear that the question is malformed instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from awsgraph.iam.policy import load_document

ARN_SHAPE = "arn:partition:service:region:account:resource"
MAX_PROBLEMS_LISTED = 1


def action_problem(action: str) -> str | None:
    """Why ``action`` is not ``service:Action`` (``*`` alone, every action, is accepted)."""
    text = action.strip()
    if text == "*":
        return None
    service, sep, name = text.partition(":")
    if not sep or not service or not name:
        return f"action {text!r} has no service prefix: write it as service:Action (e.g. s3:GetObject)"
    if any(c.isspace() for c in text) or ":" in name:
        return f"action {text!r} is not of the form service:Action"
    return None


def resource_problem(resource: str, *, star_ok: bool = True) -> str | None:
    """Why ``resource`` is not an ARN (``*`` is accepted where ``star_ok``)."""
    text = resource.strip()
    if star_ok and text == "*":
        return None
    parts = text.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or not parts[1] or not parts[2] or not parts[5]:
        return f"resource {text!r} is not an ARN ({ARN_SHAPE})"
    return None


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def policy_problems(doc: Any, where: str, *, needs_resource: bool = True) -> list[str]:
    """Problems with a policy document handed in by a person, one line each."""
    try:
        data = load_document(doc)
    except (ValueError, TypeError) as exc:
        return [f"{where}: not a policy document ({exc})"]
    raw = data.get("Statement")
    if raw is None:
        return [f"{where}: has no Statement"]
    statements = [raw] if isinstance(raw, Mapping) else raw if isinstance(raw, list) else None
    if statements is None:
        return [f"{where}: Statement must be an object or a list of objects"]
    out: list[str] = []
    for i, st in enumerate(statements):
        if not isinstance(st, Mapping):
            out.append(f"{where}: statement #{i} is not an object")
            continue
        name = f"statement {st['Sid']!r}" if st.get("Sid") else f"statement #{i}"
        effect = st.get("Effect")
        if str(effect).strip().lower() not in ("allow", "deny"):
            out.append(f"{where}: {name} has Effect {effect!r}; it must be Allow or Deny")
        if "Action" not in st and "NotAction" not in st:
            out.append(f"{where}: {name} has no Action")
        for action in _as_list(st.get("Action", st.get("NotAction"))):
            problem = action_problem(str(action))
            if problem:
                out.append(f"{where}: {name}: {problem}")
        if needs_resource and "Resource" not in st and "NotResource" not in st:
            out.append(f"{where}: {name} has no Resource (or NotResource)")
    return out


def first_problem(problems: list[str]) -> str | None:
    """The first problem, saying how many more there are (a one-line message)."""
    if not problems:
        return None
    more = len(problems) - MAX_PROBLEMS_LISTED
    return problems[0] + (f" (and {more} more problem{'s' if more > 1 else ''})" if more > 0 else "")
