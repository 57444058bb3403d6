"""Exec: run a command in a running container, attached (output streamed, stdin optional) or detached."""

from __future__ import annotations

import re
from collections.abc import AsyncIterable, AsyncIterator, Sequence
from contextlib import asynccontextmanager

import anyio

from .._endpoints import exec as api
from .._endpoints import system as system_api
from .._exceptions import ProtocolError, TransportError
from .._models.exec import ExecConfig, ExecInspect, ExecResult
from .._protocol.frames import framing_from_content_type
from .._streams.output import ExecStream
from .base import EngineCore

__all__ = ["ExecMixin", "raw_stream_trusted"]

# How long run_exec waits for the engine to record the exit code once the output has ended.
# Both engines had recorded it by then in every run measured (one inspect per run_exec); the
# polling only guards against an engine that lags.
_EXIT_POLLS = 200
_EXIT_POLL_MAX_DELAY = 0.05
_FEEDER_GRACE = 0.2  # how long a write pending after the output ended may take to fail by itself


async def raw_stream_trusted(engine: EngineCore) -> bool:
    """Whether `Content-Type: application/vnd.docker.raw-stream` really means raw (TTY) output.

    Only Docker at API 1.42 or later tells raw and multiplexed apart; Docker 20.10 (1.41) and
    Podman's compat API say raw-stream for multiplexed output too (engine-api-notes.md, 3).
    """
    version = engine.api_version
    if version is None or system_api.parse_api_version(version) < (1, 42):
        return False
    return await engine._engine_kind() == "docker"


# What Docker prints in place of output when an attached start finds the exec already started.
_DOCKER_REFUSAL = re.compile(rb"Error: Exec command [0-9a-f]{64} (?:is already running|has already run)\r\n")


class _StdinFeeder:
    """Writes `run_exec`'s input while the caller's task reads the output, then closes stdin.

    Once the session is over, a failing write means nothing (the process is done); before, a
    broken write means the process stopped reading (its output says the rest), and any other
    error (from the caller's iterable) cancels the session and is re-raised by `run_exec`.
    """

    def __init__(self, data: bytes | AsyncIterable[bytes], scope: anyio.CancelScope) -> None:
        self._data = data
        self._scope = scope
        self.session_over = False
        self.error: Exception | None = None
        self.done = anyio.Event()

    async def run(self, stream: ExecStream) -> None:
        try:
            if isinstance(self._data, bytes):
                await stream.send(self._data)
            else:
                async for piece in self._data:
                    await stream.send(piece)
            await stream.send_eof()
        except Exception as exc:
            if not (self.session_over or isinstance(exc, TransportError)):
                self.error = exc
                self._scope.cancel()
        finally:
            self.done.set()


class ExecMixin(EngineCore):
    async def create_exec(self, container: str, config: ExecConfig) -> str:
        """Create an exec instance (not started) in a running container.

        Calls `POST /containers/{id}/exec`.

        Returns:
            The exec instance's id, for `exec_stream`, `start_exec`, `inspect_exec`, `resize_exec`.

        Raises:
            NotFoundError: no such container.
            ConflictError: the container is not running (Podman's 500 is classified the same).
        """
        return (await self._json(api.create(container, config), api.CREATED)).id

    @asynccontextmanager
    async def exec_stream(self, exec_id: str, *, tty: bool = False, stdin: bool = False) -> AsyncIterator[ExecStream]:
        """Start an exec instance attached: `async with engine.exec_stream(exec_id) as stream:`.

        Calls `POST /exec/{id}/start` and takes over the connection (`101 UPGRADED`). The
        `async with` owns that connection: leaving it, by the end of the output, `break`, an
        error or a cancellation, closes it in the caller's task. Leaving before the output
        ended does not stop the process (it keeps running, its output going nowhere), and
        Docker may then record exit code 126 for it: read to the end for a true exit code.

        `tty` must repeat the exec's `ExecConfig.tty`: a TTY's output is raw bytes, not
        multiplexed frames (Docker frames by this flag, Podman by the exec's own setting).
        `stdin=True` enables `stream.send()` / `stream.send_eof()` for an exec created with
        `attach_stdin=True`. There is no read timeout: bound the session with
        `anyio.fail_after` / `move_on_after`.

        Raises:
            NotFoundError: no such exec instance.
            ConflictError: it was already started (Podman's 500 is classified the same).
        """
        request = api.start(exec_id, detach=False, tty=tty)
        assert isinstance(request.body, bytes)
        trusted = await raw_stream_trusted(self)
        refusal = _DOCKER_REFUSAL if await self._engine_kind() == "docker" else None
        async with self._upgrade(request, request.body) as connection:
            content_type = connection.head.get(b"content-type")
            multiplexed = framing_from_content_type(content_type, raw_stream_trusted=trusted)
            if multiplexed is None:
                multiplexed = not tty
            yield ExecStream(
                connection,
                tty=not multiplexed,
                stdin=stdin,
                exec_id=exec_id,
                refusal=refusal,
                refusal_path=request.path,
            )

    async def start_exec(self, exec_id: str, *, tty: bool = False) -> None:
        """Start an exec instance detached: the process runs, its output is discarded.

        Calls `POST /exec/{id}/start` with `Detach: true`. Follow it with `inspect_exec`; note
        that Podman may report a detached exec as running long after its process ended.

        Raises:
            NotFoundError: no such exec instance.
            ConflictError: it was already started.
        """
        await self._send(api.start(exec_id, detach=True, tty=tty))

    async def inspect_exec(self, exec_id: str) -> ExecInspect:
        """The state of an exec instance: `running`, `exit_code`, `pid`, ... Calls `GET /exec/{id}/json`.

        Raises:
            NotFoundError: no such exec instance.
        """
        return await self._json(api.inspect(exec_id), api.INSPECT)

    async def resize_exec(self, exec_id: str, *, height: int, width: int) -> None:
        """Set the terminal size of a running TTY exec. Calls `POST /exec/{id}/resize`.

        Docker answers 200, Podman 201; both mean done. Resize only after the exec started:
        before, Docker waits about 10 s and then fails.

        Raises:
            NotFoundError: no such exec instance.
            ServerError: the exec is not running.
        """
        await self._send(api.resize(exec_id, height=height, width=width))

    async def run_exec(
        self,
        container: str,
        cmd: Sequence[str],
        *,
        stdin: bytes | AsyncIterable[bytes] | None = None,
        env: Sequence[str] | None = None,
        workdir: str | None = None,
        user: str | None = None,
        tty: bool = False,
        privileged: bool = False,
    ) -> ExecResult:
        """Run a command to completion and collect what it printed (`docker exec`).

        Creates, starts, reads every byte of output, then inspects the exit code. `stdin` is
        written while the output is read, then closed (see `ExecStream.send_eof`); without it
        the process's stdin is empty. `env` holds `"NAME=value"` strings.

        Returns:
            `ExecResult(exit_code, stdout, stderr)`; with `tty=True` the output is merged in `stdout`.

        Raises:
            NotFoundError: no such container.
            ConflictError: the container is not running.
        """
        config = ExecConfig(cmd=list(cmd), tty=tty, attach_stdin=stdin is not None, privileged=privileged)
        if env is not None:
            config.env = list(env)
        if workdir is not None:
            config.working_dir = workdir
        if user is not None:
            config.user = user
        exec_id = await self.create_exec(container, config)
        if stdin is None:
            async with self.exec_stream(exec_id, tty=tty) as stream:
                stdout, stderr = await stream.collect()
        else:
            stdout, stderr = await self._exec_with_stdin(exec_id, tty, stdin)
        return ExecResult(await self._exit_code(exec_id), stdout, stderr)

    async def _exec_with_stdin(
        self, exec_id: str, tty: bool, stdin: bytes | AsyncIterable[bytes]
    ) -> tuple[bytes, bytes]:
        failure: Exception | None = None
        output = (b"", b"")
        async with anyio.create_task_group() as tasks:
            feeder = _StdinFeeder(stdin, tasks.cancel_scope)
            try:
                async with self.exec_stream(exec_id, tty=tty, stdin=True) as stream:
                    tasks.start_soon(feeder.run, stream)
                    try:
                        output = await stream.collect()
                    finally:
                        feeder.session_over = True  # before the connection closes under the feeder
                    # A write still pending ends by itself when the engine closes the connection
                    # (Podman). Docker keeps it open, unread, until we close: closing then ends the
                    # write. Closing or cancelling a write the moment the socket turns writable
                    # races anyio's asyncio Unix sockets (set_result on a finished wait), hence
                    # the short wait first.
                    with anyio.move_on_after(_FEEDER_GRACE):
                        await feeder.done.wait()
            except Exception as exc:  # raised below, not wrapped in the task group's ExceptionGroup
                failure = exc
            tasks.cancel_scope.cancel()  # a feeder still waiting for the caller's iterable
        if failure is not None:
            raise failure
        if feeder.error is not None:
            raise feeder.error
        return output

    async def _exit_code(self, exec_id: str) -> int:
        """The exit code of an exec whose output has ended (polling briefly if the engine lags)."""
        delay = 0.001
        for _ in range(_EXIT_POLLS):
            info = await self.inspect_exec(exec_id)
            if not info.running and info.exit_code is not None:
                return info.exit_code
            await anyio.sleep(delay)
            delay = min(delay * 2, _EXIT_POLL_MAX_DELAY)
        raise ProtocolError(f"exec {exec_id} still reports running long after its output ended")
