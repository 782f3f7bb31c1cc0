"""Where a run's time went, gathered into the manifest, and ``pss run --profile``.

``manifest.json`` gets ``"timings"``: one record per timed piece, each with ``level``

- ``stage``: the pipeline's stages (validate, prepare, execute, render, publish);
- ``section``: each cell of an executed notebook (papermill's own duration; the cell named by its
  first line, e.g. ``sections.board_section``) and each measure's section of the report;
- ``step``: the steps inside them (:func:`pss_analysis.timings.timed`): validation, each measure's
  ``its`` and ``spc``, the evidence table, each figure written, in the pipeline's process and in the
  notebook kernel's (read back from :data:`~pss_analysis.timings.KERNEL_TIMINGS_FILE`).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pss_analysis.timings import KERNEL_TIMINGS_FILE, describe_step, most_expensive, read_records

__all__ = ["collect_timings", "notebook_sections", "profile_lines", "PROFILE_STEPS"]

#: How many steps ``pss run --profile`` prints.
PROFILE_STEPS = 10


def notebook_sections(notebook: Path) -> list[dict[str, Any]]:
    """Each code cell of an executed notebook with the seconds papermill measured, named by its first line."""
    import nbformat

    try:
        nb = nbformat.read(notebook, as_version=4)
    except Exception:  # the executed notebook could not be read: no sections to give
        return []
    records = []
    for position, cell in enumerate(nb.cells, start=1):
        duration = cell.metadata.get("papermill", {}).get("duration")
        if cell.cell_type != "code" or duration is None:
            continue
        name = _cell_name(cell, position)
        records.append(
            {
                "step": name,
                "notebook": notebook.name,
                "cell": position,
                "level": "section",
                "seconds": round(duration, 4),
            }
        )
    return records


def _cell_name(cell: Any, position: int) -> str:
    """A cell as a step: the parameter cells by their role, the others by the call on their first code line."""
    tags = set(cell.metadata.get("tags", []))
    if "injected-parameters" in tags:
        return "injected parameters"
    if "parameters" in tags:
        return "parameters"
    first = next((line for line in cell.source.splitlines() if line and not line.startswith("#")), "")
    return first.split("(")[0].strip() or f"cell {position}"


def collect_timings(
    stages: Iterable[dict[str, Any]], run_dir: Path, notebooks: Iterable[Path], steps: Iterable[dict[str, Any]] = ()
) -> list[dict[str, Any]]:
    """Every timing of one run: the ``stages``, the notebooks' cells, the pipeline's own ``steps`` and the
    kernel's (whose file in ``run_dir`` is removed once read)."""
    records = [{"step": s["stage"], "level": "stage", "seconds": s["seconds"]} for s in stages]
    for notebook in notebooks:
        records += notebook_sections(notebook)
    records += [{**r, "process": "pipeline"} for r in steps]
    kernel_file = run_dir / KERNEL_TIMINGS_FILE
    records += [{**r, "process": "kernel"} for r in read_records(kernel_file)]
    kernel_file.unlink(missing_ok=True)
    return [{"level": "step", **r} for r in records]


def profile_lines(timings: Iterable[dict[str, Any]], n: int = PROFILE_STEPS) -> list[str]:
    """The ``n`` most expensive steps of a run, slowest first, one line each (``  12.34 s  its measure=M01``)."""
    return [f"{r['seconds']:8.2f} s  {describe_step(r)}" for r in most_expensive(timings, n)]
