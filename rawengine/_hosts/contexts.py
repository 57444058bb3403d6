"""The docker CLI's context store, read as the CLI reads it (cli/context/store, cli/context/docker).

    <config>/contexts/meta/<sha256 hex of the name>/meta.json
    <config>/contexts/tls/<sha256 hex of the name>/docker/{ca,cert,key}.pem

`meta.json` keys are matched case-insensitively (Go decodes them so). `default` exists nowhere
on disk: it is computed from arguments and environment (`resolve.py`).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass

__all__ = ["StoredContext", "context_dir_name", "read_context"]


@dataclass(frozen=True, slots=True)
class StoredContext:
    name: str
    host: str
    skip_tls_verify: bool
    tls_dir: str  # where its ca.pem, cert.pem and key.pem are, if it has any


def context_dir_name(name: str) -> str:
    """`digest.FromString(name).Encoded()`: the store names a context's folders by its sha256."""
    return hashlib.sha256(name.encode()).hexdigest()


def _get(mapping: object, key: str) -> object:
    if not isinstance(mapping, dict):
        return None
    for name, value in mapping.items():
        if isinstance(name, str) and name.lower() == key.lower():
            return value
    return None


def read_context(contexts_dir: str, name: str) -> StoredContext:
    """The stored context `name`; `ValueError` with the CLI's wording when it does not exist."""
    digest = context_dir_name(name)
    meta_path = os.path.join(contexts_dir, "meta", digest, "meta.json")
    try:
        with open(meta_path, "rb") as file:
            meta = json.load(file)
    except FileNotFoundError:
        raise ValueError(f'context "{name}": context not found: open {meta_path}: no such file or directory') from None
    except (OSError, ValueError) as exc:
        raise ValueError(f'context "{name}": cannot read {meta_path}: {exc}') from exc
    docker = _get(_get(meta, "Endpoints"), "docker")
    host = _get(docker, "Host")
    skip = _get(docker, "SkipTLSVerify")
    return StoredContext(
        name=name,
        host=host if isinstance(host, str) else "",
        skip_tls_verify=skip is True,
        tls_dir=os.path.join(contexts_dir, "tls", digest, "docker"),
    )
