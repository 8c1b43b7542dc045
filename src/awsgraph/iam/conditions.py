"""Condition element evaluation with three outcomes: true, false, or unknown.

``None`` (unknown) means the request context does not say whether the key is present, so
the statement's outcome cannot be decided statically. A context value of ``None`` means
the key is known to be *absent* from the request, which follows AWS's absent-key rules:
positive operators are false, negated operators are true, ``...IfExists`` is true,
``Null: true`` is true.
"""

from __future__ import annotations

import base64
import ipaddress
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from awsgraph.iam.patterns import LITERAL, Unresolved, arn_like, glob_match, lookup, substitute

Tri = bool | None

_MISSING = object()
_EPOCH = re.compile(r"^-?\d+(\.\d+)?$")


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, list | tuple | set | frozenset):
        return list(value)
    return [value]


def _str(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _number(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None


def _date(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    text = str(value).strip()
    if not text:
        return None
    try:
        if _EPOCH.match(text):
            # Epoch seconds, possibly fractional ("1533859200.5"), as aws:EpochTime may carry.
            return datetime.fromtimestamp(float(Decimal(text)), tz=UTC)
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _ip_in(ctx_value: Any, policy_value: Any) -> bool:
    try:
        addr = ipaddress.ip_network(str(ctx_value).strip(), strict=False)
        net = ipaddress.ip_network(str(policy_value).strip(), strict=False)
    except ValueError:
        return False
    if addr.version != net.version:
        return False
    return addr.subnet_of(net)  # type: ignore[arg-type]


Compare = Callable[[Any, Any, Mapping[str, Any] | None], bool]


def _cmp_num(op: Callable[[Decimal, Decimal], bool]) -> Compare:
    def f(c: Any, p: Any, _ctx: Mapping[str, Any] | None) -> bool:
        a, b = _number(c), _number(p)
        return a is not None and b is not None and op(a, b)
    return f


def _cmp_date(op: Callable[[datetime, datetime], bool]) -> Compare:
    def f(c: Any, p: Any, _ctx: Mapping[str, Any] | None) -> bool:
        a, b = _date(c), _date(p)
        return a is not None and b is not None and op(a, b)
    return f


def _str_equals(c: Any, p: Any, ctx: Mapping[str, Any] | None) -> bool:
    try:
        return _str(c) == substitute(_str(p), ctx)
    except Unresolved:
        return False


def _str_equals_ic(c: Any, p: Any, ctx: Mapping[str, Any] | None) -> bool:
    try:
        return _str(c).lower() == substitute(_str(p), ctx).lower()
    except Unresolved:
        return False


def _str_like(c: Any, p: Any, ctx: Mapping[str, Any] | None) -> bool:
    return glob_match(_str(p), _str(c), ctx)


def _bool(c: Any, p: Any, _ctx: Mapping[str, Any] | None) -> bool:
    return _str(c).strip().lower() == _str(p).strip().lower()


def _binary(c: Any, p: Any, _ctx: Mapping[str, Any] | None) -> bool:
    if isinstance(c, bytes | bytearray):
        try:
            return bytes(c) == base64.b64decode(str(p))
        except ValueError:
            return False
    return _str(c) == _str(p)


def _arn(c: Any, p: Any, ctx: Mapping[str, Any] | None) -> bool:
    return arn_like(_str(p), _str(c), ctx)


def _ip(c: Any, p: Any, _ctx: Mapping[str, Any] | None) -> bool:
    return _ip_in(c, p)


# operator -> (comparison, negated)
_OPERATORS: dict[str, tuple[Compare, bool]] = {
    "stringequals": (_str_equals, False),
    "stringnotequals": (_str_equals, True),
    "stringequalsignorecase": (_str_equals_ic, False),
    "stringnotequalsignorecase": (_str_equals_ic, True),
    "stringlike": (_str_like, False),
    "stringnotlike": (_str_like, True),
    "numericequals": (_cmp_num(lambda a, b: a == b), False),
    "numericnotequals": (_cmp_num(lambda a, b: a == b), True),
    "numericlessthan": (_cmp_num(lambda a, b: a < b), False),
    "numericlessthanequals": (_cmp_num(lambda a, b: a <= b), False),
    "numericgreaterthan": (_cmp_num(lambda a, b: a > b), False),
    "numericgreaterthanequals": (_cmp_num(lambda a, b: a >= b), False),
    "dateequals": (_cmp_date(lambda a, b: a == b), False),
    "datenotequals": (_cmp_date(lambda a, b: a == b), True),
    "datelessthan": (_cmp_date(lambda a, b: a < b), False),
    "datelessthanequals": (_cmp_date(lambda a, b: a <= b), False),
    "dategreaterthan": (_cmp_date(lambda a, b: a > b), False),
    "dategreaterthanequals": (_cmp_date(lambda a, b: a >= b), False),
    "bool": (_bool, False),
    "binaryequals": (_binary, False),
    "ipaddress": (_ip, False),
    "notipaddress": (_ip, True),
    "arnequals": (_arn, False),
    "arnlike": (_arn, False),
    "arnnotequals": (_arn, True),
    "arnnotlike": (_arn, True),
}


def known_operator(name: str) -> bool:
    base = name.split(":", 1)[-1].lower()
    if base.endswith("ifexists"):
        base = base[: -len("ifexists")]
    return base in _OPERATORS or base == "null"


def _context_value(context: Mapping[str, Any] | None, key: str) -> Any:
    try:
        return lookup(context, key)
    except KeyError:
        return _MISSING


def evaluate_operator(operator: str, key: str, policy_values: Any, context: Mapping[str, Any] | None,
                      variables: bool = True) -> Tri:
    """Evaluate one ``operator: {key: values}`` pair (``variables=False``: ``${...}`` is text)."""
    var_ctx = context if variables else LITERAL
    qualifier = ""
    name = operator
    if ":" in operator:
        qualifier, name = operator.split(":", 1)
        qualifier = qualifier.lower()
    low = name.lower()
    if_exists = low.endswith("ifexists") and low != "ifexists"
    if if_exists:
        low = low[: -len("ifexists")]
    values = _as_list(policy_values)
    ctx_value = _context_value(context, key)
    if ctx_value is _MISSING:
        return None
    absent = ctx_value is None or (isinstance(ctx_value, list | tuple) and len(ctx_value) == 0
                                   and qualifier == "")
    if low == "null":
        want_absent = any(_str(v).strip().lower() == "true" for v in values)
        want_present = any(_str(v).strip().lower() == "false" for v in values)
        if qualifier in ("forallvalues", "foranyvalue"):
            # Null asked of each value the key holds: a present value is "not null". A missing
            # (or empty) key has no values, so ForAllValues holds vacuously and ForAnyValue fails.
            present = [] if ctx_value is None else [v for v in _as_list(ctx_value) if v is not None]
            each = [want_present for _ in present]
            return all(each) if qualifier == "forallvalues" else any(each)
        return (absent and want_absent) or (not absent and want_present)
    if low not in _OPERATORS:
        return None  # an operator we do not know: cannot decide
    compare, negated = _OPERATORS[low]
    if absent and if_exists:
        return True
    if absent and qualifier == "":
        return negated
    ctx_values = [] if ctx_value is None else _as_list(ctx_value)

    def one(cv: Any) -> bool:
        hit = any(compare(cv, pv, var_ctx) for pv in values)
        return not hit if negated else hit

    if qualifier == "forallvalues":
        return all(one(cv) for cv in ctx_values)
    if qualifier == "foranyvalue":
        return any(one(cv) for cv in ctx_values)
    if negated:
        # A negated operator over a multi-valued key holds only when no value matches.
        return all(one(cv) for cv in ctx_values)
    return any(one(cv) for cv in ctx_values)


def evaluate_condition(condition: Mapping[str, Any] | None, context: Mapping[str, Any] | None,
                       variables: bool = True) -> Tri:
    """AND over operators and keys; false beats unknown beats true."""
    if not condition:
        return True
    unknown = False
    for operator, pairs in condition.items():
        if not isinstance(pairs, Mapping):
            unknown = True
            continue
        for key, values in pairs.items():
            r = evaluate_operator(operator, str(key), values, context, variables)
            if r is False:
                return False
            if r is None:
                unknown = True
    return None if unknown else True
