"""Write the template notebooks in pss_analysis/notebooks/ (without outputs) from the cells below.

Run `python tools/make_template.py` after editing; the committed notebooks are its output
(a test checks it).
"""

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook


def parameters_cell(default_params: str) -> tuple[str, str, list[str]]:
    """The tagged `parameters` cell every template starts with (its default runs as-is in JupyterLab)."""
    source = (
        "# Parameters: `pss run` replaces these with the run's resolved parameter file and folder.\n"
        f'params_file: str = "{default_params}"  # the parameter set (YAML)\n'
        'output_dir: str = "../../reports/notebook"  '
        "# the run folder (relative to this notebook when opened by hand)\n"
        'previous_run: str = ""  # the last run of this report (its folder), to say what changed; empty: none'
    )
    return ("code", source, ["parameters"])


CELLS = [
    parameters_cell("../../params/demo.yaml"),
    (
        "code",
        """from pss_analysis.evaluation import prepare_study
from pss_analysis.reporting import Report, sections

rep = Report.open(params_file, output_dir)
study = prepare_study(rep.params)
sections.publish_evaluation_tables(rep, study)
rep.title_block()""",
        [],
    ),
    (
        "markdown",
        """## Board summary

Every measure on one page: its latest month against its target, what its control chart shows
(variation and assurance, as the Making Data Count icons), the verdict with the programme's effect
against what the pre-programme trend predicted, and value for money where the measure has a cost.""",
        [],
    ),
    ("code", "sections.board_section(rep, study)", []),
    (
        "markdown",
        """## Executive summary

Each measure of the scorecard gets a verdict - improved, deteriorated, no evidence of change, or
not enough data - by the rules stated under Methods: did the measure move, after the programme
started, beyond what its own history (trend and seasons) predicted? The verdicts are counted here
by perspective of the Public Sector Scorecard.""",
        [],
    ),
    ("code", "sections.executive_summary(rep, study)", []),
    ("code", "changes = sections.changes_section(rep, previous_run)", []),
    ("code", "sections.strategy_map_section(rep, study)", []),
    ("markdown", "## Overview dashboard: before and since the programme started", []),
    ("code", "sections.overview_section(rep, study)", []),
    (
        "markdown",
        """## Within-year monitoring

The latest twelve months of every measure on its control chart, against its target: is the process
stable, and will it meet the target?""",
        [],
    ),
    ("code", "sections.within_year_section(rep, study)", []),
    (
        "markdown",
        """## Measures, perspective by perspective

For each measure: what it measures; what changed when the programme started, from an interrupted
time series (a segmented regression that compares what happened with what the pre-programme trend
predicted); and how the process behaves, from a statistical process control (SPC) chart with limits
recalculated at the programme start. Dated changes from the programme's change log are marked on
the charts.""",
        [],
    ),
    ("code", "sections.perspective_sections(rep, study)", []),
    ("code", "sections.balance_section(rep, study)", []),
    (
        "markdown",
        """## Data summary and data quality

For every measure: the months covered, how many fall before and since the programme start, and the
average value in each period; then any problems found in the data. The checks run before any
analysis: an error (a missing column, an unreadable date or number, a duplicated month, a negative
count, a numerator above its denominator, a missing denominator, a measure without data) stops the
run; warnings (gaps in a series, a byte-order mark, a header row below the first line, disagreeing
sources) are listed here.""",
        [],
    ),
    (
        "code",
        """sections.data_summary_table(rep, study)
sections.data_quality_section(rep, study, changes)""",
        [],
    ),
    (
        "markdown",
        """## Methods

**Interrupted time series.** Each measure is modelled month by month as a segmented regression
(Wagner et al. 2002; Lopez Bernal, Cummins & Gasparrini 2017): a level and a trend before the
programme, and a change in level and a change in trend when it starts. The *expected without the
programme* line continues the pre-programme level and trend (and seasons). Counts and rates use
quasi-Poisson regression with the population as an offset and two pairs of Fourier terms for the
seasons; proportions use quasi-binomial regression; other measures use ordinary least squares
with Newey-West standard errors, which allow for autocorrelation. The level change is measured at
the last month before the programme (Wagner convention) unless the parameters say otherwise.
The impact is the difference between the fitted and the expected values, with confidence intervals
by the delta method.

**Statistical process control.** Charts follow NHS England's *Making Data Count*: process limits
from the mean and the mean moving range (XmR) or from the binomial (p) and Poisson (u, c)
distributions, recalculated at the programme start; special causes are a point beyond a limit, a
run of six or more on one side of the centre line, six or more rising or falling, or two of three
near a limit. The variation icon reads the latest point; the assurance icon compares the target
with the latest limits.

**Links between measures.** For each link of the strategy map, each driver measure is compared with
each outcome measure by the cross-correlation of their month-to-month changes after pre-whitening
(Box & Jenkins): an autoregressive filter fitted to the driver is applied to both series, and
correlations at lags of 0 to 6 months are judged against Bonferroni-adjusted limits.""",
        [],
    ),
    ("code", "sections.methods_section(rep, study)", []),
    ("markdown", "## Parameters of this run", []),
    ("code", """rep.table(rep.parameters_table(), "parameters", caption="Parameters of this run")""", []),
    (
        "markdown",
        """## Reproducibility appendix

The inputs of this run with their SHA-256 checksums, and the software that produced it. Re-running
the same parameter file on files with the same checksums gives the same tables.""",
        [],
    ),
    ("code", "sections.appendix(rep)", []),
]

REPLICATION_CELLS = [
    parameters_cell("../../params/replication_bernal2017.yaml"),
    (
        "code",
        """import pandas as pd

from pss_analysis.replication import comparison_table, fit_models, model_4_vs_3
from pss_analysis.reporting import Report, confidence_label
from pss_analysis.reporting.figures.its import its_figure

rep = Report.open(params_file, output_dir)
sicily = pd.read_csv(rep.params.data.files["sicily"])
results = fit_models(sicily)
rep.title_block()""",
        [],
    ),
    (
        "markdown",
        """## What is replicated

Lopez Bernal, Cummins & Gasparrini (2017), *Interrupted time series regression for the evaluation
of public health interventions: a tutorial*, International Journal of Epidemiology 46(1):348-355.
Hospital admissions for acute coronary events in Sicily (ages 0-69), January 2002 to November 2006,
and the ban on smoking in public places from January 2005. The four models of the authors' R code
are refitted here with `pss_analysis.methods.its.fit_its`:

1. Poisson regression with the log of the age-standardised population as offset;
2. quasi-Poisson (over-dispersion estimated from the Pearson chi-square);
3. quasi-Poisson with two pairs of Fourier terms for the seasons (`harmonic(month, 2, 12)`);
4. model 3 plus a change in slope, with the corrected term `X_t (T - T_I)` (Wagner convention:
   time since the ban is 1 in January 2005).

Rate ratios are exp(coefficient); confidence intervals are Wald intervals with normal quantiles,
as in the authors' code (`Epi::ci.lin`).""",
        [],
    ),
    (
        "code",
        """rep.table(comparison_table(results), "comparison",
          caption="Published and replicated estimates side by side (coefficients on the log scale)",
          formats={c: ".7g" for c in ("published_coef", "coef", "published_std_error", "std_error")})""",
        [],
    ),
    (
        "code",
        """effects = pd.concat([r.effects().assign(model=name) for name, r in results.items()], ignore_index=True)
rep.table(effects[["model", "term", "coef", "std_error", "estimate", "estimate_lower", "estimate_upper", "p_value",
                   "scale"]],
          "effects_by_model", caption="Every segmented-regression term of the four models",
          columns={"estimate_lower": "lower", "estimate_upper": "upper"},
          formats={"coef": ".6g", "std_error": ".6g", "estimate": ".6g", "estimate_lower": ".6g",
                   "estimate_upper": ".6g", "p_value": ".3g"})
f_test = model_4_vs_3(results)
rep.markdown(f"Model 4 against model 3 (does the slope change add anything?): F = {f_test['f']:.4f} on "
             f"{f_test['df_num']:g} and {f_test['df_den']:g} degrees of freedom, p = {f_test['p_value']:.4f} "
             "(published: F = 0.6388, p = 0.4279).")""",
        [],
    ),
    (
        "code",
        """model4 = results["4 = 3 + slope change"]
fig = its_figure(model4, title="Acute coronary events per 100,000 (model 4)",
                 ylabel="Age-standardised rate per 100,000", rate_per=100_000, show_deseasonalised=True)
rep.figure(fig, "model4", caption="Model 4: observed rates, fitted model and the trend expected without the ban",
           alt="Monthly rate of acute coronary events per 100,000 in Sicily from 2002 to 2006 with the fitted "
               "model 4, its de-seasonalised trend, and after January 2005 the rate expected without the ban "
               f"with its {confidence_label(model4.specification['alpha'])} confidence band.")""",
        [],
    ),
    (
        "markdown",
        """## Reproducibility appendix

The inputs of this run with their SHA-256 checksums, and the software that produced it.""",
        [],
    ),
    (
        "code",
        """from pss_analysis.reporting import sections

sections.appendix(rep)""",
        [],
    ),
]

LINDEN_CELLS = [
    parameters_cell("../../params/replication_linden2015.yaml"),
    (
        "code",
        """from pss_analysis.replication.linden2015 import (
    fit_linden, linden_comparison, read_prop99, time_since_contrast,
)
from pss_analysis.reporting import Report, confidence_label
from pss_analysis.reporting.figures.its import its_figure

rep = Report.open(params_file, output_dir)
prop99 = read_prop99(rep.params.data.files["prop99"])
results = fit_linden(prop99)
comparison_states = results["multiple groups"].specification["comparison_units"]
rep.title_block()""",
        [],
    ),
    (
        "markdown",
        """## What is replicated

Linden (2015), *Conducting interrupted time-series analysis for single- and multiple-group
comparisons*, Stata Journal 15(2):480-500. Cigarette sales in packs per head in the US states,
1970 to 2000 (Abadie, Diamond & Hainmueller 2010), and California's Proposition 99 from 1989.
Linden's two `itsa` analyses are refitted here with `pss_analysis.methods.its.fit_its`, both by
ordinary least squares with Newey-West standard errors (lag 1, Stata's small-sample factor n/(n-k),
t tests on the residual degrees of freedom):

1. **single group**: California alone (`itsa cigsale, single treatid(3) trperiod(1989) lag(1) posttrend`);
2. **multiple groups**: California against the other states, stacked into one regression with
   terms for the difference between California and the comparison states
   (`itsa cigsale, treatid(3) trperiod(1989) lag(1) posttrend`). Each state is its own series for
   the Newey-West autocovariances.""",
        [],
    ),
    (
        "code",
        """rep.markdown(f"The comparison states ({len(comparison_states)}): {', '.join(comparison_states)}.")
rep.table(linden_comparison(results), "comparison",
          caption="Linden's published numbers and ours side by side",
          formats={"published_coef": ".7g", "coef": ".7g", "std_error": ".7g", "published_p_value": ".3f",
                   "p_value": ".3f"})""",
        [],
    ),
    (
        "markdown",
        """## Two conventions for the time since Proposition 99

Linden's `itsa` counts the time since the interruption from 0 in 1989, so its level change is the
jump between the two lines in 1989, the first year of Proposition 99.
The Wagner convention (Wagner et al. 2002; Lopez Bernal et al. 2017; this project's default) counts
it from 1 in 1989, so its level change is the gap between the two lines in 1988, the last year
before; the two differ by one slope change, while the slope change and the trend after 1989 are
the same.""",
        [],
    ),
    (
        "code",
        """rep.table(time_since_contrast(prop99), "time_since",
          caption="California alone: level change, slope change and trend after 1989 under each convention",
          formats={"level_change": ".7g", "slope_change": ".7g", "post_trend": ".7g"})""",
        [],
    ),
    (
        "code",
        """for name, result in results.items():
    rep.table(result.effects()[["group", "term", "coef", "std_error", "estimate_lower", "estimate_upper", "p_value"]],
              f"effects_{name.replace(' ', '_')}", caption=f"Every segmented-regression term ({name})",
              columns={"estimate_lower": "lower", "estimate_upper": "upper"},
              formats={"coef": ".7g", "std_error": ".7g", "estimate_lower": ".6g", "estimate_upper": ".6g",
                       "p_value": ".3g"})""",
        [],
    ),
    (
        "code",
        """multi = results["multiple groups"]
fig = its_figure(multi, title="Cigarette sales: California and the average of the comparison states",
                 ylabel="Packs per head")
rep.figure(fig, "multiple_groups",
           caption="California (filled) and the comparison states' average (hollow), with the fitted lines",
           alt="Annual cigarette sales in packs per head, 1970 to 2000, in California and on average in the "
               f"{len(comparison_states)} comparison states, with the fitted lines and, from 1989, the sales "
               "expected in California without Proposition 99 with its "
               f"{confidence_label(multi.specification['alpha'])} confidence band.")""",
        [],
    ),
    (
        "markdown",
        """## Reproducibility appendix

The inputs of this run with their SHA-256 checksums, and the software that produced it.""",
        [],
    ),
    (
        "code",
        """from pss_analysis.reporting import sections

sections.appendix(rep)""",
        [],
    ),
]

BATCH_SUMMARY_CELLS = [
    parameters_cell("../../params/demo_localities.yaml"),
    (
        "code",
        """from pss_analysis.reporting import Report, sections

rep = Report.open(params_file, output_dir)
units = sections.read_units(output_dir)
rep.title_block()
sections.units_overview(rep, units)""",
        [],
    ),
    (
        "markdown",
        """## Measures by unit

Each unit was evaluated as a report evaluates the whole programme: the verdict of every measure from
its interrupted time series, and what its control chart shows since the programme started (the
Making Data Count variation and assurance icons).""",
        [],
    ),
    ("code", "sections.units_verdict_section(rep, units)", []),
    (
        "markdown",
        """## Each measure across the units

The same measure in every unit, month by month, on one scale.""",
        [],
    ),
    ("code", "sections.units_small_multiples(rep, units)", []),
    (
        "markdown",
        """## Funnel plots: the latest year by unit

Each rate and proportion over the latest twelve months in each unit, against the value of all units
together. Smaller units vary more by chance, so the limits widen as units get smaller (a funnel): a
unit outside the 95% limits may differ for a reason worth finding, one outside the 99.8% limits very
probably does (Spiegelhalter 2005).""",
        [],
    ),
    ("code", "sections.units_funnel_section(rep, units)", []),
    ("markdown", "## Value for money by unit", []),
    ("code", "sections.units_value_section(rep, units)", []),
    ("markdown", "## Units that could not be evaluated", []),
    ("code", "sections.units_failed_section(rep, units)", []),
    (
        "markdown",
        """## Reproducibility appendix

The inputs of this batch with their SHA-256 checksums, and the software that produced it. Each
unit's own report has its own appendix.""",
        [],
    ),
    ("code", "sections.appendix(rep)", []),
]

NOTEBOOKS = {
    "report.ipynb": CELLS,
    "replication_bernal2017.ipynb": REPLICATION_CELLS,
    "replication_linden2015.ipynb": LINDEN_CELLS,
    "batch_summary.ipynb": BATCH_SUMMARY_CELLS,
}


def build(name: str = "report.ipynb") -> nbformat.NotebookNode:
    nb = new_notebook()
    for kind, source, tags in NOTEBOOKS[name]:
        cell = new_code_cell(source) if kind == "code" else new_markdown_cell(source)
        if tags:
            cell.metadata["tags"] = tags
        nb.cells.append(cell)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


if __name__ == "__main__":
    for name in NOTEBOOKS:
        target = Path(__file__).resolve().parents[1] / "pss_analysis" / "notebooks" / name
        nb = build(name)
        for i, cell in enumerate(nb.cells):
            cell["id"] = f"cell-{i:02d}"
        nbformat.write(nb, target)
        print(target)
