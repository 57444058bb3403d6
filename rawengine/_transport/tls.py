"""TLS over either socket connection: an `ssl.SSLObject` and two memory BIOs, no other library.

Why not asyncio's SSL transport, anyio's `TLSStream` or `trio.SSLStream`: none can half-close
(asyncio's `can_write_eof()` is False, anyio's `send_eof()` raises, trio's has none), and an
exec's stdin EOF over TLS needs one: `send_eof()` here calls `SSLObject.unwrap()` once, which
queues a close_notify (and raises `SSLWantReadError`, waiting for the engine's), sends it, and
keeps reading until the engine's own close_notify or the end of the socket. That is what the Go
client does (`tls.Conn.CloseWrite`), and dockerd then closes the process's stdin while its
output keeps flowing. It also keeps the plain-request path as short as on a Unix socket: one
encrypt, one `send`, one `recv`, one decrypt.

Writes are serialised without a lock: a read may have to write (a TLS 1.3 KeyUpdate answer),
so whoever finds the outgoing BIO non-empty drains it unless another task is already draining
(that task's loop then sends the new records too, in order).

`tls_context()` builds the one `ssl.SSLContext` of an Engine from PEM files: the roots are the
given CA only (never the system's, `REQUESTS_CA_BUNDLE` or `SSL_CERT_FILE`, when a CA is given),
hostname verification on, TLS 1.2 at least, a client certificate when cert and key are given.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable

import anyio

from .._exceptions import ConnectError
from .interface import Connection
from .sockets import READ_SIZE, gather_reply

__all__ = ["TlsConnection", "handshake_error", "tls_context"]


def tls_context(
    ca_file: str | None = None, cert_file: str | None = None, key_file: str | None = None, *, verify: bool = True
) -> ssl.SSLContext:
    """The SSLContext for a TLS engine (`ValueError` for files that cannot be used)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # CERT_REQUIRED and check_hostname; no roots yet
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    elif ca_file:
        try:
            context.load_verify_locations(cafile=ca_file)
        except (OSError, ssl.SSLError) as exc:
            raise ValueError(f"cannot load the CA certificate {ca_file}: {exc}") from exc
    else:
        context.load_default_certs()
    if cert_file and key_file:
        try:
            with open(key_file, "rb") as file:
                encrypted = b"ENCRYPTED" in file.read()
        except OSError as exc:
            raise ValueError(f"cannot read the client key {key_file}: {exc}") from exc
        if encrypted:
            raise ValueError(f"the client key {key_file} is encrypted; the docker CLI refuses those too")
        try:
            context.load_cert_chain(cert_file, key_file)
        except (OSError, ssl.SSLError) as exc:
            raise ValueError(f"cannot load the client certificate {cert_file} with key {key_file}: {exc}") from exc
    return context


def handshake_error(url: str, exc: BaseException) -> ConnectError:
    """Which of certificate, hostname or handshake failed, in words."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        message = exc.verify_message or str(exc)
        if "mismatch" in message.lower():
            return ConnectError(
                f"TLS to the engine at {url} failed: hostname verification: the engine's certificate is not "
                f"valid for the host it was reached by ({message})"
            )
        return ConnectError(
            f"TLS to the engine at {url} failed: certificate verification: the engine's certificate is not "
            f"signed by the trusted CA ({message}); check the CA file (ca.pem, DOCKER_CERT_PATH or the context)"
        )
    if isinstance(exc, ssl.SSLError):
        reason = exc.reason or str(exc)
        hint = ""
        if reason == "WRONG_VERSION_NUMBER":
            hint = " (does the engine serve plain HTTP on this port? then drop TLS)"
        elif "CERTIFICATE_REQUIRED" in reason or "BAD_CERTIFICATE" in reason or "UNKNOWN_CA" in reason:
            hint = " (the engine refused the client certificate: give cert.pem and key.pem signed by its CA)"
        return ConnectError(f"TLS handshake with the engine at {url} failed: {reason}{hint}")
    return ConnectError(f"TLS handshake with the engine at {url} failed: the engine closed the connection ({exc!r})")


class TlsConnection:
    """A `Connection` that encrypts through an `SSLObject` over another (socket) `Connection`."""

    __slots__ = (
        "_draining",
        "_held",
        "_incoming",
        "_obj",
        "_outgoing",
        "_peer_closed",
        "_unwrapped",
        "_url",
        "confirmed",
        "inner",
        "reused",
    )

    def __init__(self, inner: Connection, context: ssl.SSLContext, server_hostname: str | None, url: str) -> None:
        self.inner = inner
        self._url = url
        self.confirmed = False  # application data came: the engine accepted the handshake
        self._incoming = ssl.MemoryBIO()
        self._outgoing = ssl.MemoryBIO()
        self._obj = context.wrap_bio(self._incoming, self._outgoing, server_hostname=server_hostname)
        self._draining = False
        self._unwrapped = False
        self._peer_closed = False  # the engine's close_notify came: nothing more will
        self._held = b""  # plaintext decrypted before `send_eof` and not yet returned
        self.reused = False

    @property
    def expired(self) -> bool:
        return self.inner.expired

    @property
    def waits(self) -> int:
        return self.inner.waits

    @property
    def version(self) -> str | None:
        """The TLS version agreed (`"TLSv1.3"`), once the handshake is done."""
        return self._obj.version()

    async def handshake(self) -> None:
        """Complete the handshake (`ssl.SSLError` or `OSError` when it fails; the caller maps it)."""
        obj = self._obj
        while True:
            try:
                obj.do_handshake()
                break
            except ssl.SSLWantReadError:
                await self._drain()
                data = await self.inner.receive()
                if data:
                    self._incoming.write(data)
                else:
                    self._incoming.write_eof()
        await self._drain()

    async def _drain(self) -> None:
        if self._draining:
            return  # the task already draining sends these records too, after its own
        outgoing = self._outgoing
        self._draining = True
        try:
            while outgoing.pending:
                await self.inner.send(outgoing.read())
        finally:
            self._draining = False

    async def send(self, data: bytes) -> None:
        self._obj.write(data)
        await self._drain()

    def _decrypted(self) -> bytes | None:
        """What the incoming bytes decrypt to; `None` when a record is incomplete.

        With TLS 1.3 the client's handshake ends before the engine has checked the client
        certificate: its refusal is an alert on the first read, reported as the handshake failure
        it is (`ConnectError`), not as a connection broken mid-request.
        """
        held = self._held
        if held:
            self._held = b""
            more = self._decrypted()
            return held + more if more else held
        if self._peer_closed:
            return b""
        obj = self._obj
        try:
            data = obj.read(READ_SIZE)
        except ssl.SSLWantReadError:
            return None
        except ssl.SSLZeroReturnError:
            self._peer_closed = True
            return b""  # the engine's close_notify: the end of the stream
        except ssl.SSLError as exc:
            if not self.confirmed and not isinstance(exc, ssl.SSLEOFError):
                raise handshake_error(self._url, exc) from exc
            raise
        if not data:
            return b""
        self.confirmed = True
        if obj.pending() or self._incoming.pending:
            pieces = [data]
            size = len(data)
            while size < READ_SIZE:
                try:
                    more = obj.read(READ_SIZE - size)
                except ssl.SSLWantReadError:
                    break
                except ssl.SSLZeroReturnError:
                    self._peer_closed = True  # the next read says so, without waiting for the socket
                    break
                if not more:
                    break
                pieces.append(more)
                size += len(more)
            data = b"".join(pieces)
        return data

    async def receive(self, *, wait_first: bool = False) -> bytes:
        incoming = self._incoming
        if incoming.pending or self._obj.pending() or self._held or self._peer_closed:
            data = self._decrypted()
            if data is not None:
                await self._after_read()
                return data
        while True:
            raw = await self.inner.receive(wait_first=wait_first)
            wait_first = False
            if not raw:
                if incoming.eof:
                    return b""
                incoming.write_eof()
                try:
                    data = self._decrypted()
                except ssl.SSLEOFError:
                    return b""  # the socket ended without close_notify: the parsers catch a cut reply
                return b"" if data is None else data
            incoming.write(raw)
            data = self._decrypted()
            if data is not None:
                await self._after_read()
                return data

    async def _after_read(self) -> None:
        if self._outgoing.pending:  # a read answered something (KeyUpdate)
            await self._drain()

    async def receive_reply(
        self, parse: Callable[[bytes], object], incomplete: object, limit: int
    ) -> tuple[bytes, object]:
        data = await self.receive(wait_first=True)
        if not data:
            return data, None
        return await gather_reply(self.receive, data, parse(data), parse, incomplete, limit)

    async def receive_checkpointed(self) -> bytes:
        waits = self.inner.waits
        data = await self.receive()
        if self.inner.waits == waits:
            await anyio.lowlevel.checkpoint()
        return data

    @property
    def descriptors(self) -> int:
        return self.inner.descriptors

    async def send_eof(self) -> None:
        """close_notify, then keep reading (the engine's output goes on until it ends).

        `unwrap()` sends close_notify and then tries to read the engine's; finding application
        data there instead is an error (APPLICATION_DATA_AFTER_CLOSE_NOTIFY). So what has come
        but is not read yet is set aside first (decrypted plaintext, and the raw records), the
        unwrap finds nothing to read (`SSLWantReadError`), and the records go back for reading.
        """
        if self._unwrapped:
            return
        self._unwrapped = True
        obj = self._obj
        pieces = [self._held]
        while obj.pending():
            try:
                pieces.append(obj.read(READ_SIZE))
            except ssl.SSLWantReadError:
                break
            except ssl.SSLZeroReturnError:
                self._peer_closed = True
                break
        self._held = b"".join(pieces)
        raw = self._incoming.read()
        try:
            obj.unwrap()
        except ssl.SSLWantReadError:
            pass  # it waits for the engine's close_notify; reading continues as before
        finally:
            if raw:
                self._incoming.write(raw)
        await self._drain()

    def is_idle_and_open(self) -> bool:
        return not self._incoming.pending and self.inner.is_idle_and_open()

    def arm(self, bound: float) -> bool:
        return self.inner.arm(bound)

    def disarm(self) -> None:
        self.inner.disarm()

    def expire(self) -> None:
        self.inner.expire()

    def close(self) -> None:
        self.inner.close()
