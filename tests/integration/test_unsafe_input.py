"""Unsafe ids, names and references against the real engines (Docker and Podman, asyncio and trio).

Each value must reach the route it was meant for, which answers 404 or 400 for it; never another
endpoint, never a success. The proof: the error is `NotFoundError` / `BadRequestError` and the
engine's message names the value (a wrong route answers `page not found` / `Not Found`), and a
real container whose id is the prefix of the hostile value is untouched afterwards.
"""

from __future__ import annotations

import anyio
import pytest

import rawengine
from tests.conftest import Resources

BOUND = 30

HOSTILE_SUFFIXES = [
    "?force=1",
    "#fragment",
    "%2F..%2F..%2Fversion",
    "/../../version",
    "/json",
    "\nX-Injected: 1",
    "\r\nGET /version HTTP/1.1",
    " space",
    "&signal=KILL",
    ";v=1",
]
ROUTE_NOT_FOUND = ("page not found", "not found\n")


def _assert_intended_route(error: rawengine.APIError, value: str) -> None:
    assert isinstance(error, rawengine.NotFoundError | rawengine.BadRequestError), error
    if "\n" in value or "\r" in value:
        # Docker's router matches no route for a segment with a control character: a 404 before
        # any handler runs. That is still no endpoint at all, which is what matters here.
        return
    assert error.message.lower() not in ROUTE_NOT_FOUND, f"reached no route at all: {error}"


@pytest.mark.parametrize("suffix", HOSTILE_SUFFIXES)
async def test_hostile_container_ids_hit_only_their_route(
    engine: rawengine.Engine, resources: Resources, suffix: str
) -> None:
    cid = await resources.container()
    value = cid + suffix
    calls = [
        engine.inspect_container(value),
        engine.kill_container(value),
        engine.stop_container(value, timeout=0),
        engine.restart_container(value, timeout=0),
        engine.remove_container(value, force=True),
        engine.container_changes(value),
        engine.create_exec(value, rawengine.ExecConfig(cmd=["true"])),
        engine.inspect_exec(value),
    ]
    for call in calls:
        try:
            with anyio.fail_after(BOUND):
                await call
        except ValueError:
            assert "/.." in suffix  # refused before anything was sent
        except rawengine.APIError as exc:
            _assert_intended_route(exc, value)
        else:
            raise AssertionError(f"a hostile id succeeded: {value!r}")
    info = await engine.inspect_container(cid)  # the real container was never touched
    assert info.state.running
    assert info.restart_count == 0


@pytest.mark.parametrize("suffix", HOSTILE_SUFFIXES)
async def test_hostile_image_references_hit_only_their_route(
    engine: rawengine.Engine, base_image: str, suffix: str
) -> None:
    value = base_image + suffix
    calls = [
        engine.inspect_image(value),
        engine.image_history(value),
        engine.remove_image(value, force=True),
        engine.tag_image(value, "rawengine/test-hostile", "never"),
    ]
    for call in calls:
        try:
            with anyio.fail_after(BOUND):
                await call
        except ValueError:
            assert "/.." in suffix
        except rawengine.APIError as exc:
            _assert_intended_route(exc, value)
        else:
            raise AssertionError(f"a hostile reference succeeded: {value!r}")
    assert (await engine.inspect_image(base_image)).id  # still there, untouched
    with pytest.raises(rawengine.NotFoundError):
        await engine.inspect_image("rawengine/test-hostile:never")


@pytest.mark.parametrize("value", ["..", ".", "../../version", "abc/../../version"])
async def test_dot_segments_are_refused_before_sending(engine: rawengine.Engine, value: str) -> None:
    for call in (engine.inspect_container(value), engine.kill_container(value), engine.inspect_image(value)):
        with pytest.raises(ValueError):
            await call


async def test_hostile_values_in_labels_env_and_filters(engine: rawengine.Engine, resources: Resources) -> None:
    nasty = "a\r\nX-Injected: 1&b=c?d#e\x00f"
    label = "rawengine.test.nasty"
    cid = await resources.container(
        rawengine.ContainerConfig(cmd=["sleep", "3600"], env=[f"NASTY={nasty}"], labels={label: nasty}),
        start=False,
    )
    info = await engine.inspect_container(cid)
    assert info.config.labels is not None and info.config.labels[label] == nasty
    assert info.config.env is not None and f"NASTY={nasty}" in info.config.env
    listed = await engine.list_containers(all=True, filters={"label": [f"{label}={nasty}"]})
    assert [c.id for c in listed] == [cid]
    assert await engine.list_containers(all=True, filters={"label": [f"{label}={nasty}x"]}) == []
