"""Archive calls: put a tar into a container, get a path out as a tar, stat a path (HEAD).

All three carry `Accept-Encoding: identity`: Docker gzips the GET body whenever the request
allows it (moby `writeCompressedResponse`), and rawengine hands out the tar as it is.
"""

from __future__ import annotations

from collections.abc import AsyncIterable

from . import TAR, Request, encode_query, quote_name

__all__ = ["get", "put", "stat"]

_IDENTITY = (("Accept-Encoding", "identity"),)


def _target(container: str) -> str:
    return f"/containers/{quote_name(container, 'container id or name')}/archive"


def _path_query(path: str) -> dict[str, str]:
    if not isinstance(path, str) or not path:
        raise ValueError(f"the path in the container must be a non-empty string, not {path!r}")
    if "\x00" in path:
        raise ValueError("the path in the container must not contain NUL")
    return {"path": path}


def put(
    container: str,
    path: str,
    body: bytes | AsyncIterable[bytes],
    *,
    no_overwrite_dir_non_dir: bool = False,
    copy_uid_gid: bool = False,
) -> Request:
    """`PUT /containers/{id}/archive?path=DIR`: extract the tar `body` into directory `path`."""
    query = encode_query(
        {
            **_path_query(path),
            "noOverwriteDirNonDir": no_overwrite_dir_non_dir or None,
            "copyUIDGID": copy_uid_gid or None,
        }
    )
    # The engine answers only after extracting everything: allow time for a large archive.
    return Request("PUT", _target(container), query, body, TAR, _IDENTITY, extra_time=600.0)


def get(container: str, path: str) -> Request:
    """`GET /containers/{id}/archive?path=P`: `path` as a tar, its stat in a header."""
    return Request("GET", _target(container), encode_query(_path_query(path)), headers=_IDENTITY)


def stat(container: str, path: str) -> Request:
    """`HEAD /containers/{id}/archive?path=P`: only the stat header."""
    return Request("HEAD", _target(container), encode_query(_path_query(path)), headers=_IDENTITY)
