"""Request hooks on the real engines: every call of a plain, a streamed and a hijacked exchange."""

from __future__ import annotations

import logging
import pathlib
import re
import textwrap
from typing import Any

import pytest

import rawengine
from tests.conftest import Resources


async def test_hooks_see_every_call_in_order_with_its_status(engine_host: str, resources: Resources) -> None:
    cid = await resources.container()
    events: list[object] = []
    hooks = {stage: [events.append] for stage in ("request", "response", "error", "close")}
    async with rawengine.Engine(engine_host, event_hooks=hooks) as engine:
        result = await engine.run_exec(cid, ["sh", "-c", "echo out; echo err >&2"])
        assert result.stdout == b"out\n" and result.stderr == b"err\n"
        async with engine.logs_stream(cid) as logs:
            async for _ in logs:
                pass
    sent = [event for event in events if isinstance(event, rawengine.RequestSent)]
    assert [event.number for event in sent] == list(range(1, len(sent) + 1))
    assert sent[0].path == "/_ping"
    kinds = {event.kind for event in sent}
    assert kinds == {"plain", "stream", "upgrade"}
    responses = {e.request.number: e for e in events if isinstance(e, rawengine.ResponseReceived)}
    closes = {e.request.number: e for e in events if isinstance(e, rawengine.StreamClosed)}
    assert set(responses) == {event.number for event in sent}  # every call answered, none failed
    assert not [e for e in events if isinstance(e, rawengine.CallFailed)]
    upgrade = next(event for event in sent if event.kind == "upgrade")
    assert upgrade.method == "POST" and upgrade.path.endswith("/start")
    assert responses[upgrade.number].status_code == 101
    assert set(closes) == {event.number for event in sent if event.kind != "plain"}
    for number, closed in closes.items():
        assert closed.elapsed >= responses[number].elapsed >= 0


async def test_the_readme_hooks_example_logs_and_times_every_call(
    engine_host: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    text = (pathlib.Path(__file__).parents[2] / "README.md").read_text()
    match = re.search(r"### Request hooks.*?```python\n(.*?)```", text, re.S)
    assert match is not None, "the README lost its hooks example"
    body = textwrap.indent(match.group(1), "    ")
    namespace: dict[str, Any] = {"rawengine": rawengine}
    exec(compile(f"async def example():\n{body}\n    return timings", "README.md", "exec"), namespace)
    monkeypatch.setenv("DOCKER_HOST", engine_host)
    with caplog.at_level(logging.INFO, logger="engine"):
        timings = await namespace["example"]()
    assert set(timings) == {"/_ping", next(p for p in timings if p.endswith("/containers/json"))}
    assert any("/containers/json -> 200 in" in message for message in caplog.messages)
