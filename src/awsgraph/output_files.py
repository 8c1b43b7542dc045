"""Writing files the user asked for (exports, HTML pages) without harming anything else.

Every file is written to a temporary file beside it (created 0600, whatever the umask) and
renamed into place, so the result is private, whole or absent, and never written *through* a
symlink. What is already at the path decides whether we may replace it:

* nothing, or an empty file: written;
* a file awsgraph wrote (each kind of output says how it is recognised, by its first bytes:
  the ``generator`` meta tag of our pages, the JSON shape of our exports): replaced;
* anything else (someone's file, a symlink, a directory, a device): refused with one line,
  unless ``force`` is given, which replaces a file or a symlink (the link itself, never its
  target) but never a directory.

Directories we create for exports are 0700.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

GENERATOR_META = '<meta name="generator" content="awsgraph">'
_HEAD_BYTES = 4096


class OutputError(Exception):
    """A file could not (or may not) be written; the message is one line for the user."""


Recogniser = Callable[[bytes], bool]


def is_our_html(head: bytes) -> bool:
    return GENERATOR_META.encode() in head


def is_our_jsonl(head: bytes) -> bool:
    """An entities/relationships export: JSON objects with ``_key``, one a line."""
    first = head.split(b"\n", 1)[0]
    try:
        obj = json.loads(first)
    except ValueError:
        return False
    return isinstance(obj, dict) and "_key" in obj and ("_type" in obj or "_class" in obj)


_J1_FILE = re.compile(rb'^\{\s*"(entities|relationships|counts)"\s*:')


def is_our_j1_json(head: bytes) -> bool:
    """A ``.j1-integration`` batch (``{"entities": [...]}``) or its ``summary.json``."""
    return bool(_J1_FILE.match(head))


def mark_html(text: str) -> str:
    """``text`` with awsgraph's generator meta tag, so a later run recognises the page as its own."""
    if GENERATOR_META in text:
        return text
    m = re.search(r"<head[^>]*>", text, re.IGNORECASE)
    if m:
        return f"{text[:m.end()]}\n{GENERATOR_META}{text[m.end():]}"
    m = re.match(r"\s*<!doctype[^>]*>", text, re.IGNORECASE)
    cut = m.end() if m else 0
    return f"{text[:cut]}\n{GENERATOR_META}\n{text[cut:]}" if cut else f"{GENERATOR_META}\n{text}"


def _check_target(path: Path, ours: Recogniser, force: bool) -> None:
    try:
        st = path.lstat()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    if stat.S_ISLNK(st.st_mode):
        if force:
            return  # replaced by the rename below: the link goes, its target is never written
        raise OutputError(f"refusing to write {path}: it is a symlink (use --force to replace the link itself)")
    if stat.S_ISDIR(st.st_mode):
        raise OutputError(f"cannot write {path}: it is a directory")
    if not stat.S_ISREG(st.st_mode):
        raise OutputError(f"refusing to write {path}: it is not a regular file")
    if force or st.st_size == 0:
        return
    try:
        with open(path, "rb") as fh:
            head = fh.read(_HEAD_BYTES)
    except OSError as exc:
        raise OutputError(f"refusing to overwrite {path}: cannot read it ({exc.strerror or exc})") from None
    if not ours(head):
        raise OutputError(f"refusing to overwrite {path}: awsgraph did not write it (use --force to replace it)")


@contextlib.contextmanager
def private_file(path: str | Path, *, ours: Recogniser, force: bool = False) -> Iterator[IO[str]]:
    """A text file to write ``path`` through, under the rules of this module: it is a 0600
    temporary file beside ``path``, renamed into place when the block ends without an error."""
    target = Path(path)
    _check_target(target, ours, force)
    directory = target.parent
    if not directory.is_dir():
        raise OutputError(f"cannot write {path}: no directory {directory}")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        os.fchmod(fd, 0o600)  # mkstemp makes 0600 already; the umask can only narrow it
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            yield fh
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
        raise


def write_private(path: str | Path, text: str, *, ours: Recogniser, force: bool = False) -> None:
    """Write ``text`` to ``path`` as a 0600 file, under the rules of this module."""
    with private_file(path, ours=ours, force=force) as fh:
        fh.write(text)


def write_html(path: str | Path, text: str, *, force: bool = False) -> None:
    """An HTML page awsgraph renders (report, graph): marked as ours, written privately."""
    write_private(path, mark_html(text), ours=is_our_html, force=force)


def private_dir(path: str | Path, *, force: bool = False) -> Path:
    """An output directory: created 0700 if absent; a symlink or a file in the way is refused."""
    directory = Path(path)
    try:
        st = directory.lstat()
    except FileNotFoundError:
        try:
            directory.mkdir(mode=0o700, parents=True)
            os.chmod(directory, 0o700)
        except OSError as exc:
            raise OutputError(f"cannot create directory {path}: {exc.strerror or exc}") from None
        return directory
    except OSError as exc:
        raise OutputError(f"cannot use {path}: {exc.strerror or exc}") from None
    if stat.S_ISLNK(st.st_mode) and not force:
        raise OutputError(f"refusing to write into {path}: it is a symlink (use --force to follow it)")
    if not directory.is_dir():
        raise OutputError(f"cannot write into {path}: a file is in the way, not a directory")
    return directory
