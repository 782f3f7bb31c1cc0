"""The batch's engine: a ``dask.distributed`` client, on a local cluster or an existing one.

:func:`dask_engine` starts a :class:`~distributed.LocalCluster` of worker *processes* with one
thread each (so every unit runs in its own process: notebooks, kernels and matplotlib never
share one), as many as the machine has cores unless ``workers`` says otherwise, and closes it at
the end, also on Ctrl-C. With a scheduler address (``--scheduler tcp://host:8786``, or Dask's
own configuration ``scheduler-address`` / ``DASK_SCHEDULER_ADDRESS``) it submits to that cluster
instead and leaves it running.

The local workers start with Ctrl-C ignored (a terminal sends it to every process of the
group): ``pss batch`` alone stops, closes the cluster, keeps the partial batch under
``batch/failed/`` and leaves ``batch/latest`` as it was.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from pss_analysis.errors import ExecutionError

__all__ = ["Engine", "dask_engine", "default_workers", "peak_memory_mb"]


@dataclass
class Engine:
    """A connected Dask client and what the manifest records about it."""

    client: Any
    info: dict[str, Any] = field(default_factory=dict)


def default_workers() -> int:
    """As many workers as the machine has cores (at least one)."""
    return max(1, os.cpu_count() or 1)


@contextmanager
def dask_engine(*, workers: int | None = None, scheduler: str | None = None) -> Iterator[Engine]:
    """A Dask client for the batch; a local cluster (closed on leaving) unless a scheduler is named."""
    import dask
    import distributed

    address = scheduler or dask.config.get("scheduler-address", None)
    if address:
        try:
            client = distributed.Client(address, timeout="20s")
        except OSError as exc:
            raise ExecutionError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
        try:
            yield Engine(client, _info(client, "existing cluster", address))
        finally:
            client.close()
        return
    n = workers or default_workers()
    with _workers_ignore_ctrl_c():
        cluster = distributed.LocalCluster(
            n_workers=n,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
    client = distributed.Client(cluster)
    try:
        yield Engine(client, _info(client, "local cluster", cluster.scheduler_address))
    finally:
        client.close()
        cluster.close()


@contextmanager
def _workers_ignore_ctrl_c() -> Iterator[None]:
    """Start the workers with Ctrl-C (SIGINT) ignored, as they inherit it: on Ctrl-C only ``pss batch``
    stops, then closes the cluster (so no worker prints a traceback of its own). Main thread only."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def peak_memory_mb(client: Any) -> dict[str, float]:
    """Each worker's peak resident memory so far, in MB (the process's own, not its notebook kernels'),
    by worker address; {} if the workers cannot say (an operating system without ``resource``)."""
    try:
        peaks = client.run(_own_peak_mb)
    except Exception:  # noqa: BLE001 - a figure for the manifest, never a reason to fail a batch
        return {}
    return {str(worker): round(float(mb), 1) for worker, mb in sorted(peaks.items())}


def _own_peak_mb() -> float:
    import resource
    import sys

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 / 1024 if sys.platform == "darwin" else peak / 1024  # bytes on macOS, KiB on Linux


def _info(client: Any, kind: str, address: str) -> dict[str, Any]:
    import dask
    import distributed

    workers = client.scheduler_info().get("workers", {})
    return {
        "engine": "dask.distributed",
        "scheduler": kind,
        "scheduler_address": address,
        "workers": len(workers),
        "threads_per_worker": sorted({w.get("nthreads", 1) for w in workers.values()}),
        "dask_version": dask.__version__,
        "distributed_version": distributed.__version__,
    }
