"""`run_container` (what `docker run --rm` does) and `ensure_image` (inspect, else pull)."""

from __future__ import annotations

from collections.abc import AsyncIterable, Mapping
from contextlib import AsyncExitStack

import anyio
import msgspec

from .._credentials import RegistryAuth, find_credentials, registry_of
from .._endpoints import containers as containers_api
from .._endpoints import images as images_api
from .._endpoints import run as api
from .._exceptions import NotFoundError, ServerError, StreamError
from .._models.containers import ContainerConfig, WaitResult
from .._models.images import ImageInspect
from .._models.run import RunResult
from .._protocol.frames import framing_from_content_type
from .._streams.output import ExecStream, OutputStream
from .._streams.progress import ProgressStream
from .._transport import StreamingResponse, UpgradedStream
from .base import EngineCore
from .exec import _FEEDER_GRACE, _StdinFeeder, raw_stream_trusted

__all__ = ["RunMixin"]


def _run_config(config: ContainerConfig, stdin: bool) -> ContainerConfig:
    """The caller's config (left untouched) with the output, and stdin if given, attached."""
    changes: dict[str, object] = {"attach_stdout": True, "attach_stderr": True}
    if stdin:
        changes.update(attach_stdin=True, open_stdin=True, stdin_once=True)
    return msgspec.structs.replace(config, **changes)


class RunMixin(EngineCore):
    async def run_container(
        self,
        config: ContainerConfig,
        *,
        remove: bool = True,
        stdin: bytes | AsyncIterable[bytes] | None = None,
        name: str | None = None,
    ) -> RunResult:
        """Run a container to completion and collect its output (`docker run --rm`, attached).

        Creates the container, attaches to its output (`POST /containers/{id}/attach`, hijacked,
        so any log driver works), registers the wait (Docker: `condition=next-exit`, before the
        start, as the docker CLI does), starts it, reads every byte, takes the exit code and
        removes the container. `stdin` is written while the output is read, then closed. A
        cancelled or failed run removes its container too (shielded); `remove=False` keeps it.

        Returns:
            `RunResult(exit_code, stdout, stderr, container_id)`; with `config.tty` the output
            is merged in `stdout`.

        Raises:
            NotFoundError: the image does not exist locally (see `ensure_image`).
            ConflictError: `name` is in use.
            APIError: the engine refused to start it (a command that does not exist, ...).
        """
        run_config = _run_config(config, stdin is not None)
        with anyio.CancelScope(shield=True):  # a cancelled create must not leave a container nobody knows
            created = await self._json(containers_api.create(run_config, name=name), containers_api.CREATED)
        container = created.id
        try:
            stdout, stderr, code = await self._attached_run(container, config.tty is True, stdin)
        finally:
            if remove:
                with anyio.CancelScope(shield=True):
                    try:
                        await self._send(containers_api.remove(container, force=True))
                    except NotFoundError:
                        pass
        return RunResult(code, stdout, stderr, container)

    async def _attached_run(
        self, container: str, tty: bool, stdin: bytes | AsyncIterable[bytes] | None
    ) -> tuple[bytes, bytes, int]:
        request = api.attach(container, stdin=stdin is not None)
        podman = await self._engine_kind() == "podman"
        trusted = await raw_stream_trusted(self)
        async with AsyncExitStack() as stack:
            connection = await stack.enter_async_context(self._upgrade(request, b""))
            multiplexed = framing_from_content_type(connection.head.get(b"content-type"), raw_stream_trusted=trusted)
            if multiplexed is None:
                multiplexed = not tty
            # Docker answers the wait's head once the wait is registered: the exit cannot be missed.
            # Podman's `next-exit` subscribes to events only after answering (a fast exit is missed),
            # so there the wait is `not-running`, asked once the output has ended.
            waiting: StreamingResponse | None = None
            if not podman:
                wait = containers_api.wait(container, condition="next-exit")
                waiting = await stack.enter_async_context(self._stream(wait))
            await self._send(containers_api.start(container))
            if stdin is None:
                stdout, stderr = await OutputStream(connection, tty=not multiplexed).collect()
            else:
                stdout, stderr = await _collect_with_stdin(connection, container, not multiplexed, stdin)
            if waiting is not None:
                result = self._decode(wait, containers_api.WAIT, await waiting.read_all())
            else:
                result = await self._json(containers_api.wait(container, condition="not-running"), containers_api.WAIT)
        return stdout, stderr, _exit_code(result)

    async def ensure_image(self, image: str, *, auth: RegistryAuth | Mapping[str, str] | None = None) -> ImageInspect:
        """The image, pulled first if it is not stored locally (`docker run`'s `--pull missing`).

        Calls `GET /images/{name}/json`, and on a 404 `POST /images/create?fromImage=` then the
        inspect again.

        Raises:
            StreamError: the pull failed (no such image in its registry, no access, ...).
        """
        try:
            return await self._json(images_api.inspect(image), images_api.INSPECT)
        except NotFoundError:
            pass
        if auth is None:
            auth = await find_credentials(registry_of(image), missing_ok=True)
        request = images_api.pull(image, auth=auth)
        try:
            async with self._stream(request) as response:
                await ProgressStream(response, images_api.progress_decoder()).drain()
        except (NotFoundError, ServerError) as exc:
            raise StreamError(exc.message) from exc
        return await self._json(images_api.inspect(image), images_api.INSPECT)


def _exit_code(result: WaitResult) -> int:
    if result.error_message:
        raise StreamError(f"waiting for the container failed: {result.error_message}")
    return result.status_code


async def _collect_with_stdin(
    connection: UpgradedStream, container: str, tty: bool, stdin: bytes | AsyncIterable[bytes]
) -> tuple[bytes, bytes]:
    """Write `stdin` from a task while this one reads the output (as `run_exec` does)."""
    stream = ExecStream(connection, tty=tty, stdin=True, exec_id=container)
    output = (b"", b"")
    failure: Exception | None = None
    async with anyio.create_task_group() as tasks:
        feeder = _StdinFeeder(stdin, tasks.cancel_scope)
        tasks.start_soon(feeder.run, stream)
        try:
            try:
                output = await stream.collect()
            finally:
                feeder.session_over = True
            with anyio.move_on_after(_FEEDER_GRACE):
                await feeder.done.wait()
        except Exception as exc:  # raised below, not wrapped in the task group's ExceptionGroup
            failure = exc
        tasks.cancel_scope.cancel()
    if failure is not None:
        raise failure
    if feeder.error is not None:
        raise feeder.error
    return output
