"""Layer calls: a container's changes, commit, image history; and the repository/tag grammar a commit checks."""

from __future__ import annotations

import re
from collections.abc import Sequence

import msgspec

from .._models.containers import ContainerConfig
from .._models.layers import Change, HistoryRow
from . import JSON, Request, encode_query, json_body, quote_name, quote_ref

__all__ = ["CHANGES", "COMMITTED", "HISTORY", "changes", "commit", "history", "reference_error"]

CHANGES = msgspec.json.Decoder(list[Change] | None)  # Docker sends null for "no changes"
HISTORY = msgspec.json.Decoder(list[HistoryRow])


class Committed(msgspec.Struct, frozen=True, rename="pascal"):
    id: str


COMMITTED = msgspec.json.Decoder(Committed)


def changes(container: str) -> Request:
    return Request("GET", f"/containers/{quote_name(container, 'container id or name')}/changes")


def commit(
    container: str,
    *,
    repo: str | None = None,
    tag: str | None = None,
    author: str | None = None,
    comment: str | None = None,
    changes: Sequence[str] | None = None,
    pause: bool = True,
    config: ContainerConfig | None = None,
) -> Request:
    quote_name(container, "container id or name")  # the same check as every path: a non-empty string
    if tag and not repo:
        raise ValueError(f"a commit tag ({tag!r}) needs a repo to tag: pass repo= as well")
    query = encode_query(
        {
            "container": container,
            "repo": repo or None,
            "tag": tag or None,
            "author": author,
            "comment": comment,
            "pause": pause,
            "changes": list(changes) if changes else None,
        }
    )
    # Podman answers 500 `Decode(): EOF` without a JSON body: always send one, `{}` at least.
    body = json_body(config) if config is not None else b"{}"
    # Writing a large container's layer takes a while: allow it beyond the usual reply bound.
    return Request("POST", "/commit", query, body, JSON, extra_time=600.0)


def history(image: str) -> Request:
    return Request("GET", f"/images/{quote_ref(image)}/history")


# ------------------------------------------------------------ repository and tag grammar
#
# Docker 20.10 tags a commit only after writing the image, so a repository or tag it then refuses
# leaves an untagged image behind (engine-api-notes.md, /commit). Newer Docker checks first and
# answers 400 with these same messages; this is that check, from the distribution `reference`
# grammar (`reference/regexp.go`, `normalize.go`) as Docker 20.10 vendors it.

_ALPHA_NUMERIC = r"[a-z0-9]+"
_SEPARATOR = r"(?:[._]|__|-+)"
_PATH_COMPONENT = rf"{_ALPHA_NUMERIC}(?:{_SEPARATOR}{_ALPHA_NUMERIC})*"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = rf"{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*(?::[0-9]+)?"
_NAME = rf"(?:{_DOMAIN}/)?{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*"
_TAG_PATTERN = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"

_REFERENCE = re.compile(rf"({_NAME})(?::({_TAG_PATTERN}))?(?:@({_DIGEST}))?")
_TAG = re.compile(_TAG_PATTERN)
_HEX_ID = re.compile(r"[a-f0-9]{64}")
_NAME_TOTAL_LENGTH_MAX = 255


def _split_domain(name: str) -> tuple[str, str]:
    first, slash, rest = name.partition("/")
    if not slash or ("." not in first and ":" not in first and first != "localhost"):
        return "docker.io", name if slash else "library/" + name
    return first, rest


def reference_error(repo: str, tag: str | None) -> str | None:
    """Docker's own message for a repository/tag pair it would refuse, or `None` when it is valid."""
    if _HEX_ID.fullmatch(repo):
        return f"invalid repository name ({repo}), cannot specify 64-byte hexadecimal strings"
    domain, remainder = _split_domain(repo)
    remote_name = remainder.partition(":")[0]
    if remote_name.lower() != remote_name:
        return "invalid reference format: repository name must be lowercase"
    full = f"{domain}/{remainder}"
    match = _REFERENCE.fullmatch(full)
    if match is None:
        if _REFERENCE.fullmatch(full.lower()):
            return "invalid reference format: repository name must be lowercase"
        return "invalid reference format"
    if len(match[1]) > _NAME_TOTAL_LENGTH_MAX:
        return f"repository name must not be more than {_NAME_TOTAL_LENGTH_MAX} characters"
    if match[3]:
        return "cannot import digest reference"
    if tag and not _TAG.fullmatch(tag):
        return "invalid tag format"
    return None
