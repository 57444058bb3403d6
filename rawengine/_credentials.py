"""Registry credentials, found the way the docker CLI finds them, and the headers that carry them.

Lookup for one registry (`docker/cli` `config/configfile`, docker-py `auth.py`):

1. `credHelpers[registry]` in `config.json`: run `docker-credential-<name> get`;
2. else `credsStore`: the same with that helper;
3. else (and when the helper has no entry) `auths[registry]`: `auth` (base64 `user:password`)
   or `identitytoken`.

`config.json` is `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. Keys may be URLs
(`https://index.docker.io/v1/`) or host names; Docker Hub answers to `docker.io`,
`index.docker.io`, `registry-1.docker.io` and that URL, and its helper key is the URL.

Secrets stay out of every `repr`, `str` and error message.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import anyio
import msgspec
from anyio.abc import ByteReceiveStream

from ._exceptions import CredentialsError

__all__ = [
    "DOCKER_HUB",
    "RegistryAuth",
    "all_credentials",
    "config_path",
    "find_credentials",
    "normalize_registry",
    "registry_of",
    "registry_auth_header",
    "registry_config_header",
]

DOCKER_HUB = "https://index.docker.io/v1/"
"""Docker Hub's key in `config.json` and the server URL its credential helpers are asked for."""
_HUB_NAMES = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"})
HELPER_TIMEOUT = 30.0
_NOT_FOUND = "credentials not found"


class RegistryAuth:
    """Credentials for one registry: a user name and password, or an identity or registry token.

    Its `repr` shows the registry and the user name, never the password or a token.
    """

    __slots__ = ("identitytoken", "password", "registrytoken", "serveraddress", "username")

    def __init__(
        self,
        username: str = "",
        password: str = "",
        serveraddress: str = "",
        *,
        identitytoken: str = "",
        registrytoken: str = "",
    ) -> None:
        self.username = username
        self.password = password
        self.serveraddress = serveraddress
        self.identitytoken = identitytoken
        self.registrytoken = registrytoken

    @classmethod
    def from_mapping(cls, value: Mapping[str, str]) -> RegistryAuth:
        """From `{"username": ..., "password": ..., "serveraddress": ...}` (keys in any case)."""
        lower = {str(key).lower(): str(item) for key, item in value.items()}
        return cls(
            lower.get("username", ""),
            lower.get("password", ""),
            lower.get("serveraddress", ""),
            identitytoken=lower.get("identitytoken", ""),
            registrytoken=lower.get("registrytoken", ""),
        )

    def to_json(self) -> dict[str, str]:
        """The AuthConfig object the engine reads (empty fields left out)."""
        fields = {
            "username": self.username,
            "password": self.password,
            "serveraddress": self.serveraddress,
            "identitytoken": self.identitytoken,
            "registrytoken": self.registrytoken,
        }
        return {key: value for key, value in fields.items() if value}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RegistryAuth) and self.to_json() == other.to_json()

    def __hash__(self) -> int:
        return hash(tuple(sorted(self.to_json().items())))

    def __repr__(self) -> str:
        secret = "token" if self.identitytoken or self.registrytoken else "password" if self.password else "none"
        return (
            f"RegistryAuth(serveraddress={self.serveraddress!r}, username={self.username!r}, secret=<{secret} hidden>)"
        )

    __str__ = __repr__

    def __reduce__(self) -> Any:
        raise TypeError("RegistryAuth is not picklable: it holds a secret")


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii")  # RFC 4648 section 5, padded


def registry_auth_header(auth: RegistryAuth | Mapping[str, str]) -> str:
    """`X-Registry-Auth`: padded base64url of the AuthConfig JSON. The engine ignores a header it
    cannot decode (and goes anonymous), so standard base64 (`+`, `/`) must never be sent."""
    if not isinstance(auth, RegistryAuth):
        auth = RegistryAuth.from_mapping(auth)
    return _b64url(msgspec.json.encode(auth.to_json()))


def registry_config_header(auths: Mapping[str, RegistryAuth | Mapping[str, str]]) -> str:
    """`X-Registry-Config` (build): padded base64url of `{registry: AuthConfig}`."""
    body = {
        registry: (auth if isinstance(auth, RegistryAuth) else RegistryAuth.from_mapping(auth)).to_json()
        for registry, auth in auths.items()
    }
    return _b64url(msgspec.json.encode(body))


def normalize_registry(name: str) -> str:
    """A `config.json` key or server address as the host it names; every Docker Hub spelling → `DOCKER_HUB`."""
    host = name.strip()
    for scheme in ("https://", "http://"):
        if host.startswith(scheme):
            host = host[len(scheme) :]
    host = host.split("/", 1)[0]
    return DOCKER_HUB if host in _HUB_NAMES else host


def registry_of(image: str) -> str:
    """The registry an image reference lives in (`DOCKER_HUB` for `busybox`, `user/app`)."""
    first, slash, _ = image.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        return normalize_registry(first)
    return DOCKER_HUB


def config_path() -> Path:
    """`$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`."""
    directory = os.environ.get("DOCKER_CONFIG")
    return Path(directory) / "config.json" if directory else Path.home() / ".docker" / "config.json"


class _AuthEntry(msgspec.Struct, frozen=True):
    auth: str = ""
    identitytoken: str = ""
    username: str = ""
    password: str = ""


class _ConfigFile(msgspec.Struct, frozen=True):
    auths: dict[str, _AuthEntry] = {}
    credsStore: str = ""
    credHelpers: dict[str, str] = {}


class _HelperReply(msgspec.Struct, frozen=True):
    ServerURL: str = ""
    Username: str = ""
    Secret: str = ""


async def _load_config(path: Path | None) -> _ConfigFile:
    path = path or config_path()
    try:
        data = await anyio.Path(path).read_bytes()
    except FileNotFoundError:
        return _ConfigFile()
    except OSError as exc:
        raise CredentialsError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        return msgspec.json.decode(data, type=_ConfigFile)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        # the decoder's message names a position, never the text it found
        raise CredentialsError(f"{path} is not a valid docker config file: {type(exc).__name__}") from None


def _from_entry(registry: str, entry: _AuthEntry) -> RegistryAuth | None:
    if entry.identitytoken:
        return RegistryAuth(serveraddress=registry, identitytoken=entry.identitytoken)
    if entry.auth:
        try:
            decoded = base64.b64decode(entry.auth, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise CredentialsError(
                f"the `auth` of {registry!r} in config.json is not base64 of user:password"
            ) from None
        username, colon, password = decoded.partition(":")
        if not colon:
            raise CredentialsError(f"the `auth` of {registry!r} in config.json is not base64 of user:password")
        return RegistryAuth(username, password, registry)
    if entry.username:
        return RegistryAuth(entry.username, entry.password, registry)
    return None


async def _read_all(stream: ByteReceiveStream | None, into: list[bytes]) -> None:
    if stream is None:
        return
    into.extend([chunk async for chunk in stream])


async def _ask_helper(program: str, registry: str) -> tuple[int, bytes, bytes]:
    """Run `program get` with the server on stdin; a helper that exits without reading it is fine."""
    async with await anyio.open_process([program, "get"]) as process:
        stdout: list[bytes] = []
        stderr: list[bytes] = []
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(_read_all, process.stdout, stdout)
            tasks.start_soon(_read_all, process.stderr, stderr)
            if process.stdin is not None:
                try:
                    await process.stdin.send(registry.encode() + b"\n")
                except (anyio.BrokenResourceError, anyio.ClosedResourceError, BrokenPipeError):
                    pass
                await process.stdin.aclose()
        return await process.wait(), b"".join(stdout), b"".join(stderr)


async def _run_helper(helper: str, registry: str, *, missing_ok: bool) -> RegistryAuth | None:
    program = f"docker-credential-{helper}"
    try:
        with anyio.fail_after(HELPER_TIMEOUT):
            returncode, stdout, stderr = await _ask_helper(program, registry)
    except FileNotFoundError:
        if missing_ok:
            return None
        raise CredentialsError(
            f"the credential helper {program} named in config.json is not on PATH: install it, or remove it "
            "from config.json (credsStore / credHelpers)"
        ) from None
    except TimeoutError:
        raise CredentialsError(f"{program} get did not answer within {HELPER_TIMEOUT:g}s") from None
    except OSError as exc:
        raise CredentialsError(f"cannot run {program}: {exc.strerror or exc}") from None
    output = (stdout + stderr).decode("utf-8", "replace")
    if returncode != 0:
        if _NOT_FOUND in output.lower():
            return None
        first = output.strip().splitlines()[0][:200] if output.strip() else "no message"
        raise CredentialsError(f"{program} get failed for {registry} (exit {returncode}): {first}")
    try:
        reply = msgspec.json.decode(stdout, type=_HelperReply)
    except (msgspec.DecodeError, msgspec.ValidationError):
        raise CredentialsError(f"{program} get printed something that is not its JSON reply") from None
    if reply.Username == "<token>":
        return RegistryAuth(serveraddress=registry, identitytoken=reply.Secret)
    return RegistryAuth(reply.Username, reply.Secret, registry)


async def find_credentials(
    registry: str, *, config: str | os.PathLike[str] | None = None, missing_ok: bool = False
) -> RegistryAuth | None:
    """The credentials `docker` would use for `registry` (a host, a URL or a Hub name), or `None`.

    `missing_ok` treats a helper that is not installed as having no entry (what rawengine does
    when it looks credentials up by itself for a pull, so that public pulls keep working).

    Raises:
        CredentialsError: a helper is missing (unless `missing_ok`), failed or took more than
            30 s, or config.json is unreadable.
    """
    key = normalize_registry(registry)
    file = await _load_config(Path(config) if config is not None else None)
    helper = next((name for reg, name in file.credHelpers.items() if normalize_registry(reg) == key), "")
    helper = helper or file.credsStore
    if helper:
        found = await _run_helper(helper, key, missing_ok=missing_ok)
        if found is not None:
            return found
    for name, entry in file.auths.items():
        if normalize_registry(name) == key:
            auth = _from_entry(key, entry)
            if auth is not None:
                return auth
    return None


async def all_credentials(
    *, config: str | os.PathLike[str] | None = None, missing_ok: bool = True
) -> dict[str, RegistryAuth]:
    """Every registry's credentials named in config.json (`auths` keys and `credHelpers`), for a build."""
    file = await _load_config(Path(config) if config is not None else None)
    found: dict[str, RegistryAuth] = {}
    for name in {normalize_registry(name) for name in (*file.auths, *file.credHelpers)}:
        auth = await find_credentials(name, config=config, missing_ok=missing_ok)
        if auth is not None:
            found[name] = auth
    return found
