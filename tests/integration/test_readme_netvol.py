"""The README's networks-and-volumes example is real code: it runs on both engines and both backends.

Its names, label and subnet are swapped for unique ones (this suite's rn-nv prefix) so that it can
never touch anybody else's objects; the image is the suite's base image."""

from __future__ import annotations

import pathlib
import random
import re

import pytest

import rawengine
from tests.conftest import unique

README = pathlib.Path(__file__).parents[2] / "README.md"


def example_source(prefix: str, label: str, subnet: str, image: str) -> str:
    text = README.read_text()
    match = re.search(r"### Networks, volumes and the small container operations\n\n```python\n(.*?)```", text, re.S)
    assert match is not None, "the README lost its networks-and-volumes example"
    source = match.group(1)
    swaps = (
        ("tour/web:base", image),
        ("tour-", prefix),
        ("app=tour", label),
        ('"app": "tour"', f'"app": "{label[4:]}"'),
        ("10.123.0", subnet),
    )
    for old, new in swaps:
        assert old in source
        source = source.replace(old, new)
    return source


async def _forget(engine: rawengine.Engine, prefix: str) -> None:
    for name in ("web2", "client"):
        try:
            await engine.remove_container(prefix + name, force=True)
        except rawengine.NotFoundError:
            pass
    try:
        await engine.remove_network(prefix + "net")
    except rawengine.NotFoundError:
        pass
    try:
        await engine.remove_volume(prefix + "data", force=True)
    except rawengine.NotFoundError:
        pass


async def test_readme_networks_and_volumes_example(
    engine: rawengine.Engine, base_image: str, capsys: pytest.CaptureFixture[str]
) -> None:
    prefix = unique("rn-nv") + "-"
    label = "app=" + unique("rn-nv")
    subnet = f"10.{random.randint(160, 250)}.{random.randint(0, 255)}"
    namespace: dict[str, object] = {"rawengine": rawengine}
    exec(compile(example_source(prefix, label, subnet, base_image), str(README), "exec"), namespace)
    example = namespace["networks_and_volumes"]
    assert callable(example)
    try:
        await example(engine)
    finally:
        await _forget(engine, prefix)
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("b'HTTP/1."), out
    assert out[1].startswith("[PortBinding(host_ip='127.0.0.1', host_port=")
    assert "'PID'" in out[2]
    assert out[3] == f"['{prefix}net']"
    assert out[4] == f"['{prefix}data']"
