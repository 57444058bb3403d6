"""Container changes, commit and image history against the real engines (Docker and Podman, asyncio and trio).

The changes are compared with what the engine's own CLI prints for the same container
(`docker diff`, `podman diff`). Every image is created through `resources.image_ref` and removed
by that reference at teardown.
"""

from __future__ import annotations

import shutil

import anyio
import pytest

import rawengine
from tests.conftest import Resources

HTTPD_8080 = 'CMD ["httpd", "-f", "-p", "8080", "-h", "/www"]'
CHANGE_SCRIPT = (
    "echo changed > /www/index.html; echo new > /www/added.html; rmdir /tmp; "
    "mkdir -p /newdir/sub; echo x > /newdir/sub/f; rm /etc/group"
)


async def run_to_exit(engine: rawengine.Engine, resources: Resources, script: str, image: str | None = None) -> str:
    """A container that runs `sh -c script` and has exited (status 0) when this returns."""
    config = rawengine.ContainerConfig(cmd=["sh", "-c", script])
    if image is not None:
        config.image = image
    cid = await resources.container(config)
    with anyio.fail_after(60):
        assert (await engine.wait_container(cid)).status_code == 0
    return cid


async def cli_diff(engine_name: str, engine_host: str, cid: str) -> set[tuple[str, str]]:
    """`{("C", "/www"), ...}` as the engine's own CLI prints it."""
    if engine_name == "docker":
        docker = shutil.which("docker") or "/usr/local/bin/docker"
        command = [docker, "-H", engine_host, "diff", cid]
    else:
        command = [shutil.which("podman") or "/usr/bin/podman", "diff", cid]
    with anyio.fail_after(60):
        result = await anyio.run_process(command)
    lines = result.stdout.decode().splitlines()
    return {(line[0], line[2:]) for line in lines if line.strip()}


def as_set(changes: list[rawengine.Change]) -> set[tuple[str, str]]:
    return {(change.kind.symbol, change.path) for change in changes}


async def test_changes_equal_the_cli_diff(
    engine: rawengine.Engine, resources: Resources, engine_name: str, engine_host: str
) -> None:
    cid = await run_to_exit(engine, resources, CHANGE_SCRIPT)
    changes = await engine.container_changes(cid)
    assert all(isinstance(change.kind, rawengine.ChangeKind) for change in changes)
    assert len(changes) == len(as_set(changes))
    assert as_set(changes) == await cli_diff(engine_name, engine_host, cid)
    expected = {
        ("C", "/www"),
        ("A", "/www/added.html"),
        ("C", "/www/index.html"),
        ("D", "/tmp"),
        ("A", "/newdir"),
        ("A", "/newdir/sub"),
        ("A", "/newdir/sub/f"),
        ("C", "/etc"),
        ("D", "/etc/group"),
    }
    assert as_set(changes) == expected


async def test_podman_lists_etc_for_a_container_that_ran(
    engine: rawengine.Engine, resources: Resources, engine_name: str, engine_host: str
) -> None:
    cid = await run_to_exit(engine, resources, "echo new > /www/only.html")
    changes = as_set(await engine.container_changes(cid))
    assert changes == await cli_diff(engine_name, engine_host, cid)
    www = {("C", "/www"), ("A", "/www/only.html")}
    if engine_name == "podman":  # the runtime writes hosts files under /etc; Docker hides that path
        etc = changes - www
        assert len(etc) == 1 and etc.pop() in {("A", "/etc"), ("C", "/etc")}
    else:
        assert changes == www


async def test_unchanged_container_has_no_changes(engine: rawengine.Engine, resources: Resources) -> None:
    created = await resources.container(start=False)  # never started: both engines send null
    assert await engine.container_changes(created) == []


async def test_docker_null_for_a_container_that_changed_nothing(
    engine: rawengine.Engine, resources: Resources, engine_name: str
) -> None:
    cid = await run_to_exit(engine, resources, "true")
    changes = await engine.container_changes(cid)
    if engine_name == "docker":
        assert changes == []  # the wire said null
    else:
        assert {change.path for change in changes} == {"/etc"}


async def test_commit_with_author_comment_and_cmd(
    engine: rawengine.Engine, resources: Resources, engine_name: str, base_image: str
) -> None:
    marker = f"committed-{id(resources)}"
    source = await run_to_exit(engine, resources, f"echo {marker} > /www/index.html")
    ref = resources.image_ref("rawengine/test-commit")
    repo, tag = ref.rsplit(":", 1)
    author, comment = "Jane Doe <jane@example.com>", "changed the default page"
    image_id = await engine.commit_container(
        source, repo=repo, tag=tag, author=author, comment=comment, changes=[HTTPD_8080], pause=True
    )
    assert image_id.startswith("sha256:") and len(image_id) == 71

    info = await engine.inspect_image(ref)
    assert info.id == image_id
    assert (info.author, info.comment) == (author, comment)
    assert info.config is not None and info.config.cmd == ["httpd", "-f", "-p", "8080", "-h", "/www"]
    assert info.parent == (await engine.inspect_image(base_image)).id  # Podman's bare hex normalised

    history = await engine.image_history(ref)
    assert history[0].id == image_id
    assert len(history) == len(await engine.image_history(base_image)) + 1
    if engine_name == "docker":
        assert history[0].comment == comment
        assert ref in history[0].tags
    else:  # Podman keeps the comment in inspect only; its history says where the layer came from
        assert history[0].comment.startswith("FROM ")
        assert history[0].tags == []

    # The image runs with the new CMD and serves the changed file.
    server = await resources.container(rawengine.ContainerConfig(image=ref))
    fetch = (
        "for i in $(seq 100); do out=$(wget -qO- http://127.0.0.1:8080/index.html) && "
        f'{{ [ "$out" = "{marker}" ] && exit 0 || exit 3; }}; sleep 0.1; done; exit 2'
    )
    client = await resources.container(
        rawengine.ContainerConfig(
            cmd=["sh", "-c", fetch], host_config=rawengine.HostConfig(network_mode=f"container:{server}")
        )
    )
    with anyio.fail_after(60):
        assert (await engine.wait_container(client)).status_code == 0


async def test_commit_config_is_merged_on_docker_and_ignored_on_podman(
    engine: rawengine.Engine, resources: Resources, engine_name: str
) -> None:
    source = await run_to_exit(engine, resources, "true")
    ref = resources.image_ref("rawengine/test-commit")
    repo, tag = ref.rsplit(":", 1)
    config = rawengine.ContainerConfig(env=["FROM_CONFIG=1"], labels={"rawengine.test.commit": "config"})
    await engine.commit_container(source, repo=repo, tag=tag, config=config, changes=["ENV FROM_CHANGES=1"])
    info = await engine.inspect_image(ref)
    assert info.config is not None
    env, labels = info.config.env or [], info.config.labels or {}
    assert "FROM_CHANGES=1" in env  # `changes` work on both engines
    if engine_name == "docker":
        assert "FROM_CONFIG=1" in env and labels.get("rawengine.test.commit") == "config"
    else:  # Podman 4.3 ignores the commit body (documented on commit_container)
        assert "FROM_CONFIG=1" not in env and "rawengine.test.commit" not in labels


async def test_deleting_in_a_later_commit_does_not_shrink_the_image(
    engine: rawengine.Engine, resources: Resources
) -> None:
    one_mib = 1024 * 1024
    writer = await run_to_exit(engine, resources, "dd if=/dev/urandom of=/big bs=1024 count=1024 2>/dev/null")
    with_file = resources.image_ref("rawengine/test-bloat")
    repo, tag = with_file.rsplit(":", 1)
    first_id = await engine.commit_container(writer, repo=repo, tag=tag, comment="add /big")

    deleter = await run_to_exit(engine, resources, "rm /big", image=with_file)
    without_file = resources.image_ref("rawengine/test-bloat")
    repo, tag = without_file.rsplit(":", 1)
    second_id = await engine.commit_container(deleter, repo=repo, tag=tag, comment="delete /big")

    first, second = await engine.inspect_image(with_file), await engine.inspect_image(without_file)
    assert second.size >= first.size >= one_mib  # the file is gone from view, not from the image
    assert first.root_fs is not None and second.root_fs is not None
    assert second.root_fs.layers is not None and first.root_fs.layers is not None
    assert second.root_fs.layers[:-1] == first.root_fs.layers  # the layer holding /big is still there
    history = await engine.image_history(without_file)
    assert [row.id for row in history[:2]] == [second_id, first_id]
    assert history[1].size >= one_mib  # the layer that added /big
    assert history[0].size < one_mib // 4  # the layer that deleted it: a whiteout, a few bytes


async def test_commit_and_history_errors(engine: rawengine.Engine) -> None:
    with pytest.raises(rawengine.NotFoundError) as missing:
        await engine.commit_container("rawengine-test-no-such-container", repo="rawengine/test-never", tag="x")
    assert "rawengine-test-no-such-container" in missing.value.message
    with pytest.raises(rawengine.NotFoundError) as info:
        await engine.image_history("rawengine/test-no-such-image:nope")
    assert "rawengine/test-no-such-image" in info.value.message
    with pytest.raises(rawengine.NotFoundError):
        await engine.container_changes("rawengine-test-no-such-container")


@pytest.mark.parametrize(
    ("repo", "tag", "docker_message", "podman_message"),
    [
        ("Rawengine/UPPER", "v1", "invalid reference format: repository name must be lowercase", "must be lowercase"),
        ("rawengine/test-badtag", "bad:tag", "invalid tag format", "invalid reference format"),
    ],
)
async def test_invalid_repository_leaves_no_dangling_image(
    engine: rawengine.Engine,
    resources: Resources,
    engine_name: str,
    repo: str,
    tag: str,
    docker_message: str,
    podman_message: str,
) -> None:
    # A private parent image, so that any image committed from its container can be found by parent.
    parent_ref = resources.image_ref("rawengine/test-parent")
    parent_repo, parent_tag = parent_ref.rsplit(":", 1)
    parent_id = await engine.commit_container(
        await run_to_exit(engine, resources, "echo parent > /parent"), repo=parent_repo, tag=parent_tag
    )
    source = await run_to_exit(engine, resources, "echo child > /child", image=parent_ref)

    async def children() -> list[str]:
        return [image.id for image in await engine.list_images(all=True) if image.parent_id == parent_id]

    with pytest.raises(rawengine.BadRequestError) as info:
        await engine.commit_container(source, repo=repo, tag=tag, comment="never")
    if engine_name == "docker":
        assert info.value.message == docker_message
    else:
        assert podman_message in info.value.message
    assert await children() == []

    # The check above can see a child image: a valid commit of the same container makes one.
    ref = resources.image_ref("rawengine/test-child")
    child_repo, child_tag = ref.rsplit(":", 1)
    child_id = await engine.commit_container(source, repo=child_repo, tag=child_tag)
    assert await children() == [child_id]
