"""Push and login against the real engines, with no registry listening (127.0.0.1:1).

What a failing push looks like on each engine: never a silent success. Then pushes and pulls
through the loopback registry that scripts/registry-up runs (Docker only: see below).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

import rawengine
from tests.conftest import BASE_IMAGE, ENGINES, Resources, _ensure_base_image, unique

NOWHERE = "127.0.0.1:1"
SECRET = "pw+/with=symbols"


async def test_a_push_to_an_unreachable_registry_raises(
    engine: rawengine.Engine, resources: Resources, base_image: str
) -> None:
    ref = resources.image_ref(f"{NOWHERE}/rn-im/pushed")
    repo, tag = ref.rsplit(":", 1)
    await engine.tag_image(base_image, repo, tag)
    auth = rawengine.RegistryAuth("me", SECRET, NOWHERE)
    with pytest.raises(rawengine.StreamError) as info:
        await engine.push_image(repo, tag=tag, auth=auth)
    assert "connection refused" in info.value.message
    assert SECRET not in str(info.value)


async def test_pushing_a_missing_image_raises(engine: rawengine.Engine) -> None:
    with pytest.raises(rawengine.StreamError) as info:
        await engine.push_image(f"{NOWHERE}/rn-im/absent", tag="v1")
    assert "absent" in info.value.message


async def test_login_to_an_unreachable_registry_is_not_an_authentication_error(engine: rawengine.Engine) -> None:
    with pytest.raises(rawengine.ServerError) as info:
        await engine.login("me", SECRET, NOWHERE)
    assert not isinstance(info.value, rawengine.AuthenticationError)
    assert "connection refused" in info.value.message
    assert SECRET not in str(info.value)


# ---------------------------------------------------------------- a live registry (scripts/registry-up)
#
# Docker only: Podman reads registries.conf.d when its service starts, and the running service
# (started before scripts/registry-up wrote its entry) cannot be restarted under other sessions'
# tests, so Podman still speaks HTTPS to the loopback registry here.

REGISTRY = os.environ.get("RAWENGINE_REGISTRY", "127.0.0.1:5055")
PASSWORD_FILE = Path(os.environ.get("RAWENGINE_REGISTRY_DIR", "/var/lib/rawengine/registry")) / "password"


@pytest.fixture
def registry_password() -> str:
    if not PASSWORD_FILE.exists():
        pytest.fail(f"no registry state at {PASSWORD_FILE}: run `bash scripts/registry-up` (engine-up does)")
    return PASSWORD_FILE.read_text().strip()


@pytest.fixture
async def docker() -> AsyncIterator[rawengine.Engine]:
    async with rawengine.Engine(ENGINES["docker"]) as engine:
        await _ensure_base_image(ENGINES["docker"])
        yield engine


async def pushed_copy(engine: rawengine.Engine, auth: rawengine.RegistryAuth | None) -> tuple[str, str, str]:
    repo, tag = f"{REGISTRY}/rn-im/reg-{unique('t')[-10:]}", "v1"
    await engine.tag_image(BASE_IMAGE, repo, tag)
    image_id = (await engine.inspect_image(f"{repo}:{tag}")).id
    messages: list[rawengine.ProgressMessage] = []
    digest = await engine.push_image(repo, tag=tag, auth=auth, on_progress=messages.append)
    assert digest is not None and digest.startswith("sha256:")
    assert messages
    return repo, digest, image_id


async def test_push_remove_pull_by_tag_and_by_digest(docker: rawengine.Engine, registry_password: str) -> None:
    auth = rawengine.RegistryAuth("rawengine", registry_password, REGISTRY)
    repo, digest, image_id = await pushed_copy(docker, auth)
    try:
        await docker.remove_image(f"{repo}:v1")
        await docker.pull_image(f"{repo}:v1", auth=auth)
        assert (await docker.inspect_image(f"{repo}:v1")).id == image_id
        await docker.remove_image(f"{repo}:v1")
        await docker.pull_image(f"{repo}@{digest}", auth=auth)
        assert (await docker.inspect_image(f"{repo}@{digest}")).id == image_id
    finally:
        for ref in (f"{repo}:v1", f"{repo}@{digest}"):
            with contextlib.suppress(rawengine.NotFoundError):
                await docker.remove_image(ref)


async def test_a_wrong_password_is_a_clear_authentication_error(
    docker: rawengine.Engine, registry_password: str
) -> None:
    wrong = rawengine.RegistryAuth("rawengine", SECRET, REGISTRY)
    with pytest.raises(rawengine.AuthenticationError) as login:
        await docker.login("rawengine", SECRET, REGISTRY)
    assert SECRET not in str(login.value)
    assert (await docker.login("rawengine", registry_password, REGISTRY)).status == "Login Succeeded"
    repo = f"{REGISTRY}/rn-im/reg-{unique('t')[-10:]}"
    await docker.tag_image(BASE_IMAGE, repo, "v1")
    try:
        with pytest.raises(rawengine.StreamError, match="unauthorized"):
            await docker.push_image(repo, tag="v1", auth=wrong)
        with pytest.raises(rawengine.StreamError, match="unauthorized"):
            await docker.pull_image(f"{repo}:v1", auth=wrong)
    finally:
        await docker.remove_image(f"{repo}:v1")


async def test_credentials_from_docker_config_auths_and_from_a_helper(
    docker: rawengine.Engine, registry_password: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    basic = base64.b64encode(f"rawengine:{registry_password}".encode()).decode()
    (tmp_path / "config.json").write_text(json.dumps({"auths": {f"http://{REGISTRY}": {"auth": basic}}}))
    repo, digest, _ = await pushed_copy(docker, None)  # found in auths
    await docker.remove_image(f"{repo}:v1")
    helper = tmp_path / "docker-credential-test"
    reply = json.dumps({"ServerURL": REGISTRY, "Username": "rawengine", "Secret": registry_password})
    helper.write_text(f"#!/bin/sh\nread s\necho '{reply}'\n")
    helper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    (tmp_path / "config.json").write_text(json.dumps({"credHelpers": {REGISTRY: "test"}}))
    try:
        await docker.pull_image(f"{repo}@{digest}")  # found through the helper
    finally:
        with contextlib.suppress(rawengine.NotFoundError):
            await docker.remove_image(f"{repo}@{digest}")
