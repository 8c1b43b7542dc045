"""``hostname`` and ``fqdn`` of a Host the way JupiterOne's Host schema wants them.

``hostname`` is the short host name (one DNS label, no dots); the full DNS names go in ``fqdn``
(a list). Names that fit neither pattern are left out rather than reshaped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

_LABEL = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9-]{0,61}[a-zA-Z0-9]$")
_FQDN = re.compile(r"(?=^.{4,253}$)(^((?!-)[a-zA-Z0-9-]{0,62}[a-zA-Z0-9]\.)+[a-zA-Z]{2,63}$)")


def host_names(*names: Any) -> dict[str, Any]:
    """``{"hostname": first name's first label, "fqdn": [every full name]}`` from DNS names."""
    clean = [str(n).strip().rstrip(".") for n in _flat(names) if isinstance(n, str) and n.strip()]
    fqdn = list(dict.fromkeys(n for n in clean if _FQDN.match(n)))
    short = next((n.split(".", 1)[0] for n in clean if _LABEL.match(n.split(".", 1)[0])), None)
    return {"hostname": short, "fqdn": fqdn or None}


def _flat(values: Iterable[Any]) -> Iterable[Any]:
    for v in values:
        if isinstance(v, list | tuple):
            yield from v
        else:
            yield v
