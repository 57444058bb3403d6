"""The Engine: one object, methods grouped by resource in the sibling modules."""

from __future__ import annotations

from .archive import ArchiveMixin
from .attach import AttachMixin
from .container_ops import ContainerOpsMixin
from .containers import ContainersMixin
from .events import EventsMixin
from .exec import ExecMixin
from .images import ImagesMixin
from .layers import LayersMixin
from .logs import LogsMixin
from .networks import NetworksMixin
from .prune import PruneMixin
from .registry import RegistryMixin
from .run import RunMixin
from .stats import StatsMixin
from .system import SystemMixin
from .transfer import TransferMixin
from .volumes import VolumesMixin

__all__ = ["Engine"]


class Engine(
    ContainersMixin,
    ExecMixin,
    LogsMixin,
    LayersMixin,
    ImagesMixin,
    EventsMixin,
    SystemMixin,
    ArchiveMixin,
    StatsMixin,
    AttachMixin,
    NetworksMixin,
    VolumesMixin,
    ContainerOpsMixin,
    RunMixin,
    TransferMixin,
    PruneMixin,
    RegistryMixin,
):
    """An async client of one Docker or Podman engine.

    ```python
    async with rawengine.Engine() as engine:          # DOCKER_HOST, else unix:///var/run/docker.sock
        print((await engine.version()).version)
        created = await engine.create_container(rawengine.ContainerConfig(image="busybox", cmd=["true"]))
        await engine.start_container(created.id)
    ```

    The constructor does no I/O. The first request (or `async with`) negotiates the API version
    from the unversioned `GET /_ping`: the lower of the engine's and rawengine's newest.

    **Parameters**

    * **host** - `unix:///path`, a socket path, or `tcp://host:port`; `None` resolves the engine
      exactly as the docker CLI does: `DOCKER_HOST`, `DOCKER_CONTEXT`, the config's
      `currentContext` (under `DOCKER_CONFIG` or `~/.docker`), else `unix:///var/run/docker.sock`.
      TLS comes from `DOCKER_TLS_VERIFY` / `DOCKER_TLS` / `DOCKER_CERT_PATH` or the context.
    * **context** - a Docker context name (not together with `host`: `ValueError`, as the CLI).
    * **api_version** - pin the API version (`"1.41"`) instead of negotiating it.
    * **max_connections** - the most connections open at once (pooled and hijacked together).
    * **connect_timeout** - seconds to connect to the socket (default 5; every request and stream).
    * **response_timeout** - seconds from sending a plain request to its response headers (default
      120; `None` for no bound). Calls that legitimately take long, such as `stop_container`, get
      their grace period on top. Past it, `EngineTimeoutError` (a `TransportError` and a
      `TimeoutError`). Streams (exec, logs, events, build, pull, import) never have this bound:
      bound them, and anything else, with `anyio.fail_after` / `move_on_after`.
    * **transport** - an `httpx.AsyncClient` (with `base_url` the engine's: for proxies, custom
      auth), or any object implementing rawengine's transport protocol (tests).
    * **event_hooks** - callbacks around every call, httpx's shape: `{"request": [...],
      "response": [...], "error": [...], "close": [...]}`, each given a typed event
      (`RequestSent`, `ResponseReceived`, `CallFailed`, `StreamClosed`) with the method, the
      target as sent, the status and the elapsed seconds; never headers or bodies. Plain or
      async callables; free when not given.

    Every method works on asyncio and trio; many tasks may share one Engine.
    """
