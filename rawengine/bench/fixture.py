"""The bench's own image and container: made through the import endpoint, labelled, always removed."""

from __future__ import annotations

import uuid

import anyio

import rawengine

from .ops import Target

__all__ = ["LABEL", "cleanup", "new_run_id", "prepare", "remove_leftovers"]

LABEL = "rawengine.bench"
IMAGE_REPO = "rawengine/bench"
ULIMITS = (("nofile", 20000, 20000), ("nproc", 32768, 32768))  # Podman here needs them (engine-api-notes, 7)
# A few changed paths for `changes`: a modified file, an added directory and file.
REMOVE_RETRIES = (0.5, 1.0, 2.0, 4.0)
SETUP_SCRIPT = "echo bench > /www/index.html; mkdir -p /bench; echo x > /bench/added; exec sleep 86400"


async def _changed(engine: rawengine.Engine, container: str) -> bool:
    if not hasattr(engine, "container_changes"):
        await anyio.sleep(0.2)
        return True
    return any(change.path == "/bench/added" for change in await engine.container_changes(container))


def new_run_id() -> str:
    return uuid.uuid4().hex[:10]


async def prepare(engine: rawengine.Engine, run_id: str, *, throughput_bytes: int, name: str) -> Target:
    """Import the bench image and start the bench container `name`; `cleanup` removes both."""
    ping = await engine.ping()
    image = f"{IMAGE_REPO}:{run_id}"
    await engine.import_image(rawengine.busybox_rootfs(), repo=IMAGE_REPO, tag=run_id)
    config = rawengine.ContainerConfig(
        image=image,
        cmd=["sh", "-c", SETUP_SCRIPT],
        labels={LABEL: run_id},
        host_config=rawengine.HostConfig(ulimits=[rawengine.Ulimit(n, s, h) for n, s, h in ULIMITS]),
    )
    created = await engine.create_container(config, name=name)
    await engine.start_container(created.id)
    for _ in range(100):  # until the script has written its files (`changes` checks for them)
        if (await engine.inspect_container(created.id)).state.running and await _changed(engine, created.id):
            break
        await anyio.sleep(0.05)
    return Target(
        host=engine.host,
        engine=ping.engine,
        api_version=engine.api_version or ping.api_version,
        image=image,
        container_id=created.id,
        label=LABEL,
        run_id=run_id,
        throughput_bytes=throughput_bytes,
        ulimits=ULIMITS,
    )


async def cleanup(engine: rawengine.Engine, run_id: str) -> list[str]:
    """Remove every container labelled with this run and the run's image tag. Returns what failed."""
    problems = []
    with anyio.CancelScope(shield=True):
        try:
            leftovers = await engine.list_containers(all=True, filters={"label": [f"{LABEL}={run_id}"]})
        except rawengine.EngineError as exc:
            return [f"listing the bench containers: {exc}"]
        for container in leftovers:
            problem = await _remove_container(engine, container.id)
            if problem:
                problems.append(problem)
        try:
            await engine.remove_image(f"{IMAGE_REPO}:{run_id}", force=True)
        except rawengine.NotFoundError:
            pass
        except rawengine.EngineError as exc:
            problems.append(f"removing image {IMAGE_REPO}:{run_id}: {exc}")
    return problems


async def _remove_container(engine: rawengine.Engine, container: str) -> str | None:
    # Docker may fail with "device or resource busy" while another mount namespace (a Podman
    # container started meanwhile on the same host) still holds the overlay mount: try again.
    for delay in REMOVE_RETRIES:
        try:
            await engine.remove_container(container, force=True)
            return None
        except rawengine.NotFoundError:
            return None
        except rawengine.ServerError as exc:
            problem = f"removing container {container[:12]}: {exc}"
            await anyio.sleep(delay)
        except rawengine.EngineError as exc:
            return f"removing container {container[:12]}: {exc}"
    return problem


async def remove_leftovers(host: str | None, run_id: str) -> list[str]:
    """`cleanup` on a fresh Engine: the last resort after Ctrl-C interrupted a run."""
    async with rawengine.Engine(host) as engine:
        return await cleanup(engine, run_id)
