"""The batch's progress line: units done, failed, running and waiting, and the time left.

On a terminal the line is rewritten in place; otherwise (a log, a CI job) one line is written
per finished task (a unit, or a chunk of summary-only units that finish together). The time left
is the time per finished unit so far (the units run side by side, so this already counts the
workers) times the units left.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

__all__ = ["Progress", "time_left"]


def time_left(seconds: float) -> str:
    """``"about 3 min left"``, ``"about 40 s left"``."""
    if seconds >= 90:
        return f"about {round(seconds / 60)} min left"
    return f"about {max(1, round(seconds))} s left"


class Progress:
    """Counts the units as they finish and says where the batch is."""

    def __init__(
        self, total: int, workers: int, say: Callable[[str], None], *, per_task: int = 1, tty: bool | None = None
    ) -> None:
        self.total = total
        self.workers = max(1, workers)
        self.per_task = max(1, per_task)
        self.say = say
        self.tty = sys.stderr.isatty() if tty is None else tty
        self.done = 0
        self.failed = 0
        self.started = time.perf_counter()
        self._show("")

    def update(self, ok: bool, name: str, *, show: bool = True) -> None:
        """One unit finished (``ok`` or failed); the line is shown unless ``show`` is false (more units of
        the same chunk follow)."""
        if ok:
            self.done += 1
        else:
            self.failed += 1
        if show:
            self._show(name if ok else f"{name} FAILED")

    def line(self) -> str:
        """The progress line as it stands."""
        finished = self.done + self.failed
        left = self.total - finished
        running = min(self.workers * self.per_task, left)
        text = f"units: {self.done} done, {self.failed} failed, {running} running, {left - running} waiting"
        if finished and left:
            text += f"; {time_left((time.perf_counter() - self.started) / finished * left)}"
        return text

    def _show(self, last: str) -> None:
        line = self.line() + (f" (last: {last})" if last else "")
        if self.tty:
            print("\r\033[K" + line, end="", file=sys.stderr, flush=True)
        else:
            self.say(line)

    def close(self) -> None:
        """End the progress line (on a terminal, move to a new line)."""
        if self.tty:
            print(file=sys.stderr, flush=True)
