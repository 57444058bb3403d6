"""Step 8: the tutorial's two lessons, measured, and the Dockerfile way of making the same change.

8a. A committed image is a black box: its history row says a layer was added, not what was done.
8b. Commits only add: a file deleted in a later commit still ships in the image.
8c. The same change built from a Dockerfile through the build endpoint: every step shows in history.
"""

from __future__ import annotations

import io
import posixpath
import shlex
import tarfile
import time
from dataclasses import dataclass
from typing import Any

import anyio

from .. import ContainerConfig
from .failure import DemoFailure
from .render import ellipsis, human_size, short_id
from .servers import DEMO_LABEL, create_named
from .steps import Walkthrough, history_json, history_rows

__all__ = ["build_context", "dockerfile_text", "run_lessons"]


def dockerfile_text(base_ref: str, page: str, webroot: str) -> str:
    """The tutorial's change as a Dockerfile: `FROM nginx` and one `RUN echo ... > index.html`."""
    index = posixpath.join(webroot, "index.html")
    return f"FROM {base_ref}\nRUN echo {shlex.quote(page)} > {index}\n"


def build_context(dockerfile: str) -> bytes:
    """A build context tar holding only the Dockerfile."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        data = dockerfile.encode()
        info = tarfile.TarInfo("Dockerfile")
        info.size = len(data)
        info.mode = 0o644
        info.mtime = int(time.time())
        tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


async def run_lessons(w: Walkthrough) -> None:
    await _black_box(w)
    await _commits_only_add(w)
    await _dockerfile(w)


async def _black_box(w: Walkthrough) -> None:
    o = w.options
    with w.report.step("8a", "black_box", "Lesson 1: a committed image is a black box", f"docker history {w.ref}"):
        top = w.history[0]
        said = top.created_by or "(nothing)"
        mentions = "echo" in top.created_by or o.page in top.created_by
        w.report.line(f"newest layer: {human_size(top.size)}, CREATED BY {said!r}, COMMENT {top.comment!r}")
        w.report.data(
            created_by=top.created_by,
            layer_size=top.size,
            comment=top.comment,
            mentions_command=mentions,
            diff_changes=len(w.changes),
            page_bytes=len(o.page.encode()) + 1,
        )
        what = " (the command the container ran)" if w.engine_kind == "docker" else ""
        w.report.note(
            f"CREATED BY says {said!r}{what}, nothing of the `echo` that changed the page: the "
            f"{len(w.changes)} changes of step 3 sit in that layer with no record of how they were made, "
            "so nobody can review or rebuild it"
        )


async def _run_to_exit(w: Walkthrough, image: str, name: str, script: str) -> str:
    """Run `sh -c script` in a new container until it exits (0, else DemoFailure); return its id."""
    config = ContainerConfig(image=image, cmd=["sh", "-c", script], labels={DEMO_LABEL: w.run_id})
    container_id, _ = await create_named(w.engine, w.tracker, w.report, config, name, w.run_id)
    await w.engine.start_container(container_id)
    with anyio.fail_after(120):
        result = await w.engine.wait_container(container_id)
    if result.status_code != 0:
        raise DemoFailure(f"`{script}` exited with {result.status_code} in {name}")
    return container_id


async def _commits_only_add(w: Walkthrough) -> None:
    o = w.options
    mb = o.big_file_mb
    path = f"/{mb}mb.bin"
    add_script = f"dd if=/dev/urandom of={path} bs=1048576 count={mb}"
    del_script = f"rm {path}"
    with w.report.step(
        "8b",
        "only_adds",
        f"Lesson 2: commits only add (a {mb} MB file, added then deleted)",
        f"docker run {w.ref} sh -c '{add_script}'; docker commit …; docker run … rm {path}; docker commit …",
    ):
        add_ref = await w.free_ref(o.repo, f"{o.tag}-bigfile")
        del_ref = await w.free_ref(o.repo, f"{o.tag}-bigfile-deleted")
        layers: list[dict[str, Any]] = []
        plan = (
            (add_ref, w.ref, add_script, "add", f"add {path} ({mb} MB)"),
            (del_ref, add_ref, del_script, "rm", f"delete {path}"),
        )
        for ref, parent, script, suffix, comment in plan:
            container_id = await _run_to_exit(w, parent, f"{o.name}-{suffix}", script)
            repo, _, tag = ref.rpartition(":")
            w.tracker.image(ref)
            image_id = await w.engine.commit_container(
                container_id, repo=repo, tag=tag, author=o.author, comment=comment
            )
            await w.engine.remove_container(container_id, force=True)
            w.tracker.forget(container_id)
            info = await w.engine.inspect_image(ref)
            top = (await w.engine.image_history(ref))[0]
            layers.append(
                {"ref": ref, "id": image_id, "size": info.size, "script": script, "top": history_json([top])[0]}
            )
        base_size = (await w.engine.inspect_image(w.ref)).size
        rows = [[w.ref, human_size(base_size), "(the commit of step 4)", ""]]
        rows += [
            [
                layer["ref"],
                human_size(layer["size"]),
                ellipsis(layer["top"]["created_by"], 45),
                human_size(layer["top"]["size"]),
            ]
            for layer in layers
        ]
        w.report.table(["IMAGE", "SIZE", "NEWEST LAYER CREATED BY", "LAYER SIZE"], rows)
        added, deleted = layers
        w.report.line("their newest history rows (docker history, first row):")
        w.report.table(
            ["IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT"],
            history_rows([_Row.of(added["top"]), _Row.of(deleted["top"])], time.time()),
        )
        w.report.data(
            file_path=path,
            file_bytes=mb * 1024 * 1024,
            base_size=base_size,
            added=added,
            deleted=deleted,
            growth_from_add=added["size"] - base_size,
            change_from_delete=deleted["size"] - added["size"],
        )
        if deleted["size"] < added["size"]:
            raise DemoFailure(f"{del_ref} is smaller than {add_ref}: the engine shrank an image on delete")
        w.report.note(
            f"adding {path} grew the image by {human_size(added['size'] - base_size)}; deleting it added a "
            f"{human_size(deleted['top']['size'])} layer that only hides it: {del_ref} is still "
            f"{human_size(deleted['size'])}, and the {mb} MB ship with every pull"
        )


@dataclass(frozen=True)
class _Row:
    """A history row from its JSON form (for `history_rows`)."""

    id: str
    created: int
    created_by: str
    size: int
    comment: str

    @classmethod
    def of(cls, row: dict[str, Any]) -> _Row:
        return cls(row["id"], row["created"], row["created_by"], row["size"], row["comment"])


async def _dockerfile(w: Walkthrough) -> None:
    o = w.options
    assert w.base is not None
    dockerfile = dockerfile_text(w.base.ref, o.page, o.webroot)
    cli = f"docker build -t {o.repo}:{o.tag}-dockerfile ."
    with w.report.step("8c", "dockerfile", "The same change from a Dockerfile", cli):
        ref = await w.free_ref(o.repo, f"{o.tag}-dockerfile")
        for line in dockerfile.splitlines():
            w.report.line(w.report.style.cyan(line))
        w.tracker.image(ref)
        output: list[str] = []
        async with w.engine.build_stream(build_context(dockerfile), tag=ref) as build:
            async for message in build:
                for text in (message.stream or "").splitlines():
                    if text.strip():
                        output.append(text)
                        w.report.output(text)
        image_id = build.image_id or ""
        history = await w.engine.image_history(ref)
        w.report.table(["IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT"], history_rows(history, time.time()))
        top = history[0]
        visible = "echo" in top.created_by and o.page in top.created_by
        w.report.data(
            ref=ref,
            image_id=image_id,
            dockerfile=dockerfile,
            output=output,
            history=history_json(history),
            step_visible=visible,
        )
        if not visible:
            raise DemoFailure(f"the build's newest history row does not show the RUN step: {top.created_by!r}")
        w.report.note(
            f"the RUN step is in the history, word for word ({ellipsis(top.created_by, 60)!r}), on a "
            f"{human_size(top.size)} layer with nothing else in it: anyone can read and rebuild {short_id(image_id)}"
        )
