"""Figures written to PNG and SVG by worker processes while the notebook goes on drawing the next ones.

Writing a figure (``savefig``: the draw, the PNG, the SVG for print) is most of a report's time, and
matplotlib's drawing holds the GIL, so threads would take turns. Instead :class:`FigurePool` sends
each finished :class:`~matplotlib.figure.Figure` (pickled: a few milliseconds) to a worker process,
which draws it and writes its files; the report's displays wait in a queue and go out in their order
(:meth:`Report.figure <pss_analysis.reporting.document.Report.figure>` returns at once). The queue
is emptied when each notebook cell finishes (IPython's ``post_execute`` event, as the inline backend
shows its figures), so every figure stays in the cell that made it, and whenever more than
:data:`MAX_PENDING` figures wait (memory).

The work is shared: while every worker has a figure to write and one more waiting, the notebook writes
the next figure itself, and at the end of a cell it writes those still waiting for a worker rather
than wait for them (a figure sent to a worker costs some processor time more than one written here,
in pickling it and rebuilding it there), so both the notebook's core and the workers' stay busy.
A figure that cannot be pickled, or a worker that fails, is written in this process instead. The
files are the same either way.

Outside a notebook kernel (a script, a test) and on a machine of one core there is no pool: figures
are written at once. The environment variable :data:`WORKERS_VARIABLE` sets the number of workers
(``0``: none), as ``pss batch`` does for the reports it runs side by side (each already has a core).
"""

from __future__ import annotations

import io
import os
import pickle
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pss_analysis.errors import ParameterError
from pss_analysis.timings import TIMINGS

__all__ = [
    "FigurePool",
    "FigureJob",
    "write_figure",
    "save_svg",
    "SVG_SALT",
    "MAX_PENDING",
    "WORKERS_VARIABLE",
    "pool_workers",
]

#: Figures waiting for their files before the oldest is waited for (each holds its Figure in memory).
MAX_PENDING = 12


#: The environment variable that sets the number of worker processes (an integer, 0 for none),
#: read when a report opens in a notebook kernel.
WORKERS_VARIABLE = "PSS_FIGURE_WORKERS"


def pool_workers(cores: int | None = None) -> int:
    """Worker processes for ``cores`` (this machine's by default): one per core but one (the notebook
    draws the next figure on it), at most 4; 0 (no pool) on one core. Without ``cores``,
    :data:`WORKERS_VARIABLE` decides when it is set (a :class:`~pss_analysis.errors.ParameterError`
    if it is not a whole number)."""
    if cores is None:
        setting = os.environ.get(WORKERS_VARIABLE, "").strip()
        if setting:
            if not setting.isdigit():
                raise ParameterError(
                    f"environment variable {WORKERS_VARIABLE}: not a number of figure workers",
                    expected="a whole number, 0 for none",
                    found=setting,
                )
            return int(setting)
        cores = os.cpu_count() or 1
    return min(4, max(0, cores - 1))


@dataclass(frozen=True)
class FigureJob:
    """What to write for one figure: the PNG (returned as bytes and written to ``png``), and an SVG or not."""

    png: Path
    svg: Path | None
    dpi: int
    compress_level: int


def write_figure(fig: Any, job: FigureJob) -> tuple[bytes, float]:
    """Write ``fig`` as ``job`` says; (the PNG's bytes, seconds taken)."""
    t0 = time.perf_counter()
    buffer = io.BytesIO()
    fig.savefig(
        buffer,
        format="png",
        dpi=job.dpi,
        metadata={"Software": None},
        pil_kwargs={"compress_level": job.compress_level},
    )
    png = buffer.getvalue()
    job.png.write_bytes(png)
    if job.svg is not None:
        job.svg.parent.mkdir(exist_ok=True)
        save_svg(fig, job.svg)
    return png, time.perf_counter() - t0


#: matplotlib's ``svg.hashsalt`` for every SVG the report writes.
SVG_SALT = "pss-analysis"


def save_svg(fig: Any, path: Path) -> None:
    """Write ``fig`` to ``path`` as SVG, the same bytes for the same figure: no date, and element ids
    (clip paths, markers) derived from :data:`SVG_SALT` and the content instead of drawn at random."""
    import matplotlib

    with matplotlib.rc_context({"svg.hashsalt": SVG_SALT}):
        fig.savefig(path, format="svg", metadata={"Date": None})


def _write_pickled(pickled: bytes, job: FigureJob) -> tuple[bytes, float]:
    """In a worker: the figure unpickled, then :func:`write_figure`."""
    return write_figure(pickle.loads(pickled), job)  # noqa: S301 - pickled by this notebook a moment ago


@dataclass(eq=False)
class _Waiting:
    show: Callable[[bytes | None], None]  # displays the item; the PNG's bytes for a figure
    job: FigureJob | None = None  # None: not a figure (a table, text)
    name: str = ""
    fig: Any = None  # the figure, until it is written (written here if its worker fails)
    pickled: bytes | None = None  # waiting for a free worker
    future: Future[tuple[bytes, float]] | None = None  # sent to a worker
    written: tuple[bytes, float] | None = None  # written here: its PNG and seconds


class FigurePool:
    """Worker processes writing figures, and the report's displays queued in order until they are written."""

    def __init__(self, workers: int) -> None:
        self._workers = workers
        self._executor = ProcessPoolExecutor(max_workers=workers)
        self._queue: deque[_Waiting] = deque()  # every display, in order
        self._backlog: deque[_Waiting] = deque()  # figures waiting for a free worker, at most one a worker

    @classmethod
    def for_notebook(cls) -> FigurePool | None:
        """A pool emptied at the end of every cell of the running IPython kernel; None outside one."""
        try:
            from IPython import get_ipython
        except ImportError:  # pragma: no cover - IPython comes with the notebook stack
            return None
        shell = get_ipython()
        if shell is None or not hasattr(shell, "kernel"):
            return None
        workers = pool_workers()
        if not workers:
            return None
        pool = cls(workers)
        shell.events.register("post_execute", pool.flush)
        return pool

    def submit(self, fig: Any, job: FigureJob, name: str, show: Callable[[bytes | None], None]) -> None:
        """Write ``fig`` in a worker, or here when every worker has a figure and one more waiting (or it
        cannot be pickled); ``show(png)`` once it is written and everything queued before is shown."""
        item = _Waiting(show, job, name, fig)
        self._pump()
        if len(self._backlog) < self._workers:
            try:
                item.pickled = pickle.dumps(fig)
            except Exception:  # noqa: BLE001 - not picklable: written here
                item.pickled = None
        if item.pickled is None:
            self._write_here(item)
        else:
            self._backlog.append(item)
            self._pump()
        self._queue.append(item)
        while sum(w.fig is not None for w in self._queue) > MAX_PENDING:
            self._show_first()

    def later(self, show: Callable[[bytes | None], None]) -> None:
        """Show a display (a table, text) after the figures queued before it, or now if none wait."""
        self._pump()
        if self._queue:
            self._queue.append(_Waiting(show))
        else:
            show(None)

    def flush(self) -> None:
        """Wait for every queued figure and show everything queued, in order. What still waits for a
        worker is written here meanwhile (the last first: a worker that frees up takes the first)."""
        self._pump()
        while self._backlog:
            self._write_here(self._backlog.pop())
            self._pump()
        while self._queue:
            self._show_first()

    def _busy(self) -> int:
        """Figures sent to the workers and not yet written."""
        return sum(w.future is not None and not w.future.done() for w in self._queue)

    def _pump(self) -> None:
        """Send waiting figures to the workers that are free."""
        while self._backlog and self._busy() < self._workers:
            item = self._backlog.popleft()
            assert item.pickled is not None and item.job is not None
            try:
                item.future = self._executor.submit(_write_pickled, item.pickled, item.job)
            except Exception:  # noqa: BLE001 - a broken pool: written here when its turn comes
                item.future = None
            item.pickled = None

    def _write_here(self, item: _Waiting) -> None:
        assert item.job is not None
        item.written = write_figure(item.fig, item.job)
        item.fig = item.pickled = None

    def _show_first(self) -> None:
        item = self._queue.popleft()
        if item.job is None:
            item.show(None)
            return
        if self._backlog and self._backlog[0] is item:  # still waiting for a worker: written here
            self._write_here(self._backlog.popleft())
        png, seconds, where = self._written(item)
        TIMINGS.add("figure", seconds, name=item.name, written=where)
        item.show(png)

    @staticmethod
    def _written(item: _Waiting) -> tuple[bytes, float, str]:
        """(PNG bytes, seconds, where) of a queued figure: written here, by a worker, or here if that failed."""
        assert item.job is not None
        if item.written is not None:
            return (*item.written, "kernel")
        if item.future is not None:
            try:
                png, seconds = item.future.result()
                return png, seconds, "worker"
            except Exception:  # noqa: BLE001 - a failed worker: the figure is written here instead
                pass
        png, seconds = write_figure(item.fig, item.job)
        return png, seconds, "kernel"

    def close(self) -> None:
        """Show what waits, then stop the workers."""
        self.flush()
        self._executor.shutdown()
