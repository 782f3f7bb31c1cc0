"""The parameter schema: what a parameter file may say, with types, bounds and defaults.

A parameter file is YAML; :func:`pss_analysis.config.loading.load_params`
reads it and validates it against :class:`Params` once, before any notebook
runs. The models here are frozen pydantic models that forbid unknown keys.

Relative paths in a parameter file are relative to the folder of that file;
paths given with ``--set`` are relative to the current working directory.

Example (``params/demo.yaml``)::

    title: Home First - evaluation report
    programme:
      name: Home First
      start: 2018-04          # first month with the programme in effect
    data:
      measures: ../data/demo/measures.csv
      indicators: ../data/demo/indicators.csv
    report:
      name: demo
"""

from __future__ import annotations

import datetime as _dt
import math
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PositiveInt

__all__ = [
    "Params",
    "Programme",
    "ProgrammeCost",
    "DataFiles",
    "SuppressionOptions",
    "ReportOptions",
    "ItsOptions",
    "SpcOptions",
    "Analysis",
    "MeasureOptions",
    "BatchOptions",
    "params_to_dict",
    "RENDERERS",
    "FORMATS",
    "ITS_FAMILIES",
    "SPC_CHARTS",
    "SPC_RULES",
]

#: Renderer names accepted by ``report.renderer`` and ``--renderer``.
RendererName = Literal["auto", "quarto", "builtin"]
RENDERERS: tuple[str, ...] = get_args(RendererName)
#: Output formats accepted by ``report.to`` and ``--to``: ``html`` (one self-contained
#: file), ``pdf`` (via Typst: title page, contents, numbered sections) and ``docx`` (Word).
Format = Literal["html", "pdf", "docx"]
FORMATS: tuple[str, ...] = get_args(Format)


def _period(value: Any) -> str:
    """Normalise a month to ``YYYY-MM`` (accepts 2018-04, 2018-04-01 and dates)."""
    if isinstance(value, (_dt.date, _dt.datetime)):
        return f"{value.year:04d}-{value.month:02d}"
    text = str(value).strip()
    for fmt in ("%Y-%m", "%Y-%m-%d"):
        try:
            d = _dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
        return f"{d.year:04d}-{d.month:02d}"
    raise ValueError("a month as YYYY-MM or a date as YYYY-MM-DD")


def _format_list(value: Any) -> Any:
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list):
        return list(dict.fromkeys(value))  # keep order, drop repeats
    return value


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("text that is not blank")
    return value


Month = Annotated[str, BeforeValidator(_period)]
#: Required text: blank is as good as missing.
Text = Annotated[str, AfterValidator(_not_blank)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


_COST_EXPECTED = "a positive amount in pounds (cost: 1200000) or per year (cost: {per_year: 400000})"


def _positive_pounds(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(_COST_EXPECTED)
    number = float(value)
    if not math.isfinite(number) or number <= 0:
        raise ValueError(_COST_EXPECTED)
    return number


def _cost(value: Any) -> Any:
    """``cost: 1200000`` (a total) or ``cost: {per_year: 400000}``, checked: positive and finite."""
    if value is None or isinstance(value, ProgrammeCost):
        return value
    if isinstance(value, dict):
        given = {k: v for k, v in value.items() if v is not None}
        if len(given) != 1 or next(iter(given)) not in ("total", "per_year"):
            raise ValueError(_COST_EXPECTED)
        key, amount = next(iter(given.items()))
        return {key: _positive_pounds(amount)}
    return {"total": _positive_pounds(value)}


class ProgrammeCost(_Model):
    """What the programme cost, in pounds: a total over the period evaluated, or per year."""

    total: float | None = Field(default=None, description="Total cost in pounds over the period evaluated.")
    per_year: float | None = Field(default=None, description="Cost per year in pounds.")

    def over(self, months: int) -> float:
        """The cost over ``months`` months since the start: the total, or per year times months / 12."""
        return self.total if self.total is not None else float(self.per_year or 0.0) * months / 12


class Programme(_Model):
    """The programme being evaluated."""

    name: Text = Field(description="Programme name, as the board knows it.")
    start: Month = Field(description="First month with the programme in effect (YYYY-MM).")
    description: str = Field(default="", description="One or two sentences on what the programme does.")
    organisation: str = Field(default="", description="Who runs the programme.")
    cost: Annotated[ProgrammeCost | None, BeforeValidator(_cost)] = Field(
        default=None,
        description="What the programme cost in pounds: a total (cost: 1200000) or per year "
        "(cost: {per_year: 400000}); the report then gives the return per £1 spent.",
    )


class DataFiles(_Model):
    """Input files (relative paths are relative to the parameter file).

    Every file named here is checked to exist before anything runs and its
    sha256 is recorded in the run's manifest. ``sha256`` pins expected
    checksums (keys: a name in ``files``, or ``measures``, ``indicators``, ``scorecard``):
    a file that differs stops the run.
    """

    measures: Path | None = Field(default=None, description="Measure catalogue CSV (one row per measure).")
    indicators: Path | None = Field(
        default=None,
        description="Indicator table (CSV, Excel or Parquet), long format: measure_id, period, "
        "numerator, denominator, and optional breakdown columns.",
    )
    scorecard: Path | None = Field(default=None, description="Scorecard definition (YAML or Excel workbook).")
    files: dict[str, Path] = Field(
        default_factory=dict,
        description="Other named inputs: record-level extracts, population tables and "
        "code lists used by the scorecard's indicator definitions, or data "
        "for a notebook of your own.",
    )
    sha256: dict[str, str] = Field(default_factory=dict, description="Expected sha256 of inputs, by name.")

    def named_paths(self) -> dict[str, Path]:
        """Every input file by its key (``measures``, ``files.<name>``, ...)."""
        paths = {k: getattr(self, k) for k in ("measures", "indicators", "scorecard") if getattr(self, k)}
        paths.update({f"files.{k}": v for k, v in self.files.items()})
        return paths


class SuppressionOptions(_Model):
    """Small-number suppression (statistical disclosure control) of published tables."""

    enabled: bool = Field(default=True, description="Suppress small counts in every published table.")
    threshold: int = Field(
        default=7, ge=1, description="Counts from 1 to this number are suppressed (NHS convention: 7)."
    )
    marker: str = Field(default="*", min_length=1, description="What is shown instead of a suppressed value.")


class ReportOptions(_Model):
    """How the report is produced."""

    name: str = Field(default="", description="Report name: runs go to reports/<name>/.")
    notebooks: list[str] = Field(
        default_factory=lambda: ["report.ipynb"],
        description="Template notebooks (in notebooks/) executed in order.",
    )
    to: Annotated[list[Format], BeforeValidator(_format_list)] = Field(
        default_factory=lambda: list[Format](["html"]), description="Output formats."
    )
    renderer: RendererName = Field(
        default="auto", description="auto (Quarto if installed, else built-in), quarto or builtin."
    )
    measures: list[str] = Field(
        default_factory=list, description="Report only these measure ids (default: every measure)."
    )
    suppression: SuppressionOptions = Field(default_factory=SuppressionOptions)


ItsFamily = Literal["gaussian", "poisson", "quasipoisson", "negbin", "binomial", "quasibinomial"]
SpcChart = Literal["xmr", "i", "mr", "run", "p", "u", "pp", "up", "c", "g", "t", "xbar", "s"]
SpcRules = Literal["mdc", "anhoej", "western_electric", "nelson"]
ITS_FAMILIES: tuple[str, ...] = get_args(ItsFamily)
SPC_CHARTS: tuple[str, ...] = get_args(SpcChart)
SPC_RULES: tuple[str, ...] = get_args(SpcRules)


class ItsOptions(_Model):
    """Interrupted time series options for one measure (blank = the default for its kind).

    Defaults by kind: ``rate`` and ``count`` -> quasi-Poisson (log-population offset for
    rates) with two Fourier harmonic pairs for monthly seasons; ``proportion`` ->
    quasi-binomial; ``mean`` and ``amount`` -> OLS with Newey-West standard errors.
    """

    family: ItsFamily | None = None
    seasonality: str | dict[str, Any] | None = Field(
        default=None, description='"none", "month", "fourier" or {type: fourier, k: 2, period: 12}'
    )
    autocorrelation: str | dict[str, Any] | None = Field(
        default=None, description='"none", "ar1", {type: newey_west, lags: 3} or {type: arma, order: [1, 1]}'
    )
    slope_change: bool | None = None
    phase_in: int | None = Field(default=None, ge=0)
    interruptions: list[Month] | None = Field(default=None, description="Extra interruption months (YYYY-MM).")


class SpcOptions(_Model):
    """SPC options for one measure (blank = the default for its kind).

    Defaults by kind: ``rate`` -> u chart; ``proportion`` -> p chart; ``count`` -> c chart;
    ``mean`` and ``amount`` -> XmR chart.
    """

    chart: SpcChart | None = None
    rules: SpcRules | None = None
    recalculate_at_start: bool | None = None
    baseline: int | None = Field(default=None, ge=2)


class Analysis(_Model):
    """How every measure is analysed; ``measures`` overrides single measures by id."""

    alpha: float = Field(default=0.05, gt=0, lt=1, description="1 - confidence level of every interval.")
    impact_at: list[PositiveInt] = Field(
        default_factory=lambda: [12, 24],
        description="Months after the start (1 or more) at which the impact is reported.",
    )
    time_since: Literal["wagner", "itsa"] = Field(
        default="wagner",
        description="Level change measured at the last month before (wagner) or "
        "the first month of the programme (itsa).",
    )
    its: ItsOptions = Field(default_factory=ItsOptions, description="ITS options for all measures.")
    spc: SpcOptions = Field(default_factory=SpcOptions, description="SPC options for all measures.")
    shift_length: int = Field(default=6, ge=6, le=8, description="MDC shift rule: points in a run (6-8).")
    trend_length: int = Field(default=6, ge=6, le=8, description="MDC trend rule: points rising or falling.")
    change_log_interruptions: bool = Field(
        default=False, description="Add the scorecard change log's flagged changes as extra ITS interruptions."
    )
    measures: dict[str, MeasureOptions] = Field(default_factory=dict)


class MeasureOptions(_Model):
    """Overrides for one measure."""

    its: ItsOptions = Field(default_factory=ItsOptions)
    spc: SpcOptions = Field(default_factory=SpcOptions)


Analysis.model_rebuild()


def _grid_values(value: Any) -> Any:
    """``{programme.start: [2018-04, 2018-06]}``: each key's values as a list (one value alone is a list of one)."""
    if not isinstance(value, dict):
        return value
    return {str(k): (list(v) if isinstance(v, (list, tuple)) else [v]) for k, v in value.items()}


class BatchOptions(_Model):
    """What ``pss batch`` runs: one evaluation per unit (``by``) or per combination of values (``grid``).

    ``by: locality`` runs one evaluation per value of that column of the indicator table (and of
    the record-level files that have it), plus the whole system; ``grid: {programme.start: [2018-04,
    2018-06]}`` one per combination of parameter values. ``--by`` and ``--grid`` on the command line
    take precedence.
    """

    by: str | None = Field(default=None, description="Column of the indicator table naming the units (locality).")
    grid: Annotated[dict[str, list[Any]], BeforeValidator(_grid_values)] = Field(
        default_factory=dict, description="Parameter values to combine, by dotted key: {programme.start: [...]}"
    )


class Params(_Model):
    """All parameters of a report run (the root of a parameter file)."""

    title: Text = Field(description="Report title.")
    subtitle: str = Field(default="", description="Report subtitle.")
    author: str = Field(default="", description="Who produced the report.")
    programme: Programme
    data: DataFiles
    report: ReportOptions = Field(default_factory=ReportOptions)
    analysis: Analysis = Field(default_factory=Analysis)
    batch: BatchOptions = Field(default_factory=BatchOptions, description="What `pss batch` runs.")


def params_to_dict(params: Params) -> dict[str, Any]:
    """Plain dict of the parameters (paths as strings), suitable for YAML and papermill."""
    return params.model_dump(mode="json")
