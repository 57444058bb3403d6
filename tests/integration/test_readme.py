"""The README's tour is real code: it runs on both engines and both backends."""

from __future__ import annotations

import pathlib
import re
from collections.abc import Awaitable, Callable

import pytest

import rawengine

README = pathlib.Path(__file__).parents[2] / "README.md"


def tour_source() -> str:
    text = README.read_text()
    match = re.search(r"## A short tour\n\n```python\n(.*?)```", text, re.S)
    assert match is not None, "the README lost its tour"
    source = match.group(1)
    assert source.rstrip().splitlines()[-1].startswith("anyio.run(main)")
    return source.rsplit("anyio.run(main)", 1)[0]


async def _forget(engine: rawengine.Engine) -> None:
    try:
        await engine.remove_container("tour-web", force=True)
    except rawengine.NotFoundError:
        pass
    for ref in ("tour/web:v2", "tour/web:base"):
        try:
            await engine.remove_image(ref, force=True)
        except rawengine.NotFoundError:
            pass


async def test_readme_tour_runs(
    engine: rawengine.Engine, engine_host: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    namespace: dict[str, object] = {}
    exec(compile(tour_source(), str(README), "exec"), namespace)
    main = namespace["main"]
    assert callable(main)
    monkeypatch.setenv("DOCKER_HOST", engine_host)
    await _forget(engine)
    run: Callable[[], Awaitable[None]] = main
    try:
        await run()
    finally:
        await _forget(engine)
    out = capsys.readouterr().out
    assert "True " in out  # running, and the image name
    assert "STDOUT b'done\\n'" in out
    assert "C /www/index.html" in out
    assert "changed the default page" in out or "FROM " in out  # Podman: history says FROM <parent>
    assert "exec_start tour-web" in out
