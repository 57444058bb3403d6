"""Async adapters that feed a connection's bytes to a sans-IO decoder. No parsing happens here.

Each is a class with `receive()` (raising `anyio.EndOfStream` at the end) and `__anext__`, not
an async generator: generators are finalised "sometime later, somewhere else" (trio's docs).
The connection belongs to the `async with` that created the stream, which closes it.
"""
