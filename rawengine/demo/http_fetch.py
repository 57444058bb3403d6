"""Fetch a page from the web server the demo started, the way `curl http://localhost` would.

A few lines of anyio TCP: one `GET` with `Connection: close`, read to EOF, split head from body.
A server that was just started may not listen yet: docker-proxy accepts the connection and
closes it at once, and a bare port refuses it; both are retried until `patience` runs out.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

import anyio

__all__ = ["FetchError", "Page", "fetch_page", "page_headline", "parse_response"]

_MAX_BYTES = 4 * 1024 * 1024


class FetchError(Exception):
    """No HTTP response came back within the time allowed."""


@dataclass(frozen=True)
class Page:
    url: str
    status: int
    reason: str
    headers: dict[str, str]
    body: str
    seconds: float  # the successful exchange, connect to EOF
    attempts: int

    def to_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "status": self.status,
            "server": self.headers.get("server", ""),
            "bytes": len(self.body.encode()),
            "body": self.body,
            "ms": round(self.seconds * 1000, 3),
            "attempts": self.attempts,
        }


def parse_response(raw: bytes) -> tuple[int, str, dict[str, str], bytes]:
    """Status, reason, lower-cased headers and body of a complete `Connection: close` response.

    Raises:
        ValueError: the bytes are not an HTTP response.
    """
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep:
        raise ValueError("the response ended before its headers did")
    lines = head.decode("latin-1").split("\r\n")
    match = re.fullmatch(r"HTTP/\d(?:\.\d)? (\d{3})(?: (.*))?", lines[0])
    if not match:
        raise ValueError(f"not an HTTP status line: {lines[0][:80]!r}")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = _unchunk(body)
    return int(match.group(1)), match.group(2) or "", headers, body


def _unchunk(data: bytes) -> bytes:
    out = bytearray()
    while data:
        size_line, _, rest = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out += rest[:size]
        data = rest[size + 2 :]
    return bytes(out)


async def _exchange(host: str, port: int, path: str) -> bytes:
    request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUser-Agent: rawengine-demo\r\nConnection: close\r\n\r\n"
    async with await anyio.connect_tcp(host, port) as stream:
        await stream.send(request.encode())
        chunks: list[bytes] = []
        size = 0
        while size <= _MAX_BYTES:
            try:
                chunk = await stream.receive()
            except (anyio.EndOfStream, anyio.BrokenResourceError):
                break
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)


async def fetch_page(host: str, port: int, path: str = "/", *, patience: float = 15.0) -> Page:
    """`GET http://host:port/path`, retried until a server answers or `patience` seconds pass.

    Raises:
        FetchError: nothing answered in time (the last reason is in the message).
    """
    url = f"http://{host}:{port}{path}"
    deadline = time.monotonic() + patience
    attempts = 0
    last = "no attempt"
    while True:
        attempts += 1
        start = time.perf_counter()
        try:
            with anyio.fail_after(max(0.5, min(5.0, deadline - time.monotonic()))):
                raw = await _exchange(host, port, path)
            status, reason, headers, body = parse_response(raw)
            return Page(
                url, status, reason, headers, body.decode("utf-8", "replace"), time.perf_counter() - start, attempts
            )
        except (OSError, TimeoutError, ValueError) as exc:
            last = str(exc) or type(exc).__name__
        if time.monotonic() >= deadline:
            raise FetchError(f"{url} did not answer within {patience:g}s ({attempts} attempts; last: {last})")
        await anyio.sleep(min(0.1 * attempts, 0.5))


def page_headline(body: str, limit: int = 70) -> str:
    """What a person would look at first: the `<h1>` if there is one, else the first line of text."""
    match = re.search(r"<h1[^>]*>(.*?)</h1>", body, re.IGNORECASE | re.DOTALL)
    if match:
        text = "<h1>" + " ".join(match.group(1).split()) + "</h1>"
    else:
        text = next((line.strip() for line in body.splitlines() if line.strip()), "(empty page)")
    return text if len(text) <= limit else text[: limit - 1] + "…"
