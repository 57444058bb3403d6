"""What the demo tells: prose on a terminal as it happens, and the same facts as a JSON transcript.

Every step is a `StepRecord`: its number and title, the `docker` command it stands for, each
Engine API call it made (method, path, status, round-trip time), what it found (`data`) and how
it ended. The human output prints as the steps run; `--json` prints only the transcript, at the end.
"""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TextIO

import anyio

from .recording import ApiCall
from .render import Style, format_table, http_reason, human_ms

__all__ = ["Report", "StepRecord"]


@dataclass
class StepRecord:
    number: int | str | None
    key: str
    title: str
    cli: str | None = None
    calls: list[ApiCall] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    status: str = "running"  # running, ok, failed, interrupted
    seconds: float = 0.0
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "key": self.key,
            "title": self.title,
            "cli": self.cli,
            "status": self.status,
            "seconds": round(self.seconds, 3),
            "error": self.error,
            "calls": [call.to_json() for call in self.calls],
            "notes": self.notes,
            "data": self.data,
        }


class Report:
    """Collects the transcript and, unless `human` is false, prints the walkthrough as it goes."""

    INDENT = "   "

    def __init__(
        self, out: TextIO | None = None, *, human: bool = True, color: bool = False, err: TextIO | None = None
    ) -> None:
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.human = human
        self.style = Style(color)
        self.width = max(60, shutil.get_terminal_size((100, 24)).columns)
        self.steps: list[StepRecord] = []
        self.current: StepRecord | None = None
        self.engine: dict[str, Any] = {}
        self.summary: dict[str, Any] = {}
        self._progress_shown = False
        self._held: list[ApiCall] | None = None
        self._started = time.perf_counter()
        self._setup = StepRecord(None, "connect", "Connect to the engine")

    # ------------------------------------------------------------ printing

    def _print(self, text: str = "") -> None:
        if not self.human:
            return
        self._clear_progress()
        print(text, file=self.out, flush=True)

    def _clear_progress(self) -> None:
        if self._progress_shown:
            self.out.write("\r\x1b[2K")
            self._progress_shown = False

    def title(self, text: str) -> None:
        self._print(self.style.bold(text))

    def alert(self, text: str) -> None:
        """Something the person must see even with `--json` (then on stderr): interruptions, failures."""
        if self.human:
            self._print(self.style.red(text) if text.startswith("✗") else self.style.yellow(text))
        else:
            print(text, file=self.err, flush=True)

    def line(self, text: str = "", *, indent: bool = True) -> None:
        """A line of prose inside the current step."""
        self._print((self.INDENT if indent and text else "") + text)

    def good(self, text: str) -> None:
        self.line(self.style.green("✓ ") + text)

    def bad(self, text: str) -> None:
        self.line(self.style.red("✗ ") + text)

    def note(self, text: str) -> None:
        """An explanation, kept in the transcript's `notes`."""
        self._record().notes.append(text)
        self.line(self.style.yellow("• ") + text)

    def lines(self, lines: Sequence[str]) -> None:
        for text in lines:
            self.line(text)

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        table = format_table(headers, rows)
        self.line(self.style.bold(table[0]))
        self.lines(table[1:])

    def output(self, text: str, *, error: bool = False) -> None:
        """Output of a process or a build, quoted under a bar."""
        for piece in text.splitlines() or [""]:
            bar = self.style.red("│ ") if error else self.style.dim("│ ")
            self.line(bar + piece)

    def progress(self, text: str) -> None:
        """A self-overwriting status line on a terminal; nothing when the output is a file."""
        if not self.human or not self.out.isatty():
            return
        self.out.write("\r\x1b[2K" + self.INDENT + self.style.dim(text[: self.width - 4]))
        self.out.flush()
        self._progress_shown = True

    # ------------------------------------------------------------ structure

    def _record(self) -> StepRecord:
        return self.current or self._setup

    def data(self, **values: Any) -> None:
        """Facts the current step found (the JSON transcript's `data`)."""
        self._record().data.update(values)

    def hold_calls(self) -> None:
        """Record calls without printing them until `release_calls` (connecting: if no engine
        answers, the one line saying so is all the person should read)."""
        self._held = []

    def release_calls(self, *, show: bool) -> None:
        held, self._held = self._held or [], None
        self._setup.status = "ok" if show else "failed"
        if show:
            for call in held:
                self._print_call(call)

    def on_call(self, call: ApiCall) -> None:
        """The recording transport's callback: note the call and print it under the step."""
        self._record().calls.append(call)
        if self._held is not None:
            self._held.append(call)
        else:
            self._print_call(call)

    def _print_call(self, call: ApiCall) -> None:
        s = self.style
        if call.status is None:
            status = s.red(f"no answer ({call.error})")
        else:
            text = f"{call.status} {http_reason(call.status)}".rstrip()
            status = s.red(text) if call.status >= 400 else s.green(text) if call.status < 300 else s.cyan(text)
        shown = call.readable
        room = max(60, self.width - 36)
        if len(shown) > room:
            shown = shown[: room - 1] + "…"
        when = human_ms(call.seconds) + (" to headers" if call.kind != "plain" else "")
        self.line(s.dim("→ ") + s.blue(call.method) + " " + shown + s.dim(" · ") + status + s.dim(f" · {when}"))

    @contextmanager
    def step(self, number: int | str | None, key: str, title: str, cli: str | None = None) -> Iterator[StepRecord]:
        """`with report.step(1, "run", "Run a web server", "docker run ..."):` one numbered step."""
        record = StepRecord(number, key, title, cli)
        self.steps.append(record)
        self.current = record
        heading = f"{number}. {title}" if number is not None else title
        self._print()
        self._print(self.style.bold(heading))
        if cli:
            self.line(self.style.dim("$ " + cli))
        start = time.perf_counter()
        try:
            yield record
        except BaseException as exc:
            record.status = "interrupted" if _is_cancellation(exc) else "failed"
            if record.status == "failed":
                record.error = _describe(exc)
            raise
        else:
            record.status = "ok"
        finally:
            record.seconds = time.perf_counter() - start
            self.current = None

    def failed_step(self) -> StepRecord | None:
        for record in reversed(self.steps):
            if record.status != "ok":
                return record
        return None

    def elapsed(self) -> float:
        return time.perf_counter() - self._started

    def all_calls(self) -> list[ApiCall]:
        return [call for step in [self._setup, *self.steps] for call in step.calls]

    def transcript(self) -> dict[str, Any]:
        calls = self.all_calls()
        return {
            "engine": self.engine,
            "setup": self._setup.to_json(),
            "steps": [step.to_json() for step in self.steps],
            "summary": self.summary,
            "api_calls": len(calls),
        }


def _is_cancellation(exc: BaseException) -> bool:
    return isinstance(exc, (anyio.get_cancelled_exc_class(), KeyboardInterrupt))


def _describe(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__
