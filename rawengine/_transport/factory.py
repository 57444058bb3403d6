"""From a resolved `Endpoint` (`rawengine._hosts`) to the transport that reaches it.

`unix://` and `tcp://` (plain or TLS) go through rawengine's own HTTP/1.1 pool; an
`httpx.AsyncClient` handed in by the user goes through `HttpxTransport` (proxies, custom auth,
whatever httpx offers), and anything implementing `Transport` is used as it is.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from .._hosts import Endpoint
from .._hosts.resolve import TlsFiles
from .connectors import TcpConnector
from .interface import Transport
from .pool import HttpTransport, UnixTransport
from .tls import tls_context

__all__ = ["adopt", "transport_for"]


def _tcp_address(host: str) -> tuple[str, int]:
    parts = urlsplit(host)
    if parts.path not in ("", "/"):
        raise ValueError(f"{host}: an API base path after the address is not supported by rawengine")
    if parts.hostname is None or parts.port is None:
        raise ValueError(f"{host}: a tcp:// host needs an address and a port")
    return parts.hostname, parts.port


def transport_for(
    endpoint: Endpoint, *, max_connections: int, connect_timeout: float, response_timeout: float | None
) -> Transport:
    host = endpoint.host
    if host.startswith("unix://"):
        return UnixTransport(
            host[len("unix://") :],
            max_connections=max_connections,
            connect_timeout=connect_timeout,
            response_timeout=response_timeout,
        )
    if host.startswith("tcp://"):
        address, port = _tcp_address(host)
        tls: TlsFiles | None = endpoint.tls
        context = None if tls is None else tls_context(tls.ca_file, tls.cert_file, tls.key_file, verify=tls.verify)
        return HttpTransport(
            TcpConnector(address, port, context),
            max_connections=max_connections,
            connect_timeout=connect_timeout,
            response_timeout=response_timeout,
        )
    raise ValueError(f"unsupported engine host {host!r}: rawengine reaches unix:// and tcp:// hosts")


def adopt(transport: object) -> Transport:
    """A `Transport` as it is; an `httpx.AsyncClient` wrapped in `HttpxTransport`."""
    if all(hasattr(transport, name) for name in ("request", "stream", "upgrade", "aclose")):
        return transport  # type: ignore[return-value]
    import httpx

    if isinstance(transport, httpx.AsyncClient):
        from .httpx_transport import HttpxTransport

        return HttpxTransport(transport)
    raise TypeError(
        f"transport must implement rawengine's Transport protocol or be an httpx.AsyncClient, not {transport!r}"
    )
