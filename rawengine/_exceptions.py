"""Everything rawengine raises on purpose, and the pure mapping from a reply to an error.

```
EngineError                  base for everything rawengine raises on purpose
├── TransportError           bytes could not be exchanged with the engine (connection dropped, reset)
│   └── ConnectError         the socket is missing, refuses connections, or is not permitted
├── ProtocolError            the engine's bytes broke HTTP, a frame header, JSON, or a typed model
├── APIError                 a non-2xx reply: .status_code, .message, .method, .path
│   ├── BadRequestError      400 (and Podman's 500 where Docker answers 400)
│   ├── NotFoundError        404
│   ├── ConflictError        409 (and Podman's 500 where Docker answers 409)
│   ├── AuthenticationError  the registry refused the credentials (Podman's 500 for a 401 too)
│   └── ServerError          5xx
├── StreamError              the engine reported a failure inside a stream after a 200/101:
│                            a JSON line with "error"/"errorDetail", or a type-3 frame
├── UnsafeArchiveError       a tar member would land outside the folder it is copied into
├── CredentialsError         registry credentials could not be read (helper missing, failing, slow)
└── UnsupportedError         this engine (or API version) does not implement the call or option:
                             .feature, .engine, .api_version; nothing was changed
```

Cancellation (anyio, asyncio, trio) is never wrapped: it passes through untouched.
Mistakes in how the library is used (a closed Engine, a consumed stream) raise `RuntimeError`,
which is not an `EngineError`, because they are bugs to fix rather than conditions to handle.
"""

from __future__ import annotations

import msgspec

__all__ = [
    "APIError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "ConnectError",
    "CredentialsError",
    "EngineError",
    "NotFoundError",
    "ProtocolError",
    "ServerError",
    "StreamError",
    "TransportError",
    "UnsafeArchiveError",
    "UnsupportedError",
    "error_from_response",
]


class EngineError(Exception):
    """Base class of every error rawengine raises on purpose."""


class TransportError(EngineError):
    """Bytes could not be exchanged with the engine: the connection broke or was reset."""


class ConnectError(TransportError):
    """No connection could be made: the socket is missing, refuses connections, or is not permitted."""


class ProtocolError(EngineError):
    """The engine's bytes broke the expected format (HTTP, frame header, JSON, or a typed model)."""


class APIError(EngineError):
    """The engine answered with an error status.

    `str(error)` reads `"404 GET /containers/abc/json: No such container: abc"`.
    """

    def __init__(self, message: str, *, status_code: int, method: str, path: str) -> None:
        super().__init__(f"{status_code} {method} {path}: {message}")
        self.message = message
        self.status_code = status_code
        self.method = method
        self.path = path

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild_api_error, (type(self), self.message, self.status_code, self.method, self.path))


def _rebuild_api_error(cls: type[APIError], message: str, status_code: int, method: str, path: str) -> APIError:
    return cls(message, status_code=status_code, method=method, path=path)


class BadRequestError(APIError):
    """400: the engine rejected the request's parameters or body."""


class NotFoundError(APIError):
    """404: no such container, image, exec instance or route."""


class ConflictError(APIError):
    """409: the request conflicts with the object's state (name in use, not running, in use)."""


class ServerError(APIError):
    """5xx: the engine failed for a reason of its own."""


class StreamError(EngineError):
    """The engine reported a failure inside a stream it had already started (200 or 101).

    `.message` is the engine's own text; `.detail` holds the `errorDetail` object when one was sent.
    """

    def __init__(self, message: str, *, detail: dict[str, object] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail or {}


class UnsupportedError(EngineError):
    """The engine does not implement this call or option (say Podman 4.3 and `update_container`).

    Raised before anything is changed. `.feature` names what was asked, `.engine` the engine
    (`"docker"`, `"podman 4.3.1"`), `.api_version` the API version in use.
    """

    def __init__(self, feature: str, *, engine: str, api_version: str | None, hint: str = "") -> None:
        text = f"{feature} is not supported by {engine} (API {api_version or 'unknown'})"
        super().__init__(f"{text}: {hint}" if hint else text)
        self.feature = feature
        self.engine = engine
        self.api_version = api_version
        self.hint = hint

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild_unsupported, (self.feature, self.engine, self.api_version, self.hint))


def _rebuild_unsupported(feature: str, engine: str, api_version: str | None, hint: str) -> UnsupportedError:
    return UnsupportedError(feature, engine=engine, api_version=api_version, hint=hint)


class _ErrorBody(msgspec.Struct):
    message: str


_ERROR_BODY = msgspec.json.Decoder(_ErrorBody)

_BY_STATUS: dict[int, type[APIError]] = {400: BadRequestError, 404: NotFoundError, 409: ConflictError}

# Podman's compat API answers 500 where Docker answers 409 or 400 (engine-api-notes.md, 1.1).
# These phrases come from Podman's own error texts and mean exactly one thing each.
_PODMAN_CONFLICT = (
    "is already in use",
    "container state improper",
    "exec session state improper",
    "is not running",
    "image is in use",
    "image used by",
    "is being used by",
    "must be forced",
    "has dependent",
    "network already exists",  # Podman < 4.5: network create with a name in use
    "network is being used",  # Podman: network remove while containers use it
    "is not connected to network",  # both engines (500): disconnect a container that is not attached
    "is not paused",  # Docker 20.10 (500): unpause a container that is not paused
    "is already connected to network",  # Podman: network connect of a container attached already
    "is already allocated",  # Podman: network connect with a static address another container has
)
_PODMAN_NOT_FOUND = (
    "layer not known",  # GET /containers/{id}/changes of an unknown container (Podman 4.3)
)
_PODMAN_BAD_REQUEST = (
    "invalid signal",
    "no exec command specified",
    "must provide a non-empty command",
    "invalid reference format",
    "not a valid repository",
    "repository name must be",
    "invalid argument",
    "unknown capability",
    "invalid ulimit",
    "is not a valid",
)


def _message_of(body: bytes, status_code: int) -> str:
    try:
        message = _ERROR_BODY.decode(body).message
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        message = body.decode("utf-8", "replace").strip()
    return message.strip() or f"HTTP {status_code} with no message"


def _class_for(status_code: int, message: str) -> type[APIError]:
    cls = _BY_STATUS.get(status_code)
    if cls is not None:
        return cls
    if status_code >= 500:
        lowered = message.lower()
        if any(phrase in lowered for phrase in _PODMAN_NOT_FOUND):
            return NotFoundError
        if any(phrase in lowered for phrase in _PODMAN_CONFLICT):
            return ConflictError
        if any(phrase in lowered for phrase in _PODMAN_BAD_REQUEST):
            return BadRequestError
        return ServerError
    return APIError


def error_from_response(status_code: int, body: bytes, *, method: str, path: str) -> APIError:
    """Build the error for a non-2xx reply. Pure: status and body bytes in, exception out."""
    message = _message_of(body, status_code)
    return _class_for(status_code, message)(message, status_code=status_code, method=method, path=path)


class UnsafeArchiveError(EngineError):
    """A tar from the engine holds a member that would land outside the folder it is copied into.

    Raised by `copy_from_container` for absolute names, `..`, links pointing out, devices, or a
    write through a symlink; nothing of that member was written.
    """


class AuthenticationError(APIError):
    """The registry refused the credentials (Docker's 401; Podman answers `/auth` with a 500)."""


class CredentialsError(EngineError):
    """Registry credentials could not be read: a credential helper is missing, failed or timed out,
    or `config.json` is broken. The message never holds a secret."""
