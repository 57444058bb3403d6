"""Step 0: have a web server image. The tutorial's `nginx` if it is here or can be pulled;
otherwise a stand-in made on the spot from the host's static busybox through the import endpoint.

The stand-in serves the nginx web root (`/usr/share/nginx/html`) with busybox `httpd`, so that every
path of the tutorial holds. It gets a tag unique to this run, so that two demos running at once
never remove each other's image; like everything else the run creates, it is removed at the end.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from typing import Any

import anyio

from .. import Engine, ProgressMessage, busybox_rootfs
from .._exceptions import BadRequestError, NotFoundError, StreamError
from .cleanup import Tracker
from .options import DemoOptions
from .render import human_size, short_id
from .report import Report

__all__ = ["BaseImage", "PullProgress", "pull_failure_reason", "prepare_image", "stand_in_page"]

STAND_IN_REPO = "rawengine-demo/httpd"


@dataclass(frozen=True)
class BaseImage:
    ref: str  # what containers and the Dockerfile's FROM use
    id: str
    size: int
    webroot: str
    origin: str  # "local", "pulled" or "stand-in"
    pull_error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "id": self.id,
            "size": self.size,
            "webroot": self.webroot,
            "origin": self.origin,
            "pull_error": self.pull_error,
        }


def stand_in_page() -> bytes:
    return (
        b"<!DOCTYPE html>\n<html>\n<head><title>Welcome!</title></head>\n<body>\n"
        b"<h1>Welcome to the web server!</h1>\n"
        b"<p>busybox httpd standing in for nginx, made by rawengine's demo through the import endpoint.</p>\n"
        b"</body>\n</html>\n"
    )


def pull_failure_reason(message: str) -> str:
    """The engine's pull error in a few words: `registry-1.docker.io: no such host` rather than the
    whole chain of `initializing source ...: pinging ...: Get "https://...": dial tcp: lookup ...`."""
    lookup = re.search(r"lookup ([\w.-]+)(?: on [^:]+(?::\d+)?)?: (no such host|[^:]+)$", message)
    if lookup:
        return f"{lookup.group(1)}: {lookup.group(2)}"
    dial = re.search(r"dial tcp ([^:]+:\d+): (.+)$", message)
    if dial:
        return f"{dial.group(1)}: {dial.group(2)}"
    text = " ".join(message.split())
    return text if len(text) <= 120 else text[:119] + "…"


@dataclass
class PullProgress:
    """Pull messages condensed into one status line: layers done, bytes downloaded."""

    layers: dict[str, str] = field(default_factory=dict)  # layer id → last status
    current: dict[str, int] = field(default_factory=dict)
    total: dict[str, int] = field(default_factory=dict)
    last_status: str = ""

    def feed(self, message: ProgressMessage) -> None:
        status = message.status or ""
        if message.id and status and not status.startswith(("Pulling from", "Digest:", "Status:")):
            self.layers[message.id] = status
            detail = message.progress_detail
            if detail is not None and detail.total and status == "Downloading":
                self.current[message.id] = detail.current or 0
                self.total[message.id] = detail.total
            elif status in ("Download complete", "Pull complete", "Already exists") and message.id in self.total:
                self.current[message.id] = self.total[message.id]
        elif status:
            self.last_status = status

    def line(self) -> str:
        done = sum(1 for status in self.layers.values() if status in ("Pull complete", "Already exists"))
        text = f"{done}/{len(self.layers)} layers"
        if self.total:
            text += f" · {human_size(sum(self.current.values()))}/{human_size(sum(self.total.values()))}"
        return text + (f" · {self.last_status}" if self.last_status else "")


async def _pull(engine: Engine, ref: str, report: Report) -> None:
    progress = PullProgress()
    async with engine.pull_stream(ref) as pull:
        async for message in pull:
            progress.feed(message)
            report.progress(f"pulling {ref}: {progress.line()}")
    report.good(f"pulled {ref}: {progress.line()}")


async def _import_stand_in(engine: Engine, options: DemoOptions, report: Report, tracker: Tracker) -> str:
    tag = secrets.token_hex(4)
    ref = f"{STAND_IN_REPO}:{tag}"
    webroot = options.webroot
    rootfs = await anyio.to_thread.run_sync(lambda: busybox_rootfs({f"{webroot}/index.html": stand_in_page()}))
    tracker.image(ref)  # remembered before the call: an interruption mid-import still removes it
    await engine.import_image(
        rootfs,
        repo=STAND_IN_REPO,
        tag=tag,
        changes=[f'CMD ["httpd", "-f", "-p", "80", "-h", "{webroot}"]', "EXPOSE 80"],
        message="rawengine demo: busybox httpd standing in for nginx",
    )
    return ref


async def prepare_image(engine: Engine, options: DemoOptions, report: Report, tracker: Tracker) -> BaseImage:
    """Find, pull, or make the image step 1 runs. Prints one line when the pull fails."""
    ref = options.image
    try:
        info = await engine.inspect_image(ref)
    except NotFoundError:
        pass
    else:
        report.good(f"{ref} is here already: {short_id(info.id)}, {human_size(info.size)}")
        return BaseImage(ref, info.id, info.size, options.webroot, "local")
    pull_error = None
    if options.pull:
        tracker.image(ref)
        try:
            await _pull(engine, ref, report)
        except (StreamError, BadRequestError) as exc:
            tracker.forget(ref)
            pull_error = pull_failure_reason(getattr(exc, "message", str(exc)))
        else:
            info = await engine.inspect_image(ref)
            return BaseImage(ref, info.id, info.size, options.webroot, "pulled")
    why = f"cannot pull {ref} ({pull_error})" if pull_error else f"{ref} is not here (--no-pull)"
    report.bad(f"{why}: using a busybox httpd stand-in that serves {options.webroot}")
    stand_in = await _import_stand_in(engine, options, report, tracker)
    info = await engine.inspect_image(stand_in)
    report.good(f"stand-in imported: {stand_in} ({short_id(info.id)}, {human_size(info.size)})")
    return BaseImage(stand_in, info.id, info.size, options.webroot, "stand-in", pull_error)
