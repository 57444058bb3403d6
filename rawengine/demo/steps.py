"""Steps 0 to 7 of the walkthrough: run a server, change its page, diff, commit, list, history, rerun.

Each step is one method of `Walkthrough`, opened with `report.step(...)` (which prints its title,
the `docker` command it stands for, and every Engine API call it makes) and records what it found
in the transcript with `report.data(...)`. Step 8, the lessons, is in `lessons.py`.
"""

from __future__ import annotations

import posixpath
import shlex
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import anyio

from .. import Change, Engine, ExecConfig, HistoryItem, ImageSummary, StreamKind
from .._exceptions import NotFoundError
from .cleanup import Tracker
from .failure import DemoFailure
from .http_fetch import Page, page_headline
from .image_source import BaseImage, prepare_image
from .options import DemoOptions
from .render import ellipsis, human_age, human_size, short_id
from .report import Report
from .servers import Server, fetch_from_host, fetch_host_for, start_server

__all__ = ["HistoryLike", "Walkthrough", "history_json", "history_rows", "image_rows"]


class HistoryLike(Protocol):
    """A history row: `HistoryItem`, or one rebuilt from the transcript."""

    @property
    def id(self) -> str: ...
    @property
    def created(self) -> int: ...
    @property
    def created_by(self) -> str: ...
    @property
    def size(self) -> int: ...
    @property
    def comment(self) -> str: ...


def image_rows(images: Sequence[ImageSummary], repo: str, now: float) -> list[list[str]]:
    """`docker image ls REPO` rows: one per tag of `repo` (Podman's `docker.io/library/` kept)."""
    rows = []
    for image in images:
        for repo_tag in image.repo_tags:
            name, _, tag = repo_tag.rpartition(":")
            if name == repo or name.endswith(("/" + repo, "/library/" + repo)):
                rows.append([name, tag, short_id(image.id), human_age(image.created, now), human_size(image.size)])
    return rows


def history_rows(history: Sequence[HistoryLike], now: float) -> list[list[str]]:
    """`docker history` rows: IMAGE, CREATED, CREATED BY (45 columns), SIZE, COMMENT."""
    rows = []
    for item in history:
        image = "<missing>" if item.id in ("", "<missing>") else short_id(item.id)
        created_by = ellipsis(item.created_by.replace("\t", " "), 45)
        rows.append([image, human_age(item.created, now), created_by, human_size(item.size), item.comment])
    return rows


def _directories_of(path: str) -> set[str]:
    """`/usr/share/nginx/html/index.html` → `{/usr, /usr/share, /usr/share/nginx, /usr/share/nginx/html}`."""
    found = set()
    directory = posixpath.dirname(path)
    while directory not in ("/", ""):
        found.add(directory)
        directory = posixpath.dirname(directory)
    return found


def history_json(history: Sequence[HistoryItem]) -> list[dict[str, Any]]:
    return [
        {
            "id": item.id,
            "created": item.created,
            "created_by": item.created_by,
            "size": item.size,
            "comment": item.comment,
            "tags": list(item.tags),
        }
        for item in history
    ]


class _Lines:
    """Whole lines out of output pieces whose boundaries mean nothing."""

    def __init__(self) -> None:
        self._partial = {StreamKind.STDOUT: b"", StreamKind.STDERR: b""}

    def feed(self, kind: StreamKind, data: bytes) -> list[str]:
        buffered = self._partial.get(kind, b"") + data
        *complete, rest = buffered.split(b"\n")
        self._partial[kind] = rest
        return [line.decode("utf-8", "replace") for line in complete]

    def flush(self, kind: StreamKind) -> str | None:
        rest, self._partial[kind] = self._partial.get(kind, b""), b""
        return rest.decode("utf-8", "replace") if rest else None


@dataclass
class Walkthrough:
    engine: Engine
    options: DemoOptions
    report: Report
    tracker: Tracker
    engine_kind: str
    engine_host: str
    run_id: str
    base: BaseImage | None = None
    web1: Server | None = None
    web2: Server | None = None
    ref: str = ""
    image_id: str = ""
    changes: list[Change] = field(default_factory=list)
    history: list[HistoryItem] = field(default_factory=list)

    @property
    def fetch_host(self) -> str:
        return fetch_host_for(self.engine_host)

    def _show_page(self, page: Page, how: str) -> None:
        self.report.line(
            f"GET {page.url} → {page.status} {page.reason} · {len(page.body.encode())} bytes · "
            f"{page.seconds * 1000:.1f} ms" + ("" if how == "published port" else f" ({how})")
        )
        self.report.good("the page says: " + self.report.style.bold(page_headline(page.body)))

    async def _page_of(self, server: Server) -> dict[str, Any]:
        page, how = await fetch_from_host(self.report, self.fetch_host, server)
        self._show_page(page, how)
        return {**page.to_json(), "reached_by": how, "headline": page_headline(page.body)}

    # ------------------------------------------------------------ 0

    async def get_image(self) -> None:
        cli = f"docker pull {self.options.image}   # if it is not here yet"
        with self.report.step(0, "image", "Get the web server image", cli):
            self.base = await prepare_image(self.engine, self.options, self.report, self.tracker)
            self.report.data(**self.base.to_json())

    # ------------------------------------------------------------ 1

    async def run_server(self) -> None:
        o = self.options
        assert self.base is not None
        cli = f"docker run --name {o.name} -d -p {o.port or 'PORT'}:80 {o.image}"
        with self.report.step(1, "run", "Run a web server and fetch its default page", cli):
            self.web1 = await start_server(
                self.engine,
                self.tracker,
                self.report,
                image=self.base.ref,
                name=o.name,
                port=o.port,
                run_id=self.run_id,
            )
            self.report.good(
                f"{self.web1.name} ({short_id(self.web1.id)}) runs {self.base.ref} on host port {self.web1.port} "
                f"(container address {self.web1.ip or 'unknown'}:80)"
            )
            page = await self._page_of(self.web1)
            self.report.data(container=self.web1.to_json(), page=page)

    # ------------------------------------------------------------ 2

    async def change_page(self) -> None:
        o = self.options
        assert self.web1 is not None
        index = posixpath.join(o.webroot, "index.html")
        script = f"echo {shlex.quote(o.page)} > {index} && cat {index}"
        cli = f'docker exec {self.web1.name} sh -c "{script}"'
        with self.report.step(2, "exec", "Change the page from inside the container", cli):
            exec_id = await self.engine.create_exec(self.web1.id, ExecConfig(cmd=["sh", "-c", script]))
            lines = _Lines()
            output: list[dict[str, str]] = []
            async with self.engine.exec_stream(exec_id) as stream:
                async for frame in stream:
                    for text in lines.feed(frame.kind, frame.data):
                        output.append({"stream": frame.kind.name.lower(), "text": text})
                        self.report.output(text, error=frame.kind is StreamKind.STDERR)
            for kind in (StreamKind.STDOUT, StreamKind.STDERR):
                rest = lines.flush(kind)
                if rest is not None:
                    output.append({"stream": kind.name.lower(), "text": rest})
                    self.report.output(rest, error=kind is StreamKind.STDERR)
            exit_code = await self._exec_exit_code(exec_id)
            self.report.data(exec_id=exec_id, command=["sh", "-c", script], output=output, exit_code=exit_code)
            if exit_code != 0:
                raise DemoFailure(
                    f"the command exited with {exit_code}: is {o.webroot} the image's web root? (--webroot)"
                )
            self.report.good(f"the exec exited with 0; {index} now holds the new page")
            self.report.data(page=await self._page_of(self.web1))

    async def _exec_exit_code(self, exec_id: str) -> int:
        """The exec's exit code; Podman may report it a moment after the output ended."""
        with anyio.fail_after(10):
            while True:
                info = await self.engine.inspect_exec(exec_id)
                if not info.running and info.exit_code is not None:
                    return info.exit_code
                await anyio.sleep(0.05)

    # ------------------------------------------------------------ 3

    async def diff(self) -> None:
        o = self.options
        assert self.web1 is not None
        with self.report.step(
            3, "diff", "See what changed in the container's filesystem", f"docker diff {self.web1.name}"
        ):
            self.changes = changes = await self.engine.container_changes(self.web1.id)
            s = self.report.style
            colour = {"C": s.yellow, "A": s.green, "D": s.red}
            for change in changes:
                symbol = change.kind.symbol
                self.report.line(colour[symbol](symbol) + " " + change.path)
            intended = posixpath.join(o.webroot, "index.html")
            parents = _directories_of(intended)
            on_path = [c for c in changes if c.path in parents]
            others = [c for c in changes if c.path != intended and c.path not in parents]
            found = any(c.path == intended for c in changes)
            self.report.data(
                changes=[{"kind": c.kind.symbol, "path": c.path} for c in changes],
                intended=intended,
                intended_found=found,
                directories_on_path=[c.path for c in on_path],
                others=[{"kind": c.kind.symbol, "path": c.path} for c in others],
            )
            if not found:
                raise DemoFailure(f"the engine does not list {intended} as changed")
            self.report.note(self._diff_summary(len(changes), len(on_path), [c.path for c in others]))

    def _diff_summary(self, total: int, on_path: int, others: list[str]) -> str:
        text = f"{total} change{'' if total == 1 else 's'} for one intended edit: the page"
        if on_path:
            text += f", {on_path} director{'y' if on_path == 1 else 'ies'} on its path"
        if others:
            shown = ", ".join(others[:4]) + (", …" if len(others) > 4 else "")
            text += f", and {len(others)} more that running the container made ({shown})"
        text += "; a commit keeps every one of them"
        if not others and self.base is not None and self.base.origin == "stand-in":
            text += " (busybox httpd writes nothing else; nginx adds its pid file and cache directories)"
        return text

    # ------------------------------------------------------------ 4

    async def commit(self) -> None:
        o = self.options
        assert self.web1 is not None
        cli = f'docker commit --author "{o.author}" --message "{o.message}" {self.web1.name} {o.ref}'
        with self.report.step(4, "commit", "Commit the container as a new image", cli):
            self.ref = await self.free_ref(o.repo, o.tag)
            repo, _, tag = self.ref.rpartition(":")
            self.tracker.image(self.ref)  # before the call: an interruption mid-commit still removes it
            self.image_id = await self.engine.commit_container(
                self.web1.id, repo=repo, tag=tag, author=o.author, comment=o.message, pause=True
            )
            self.report.good(f"{self.ref} is {self.report.style.bold(self.image_id)}")
            self.report.data(ref=self.ref, image_id=self.image_id, author=o.author, message=o.message)

    async def free_ref(self, repo: str, tag: str) -> str:
        """`repo:tag`, or `repo:tag-2`, ... if an image someone else made holds that name."""
        for attempt in range(1, 50):
            candidate = f"{repo}:{tag}" if attempt == 1 else f"{repo}:{tag}-{attempt}"
            try:
                await self.engine.inspect_image(candidate)
            except NotFoundError:
                if attempt > 1:
                    self.report.note(f"{repo}:{tag} exists already (not made by this run): committing as {candidate}")
                return candidate
        raise DemoFailure(f"{repo}:{tag} to {repo}:{tag}-49 all exist; pass --tag")

    # ------------------------------------------------------------ 5

    async def list_images(self) -> None:
        repo = self.ref.rpartition(":")[0]
        with self.report.step(5, "images", f"List the images of {repo}", f"docker image ls {repo}"):
            images = await self.engine.list_images(filters={"reference": [repo]})
            rows = image_rows(images, repo, time.time())
            self.report.table(["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"], rows)
            self.report.data(
                images=[{"repository": r[0], "tag": r[1], "id": r[2], "created": r[3], "size": r[4]} for r in rows],
            )

    # ------------------------------------------------------------ 6

    async def show_history(self) -> None:
        o = self.options
        with self.report.step(6, "history", f"Show how {self.ref} was made", f"docker history {self.ref}"):
            self.history = await self.engine.image_history(self.ref)
            self.report.table(
                ["IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT"], history_rows(self.history, time.time())
            )
            top = self.history[0]
            info = await self.engine.inspect_image(self.ref)
            self.report.data(
                history=history_json(self.history),
                top=history_json([top])[0],
                inspect={"author": info.author, "comment": info.comment, "size": info.size},
            )
            if top.comment == o.message:
                self.report.note(
                    f"the top row is the commit: a {human_size(top.size)} layer carrying the message; "
                    f"the rows below are {self.base.ref if self.base else 'the image'}'s own"
                )
            else:
                self.report.note(
                    f"{self.engine_kind.capitalize()} writes {top.comment!r} as the new layer's history comment; "
                    f"the commit message lives in the image config (docker inspect): "
                    f"Author {info.author!r}, Comment {info.comment!r}"
                )

    # ------------------------------------------------------------ 7

    async def run_new_image(self) -> None:
        o = self.options
        cli = f"docker run --name {o.name2} -d -p {o.port2 or 'PORT'}:80 {self.ref}"
        with self.report.step(7, "run2", "Run the new image and fetch its page", cli):
            self.web2 = await start_server(
                self.engine, self.tracker, self.report, image=self.ref, name=o.name2, port=o.port2, run_id=self.run_id
            )
            self.report.good(f"{self.web2.name} ({short_id(self.web2.id)}) serves on host port {self.web2.port}")
            page = await self._page_of(self.web2)
            changed = o.page in page["body"]
            self.report.data(container=self.web2.to_json(), page=page, has_change=changed)
            if not changed:
                raise DemoFailure(f"{self.web2.name} does not serve the changed page")
            self.report.note(f"the change survived the commit: {self.ref} serves it to every new container")
