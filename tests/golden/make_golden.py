"""Regenerate the golden notebook ``tests/golden/report_demo.ipynb``.

    .venv/bin/python tests/golden/make_golden.py

papermill executes the report template (``pss_analysis/notebooks/report.ipynb``) in this folder with
``params_file="params.yaml"`` (the demo on three measures) and
``output_dir="../../reports/golden"`` (its tables and figures go to ``reports/golden/``,
which is not committed), as nbval later runs it: from this folder, so the relative paths
work in any checkout. The copy committed keeps only what nbval compares: nbval skips
``image/png`` (unless run with ``--nbdime``) and ``metadata``, and masks with
``sanitize.cfg`` what differs between machines and runs (the PNG inlined in a figure's
HTML, paths, timestamps, versions), so the copy committed has images stripped, the
outputs already in their masked form (no local paths or versions in the repository) and
papermill's timing metadata dropped.

Check it with strict nbval (``make test`` does)::

    .venv/bin/python -m pytest tests/golden/report_demo.ipynb --nbval --nbval-current-env \\
        --nbval-sanitize-with tests/golden/sanitize.cfg

Regenerate it only when a change in the numbers shown is intended, and say so in the commit.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
TEMPLATE = ROOT / "pss_analysis" / "notebooks" / "report.ipynb"
GOLDEN = HERE / "report_demo.ipynb"
PARAMETERS = {"params_file": "params.yaml", "output_dir": "../../reports/golden"}
SANITIZE = HERE / "sanitize.cfg"


def sanitize_patterns() -> list[tuple[str, str]]:
    """The (regex, replacement) pairs of sanitize.cfg, read as nbval reads them."""
    return re.findall(r"^regex: (.*)$\n^replace: (.*)$", SANITIZE.read_text(encoding="utf-8"), flags=re.MULTILINE)


def strip(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Keep what nbval compares, masked: no images, no timings, no paths or versions."""
    patterns = sanitize_patterns()

    def masked(text: str) -> str:
        for regex, replace in patterns:
            text = re.sub(regex, replace, text)
        return text

    nb.metadata.pop("papermill", None)
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"golden-{i:02d}"  # papermill gives its injected cell a random id: keep diffs quiet
        for key in ("papermill", "execution"):
            cell.metadata.pop(key, None)
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            data.pop("image/png", None)
            for key, value in data.items():
                if isinstance(value, str):
                    data[key] = masked(value)
            if isinstance(output.get("text"), str):
                output["text"] = masked(output["text"])
    return nb


def main() -> Path:
    import papermill as pm

    sys.path.insert(0, str(ROOT))
    from pss_analysis.run.kernel import papermill_kernel  # the kernel of this Python, as `pss run` uses

    shutil.rmtree(HERE / PARAMETERS["output_dir"], ignore_errors=True)
    executed = pm.execute_notebook(
        str(TEMPLATE),
        str(GOLDEN),
        parameters=PARAMETERS,
        cwd=str(HERE),
        progress_bar=False,
        log_output=False,
        **papermill_kernel(),
    )
    nb = strip(nbformat.from_dict(executed))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, GOLDEN)
    return GOLDEN


if __name__ == "__main__":
    print(main())
