"""Request hooks on the real engines: every call of a plain, a streamed and a hijacked exchange."""

from __future__ import annotations

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
