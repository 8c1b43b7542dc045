"""What of an API answer may be stored: the raw-field allow-list and URL scrubbing.

A spec names the raw fields it keeps as dotted paths (``IpPermissions``,
``NetworkInterfaces.Association.PublicIp``); lists are crossed transparently, so a path
reaches into every element. Everything not named is dropped before an entity is built.
Any URL in what is kept (raw fields, properties, keys, link values) loses its query,
fragment and user info: a token in a webhook's query string is never stored.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Any

_Tree = dict[str, Any]  # field -> True (keep the whole value) or a sub-tree


@functools.lru_cache(maxsize=1024)
def _tree(paths: tuple[str, ...]) -> _Tree:
    root: _Tree = {}
    for path in paths:
        node = root
        parts = path.split(".")
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            current = node.get(part)
            if current is True:
                break  # an ancestor is already kept whole
            if last:
                node[part] = True
            else:
                node = node.setdefault(part, {})
    return root


def _pick(value: Any, node: _Tree | bool) -> Any:
    if node is True:
        return value
    if isinstance(value, dict):
        assert isinstance(node, dict)
        return {k: _pick(value[k], sub) for k, sub in node.items() if k in value}
    if isinstance(value, list | tuple):
        return [_pick(v, node) for v in value if isinstance(v, dict | list | tuple)]
    return None  # a scalar where the path expected more structure


def select_fields(item: dict[str, Any], paths: Iterable[str]) -> dict[str, Any]:
    """The part of ``item`` the dotted ``paths`` name (lists crossed); nothing else."""
    tree = _tree(tuple(paths))
    if not tree:
        return {}
    picked = _pick(item, tree)
    return picked if isinstance(picked, dict) else {}


# scheme://[userinfo@]host[:port][/path][?query][#fragment]
_URL = re.compile(r"(?i)\b([a-z][a-z0-9+.-]{0,31})://([^\s/?#\"'<>]*)([^\s?#\"'<>]*)(?:[?#][^\s\"'<>]*)?")


def _scrub_match(m: re.Match[str]) -> str:
    authority = m.group(2).rsplit("@", 1)[-1]  # drop user:password@
    return f"{m.group(1)}://{authority}{m.group(3)}"


def scrub_url_text(text: str) -> str:
    """Every URL in ``text`` reduced to scheme, host and path."""
    if "://" not in text:
        return text
    return _URL.sub(_scrub_match, text)


def scrub_urls(value: Any) -> Any:
    """``value`` with :func:`scrub_url_text` applied to every string in it (a new object)."""
    if isinstance(value, str):
        return scrub_url_text(value)
    if isinstance(value, dict):
        return {k: scrub_urls(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub_urls(v) for v in value]
    return value
