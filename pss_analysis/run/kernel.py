"""The kernel the notebooks run in: the Python that runs ``pss``, whatever kernels the user has installed.

The kernelspec is made in memory and handed to papermill (and through it to
nbclient) as a kernel manager class; nothing is written to disk and the
process environment (``JUPYTER_PATH``) is left alone::

    papermill.execute_notebook(template, output, **papermill_kernel())
"""

from __future__ import annotations

import sys
from typing import Any

from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from traitlets import default

__all__ = ["KERNEL_NAME", "kernel_spec", "ThisPythonKernelManager", "papermill_kernel"]

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
    )


class _ThisPythonKernelSpecs(KernelSpecManager):
    """The installed kernelspecs, plus :data:`KERNEL_NAME` for the running interpreter."""

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        if kernel_name == KERNEL_NAME:
            return kernel_spec()
        return super().get_kernel_spec(kernel_name)


class ThisPythonKernelManager(AsyncKernelManager):
    """nbclient's kernel manager, able to start :data:`KERNEL_NAME`."""

    @default("kernel_spec_manager")
    def _kernel_spec_manager_default(self) -> KernelSpecManager:
        return _ThisPythonKernelSpecs(data_dir=self.data_dir)


def papermill_kernel() -> dict[str, Any]:
    """Keyword arguments for ``papermill.execute_notebook`` that run the notebook in this Python."""
    return {"kernel_name": KERNEL_NAME, "kernel_manager_class": ThisPythonKernelManager}
