"""Tag keys as property names that JupiterOne's schemas accept, reversibly.

A graph object's property names must match ``^(_|tag\\.)?[A-Za-z0-9. -]+$``; AWS tag keys may also
hold ``_ : / = + @`` and any letter (``aws:autoscaling:groupName``, ``cost_center``,
``kubernetes.io/cluster/prod``). The encoding:

* a key made only of ``A-Z a-z 0-9 . space -`` that does not start with ``-`` is kept:
  ``Name`` -> ``tag.Name``, ``cost-center`` -> ``tag.cost-center``;
* any other key becomes ``-`` followed by the key with every character outside
  ``A-Z a-z 0-9 . space`` written as ``-XX`` per UTF-8 byte (upper-case hex, ``-`` itself is
  ``-2D``): ``aws:autoscaling:groupName`` -> ``tag.-aws-3Aautoscaling-3AgroupName``,
  ``cost_center`` -> ``tag.-cost-5Fcenter``.

Kept keys never start with ``-`` and encoded ones always do, and inside an encoded key a ``-``
always starts an escape, so :func:`tag_key` gives every original key back. J1QL needs no
knowledge of this: the query compiler maps ``tag.<any key>`` through :func:`stored_property`, so
``tag.aws:autoscaling:groupName`` finds the encoded property.
"""

from __future__ import annotations

import re

TAG_PREFIX = "tag."
_PLAIN = re.compile(r"[A-Za-z0-9. -]+")
_KEPT_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789. ")
_HEX2 = re.compile(r"[0-9A-F]{2}")
_ENCODED = re.compile(r"-(?:[A-Za-z0-9. ]|-[0-9A-F]{2})*")


def encode_tag_key(key: str) -> str:
    """The part after ``tag.`` for the AWS tag ``key``."""
    if _PLAIN.fullmatch(key) and not key.startswith("-"):
        return key
    out = ["-"]
    for ch in key:
        if ch in _KEPT_CHARS:
            out.append(ch)
        else:
            out.extend(f"-{b:02X}" for b in ch.encode("utf-8"))
    return "".join(out)


def decode_tag_key(encoded: str) -> str:
    """The AWS tag key of the part after ``tag.`` (inverse of :func:`encode_tag_key`)."""
    if not encoded.startswith("-"):
        return encoded
    body = encoded[1:]
    raw = bytearray()
    i = 0
    while i < len(body):
        if body[i] == "-" and _HEX2.fullmatch(body[i + 1:i + 3]):
            raw.append(int(body[i + 1:i + 3], 16))
            i += 3
        else:
            raw.extend(body[i].encode("utf-8"))
            i += 1
    return raw.decode("utf-8", "replace")


def tag_property(key: str) -> str:
    """``tag.<encoded key>``: the property that holds the value of the AWS tag ``key``."""
    return TAG_PREFIX + encode_tag_key(key)


def tag_key(prop: str) -> str | None:
    """The AWS tag key a ``tag.`` property holds, or None for any other property."""
    return decode_tag_key(prop[len(TAG_PREFIX):]) if prop.startswith(TAG_PREFIX) else None


def stored_property(name: str) -> str:
    """The stored name of a property a query names: ``tag.<key>`` in either spelling (the AWS tag
    key, or its encoded form) gives the encoded property; other names are unchanged."""
    if not name.startswith(TAG_PREFIX):
        return name
    rest = name[len(TAG_PREFIX):]
    if len(rest) > 1 and _ENCODED.fullmatch(rest) and encode_tag_key(decode_tag_key(rest)) == rest:
        return name  # already the canonical encoded form
    return tag_property(rest)
