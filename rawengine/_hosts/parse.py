"""`opts.ParseHost` of the docker CLI (opts/hosts.go), rule for rule.

- An empty host is `unix:///var/run/docker.sock`, or `tcp://localhost:2376` when TLS is on.
- `host:port` without a scheme is `tcp://`.
- `tcp://`: a missing host is `localhost` and a missing port **2375, even with TLS on**; a path
  after the address is kept (the API base path).
- `unix://` without a path is the default socket; `ssh://` and `fd://` pass through unchanged.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

__all__ = ["DEFAULT_TCP_PORT", "DEFAULT_TLS_HOST", "DEFAULT_UNIX_HOST", "parse_host"]

DEFAULT_UNIX_HOST = "unix:///var/run/docker.sock"
DEFAULT_TLS_HOST = "tcp://localhost:2376"
DEFAULT_TCP_PORT = "2375"


def parse_host(value: str, *, default_to_tls: bool) -> str:
    """The host as the CLI normalises it; `ValueError` with the CLI's message for what it refuses."""
    host = value.strip()
    if not host:
        return DEFAULT_TLS_HOST if default_to_tls else DEFAULT_UNIX_HOST
    proto, sep, rest = host.partition("://")
    if not sep:
        proto, rest = "tcp", proto
    if proto == "tcp":
        return _parse_tcp(rest)
    if proto == "unix":
        if "://" in rest:
            raise ValueError(f"invalid proto, expected unix: {rest}")
        return "unix://" + (rest or "/var/run/docker.sock")
    if proto in ("fd", "ssh"):
        return host
    raise ValueError(
        f"unsupported engine host {host!r}: use unix:///path/to/socket, a socket path, or tcp://host:port"
        f" (the docker CLI: invalid bind address format: {host})"
    )


_HOST_PORT = re.compile(r"^(?:\[(?P<v6>[^\]]*)\]|(?P<name>[^:\[\]]*)):(?P<port>[^:\[\]]*)$")


def _split_host_port(hostport: str) -> tuple[str, str] | None:
    """Go's `net.SplitHostPort`: `None` where it fails (no port, too many colons, stray brackets)."""
    match = _HOST_PORT.match(hostport)
    if match is None:
        return None
    host = match["v6"] if match["v6"] is not None else match["name"]
    return host, match["port"]


def _join_host_port(host: str, port: str) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _parse_tcp(address: str) -> str:
    if not address:
        return f"tcp://localhost:{DEFAULT_TCP_PORT}"
    if "://" in address:
        raise ValueError(f"invalid proto, expected tcp: {address}")
    try:
        parts = urlsplit("tcp://" + address)
    except ValueError as exc:
        raise ValueError(f"invalid bind address format: {address}") from exc
    netloc = parts.netloc.rpartition("@")[2]
    split = _split_host_port(netloc) or _split_host_port(_join_host_port(netloc, DEFAULT_TCP_PORT))
    if split is None:
        raise ValueError(f"invalid bind address format: {address}")
    host, port = split
    port = port or DEFAULT_TCP_PORT
    if not port.isdigit():
        raise ValueError(f"invalid bind address format: {address}")
    return "tcp://" + _join_host_port(host or "localhost", port) + parts.path
