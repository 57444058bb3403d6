"""What a run produced: one `Cell` per backend, operation, concurrency level and client."""

from __future__ import annotations

from dataclasses import dataclass, field

from .stats import Summary, summarize

__all__ = ["BackendRun", "Cell"]


@dataclass
class Cell:
    """One client on one operation at one concurrency level, on one event loop backend.

    `rounds` holds the samples (seconds) of each round, in round order; `wall_time` and `cpu_time`
    are the summed wall and process CPU time of the measured batches. `status` is `ok`, `skipped`
    (with `note` saying why) or `failed` (no call succeeded; `messages` says what went wrong).
    """

    backend: str
    op: str
    concurrency: int
    client: str
    status: str = "ok"
    note: str = ""
    rounds: list[list[float]] = field(default_factory=list)
    errors: int = 0
    messages: list[str] = field(default_factory=list)
    wall_time: float = 0.0
    cpu_time: float = 0.0
    calls_timed: int = 0  # calls whose CPU time is in `cpu_time` (failed ones included)

    @property
    def cpu_per_call(self) -> float | None:
        """This process's CPU seconds per call: the client's own work, whatever the engine's speed."""
        return self.cpu_time / self.calls_timed if self.calls_timed else None

    @property
    def key(self) -> tuple[str, str, int, str]:
        return self.backend, self.op, self.concurrency, self.client

    @property
    def samples(self) -> list[float]:
        return [value for batch in self.rounds for value in batch]

    def summary(self) -> Summary | None:
        if self.status != "ok":
            return None
        wall = self.wall_time if self.concurrency > 1 else None
        return summarize(self.rounds, errors=self.errors, wall_time=wall)


@dataclass
class BackendRun:
    """Everything measured on one backend, with the engine it ran against."""

    backend: str
    engine: dict[str, str] = field(default_factory=dict)
    cells: list[Cell] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    profiles: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def find(self, op: str, concurrency: int, client: str) -> Cell | None:
        for cell in self.cells:
            if (cell.op, cell.concurrency, cell.client) == (op, concurrency, client):
                return cell
        return None
