"""Write notebooks/report.ipynb (the template, without outputs) from the cells below.

Run `python tools/make_template.py` after editing; the committed notebook is its output.
"""

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

CELLS = [
    ("code", '''# Parameters: `pss run` replaces these with the run's resolved parameter file and folder.
params_file: str = "../params/demo.yaml"  # the parameter set (YAML)
output_dir: str = ""  # the run folder; empty means reports/notebook/ when opened by hand''', ["parameters"]),
    ("code", '''from pss_analysis.data import PERSPECTIVES, load_indicators, load_measures, summarise
from pss_analysis.figures.timeseries import timeseries_figure
from pss_analysis.report import Report

rep = Report.open(params_file, output_dir)
p = rep.params
measures = load_measures(p.data.measures)
indicators = load_indicators(p.data.indicators, measures)
rep.title_block()''', []),
    ("markdown", '''## About this report

This report looks at each measure of the programme's scorecard before and after the programme
started. It is produced by pss-analysis from the parameters and data listed below
and in the reproducibility appendix, so that anyone can re-run it and get the same tables.''', []),
    ("code", '''rep.table(rep.parameters_table(), "parameters", caption="Parameters of this run")''', []),
    ("markdown", '''## Data summary

For every measure: the months covered, how many months fall before and since the programme start,
and the average value in each period. A change in the averages is not by itself evidence that the
programme worked: trends and seasons are taken into account in the analyses that follow.''', []),
    ("code", '''summary = summarise(indicators, measures, p.programme.start)
rep.table(summary[["measure_id", "name", "unit", "points_before", "points_after", "mean_before", "mean_after",
                   "relative_change"]], "data_summary", caption="Each measure before and since the programme start",
          columns={"measure_id": "id", "name": "measure", "points_before": "months before",
                   "points_after": "months since", "mean_before": "mean before", "mean_after": "mean since",
                   "relative_change": "relative change"},
          formats={"relative_change": "+.1%"})''', []),
    ("markdown", '''## Measures over time

Each chart shows one measure month by month. The dashed vertical line marks the programme start;
the short horizontal lines are the averages before and since.''', []),
    ("code", '''for perspective, group in measures.groupby("perspective", sort=False):
    tier, label = PERSPECTIVES.get(perspective, ("", perspective))
    rep.markdown(f"### {label}")
    for m in group.itertuples():
        series = indicators[indicators["measure_id"] == m.measure_id]
        fig = timeseries_figure(series, start=p.programme.start, title=m.name, ylabel=m.unit, target=m.target)
        rep.figure(fig, f"timeseries_{m.measure_id}", caption=f"{m.name} by month",
                   alt=f"Line chart of {m.name} ({m.unit}) by month from {series['period'].min()} to "
                       f"{series['period'].max()}, with the programme start in {p.programme.start} marked.")''', []),
    ("markdown", '''## Reproducibility appendix

The inputs of this run with their SHA-256 checksums, and the software that produced it. Re-running
the same parameter file on files with the same checksums gives the same tables.''', []),
    ("code", '''inputs, software = rep.manifest_tables()
rep.table(inputs, "inputs", caption="Input files and their SHA-256 checksums")
rep.table(software, "software", caption="Software and versions")''', []),
]


def build() -> nbformat.NotebookNode:
    nb = new_notebook()
    for kind, source, tags in CELLS:
        cell = new_code_cell(source) if kind == "code" else new_markdown_cell(source)
        if tags:
            cell.metadata["tags"] = tags
        nb.cells.append(cell)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


if __name__ == "__main__":
    target = Path(__file__).resolve().parents[1] / "notebooks" / "report.ipynb"
    nb = build()
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i:02d}"
    nbformat.write(nb, target)
    print(target)
