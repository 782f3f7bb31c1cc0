"""The run stage: the ``pss`` command line and the pipeline it calls.

- :mod:`~pss_analysis.run.pipeline`: :func:`run`, the recipe of stages (validate, prepare, execute,
  render, publish);
- :mod:`~pss_analysis.run.folders`: the life cycle of a run folder (staging, published, failed, ``latest``);
- :mod:`~pss_analysis.run.kernel`: the kernel the notebooks run in (the Python that runs ``pss``);
- :mod:`~pss_analysis.run.rerun`: whether a run would repeat ``latest`` (``pss run --if-changed``);
- :mod:`~pss_analysis.run.watch`: :func:`watch`, runs that start when the inputs change (``pss watch``);
- :mod:`~pss_analysis.run.cli`: the ``pss`` command line.

The names below are imported when first used, so that ``pss --help`` and
``pss --version`` (which import this package) stay fast.
"""

from pss_analysis._lazy import lazy_exports

_EXPORTS = {
    "run": "pipeline",
    "RunResult": "pipeline",
    "find_notebook": "pipeline",
    "NOTEBOOKS_DIR": "pipeline",
    "RunFolder": "folders",
    "new_run_id": "folders",
    "unchanged_since": "rerun",
    "watch": "watch",
    "KERNEL_NAME": "kernel",
    "papermill_kernel": "kernel",
}

__all__ = list(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
