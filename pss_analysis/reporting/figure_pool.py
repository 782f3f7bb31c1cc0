"""Figures written to PNG and SVG by worker processes while the notebook goes on drawing the next ones.

Writing a figure (``savefig``: the draw, the PNG, the SVG for print) is most of a report's time, and
matplotlib's drawing holds the GIL, so threads would take turns. Instead :class:`FigurePool` sends
each finished :class:`~matplotlib.figure.Figure` (pickled: a few milliseconds) to a worker process,
which draws it and writes its files; the report's displays wait in a queue and go out in their order
(:meth:`Report.figure <pss_analysis.reporting.document.Report.figure>` returns at once). The queue
is emptied when each notebook cell finishes (IPython's ``post_execute`` event, as the inline backend
shows its figures), so every figure stays in the cell that made it, and whenever more than
:data:`MAX_PENDING` figures wait (memory).

Outside a notebook kernel (a script, a test), and on a machine of fewer than :data:`MIN_CORES` cores,
there is no pool: figures are written at once.
A figure that cannot be pickled, or a worker that fails, is written in this process instead: the
files are the same either way.
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

from pss_analysis.timings import TIMINGS

__all__ = ["FigurePool", "FigureJob", "write_figure", "MAX_PENDING", "MIN_CORES", "pool_workers"]

#: Figures waiting for their files before the oldest is waited for (each holds its Figure in memory).
MAX_PENDING = 12


#: Cores below which there is no pool. Measured on a busy 2-core machine: the workers cost more than they
#: save (each figure is pickled, then rebuilt in the worker: about 7 s more CPU on the demo's 41 figures,
#: and no idle core to win it back on), so figures are written in the notebook's own process there.
MIN_CORES = 4


def pool_workers(cores: int | None = None) -> int:
    """Worker processes for ``cores`` (this machine's by default): one per core but one (the notebook
    draws the next figure on it), at most 4; 0 (no pool) below :data:`MIN_CORES`."""
    cores = (os.cpu_count() or 1) if cores is None else cores
    return 0 if cores < MIN_CORES else min(4, cores - 1)


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
        fig.savefig(job.svg, format="svg", metadata={"Date": None})
    return png, time.perf_counter() - t0


def _write_pickled(pickled: bytes, job: FigureJob) -> tuple[bytes, float]:
    """In a worker: the figure unpickled, then :func:`write_figure`."""
    return write_figure(pickle.loads(pickled), job)  # noqa: S301 - pickled by this notebook a moment ago


@dataclass
class _Waiting:
    show: Callable[[bytes | None], None]  # displays the item; the PNG's bytes for a figure
    fig: Any = None
    job: FigureJob | None = None
    future: Future[tuple[bytes, float]] | None = None
    name: str = ""


class FigurePool:
    """Worker processes writing figures, and the report's displays queued in order until they are written."""

    def __init__(self, workers: int) -> None:
        self._executor = ProcessPoolExecutor(max_workers=workers)
        self._queue: deque[_Waiting] = deque()

    @classmethod
    def for_notebook(cls) -> FigurePool | None:
        """A pool emptied at the end of every cell of the running IPython kernel; None outside one."""
        try:
            from IPython import get_ipython
        except ImportError:  # pragma: no cover - IPython comes with the notebook stack
            return None
        shell = get_ipython()
        workers = pool_workers()
        if shell is None or not hasattr(shell, "kernel") or not workers:
            return None
        pool = cls(workers)
        shell.events.register("post_execute", pool.flush)
        return pool

    def submit(self, fig: Any, job: FigureJob, name: str, show: Callable[[bytes | None], None]) -> None:
        """Write ``fig`` in a worker; ``show(png)`` once it is written and everything queued before is shown."""
        future = None
        try:
            future = self._executor.submit(_write_pickled, pickle.dumps(fig), job)
        except Exception:  # noqa: BLE001 - not picklable, or the pool is broken: written here when its turn comes
            future = None
        self._queue.append(_Waiting(show, fig, job, future, name))
        while sum(w.job is not None for w in self._queue) > MAX_PENDING:
            self._show_first()

    def later(self, show: Callable[[bytes | None], None]) -> None:
        """Show a display (a table, text) after the figures queued before it, or now if none wait."""
        if self._queue:
            self._queue.append(_Waiting(show))
        else:
            show(None)

    def flush(self) -> None:
        """Wait for every queued figure and show everything queued, in order."""
        while self._queue:
            self._show_first()

    def _show_first(self) -> None:
        item = self._queue.popleft()
        if item.job is None:
            item.show(None)
            return
        png, seconds, where = self._written(item)
        TIMINGS.add("figure", seconds, name=item.name, written=where)
        item.show(png)

    @staticmethod
    def _written(item: _Waiting) -> tuple[bytes, float, str]:
        """(PNG bytes, seconds, where) of a queued figure: the worker's, or written here if that failed."""
        assert item.job is not None
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
