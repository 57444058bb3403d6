"""A build context from a directory: a tar of its files, minus what `.dockerignore` excludes.

Blocking (file system work): the Engine runs `tar_context` in a worker thread. The tar is
written to a spooled temporary file (memory while small, disk beyond) that the Engine owns and
closes, so a large context is never held in memory whole. It follows the Docker CLI: owners
are root (0:0), symlinks are kept as links, and the Dockerfile and `.dockerignore` are sent
even when `.dockerignore` excludes them.

`.dockerignore` patterns follow moby's `patternmatcher`: `*` and `?` stay inside one path
segment, `**` spans any number of them, a pattern also excludes everything below a directory it
matches, `!` re-includes, and the last matching pattern wins.
"""

from __future__ import annotations

import os
import posixpath
import re
import tarfile
import tempfile
from collections.abc import Iterable
from typing import IO

__all__ = ["IgnoreRules", "spool", "tar_context"]

_SPOOL_SIZE = 8 * 1024 * 1024
_REGEX_SPECIAL = set(".+()|{}$^")


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    """moby `patternmatcher.Pattern.compile`, for `/`-separated paths."""
    out = ["^"]
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        i += 1
        if ch == "*":
            if i < n and pattern[i] == "*":
                i += 1
                if i < n and pattern[i] == "/":
                    i += 1
                out.append(".*" if i >= n else "(.*/)?")
            else:
                out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch in _REGEX_SPECIAL:
            out.append("\\" + ch)
        elif ch == "\\":
            if i < n:
                out.append(re.escape(pattern[i]))
                i += 1
            else:
                out.append("\\\\")
        else:
            out.append(ch)
    out.append("$")
    return re.compile("".join(out), re.DOTALL)


class IgnoreRules:
    """The patterns of a `.dockerignore`, matched against `/`-separated paths relative to the context."""

    def __init__(self, patterns: Iterable[str]) -> None:
        self._rules: list[tuple[re.Pattern[str], int, bool]] = []
        for raw in patterns:
            text = raw.strip()
            if not text or text.startswith("#"):
                continue
            exclusion = text.startswith("!")
            if exclusion:
                text = text[1:].strip()
            text = posixpath.normpath(text.replace(os.sep, "/"))
            if len(text) > 1 and text.startswith("/"):
                text = text.lstrip("/")
            if text in (".", "/"):
                continue
            self._rules.append((_pattern_regex(text), text.count("/") + 1, exclusion))

    @classmethod
    def read(cls, directory: str | os.PathLike[str]) -> IgnoreRules:
        """The rules of `directory/.dockerignore` (none if there is no such file)."""
        try:
            with open(os.path.join(directory, ".dockerignore"), encoding="utf-8") as file:
                return cls(file.read().splitlines())
        except FileNotFoundError:
            return cls(())

    @property
    def has_exceptions(self) -> bool:
        return any(exclusion for _, _, exclusion in self._rules)

    def keep(self, *names: str) -> IgnoreRules:
        """These rules plus `!name` for each excluded name (the CLI always sends its build files)."""
        rules = IgnoreRules(())
        rules._rules = list(self._rules)
        for name in names:
            if self.excludes(name):
                rules._rules += IgnoreRules(["!" + name])._rules
        return rules

    def excludes(self, path: str) -> bool:
        """Whether `path` (relative, `/`-separated) is left out of the context."""
        parts = path.split("/")
        excluded = False
        for regex, depth, exclusion in self._rules:
            matched = regex.match(path) is not None
            if not matched and len(parts) > 1 and depth < len(parts):
                matched = regex.match("/".join(parts[:depth])) is not None  # a parent directory matched
            if matched:
                excluded = not exclusion
        return excluded


def spool() -> IO[bytes]:
    """A temporary file for a context tar: in memory up to 8 MiB, on disk beyond."""
    return tempfile.SpooledTemporaryFile(max_size=_SPOOL_SIZE)


def tar_context(directory: str | os.PathLike[str], into: IO[bytes], *, dockerfile: str = "Dockerfile") -> None:
    """Write the tar of `directory` for `POST /build` into `into`, and rewind it."""
    root = os.fspath(directory)
    if not os.path.isdir(root):
        raise NotADirectoryError(f"a build context must be a directory: {root!r}")
    rules = IgnoreRules.read(root).keep(".dockerignore", posixpath.normpath(dockerfile.replace(os.sep, "/")))
    with tarfile.open(fileobj=into, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path, relative in _walk(root, rules):
            info: tarfile.TarInfo | None = tar.gettarinfo(path, arcname=relative)  # None: a socket
            if info is None:
                continue
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            if info.isfile():
                with open(path, "rb") as file:
                    tar.addfile(info, file)
            else:
                tar.addfile(info)
    into.seek(0)


def _walk(root: str, rules: IgnoreRules) -> Iterable[tuple[str, str]]:
    """`(path, relative path)` for every entry to send, parents before children, in a stable order."""
    descend_excluded = rules.has_exceptions  # a `!pattern` may re-include something below
    pending = [("", root)]
    while pending:
        relative_dir, directory = pending.pop()
        with os.scandir(directory) as entries:
            children = sorted(entries, key=lambda entry: entry.name)
        subdirectories = []
        for entry in children:
            relative = f"{relative_dir}/{entry.name}" if relative_dir else entry.name
            excluded = rules.excludes(relative)
            if not excluded:
                yield entry.path, relative
            if entry.is_dir(follow_symlinks=False) and (not excluded or descend_excluded):
                subdirectories.append((relative, entry.path))
        pending.extend(reversed(subdirectories))
