"""The demo's command line: what can be chosen, with the tutorial's names as defaults."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TextIO

__all__ = ["DEFAULT_WEBROOT", "DemoOptions", "build_parser", "parse_options", "wants_color"]

DEFAULT_WEBROOT = "/usr/share/nginx/html"
DEFAULT_MESSAGE = "修改了默认网页"
DEFAULT_AUTHOR = "rawengine demo <demo@rawengine.invalid>"
DEFAULT_PAGE = "<h1>Hello, Docker!</h1>"


@dataclass(frozen=True)
class DemoOptions:
    """Everything the walkthrough can be told. The defaults reproduce the tutorial."""

    host: str | None = None  # None: DOCKER_HOST, else unix:///var/run/docker.sock
    image: str = "nginx"
    pull: bool = True
    webroot: str = DEFAULT_WEBROOT
    port: int = 80  # 0: any free port
    port2: int = 81
    name: str = "webserver"
    name2: str = "web2"
    repo: str = "nginx"
    tag: str = "v2"
    author: str = DEFAULT_AUTHOR
    message: str = DEFAULT_MESSAGE
    page: str = DEFAULT_PAGE
    big_file_mb: int = 10
    lessons: bool = True
    keep: bool = False
    json: bool = False
    color: bool | None = None  # None: only when the output is a terminal
    backend: str = "asyncio"

    @property
    def ref(self) -> str:
        """The committed image's reference, `nginx:v2` by default."""
        return f"{self.repo}:{self.tag}"


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"a port is between 1 and 65535 (0 picks a free one), not {value}")
    return value


def _size_mb(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number of megabytes: {text!r}") from None
    if not 1 <= value <= 1024:
        raise argparse.ArgumentTypeError("the big file is between 1 and 1024 MB")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m rawengine.demo",
        description=(
            "Understand image layers with a commit, step by step, through the Engine API alone: run a web "
            "server, change its page, diff, commit, list, history, run the new image, then measure why "
            "committed images are black boxes that only grow, and build the same change from a Dockerfile."
        ),
        epilog=(
            "Exit status: 0 done, 1 a step failed, 2 bad options, 3 no engine to talk to, 130 interrupted. "
            "Everything the demo creates is removed at the end (also on Ctrl-C or failure) unless --keep."
        ),
    )
    engine = parser.add_argument_group("engine")
    engine.add_argument(
        "--host",
        metavar="URL",
        help="the engine: unix:///var/run/docker.sock (default; or DOCKER_HOST), "
        "unix:///run/podman/podman.sock for Podman, tcp://HOST:PORT",
    )
    engine.add_argument(
        "--backend",
        choices=("asyncio", "trio"),
        default="asyncio",
        help="the async library to run on (default asyncio)",
    )
    image = parser.add_argument_group("image")
    image.add_argument("--image", default="nginx", help="the web server image to start from (default nginx)")
    image.add_argument(
        "--no-pull",
        dest="pull",
        action="store_false",
        help="do not try to pull a missing image; use the busybox stand-in right away",
    )
    image.add_argument(
        "--webroot",
        default=DEFAULT_WEBROOT,
        help=f"the directory the image serves (default {DEFAULT_WEBROOT}, also used by the stand-in)",
    )
    image.add_argument("--repo", default="nginx", help="repository of the committed image (default nginx)")
    image.add_argument("--tag", default="v2", help="tag of the committed image (default v2)")
    image.add_argument("--author", default=DEFAULT_AUTHOR, help="the commit's author")
    image.add_argument("--message", default=DEFAULT_MESSAGE, help=f"the commit's message (default {DEFAULT_MESSAGE})")
    image.add_argument("--page", default=DEFAULT_PAGE, help=f"the new page's HTML (default {DEFAULT_PAGE})")
    run = parser.add_argument_group("containers")
    run.add_argument("--port", type=_port, default=80, help="host port of the first server (default 80; 0: any free)")
    run.add_argument("--port2", type=_port, default=81, help="host port of the second server (default 81; 0: any free)")
    run.add_argument("--name", default="webserver", help="name of the first container (default webserver)")
    run.add_argument("--name2", default="web2", help="name of the second container (default web2)")
    lessons = parser.add_argument_group("lessons")
    lessons.add_argument(
        "--big-file-mb",
        type=_size_mb,
        default=10,
        metavar="MB",
        help="size of the file added then deleted (default 10)",
    )
    lessons.add_argument("--skip-lessons", dest="lessons", action="store_false", help="stop after step 7")
    output = parser.add_argument_group("output")
    output.add_argument(
        "--keep",
        "--no-cleanup",
        dest="keep",
        action="store_true",
        help="leave the containers and images for inspection (and print how to remove them)",
    )
    output.add_argument("--json", action="store_true", help="print a machine-readable transcript instead of prose")
    output.add_argument("--no-color", dest="color", action="store_false", default=None, help="never use colour")
    output.add_argument("--color", dest="color", action="store_true", help="colour even when not on a terminal")
    return parser


def parse_options(argv: Sequence[str] | None = None) -> DemoOptions:
    """Options from the command line; `--help` and errors exit as argparse does (status 0 / 2)."""
    ns = build_parser().parse_args(argv)
    for name in ("name", "name2", "repo", "tag", "image"):
        if not getattr(ns, name).strip():
            build_parser().error(f"--{name} must not be empty")
    if ns.name == ns.name2:
        build_parser().error("--name and --name2 must differ")
    if ns.port and ns.port == ns.port2:
        build_parser().error("--port and --port2 must differ")
    return DemoOptions(
        host=ns.host,
        image=ns.image,
        pull=ns.pull,
        webroot=ns.webroot.rstrip("/") or "/",
        port=ns.port,
        port2=ns.port2,
        name=ns.name,
        name2=ns.name2,
        repo=ns.repo,
        tag=ns.tag,
        author=ns.author,
        message=ns.message,
        page=ns.page,
        big_file_mb=ns.big_file_mb,
        lessons=ns.lessons,
        keep=ns.keep,
        json=ns.json,
        color=ns.color,
        backend=ns.backend,
    )


def wants_color(choice: bool | None, stream: TextIO = sys.stdout) -> bool:
    """Colour when asked; by default only on a terminal, and never with `NO_COLOR` or `TERM=dumb`."""
    if choice is not None:
        return choice
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
