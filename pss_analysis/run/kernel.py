"""The kernel the notebooks run in: the Python that runs ``pss``, whatever kernels the user has installed.

The kernelspec is made in memory and handed to papermill (and through it to
nbclient) as a kernel manager class; nothing is written to disk and the
process environment (``JUPYTER_PATH``) is left alone::

    papermill.execute_notebook(template, output, **papermill_kernel())

The kernel's traffic is encrypted (CurveZMQ keys made by the kernel manager) when pyzmq supports
it, so ipykernel has no reason to warn that it runs "over TCP without encryption"; its start-up
messages below ERROR are hidden either way. :func:`stop_kernels_on_interrupt` makes Ctrl-C stop
the kernels at once instead of asking them to shut down while a cell is running (which made
ipykernel print a traceback about a closed socket).
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

import zmq
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from traitlets import default

__all__ = ["KERNEL_NAME", "kernel_spec", "ThisPythonKernelManager", "papermill_kernel", "stop_kernels_on_interrupt"]

#: Name of the kernelspec of the running interpreter.
KERNEL_NAME = "pss-analysis-python"


def kernel_spec() -> KernelSpec:
    """The kernelspec of ``sys.executable`` (inline Matplotlib figures, quiet start-up)."""
    return KernelSpec(
        argv=[
            sys.executable,
            "-m",
            "ipykernel_launcher",
            "-f",
            "{connection_file}",
            "--IPKernelApp.log_level=ERROR",
        ],  # hide the kernel's start-up chatter
        display_name=f"pss-analysis (Python {sys.version.split()[0]})",
        language="python",
        env={"MPLBACKEND": "module://matplotlib_inline.backend_inline"},
        metadata={"supported_encryption": ["curve"]},  # ipykernel >= 7.2 takes CurveZMQ keys
    )


class _ThisPythonKernelSpecs(KernelSpecManager):
    """The installed kernelspecs, plus :data:`KERNEL_NAME` for the running interpreter."""

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        if kernel_name == KERNEL_NAME:
            return kernel_spec()
        return super().get_kernel_spec(kernel_name)


#: Kernels started by :class:`ThisPythonKernelManager` and not yet stopped.
_RUNNING: weakref.WeakSet[ThisPythonKernelManager] = weakref.WeakSet()


class ThisPythonKernelManager(AsyncKernelManager):
    """nbclient's kernel manager, able to start :data:`KERNEL_NAME`, over an encrypted transport.

    ``extra_env``: environment variables the kernel gets on top of this process's
    (:func:`papermill_kernel` makes a subclass that sets them)."""

    extra_env: dict[str, str] = {}  # noqa: RUF012 - set by subclassing, never mutated

    @default("kernel_spec_manager")
    def _kernel_spec_manager_default(self) -> KernelSpecManager:
        return _ThisPythonKernelSpecs(data_dir=self.data_dir)

    @default("transport_encryption")
    def _transport_encryption_default(self) -> str:
        return "auto" if zmq.has("curve") else "disabled"

    async def start_kernel(self, **kw: Any) -> None:  # type: ignore[override]
        if self.extra_env:
            kw["env"] = {**kw.get("env", os.environ), **self.extra_env}
        await super().start_kernel(**kw)
        _RUNNING.add(self)

    async def _async_interrupt_kernel(self) -> None:
        """Interrupt the kernel, except on its way out: jupyter_client interrupts every kernel before
        asking it to shut down, and a kernel still answering a message then logs "KeyboardInterrupt
        caught in kernel" on the terminal. Ours are idle by then (the notebook has finished, or failed);
        a kernel busy past a cell's time limit is asked to shut down, then killed, all the same."""
        if self.shutting_down:
            return
        await super()._async_interrupt_kernel()

    def kill_now(self) -> None:
        """Kill the kernel's process group (the kernel and what its cells started) without asking it first."""
        process = getattr(self.provisioner, "process", None)
        if process is None or process.poll() is not None:
            return
        pgid = getattr(self.provisioner, "pgid", None)
        try:
            if pgid and hasattr(os, "killpg"):
                os.killpg(pgid, signal.SIGKILL)
            else:  # pragma: no cover - Windows
                process.kill()
            process.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):  # already gone, or the system will reap it
            pass


@contextmanager
def stop_kernels_on_interrupt() -> Iterator[None]:
    """While inside, Ctrl-C (SIGINT) first kills the running kernels, then raises KeyboardInterrupt.

    Without this, nbclient asks the busy kernel to shut down, and ipykernel prints a traceback
    when it replies on the socket it has just closed. Once interrupted, papermill's complaints
    about the kernel it has lost (logged while it cleans up) are not shown: the run is over and
    the command line says so in one line. Outside the main thread this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    executor_log = logging.getLogger("papermill")  # nbclient logs through papermill's logger
    was_disabled = executor_log.disabled

    def on_interrupt(signum: int, frame: FrameType | None) -> None:
        executor_log.disabled = True
        for manager in list(_RUNNING):
            manager.kill_now()
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, on_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        executor_log.disabled = was_disabled


def papermill_kernel(env: dict[str, str] | None = None) -> dict[str, Any]:
    """Keyword arguments for ``papermill.execute_notebook`` that run the notebook in this Python, with
    the environment variables ``env`` set in the kernel's process (on top of this process's)."""
    if not env:
        return {"kernel_name": KERNEL_NAME, "kernel_manager_class": ThisPythonKernelManager}

    extra = dict(env)

    class WithEnvironment(ThisPythonKernelManager):
        extra_env = extra

    return {"kernel_name": KERNEL_NAME, "kernel_manager_class": WithEnvironment}
