"""The transport: everything that moves bytes between rawengine and an engine.

Modules, in dependency order (none imports one listed after it):

- `interface.py`: the `Transport` protocol, `Response`, the stream protocols, `Connection`.
- `errors.py`: transport exceptions and the mapping of socket errors.
- `sockets.py`, `timerfd.py`: what both socket connections share; trio's deadline timer.
- `loop_connection.py` (asyncio), `trio_connection.py` (trio): one socket, as a `Connection`.
- `tls.py`: TLS over a socket connection (`SSLObject`), with a real half-close; `tls_context()`.
- `connectors.py`: open a connection (Unix socket, TCP, TLS).
- `exchange.py`: one HTTP exchange, and streamed and hijacked replies (via `ConnectionOwner`).
- `pool.py`: `HttpTransport`, the keep-alive pool and the plain-request loop.
- `factory.py`: the transport for a resolved `Endpoint`, or for a user's `httpx.AsyncClient`.
- `httpx_transport.py`: the same protocol over an `httpx.AsyncClient` (imported on demand).

The rest of rawengine imports from this package only.
"""

from .errors import EngineTimeoutError
from .factory import adopt, transport_for
from .interface import Body, Headers, Response, StreamingResponse, Transport, UpgradedStream
from .pool import HttpTransport, UnixTransport

__all__ = [
    "Body",
    "EngineTimeoutError",
    "Headers",
    "HttpTransport",
    "Response",
    "StreamingResponse",
    "Transport",
    "UnixTransport",
    "UpgradedStream",
    "adopt",
    "transport_for",
]
