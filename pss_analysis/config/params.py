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
import re
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PositiveInt,
    ValidationError,
    model_validator,
)

__all__ = [
    "Params",
    "Programme",
    "ProgrammeCost",
    "DataFiles",
    "DatabaseSource",
    "DataSource",
    "published_url",
    "SuppressionOptions",
    "ReportOptions",
    "ItsOptions",
    "SpcOptions",
    "RobustnessOptions",
    "Analysis",
    "Comparison",
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


#: ``${NAME}`` in a database URL: the value of environment variable NAME, put in only when connecting.
ENV_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_DATABASE_EXPECTED = (
    "{database: URL, table: NAME} or {database: URL, query: 'SELECT ...'} "
    "(e.g. {database: 'sqlite:///indicators.db', table: indicators})"
)


class DatabaseSource(_Model):
    """A table read from a database through SQLAlchemy: a whole ``table`` or the rows of a ``query``.

    ``database`` is an SQLAlchemy URL (``sqlite:///data/indicators.db``, relative to the parameter
    file; ``postgresql+psycopg2://analyst@dbhost/pss``; ``mssql+pyodbc://@dsn``). It must not hold a
    password: the driver reads it from its own files or environment (PostgreSQL: ``PGPASSWORD`` or
    ``~/.pgpass``), or the URL says ``${NAME}`` where the value of environment variable NAME goes
    (put in only when connecting, so no password reaches ``params.yaml``, the manifest or the report).
    """

    database: Text = Field(description="SQLAlchemy database URL, without a password.")
    table: str | None = Field(default=None, description="Table (or view) to read whole; schema.table allowed.")
    query: str | None = Field(default=None, description="A SELECT query whose rows are read.")

    @model_validator(mode="after")
    def _one_of_table_or_query(self) -> DatabaseSource:
        if (self.table is None) == (self.query is None) or not (self.table or self.query or "").strip():
            raise ValueError("either table or query (one of them) " + _DATABASE_EXPECTED)
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            url = make_url(self.database)
        except (ArgumentError, ValueError):
            raise ValueError("a database URL such as sqlite:///file.db or postgresql://user@host/db") from None
        if url.password is not None and not ENV_PLACEHOLDER.fullmatch(str(url.password)):
            raise ValueError(
                "a database URL without a password (the driver reads it from the environment or its own files, "
                "e.g. PGPASSWORD or ~/.pgpass; or write ${NAME} for environment variable NAME)"
            )
        return self

    def __str__(self) -> str:
        what = f"table '{self.table}'" if self.table is not None else "query"
        return f"{what} in {self.url_shown}"

    @property
    def url_shown(self) -> str:
        """The URL as messages, the manifest and the report show it: no password (``***``)."""
        from sqlalchemy.engine import make_url

        return make_url(self.database).render_as_string(hide_password=True)

    @property
    def published(self) -> str:
        """The source as a report shows it: the table or query in :func:`published_url` of the URL."""
        return f"{'table ' + repr(self.table) if self.table is not None else 'query'} in {published_url(self.database)}"


def published_url(database: str) -> str:
    """A database URL as a report shows it: no password, a SQLite file by its name only ('…/<name>')."""
    from sqlalchemy.engine import make_url

    url = make_url(database)
    if url.drivername.startswith("sqlite") and url.database and Path(url.database).is_absolute():
        name = Path(url.database).name
        return url.set(database="PSS-FILE").render_as_string(hide_password=True).replace("PSS-FILE", f"…/{name}")
    return url.render_as_string(hide_password=True)


def _source(value: Any) -> Any:
    """A mapping in ``data.indicators`` or ``data.files`` is a database source, checked with one message."""
    if isinstance(value, dict):
        try:
            return DatabaseSource.model_validate(value)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            detail = str(first.get("ctx", {}).get("error", first["msg"]))
            raise ValueError(f"{_DATABASE_EXPECTED}; {where + ': ' if where else ''}{detail}") from None
    return value


#: A data input: a file path, or a table or query in a database.
DataSource = Annotated[Path | DatabaseSource, BeforeValidator(_source)]


class DataFiles(_Model):
    """Input files (relative paths are relative to the parameter file).

    Every file named here is checked to exist before anything runs and its
    sha256 is recorded in the run's manifest. ``sha256`` pins expected
    checksums (keys: a name in ``files``, or ``measures``, ``indicators``, ``scorecard``):
    a file that differs stops the run.
    """

    measures: Path | None = Field(default=None, description="Measure catalogue CSV (one row per measure).")
    indicators: DataSource | None = Field(
        default=None,
        description="Indicator table (CSV, Excel or Parquet, or {database: URL, table|query}), long format: "
        "measure_id, period, numerator, denominator, and optional breakdown columns.",
    )
    scorecard: Path | None = Field(default=None, description="Scorecard definition (YAML or Excel workbook).")
    files: dict[str, DataSource] = Field(
        default_factory=dict,
        description="Other named inputs: record-level extracts, population tables and "
        "code lists used by the scorecard's indicator definitions, or data "
        "for a notebook of your own.",
    )
    sha256: dict[str, str] = Field(default_factory=dict, description="Expected sha256 of inputs, by name.")

    def named_sources(self) -> dict[str, Path | DatabaseSource]:
        """Every input by its key (``measures``, ``files.<name>``, ...): files and database sources."""
        sources = {k: getattr(self, k) for k in ("measures", "indicators", "scorecard") if getattr(self, k)}
        sources.update({f"files.{k}": v for k, v in self.files.items()})
        return sources

    def named_paths(self) -> dict[str, Path]:
        """Every input file by its key (``measures``, ``files.<name>``, ...); database sources left out."""
        return {k: v for k, v in self.named_sources().items() if isinstance(v, Path)}


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
    interactive: bool = Field(
        default=True,
        description="HTML: explorable charts (hover, zoom; plotly.js embedded once, no other host); "
        "false gives static pictures only. Word and PDF always use the static pictures.",
    )


ItsFamily = Literal["gaussian", "poisson", "quasipoisson", "negbin", "binomial", "quasibinomial"]
SpcChart = Literal["xmr", "i", "mr", "run", "p", "u", "pp", "up", "c", "g", "t", "xbar", "s"]
SpcRules = Literal["mdc", "anhoej", "western_electric", "nelson"]
SpcPreset = Literal["mdc_excel", "nhsrplotthedots", "qicharts2"]
ITS_FAMILIES: tuple[str, ...] = get_args(ItsFamily)
SPC_CHARTS: tuple[str, ...] = get_args(SpcChart)
SPC_RULES: tuple[str, ...] = get_args(SpcRules)


class RobustnessOptions(_Model):
    """Robustness checks of a measure's headline change (blank = the default)."""

    enabled: bool | None = Field(default=None, description="Run the robustness checks (default true).")
    placebo: bool | None = Field(
        default=None, description="Refit with a pretend start at every admissible month before the programme."
    )
    specifications: bool | None = Field(
        default=None, description="Refit under other families, seasonality and autocorrelation."
    )
    leave_one_out: bool | None = Field(default=None, description="Refit leaving out each extra interruption.")
    max_specifications: int | None = Field(
        default=None,
        ge=0,
        description="Most alternative specifications per measure, nearest the model first (default 4; 100 = all).",
    )


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
    robustness: RobustnessOptions | None = Field(
        default=None, description="Placebo, specification and leave-one-out checks of the headline change."
    )


class SpcOptions(_Model):
    """SPC options for one measure (blank = the default for its kind).

    Defaults by kind: ``rate`` -> u chart; ``proportion`` -> p chart; ``count`` -> c chart;
    ``mean`` and ``amount`` -> XmR chart.
    """

    chart: SpcChart | None = None
    rules: SpcRules | None = None
    preset: SpcPreset | None = Field(
        default=None,
        description="Mimic a tool: mdc_excel (Making Data Count's Excel tool), nhsrplotthedots "
        "(7-point shift and trend, screened moving ranges) or qicharts2 (Anhoej rules).",
    )
    recalculate_at_start: bool | None = None
    baseline: int | None = Field(default=None, ge=2)


def _area_name(value: Any) -> Any:
    """An area as written in the unit column: numbers (area codes) read as their text."""
    if isinstance(value, bool):
        return value  # refused by the str type, naming the key
    if isinstance(value, int):
        return str(value)
    return value


def _area_names(value: Any) -> Any:
    """``areas: A, B`` or ``areas: [A, B]``, numbers (area codes) read as their text."""
    value = _format_list(value)
    return [_area_name(v) for v in value] if isinstance(value, list) else value


class Comparison(_Model):
    """Comparison areas for a controlled interrupted time series (Linden 2015).

    The indicator table then has a column naming the area of each row (``unit``): the programme's
    own area and the areas it is compared with. Each measure's model fits the programme area and
    the comparison areas together, so its effects are net of what changed in the comparison areas
    too. Example::

        analysis:
          comparison:
            unit: area
            treated: Northshire           # optional when the table has one area not in `areas`
            areas: [Southshire, Westshire] # optional: every other area of the table
    """

    unit: Text = Field(description="Column of the indicator table naming the area of each row.")
    treated: Annotated[str | None, BeforeValidator(_area_name)] = Field(
        default=None,
        description="The programme's area (a value of the unit column); default: the one area not in `areas`.",
    )
    areas: Annotated[list[str], BeforeValidator(_area_names)] = Field(
        default_factory=list,
        description="The comparison areas (values of the unit column); default: every other area of the table.",
    )


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
    comparison: Comparison | None = Field(
        default=None,
        description="Comparison areas: {unit: <column>, areas: [...]} for a controlled interrupted time series.",
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
