"""``pss init DIR``: write a starter project for an analyst who has no scorecard yet.

The project is a working example that ``pss run DIR/params.yaml`` turns into a report
at once: a commented parameter file, a measure catalogue and a monthly indicator table
with made-up example data (three measures: a rate, a proportion and a count, 24 months
before and 24 after the programme's start), a README, and a copy of the Excel scorecard
template for later. The files are package data in ``pss_analysis/run/starter/``; the
template is the one the scorecard reader ships (:data:`pss_analysis.inputs.scorecard.TEMPLATE`).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from pss_analysis.errors import ParameterError
from pss_analysis.inputs.scorecard import TEMPLATE

__all__ = ["init_project", "STARTER_FILES"]

#: The starter files (paths inside ``pss_analysis/run/starter/`` and inside the new project).
STARTER_FILES = ("README.md", "params.yaml", "data/measures.csv", "data/indicators.csv")


def _check_free(folder: Path) -> None:
    """Refuse a folder that already holds something (or a path that is a file): nothing is overwritten."""
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise ParameterError(
            "already exists and is not empty; pss init writes a starter project only into a new or empty folder",
            file=str(folder),
        )


def init_project(folder: str | Path) -> list[Path]:
    """Write the starter project into ``folder`` (created if needed) and return the files written.

    Raises :class:`~pss_analysis.errors.ParameterError` naming the folder, and writes
    nothing, when ``folder`` exists and is not empty.
    """
    folder = Path(folder)
    _check_free(folder)
    starter = resources.files("pss_analysis.run").joinpath("starter")
    written = []
    for name in STARTER_FILES:
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(starter.joinpath(*name.split("/")).read_bytes())
        written.append(target)
    template = folder / TEMPLATE.name
    template.write_bytes(TEMPLATE.read_bytes())
    written.append(template)
    return written
