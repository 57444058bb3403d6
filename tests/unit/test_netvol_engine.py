"""The Engine's choices for networks, volumes and updates over a mock transport: what each engine and
release is sent, and what is refused before anything is sent."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import msgspec
import pytest

import rawengine
from rawengine._transport.httpx_transport import HttpxTransport

Handler = Callable[[httpx.Request], httpx.Response]


def engine_for(kind: str, release: str, api: str, routes: dict[str, Handler], seen: list[str]) -> rawengine.Engine:
    headers = {"Api-Version": api, "Ostype": "linux"}
    if kind == "podman":
        headers["Libpod-Api-Version"] = release
    name = "Podman Engine" if kind == "podman" else "Engine"

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/_ping":
            return httpx.Response(200, headers=headers, text="OK")
        seen.append(f"{request.method} {request.url.raw_path.decode()} {request.content.decode()}".rstrip())
        if path.endswith("/version"):
            return httpx.Response(200, json={"Version": release, "ApiVersion": api, "Components": [{"Name": name}]})
        for suffix, route in routes.items():
            if path.endswith(suffix):
                return route(request)
        return httpx.Response(404, json={"message": "page not found"})

    return rawengine.Engine(transport=HttpxTransport.for_mock(httpx.MockTransport(handler)))


def pruned(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"VolumesDeleted": ["v"], "SpaceReclaimed": 5})


ALL = "%22all%22%3A%5B%22true%22%5D"


@pytest.mark.parametrize(
    ("kind", "release", "api", "everything", "sends_all"),
    [("docker", "23.0.0", "1.42", True, True), ("docker", "23.0.0", "1.42", False, False),
     ("docker", "20.10.24", "1.41", True, False), ("podman", "4.3.1", "1.41", True, False),
     ("podman", "5.8.2", "1.44", True, False), ("podman", "6.0.0", "1.44", True, True)],
)  # fmt: skip
async def test_prune_volumes_means_the_same_everywhere(
    kind: str, release: str, api: str, everything: bool, sends_all: bool
) -> None:
    seen: list[str] = []
    async with engine_for(kind, release, api, {"/volumes/prune": pruned}, seen) as engine:
        result = await engine.prune_volumes(filters={"label": ["k=v"]}, all=everything)
    assert result == rawengine.VolumesPruned(volumes_deleted=["v"], space_reclaimed=5)
    (prune,) = [line for line in seen if "/volumes/prune" in line]
    assert (ALL in prune) is sends_all


@pytest.mark.parametrize(("kind", "release", "api"), [("docker", "20.10.24", "1.41"), ("podman", "5.8.2", "1.44")])
async def test_prune_volumes_refuses_anonymous_only_where_the_engine_cannot(kind: str, release: str, api: str) -> None:
    seen: list[str] = []
    async with engine_for(kind, release, api, {"/volumes/prune": pruned}, seen) as engine:
        with pytest.raises(rawengine.UnsupportedError) as info:
            await engine.prune_volumes(filters={"label": ["k=v"]})
    assert info.value.api_version == api and release in info.value.engine
    assert not any("/volumes/prune" in line for line in seen)  # nothing was removed


async def test_prune_is_sent_again_while_another_prune_runs() -> None:
    replies = [
        httpx.Response(409, json={"message": "a prune operation is already running"}),
        httpx.Response(200, json={"NetworksDeleted": ["n"]}),
    ]
    seen: list[str] = []
    routes: dict[str, Handler] = {"/networks/prune": lambda request: replies.pop(0)}
    async with engine_for("docker", "20.10.24", "1.41", routes, seen) as engine:
        assert await engine.prune_networks(filters={"label": ["k=v"]}) == ["n"]
    assert len(seen) == 2


async def test_prune_does_not_retry_other_errors() -> None:
    seen: list[str] = []
    routes: dict[str, Handler] = {"/networks/prune": lambda r: httpx.Response(400, json={"message": "bad filter"})}
    async with engine_for("docker", "20.10.24", "1.41", routes, seen) as engine:
        with pytest.raises(rawengine.BadRequestError):
            await engine.prune_networks(filters={"bogus": ["1"]})
    assert len(seen) == 1


async def test_podman_update_keeps_the_restart_policy() -> None:
    inspect = {"Id": "c", "HostConfig": {"RestartPolicy": {"Name": "always", "MaximumRetryCount": 0}}}
    routes: dict[str, Handler] = {
        "/containers/c/json": lambda r: httpx.Response(200, json=inspect),
        "/containers/c/update": lambda r: httpx.Response(200, json={"Warnings": []}),
    }
    seen: list[str] = []
    async with engine_for("podman", "5.1.0", "1.44", routes, seen) as engine:
        assert await engine.update_container("c", rawengine.ContainerUpdate(pids_limit=0)) == []
    (update,) = [line for line in seen if "/update" in line]
    body = msgspec.json.decode(update.split(" ", 2)[2])
    assert body == {"PidsLimit": 0, "RestartPolicy": {"Name": "always"}}


async def test_podman_before_5_1_has_no_update() -> None:
    seen: list[str] = []
    async with engine_for("podman", "4.3.1", "1.41", {}, seen) as engine:
        with pytest.raises(rawengine.UnsupportedError, match="update_container is not supported by Podman 4.3.1"):
            await engine.update_container("c", rawengine.ContainerUpdate(memory=1))
    assert not any("/update" in line for line in seen)


async def test_docker_update_sends_only_what_was_set() -> None:
    seen: list[str] = []
    routes: dict[str, Handler] = {"/containers/c/update": lambda r: httpx.Response(200, json={"Warnings": None})}
    async with engine_for("docker", "20.10.24", "1.41", routes, seen) as engine:
        assert await engine.update_container("c", rawengine.ContainerUpdate(cpu_shares=0)) == []
    assert seen == ['POST /v1.41/containers/c/update {"CpuShares":0}']


async def test_podman_removes_a_network_by_name() -> None:
    network = {"Name": "net", "Id": "abc123"}
    routes: dict[str, Handler] = {
        "/networks/abc123": lambda r: httpx.Response(200, json=network) if r.method == "GET" else httpx.Response(500),
        "/networks/net": lambda r: httpx.Response(204),
    }
    seen: list[str] = []
    async with engine_for("podman", "4.3.1", "1.41", routes, seen) as engine:
        await engine.remove_network("abc123")
    assert seen == ["GET /v1.41/networks/abc123", "DELETE /v1.41/networks/net"]


async def test_docker_network_in_use_is_a_conflict() -> None:
    message = "error while removing network: network n id 69fd has active endpoints"
    routes: dict[str, Handler] = {"/networks/n": lambda r: httpx.Response(403, json={"message": message})}
    async with engine_for("docker", "20.10.24", "1.41", routes, []) as engine:
        with pytest.raises(rawengine.ConflictError) as info:
            await engine.remove_network("n")
    assert (info.value.status_code, info.value.message) == (403, message)
    routes = {"/networks/n/connect": lambda r: httpx.Response(403, json={"message": "Address already in use"})}
    async with engine_for("docker", "20.10.24", "1.41", routes, []) as engine:
        with pytest.raises(rawengine.ConflictError, match="Address already in use"):
            await engine.connect_network("n", "c", ipv4_address="10.0.0.9")
    forbidden = {"message": "bridge is a pre-defined network and cannot be removed"}
    routes = {"/networks/bridge": lambda r: httpx.Response(403, json=forbidden)}
    async with engine_for("docker", "20.10.24", "1.41", routes, []) as engine:
        with pytest.raises(rawengine.APIError) as other:
            await engine.remove_network("bridge")
    assert type(other.value) is rawengine.APIError


@pytest.mark.parametrize(("running", "error"), [(True, rawengine.UnsupportedError), (False, rawengine.ConflictError)])
async def test_podman_empty_top(running: bool, error: type[Exception]) -> None:
    state = {"Id": "c", "State": {"Running": running, "Status": "running" if running else "exited"}}
    routes: dict[str, Handler] = {
        "/containers/c/top": lambda r: httpx.Response(200, content=b""),
        "/containers/c/json": lambda r: httpx.Response(200, json=state),
    }
    async with engine_for("podman", "4.3.1", "1.41", routes, []) as engine:
        with pytest.raises(error):
            await engine.top_container("c")


@pytest.mark.parametrize(
    ("status", "message", "cls"),
    [(500, "network name n already used: network already exists", rawengine.ConflictError),
     (500, '"n" has associated containers with it. Use -f to forcibly delete containers and pods: '
      "network is being used", rawengine.ConflictError),
     (500, "container 7408 is not connected to network n", rawengine.ConflictError),
     (500, "Container 361f is not paused", rawengine.ConflictError),
     (409, "remove v: volume is in use - [361f]", rawengine.ConflictError),
     (500, 'container 1ffd is already connected to network "n": network is already connected', rawengine.ConflictError),
     (500, "IPAM error: requested ip address 10.2.7.9 is already allocated to container ID 1ffd",
      rawengine.ConflictError)],
)  # fmt: skip
def test_recorded_errors_are_classified(status: int, message: str, cls: type[rawengine.APIError]) -> None:
    from rawengine._exceptions import error_from_response

    error = error_from_response(status, msgspec.json.encode({"message": message}), method="POST", path="/x")
    assert type(error) is cls
