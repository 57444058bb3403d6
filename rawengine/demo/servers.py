"""Start a web server container published on a host port, and fetch its page from the host.

`docker run --name NAME -d -p PORT:80 IMAGE` is two calls, create then start. Start is where a
taken host port shows (both engines leave the container created), so a failed start removes the
container at once and the next free port is tried; the container is remembered for clean-up
before it is even created, so that an interruption at any point leaves nothing behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .. import ContainerConfig, Engine, HostConfig, PortBinding
from .._exceptions import APIError, ConflictError, NotFoundError
from .cleanup import Tracker
from .failure import DemoFailure
from .http_fetch import FetchError, Page, fetch_page
from .ports import is_port_conflict, port_candidates, port_is_free
from .report import Report

__all__ = ["DEMO_LABEL", "Server", "create_named", "fetch_from_host", "fetch_host_for", "start_server"]

DEMO_LABEL = "rawengine.demo"
_MAX_PORT_TRIES = 8
_MAX_NAME_TRIES = 20


@dataclass
class Server:
    id: str
    name: str
    port: int
    ip: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "port": self.port, "ip": self.ip}


def fetch_host_for(engine_host: str) -> str:
    """Where published ports are reachable: this machine for a Unix socket, else the engine's host."""
    if engine_host.startswith(("tcp://", "http://", "https://")):
        return urlsplit(engine_host.replace("tcp://", "http://", 1)).hostname or "127.0.0.1"
    return "127.0.0.1"


async def create_named(
    engine: Engine, tracker: Tracker, report: Report, config: ContainerConfig, name: str, run_id: str
) -> tuple[str, str]:
    """Create under `name`, or `name-2`, `name-3`, ... when a container of that name exists."""
    for attempt in range(1, _MAX_NAME_TRIES + 1):
        candidate = name if attempt == 1 else f"{name}-{attempt}"
        pending = tracker.pending_container(candidate, run_id)
        try:
            created = await engine.create_container(config, name=candidate)
        except ConflictError:
            tracker.forget(pending.ref)
            continue
        pending.ref = created.id
        if candidate != name:
            report.note(f"a container named {name} exists already (not made by this run): using {candidate}")
        return created.id, candidate
    raise DemoFailure(f"containers {name} to {name}-{_MAX_NAME_TRIES} all exist; pass another name")


async def start_server(
    engine: Engine,
    tracker: Tracker,
    report: Report,
    *,
    image: str,
    name: str,
    port: int,
    run_id: str,
) -> Server:
    """Create and start a web server publishing container port 80 on a free host port."""
    tried: list[int] = []
    candidates = port_candidates(port)
    for host_port in candidates:
        if host_port in tried:
            continue
        if len(tried) >= _MAX_PORT_TRIES:
            break
        if port_is_free(host_port) is False:
            tried.append(host_port)
            continue
        config = ContainerConfig(
            image=image,
            labels={DEMO_LABEL: run_id},
            exposed_ports={"80/tcp": {}},
            host_config=HostConfig(port_bindings={"80/tcp": [PortBinding(host_port=str(host_port))]}),
        )
        container_id, actual_name = await create_named(engine, tracker, report, config, name, run_id)
        try:
            await engine.start_container(container_id)
        except APIError as exc:
            # Never leave a half-made container: it exists (created) but does not run.
            await engine.remove_container(container_id, force=True)
            tracker.forget(container_id)
            if not is_port_conflict(exc.message):
                raise
            tried.append(host_port)
            continue
        if tried and port:
            report.note(f"host port {', '.join(map(str, tried))} in use: published on {host_port} instead")
        elif not port:
            report.note(f"published on host port {host_port} (a free one, as asked with port 0)")
        info = await engine.inspect_container(container_id)
        ip = info.network_settings.ip_address or next(
            (net.ip_address for net in (info.network_settings.networks or {}).values() if net.ip_address), ""
        )
        return Server(container_id, actual_name, host_port, ip)
    raise DemoFailure(f"no free host port found (tried {', '.join(map(str, tried))}); pass --port")


async def fetch_from_host(report: Report, host: str, server: Server) -> tuple[Page, str]:
    """The page over the published port; if that never answers, from the container's own address.

    Returns the page and how it was reached: `"published port"` or `"container address"`.
    """
    try:
        return await fetch_page(host, server.port, patience=15.0), "published port"
    except FetchError as exc:
        if not server.ip:
            raise
        report.bad(f"{exc}: the published port does not forward here; fetching the container's own address")
    return await fetch_page(server.ip, 80, patience=10.0), "container address"


async def remove_quietly(engine: Engine, tracker: Tracker, container_id: str) -> None:
    try:
        await engine.remove_container(container_id, force=True)
    except NotFoundError:
        pass
    tracker.forget(container_id)
