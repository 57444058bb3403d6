"""`python -m rawengine.demo` end to end, on the real Docker and Podman engines.

The walkthrough runs in-process (`run_demo`, on asyncio and trio) and as the command
(`python -m rawengine.demo`), and the tests check its transcript: the page before and after, the
diff, the commit, the image list, the history, the second server, the two measured lessons, the
Dockerfile build, and that the clean-up removed what the run created and nothing else. Every run
uses its own container names, repository and free ports, so it never collides with a demo (or
another test) running at the same time.
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest

import rawengine
from rawengine.demo import DemoOptions, run_demo
from rawengine.demo import servers as demo_servers
from rawengine.demo.http_fetch import FetchError, fetch_page
from tests.conftest import unique

ROOT = Path(__file__).resolve().parents[2]
PAGE = "<h1>Hello, Docker!</h1>"
MESSAGE = "修改了默认网页"
ANSI = re.compile(r"\x1b\[")


def _options(engine_host: str, backend: str = "asyncio", **overrides: Any) -> DemoOptions:
    """The tutorial's run with names of its own and ports the kernel picks."""
    prefix = unique("rawengine-test-demo")
    values: dict[str, Any] = {
        "host": engine_host,
        "port": 0,
        "port2": 0,
        "name": prefix,
        "name2": prefix + "-web2",
        "repo": prefix,
        "backend": backend,
        "color": False,
    }
    values.update(overrides)
    return DemoOptions(**values)


def _step(transcript: dict[str, Any], key: str) -> dict[str, Any]:
    matches: list[dict[str, Any]] = [step for step in transcript["steps"] if step["key"] == key]
    assert len(matches) == 1, f"no single step {key!r} in {[s['key'] for s in transcript['steps']]}"
    return matches[0]


async def _assert_all_removed(engine: rawengine.Engine, transcript: dict[str, Any]) -> None:
    """Nothing the run created is left: no container with its label, no image under its references."""
    run_id = transcript["summary"]["run_id"]
    assert await engine.list_containers(all=True, filters={"label": [f"rawengine.demo={run_id}"]}) == []
    cleanup = transcript["summary"]["cleanup"]
    assert cleanup["left"] == []
    for item in cleanup["removed"]:
        if item["kind"] == "image":
            with pytest.raises(rawengine.NotFoundError):
                await engine.inspect_image(item["ref"])
        else:
            with pytest.raises(rawengine.NotFoundError):
                await engine.inspect_container(item["ref"])


def _check_table_alignment(lines: list[str], header: str) -> None:
    """Every row of the table under `header` starts its columns where the header's do."""
    start = next(i for i, line in enumerate(lines) if line.strip().startswith(header))
    head = lines[start]
    columns = [m.start() for m in re.finditer(r"(?<=   )\S", head)]
    for row in lines[start + 1 :]:
        if not row.startswith("   ") or row.strip().startswith(("•", "→", "✓", "their")):
            break
        for column in columns:
            assert row[column - 1] == " ", f"column {column} out of line in {row!r} under {head!r}"


# ---------------------------------------------------------------- the whole walkthrough


async def test_demo_end_to_end(
    engine: rawengine.Engine, engine_name: str, engine_host: str, anyio_backend: str
) -> None:
    options = _options(engine_host, anyio_backend)
    out = io.StringIO()
    result = await run_demo(options, out=out, err=out, handle_signals=False)
    text = out.getvalue()
    assert result.exit_code == 0, text
    t = result.transcript
    assert t["summary"]["ok"] is True
    assert t["engine"]["kind"] == engine_name
    assert [step["key"] for step in t["steps"]] == [
        "image",
        "run",
        "exec",
        "diff",
        "commit",
        "images",
        "history",
        "run2",
        "black_box",
        "only_adds",
        "dockerfile",
        "cleanup",
    ]
    for step in t["steps"]:
        assert step["status"] == "ok", step
        for call in step["calls"]:
            assert call["method"] in ("GET", "POST", "DELETE") and call["path"].startswith("/")
            assert isinstance(call["status"], int) and call["ms"] >= 0

    image = _step(t, "image")["data"]
    assert image["origin"] == "stand-in"  # no registry here: the pull failed and was said so
    assert image["pull_error"]
    assert any(c["path"] == "/images/create" and "fromImage=nginx" in c["target"] for c in _step(t, "image")["calls"])
    assert any("fromSrc=-" in c["target"] for c in _step(t, "image")["calls"])

    run = _step(t, "run")
    assert [c["path"] for c in run["calls"][:2]] == [
        "/containers/create",
        f"/containers/{run['data']['container']['id'][:12]}/start",
    ]
    before = run["data"]["page"]
    assert before["status"] == 200 and before["reached_by"] == "published port"
    assert "Welcome" in before["body"] and PAGE not in before["body"]

    exec_step = _step(t, "exec")
    assert exec_step["data"]["exit_code"] == 0
    assert exec_step["data"]["output"] == [{"stream": "stdout", "text": PAGE}]  # streamed from the exec
    assert any(c["kind"] == "upgrade" and c["status"] == 101 for c in exec_step["calls"])
    after = exec_step["data"]["page"]
    assert after["status"] == 200 and after["body"] == PAGE + "\n"

    diff = _step(t, "diff")["data"]
    assert {"kind": "C", "path": "/usr/share/nginx/html/index.html"} in diff["changes"]
    assert diff["intended_found"] is True

    commit = _step(t, "commit")
    image_id = commit["data"]["image_id"]
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", image_id)
    assert commit["data"]["ref"] == options.ref
    assert any(c["path"] == "/commit" and c["status"] == 201 for c in commit["calls"])

    listed = _step(t, "images")["data"]["images"]
    assert [(row["tag"], row["id"]) for row in listed] == [("v2", image_id.removeprefix("sha256:")[:12])]
    assert listed[0]["repository"].endswith(options.repo)

    history = _step(t, "history")["data"]
    assert history["top"]["id"] == image_id
    assert history["inspect"]["comment"] == MESSAGE and history["inspect"]["author"] == options.author
    if engine_name == "docker":
        assert history["top"]["comment"] == MESSAGE
    else:  # Podman writes the parent as the history comment and keeps the message in the config
        assert history["top"]["comment"].startswith("FROM ")
    assert len(history["history"]) >= 2

    run2 = _step(t, "run2")["data"]
    assert run2["page"]["body"] == PAGE + "\n" and run2["has_change"] is True
    assert run2["container"]["port"] != run["data"]["container"]["port"]

    black_box = _step(t, "black_box")["data"]
    assert black_box["mentions_command"] is False
    assert black_box["created_by"] == history["top"]["created_by"]
    assert black_box["layer_size"] > 0

    lesson = _step(t, "only_adds")["data"]
    mib10 = 10 * 1024 * 1024
    assert lesson["file_bytes"] == mib10
    assert lesson["added"]["top"]["size"] >= mib10
    assert lesson["growth_from_add"] >= mib10
    assert lesson["deleted"]["size"] >= lesson["added"]["size"]  # deleting never shrinks the image
    assert lesson["deleted"]["top"]["size"] < 64 * 1024  # only a whiteout
    assert lesson["added"]["top"]["id"] == lesson["added"]["id"]

    built = _step(t, "dockerfile")["data"]
    assert built["step_visible"] is True
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", built["image_id"])
    assert PAGE in built["history"][0]["created_by"] and "echo" in built["history"][0]["created_by"]
    assert any("2/2" in line for line in built["output"])

    await _assert_all_removed(engine, t)
    assert len(t["summary"]["cleanup"]["removed"]) == 7  # 2 servers, stand-in, v2, two lesson images, build

    # the prose: numbered steps naming their calls, aligned tables, no colour off a terminal
    assert not ANSI.search(text)
    for heading in ("0. ", "1. ", "2. ", "3. ", "4. ", "5. ", "6. ", "7. ", "8a. ", "8b. ", "8c. "):
        assert re.search(rf"^{re.escape(heading)}\S", text, re.MULTILINE), heading
    assert re.search(r"→ POST /commit\?container=\S+ · 201 Created · [\d.]+ m?s", text)
    assert re.search(r"→ GET /containers/[0-9a-f]{12}/changes · 200 OK", text)
    assert text.count("cannot pull nginx") == 1
    lines = text.splitlines()
    _check_table_alignment(lines, "REPOSITORY")
    _check_table_alignment(lines, "IMAGE          CREATED")
    assert "Done in" in lines[-1]


# ---------------------------------------------------------------- failures, interruptions, conflicts


async def test_failing_step_cleans_up_and_keeps_what_is_not_its_own(
    engine: rawengine.Engine, engine_host: str, base_image: str, anyio_backend: str
) -> None:
    # A local image (nothing pulled or imported) and a web root it does not have: the exec fails.
    options = _options(engine_host, anyio_backend, image=base_image, webroot="/no/such/dir")
    out = io.StringIO()
    result = await run_demo(options, out=out, err=out, handle_signals=False)
    text = out.getvalue()
    assert result.exit_code == 1, text
    t = result.transcript
    assert _step(t, "image")["data"]["origin"] == "local"
    exec_step = _step(t, "exec")
    assert exec_step["status"] == "failed" and "--webroot" in exec_step["error"]
    assert exec_step["data"]["exit_code"] != 0
    assert [item["label"] for item in t["summary"]["cleanup"]["removed"]] == [options.name]
    await _assert_all_removed(engine, t)
    assert (await engine.inspect_image(base_image)).id  # not created by the demo: left alone
    assert "✗ step 2 (Change the page from inside the container) failed" in text
    assert "Failed after" in text.splitlines()[-1]


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A host port something else listens on."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("0.0.0.0", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


async def test_taken_port_name_and_tag_are_avoided(
    engine: rawengine.Engine,
    engine_host: str,
    base_image: str,
    busy_port: int,
    monkeypatch: pytest.MonkeyPatch,
    anyio_backend: str,
) -> None:
    options = _options(engine_host, anyio_backend, port=busy_port, lessons=False)
    # Someone else's container already holds the first server's name, and their image the tag.
    theirs = await engine.create_container(rawengine.ContainerConfig(image=base_image, cmd=["true"]), name=options.name)
    await engine.tag_image(base_image, options.repo, options.tag)
    # Skip the local bind probe, so the engine itself must refuse the taken port (then it is retried).
    monkeypatch.setattr(demo_servers, "port_is_free", lambda port: True)
    try:
        out = io.StringIO()
        result = await run_demo(options, out=out, err=out, handle_signals=False)
        text = out.getvalue()
        assert result.exit_code == 0, text
        t = result.transcript
        run = _step(t, "run")
        assert run["data"]["container"]["name"] == options.name + "-2"
        assert run["data"]["container"]["port"] != busy_port
        starts = [c for c in run["calls"] if c["path"].endswith("/start")]
        assert starts[0]["status"] >= 400 and starts[-1]["status"] == 204  # refused, then published elsewhere
        assert any(c["method"] == "DELETE" for c in run["calls"])  # the half-made container went at once
        assert any(f"host port {busy_port} in use" in note for note in run["notes"])
        assert _step(t, "commit")["data"]["ref"] == f"{options.repo}:{options.tag}-2"
        await _assert_all_removed(engine, t)
        # theirs are still there
        assert (await engine.inspect_container(theirs.id)).name.lstrip("/") == options.name
        assert (await engine.inspect_image(options.ref)).id == (await engine.inspect_image(base_image)).id
    finally:
        await engine.remove_container(theirs.id, force=True)
        await engine.remove_image(options.ref)


async def test_keep_leaves_everything_and_unpublished_servers_are_reached_directly(
    engine: rawengine.Engine, engine_host: str, base_image: str, monkeypatch: pytest.MonkeyPatch, anyio_backend: str
) -> None:
    options = _options(engine_host, anyio_backend, image=base_image, webroot="/www", lessons=False, keep=True)
    real_fetch = fetch_page

    async def published_ports_do_not_forward(host: str, port: int, path: str = "/", *, patience: float = 15.0) -> Any:
        if host == "127.0.0.1":  # as on a host where the engine cannot forward published ports
            raise FetchError(f"http://{host}:{port}{path} did not answer")
        return await real_fetch(host, port, path, patience=patience)

    monkeypatch.setattr(demo_servers, "fetch_page", published_ports_do_not_forward)
    out = io.StringIO()
    result = await run_demo(options, out=out, err=out, handle_signals=False)
    text = out.getvalue()
    t = result.transcript
    try:
        assert result.exit_code == 0, text
        for key in ("run", "run2"):
            page = _step(t, key)["data"]["page"]
            assert page["reached_by"] == "container address" and page["url"].endswith(":80/")
        assert _step(t, "run2")["data"]["page"]["body"] == PAGE + "\n"
        assert "the published port does not forward here" in text
        kept = t["summary"]["cleanup"]["kept"]
        assert [item["label"] for item in kept] == [options.name, options.ref, options.name2]  # creation order
        for item in kept:
            if item["kind"] == "container":
                assert (await engine.inspect_container(item["ref"])).state.running
        assert (await engine.inspect_image(options.ref)).id == _step(t, "commit")["data"]["image_id"]
        assert f"remove with: docker rm -f {options.name} {options.name2}" in text
        assert f"remove with: docker rmi {options.ref}" in text
    finally:
        for item in t["summary"]["cleanup"]["kept"]:
            if item["kind"] == "container":
                await engine.remove_container(item["ref"], force=True)
        for item in t["summary"]["cleanup"]["kept"]:
            if item["kind"] == "image":
                await engine.remove_image(item["ref"])


# ---------------------------------------------------------------- the command


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "rawengine.demo", *args]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("DOCKER_HOST", None)
    env["PYTHONPATH"] = str(ROOT)
    return env


def _names(engine_host: str) -> list[str]:
    prefix = unique("rawengine-test-demo")
    return [
        "--host",
        engine_host,
        "--port",
        "0",
        "--port2",
        "0",
        "--name",
        prefix,
        "--name2",
        prefix + "-web2",
        "--repo",
        prefix,
    ]


def test_command_prints_json_transcript(engine_name: str, engine_host: str, base_image: str) -> None:
    proc = subprocess.run(
        _command(*_names(engine_host), "--json", "--skip-lessons", "--image", base_image, "--webroot", "/www"),
        capture_output=True,
        text=True,
        timeout=180,
        env=_env(),
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    t = json.loads(proc.stdout)
    assert t["summary"]["exit_code"] == 0 and t["engine"]["kind"] == engine_name
    assert _step(t, "run2")["data"]["page"]["body"] == PAGE + "\n"
    assert t["api_calls"] == len(t["setup"]["calls"]) + sum(len(step["calls"]) for step in t["steps"])
    assert t["summary"]["cleanup"]["left"] == []


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_ctrl_c_stops_and_removes_everything(engine_host: str, base_image: str, backend: str) -> None:
    args = _names(engine_host)
    proc = subprocess.Popen(
        _command(*args, "--backend", backend, "--no-color"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=_env(),
        cwd=ROOT,
    )
    assert proc.stdout is not None
    seen: list[str] = []
    deadline = time.monotonic() + 120
    for line in proc.stdout:  # interrupt once the first server runs and the page changes
        seen.append(line)
        if line.startswith("3. ") or time.monotonic() > deadline:
            break
    proc.send_signal(signal.SIGINT)
    rest, _ = proc.communicate(timeout=120)
    text = "".join(seen) + rest
    assert proc.returncode == 130, text
    assert "Interrupted" in text and "Traceback" not in text
    assert "removed container" in text and "removed image" in text
    assert "Interrupted after" in text.splitlines()[-1]

    async def check() -> None:
        async with rawengine.Engine(engine_host) as engine:
            name = args[args.index("--name") + 1]
            for ref in (name, name + "-web2"):
                with pytest.raises(rawengine.NotFoundError):
                    await engine.inspect_container(ref)
            assert await engine.list_images(filters={"reference": [args[args.index("--repo") + 1]]}) == []
            stand_ins = re.findall(r"rawengine-demo/httpd:[0-9a-f]+", text)
            assert stand_ins
            for ref in set(stand_ins):
                with pytest.raises(rawengine.NotFoundError):
                    await engine.inspect_image(ref)

    anyio.run(check)


def test_no_engine_is_one_line_and_exit_3(tmp_socket_dir: str) -> None:
    for host in (f"unix://{tmp_socket_dir}/missing.sock", f"unix://{tmp_socket_dir}"):
        proc = subprocess.run(
            _command("--host", host), capture_output=True, text=True, timeout=60, env=_env(), cwd=ROOT
        )
        assert proc.returncode == 3
        assert proc.stdout == ""
        lines = proc.stderr.splitlines()
        assert len(lines) == 1, proc.stderr
        assert lines[0].startswith("rawengine demo: cannot connect to the engine at " + host)
        assert "Traceback" not in proc.stderr
    missing = subprocess.run(
        _command("--host", f"unix://{tmp_socket_dir}/missing.sock"),
        capture_output=True,
        text=True,
        timeout=60,
        env=_env(),
        cwd=ROOT,
    )
    assert "make demo" in missing.stderr


def test_bad_host_is_a_usage_error() -> None:
    proc = subprocess.run(
        _command("--host", "ftp://x"), capture_output=True, text=True, timeout=60, env=_env(), cwd=ROOT
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("rawengine demo: unsupported engine host 'ftp://x'")
