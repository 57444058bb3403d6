"""Which engine to talk to, decided exactly as the docker CLI decides it (cli/command/cli.go).

    0. a host and a context both given: an error
    1. the `context` argument            -> that context
    2. the `host` argument               -> context `default`, that host
    3. DOCKER_HOST (non-empty)           -> context `default`, that host
    4. DOCKER_CONTEXT (non-empty)        -> that context (it may be `default`)
    5. `currentContext` in config.json   -> that context
    6. otherwise                         -> `default`: unix:///var/run/docker.sock

The config folder is the `config_dir` argument, else `DOCKER_CONFIG`, else `$HOME/.docker`.
The `default` context takes TLS from the environment: on when `DOCKER_TLS` or
`DOCKER_TLS_VERIFY` is non-empty (any value, even `0`), verifying only with `DOCKER_TLS_VERIFY`,
files `ca.pem`, `cert.pem`, `key.pem` in `DOCKER_CERT_PATH` (default: `DOCKER_CONFIG`, else
`$HOME/.docker`; the CA must exist, a missing cert or key is dropped). A stored context uses TLS
when it has TLS files or `SkipTLSVerify`. `resolve` reads only its arguments, the mapping given
as the environment, and files.
"""

from __future__ import annotations

import json
import os
import pwd
from collections.abc import Mapping
from dataclasses import dataclass

from .contexts import read_context
from .parse import parse_host

__all__ = ["Endpoint", "TlsFiles", "config_dir_of", "endpoint_for", "resolve"]


@dataclass(frozen=True, slots=True)
class TlsFiles:
    """TLS for a TCP engine: PEM files (any may be absent) and whether to verify the engine."""

    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    verify: bool = True


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A resolved engine: the context it came from, the host URL, and TLS (`None`: plain)."""

    context: str
    host: str
    tls: TlsFiles | None = None

    @property
    def uses_tls(self) -> bool:
        """Whether the connection is TLS: a `tcp://` host with TLS settings (unix, ssh, fd never)."""
        return self.tls is not None and self.host.startswith("tcp://")


def _home(env: Mapping[str, str]) -> str:
    home = env.get("HOME")
    if home:
        return home
    try:
        return pwd.getpwuid(os.getuid()).pw_dir
    except KeyError:
        return "/"


def config_dir_of(env: Mapping[str, str]) -> str:
    """`DOCKER_CONFIG`, else `$HOME/.docker` (cli/config.Dir)."""
    return env.get("DOCKER_CONFIG") or os.path.join(_home(env), ".docker")


def _current_context(config_dir: str) -> str:
    try:
        with open(os.path.join(config_dir, "config.json"), "rb") as file:
            config = json.load(file)
    except FileNotFoundError:
        return ""
    except (OSError, ValueError) as exc:
        raise ValueError(f"cannot read {os.path.join(config_dir, 'config.json')}: {exc}") from exc
    current = config.get("currentContext") if isinstance(config, dict) else None
    return current if isinstance(current, str) else ""


def _existing(path: str) -> str | None:
    return path if os.path.exists(path) else None


def _default_tls(env: Mapping[str, str]) -> TlsFiles | None:
    verify = bool(env.get("DOCKER_TLS_VERIFY"))
    if not (verify or env.get("DOCKER_TLS")):
        return None
    cert_path = env.get("DOCKER_CERT_PATH") or config_dir_of(env)
    ca = os.path.join(cert_path, "ca.pem")
    if not os.path.exists(ca):
        raise ValueError(f"open {ca}: no such file or directory")
    return TlsFiles(
        ca_file=ca,
        cert_file=_existing(os.path.join(cert_path, "cert.pem")),
        key_file=_existing(os.path.join(cert_path, "key.pem")),
        verify=verify,
    )


def _context_name(host: str | None, context: str | None, env: Mapping[str, str], config_dir: str) -> str:
    if context and host:
        raise ValueError("conflicting options: cannot specify both --host and --context")
    if context:
        return context
    if host or env.get("DOCKER_HOST"):
        return "default"
    return env.get("DOCKER_CONTEXT") or _current_context(config_dir) or "default"


def resolve(
    host: str | None = None,
    context: str | None = None,
    *,
    env: Mapping[str, str],
    config_dir: str | None = None,
) -> Endpoint:
    """The endpoint the docker CLI would use (`docker -H host` / `docker --context context`).

    Raises `ValueError` with the CLI's message where the CLI refuses: a host and a context
    both given, a host it cannot parse, a context that does not exist, a missing CA file.
    """
    config_dir = config_dir or config_dir_of(env)
    name = _context_name(host, context, env, config_dir)
    if name == "default":
        tls = _default_tls(env)
        return Endpoint("default", parse_host(host or env.get("DOCKER_HOST", ""), default_to_tls=tls is not None), tls)
    stored = read_context(os.path.join(config_dir, "contexts"), name)
    ca, cert, key = (_existing(os.path.join(stored.tls_dir, f)) for f in ("ca.pem", "cert.pem", "key.pem"))
    tls = None
    if ca or cert or key or stored.skip_tls_verify:
        tls = TlsFiles(ca, cert, key, verify=not stored.skip_tls_verify)
    return Endpoint(name, stored.host, tls)


def endpoint_for(host: str | None, context: str | None, env: Mapping[str, str]) -> Endpoint:
    """`Engine(host, context=...)`: the CLI's resolution, plus what rawengine also accepts as an
    explicit host: a bare socket path (`/run/x.sock`), `http://host:port` (plain TCP) and
    `https://host:port` (TLS verified against the system's roots, or `DOCKER_CERT_PATH`'s CA when
    TLS is set up in the environment)."""
    if host is not None and host.startswith("/"):
        host = "unix://" + host
    https = host is not None and host.startswith("https://")
    if host is not None and host.startswith(("http://", "https://")):
        host = "tcp://" + host.partition("://")[2]
    endpoint = resolve(host, context, env=env)
    if https and endpoint.tls is None:
        return Endpoint(endpoint.context, endpoint.host, TlsFiles())
    return endpoint
