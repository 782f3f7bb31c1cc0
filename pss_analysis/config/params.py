"""Typed, validated parameters for a report run.

A parameter file is YAML. It is validated once, here, before any notebook
runs; every problem becomes a :class:`~pss_analysis.errors.ParameterError`
whose message names the file and the key, says what was expected and what
was found, and suggests the nearest valid key for a misspelt one.

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
import difflib
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
)

from pss_analysis.errors import ParameterError
from pss_analysis.config.manifest import sha256_file

__all__ = [
    "Params",
    "Programme",
    "DataFiles",
    "ReportOptions",
    "load_params",
    "parse_override",
    "apply_overrides",
    "params_to_dict",
    "RENDERERS",
    "FORMATS",
]

#: Renderer names accepted by ``report.renderer`` and ``--renderer``.
RENDERERS = ("auto", "quarto", "builtin")
#: Output formats accepted by ``report.to`` and ``--to``: ``html`` (one self-contained
#: file), ``pdf`` (via Typst: title page, contents, numbered sections) and ``docx`` (Word).
FORMATS = ("html", "pdf", "docx")


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


Month = Annotated[str, BeforeValidator(_period)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


class Programme(_Model):
    """The programme being evaluated."""

    name: str = Field(description="Programme name, as the board knows it.")
    start: Month = Field(description="First month with the programme in effect (YYYY-MM).")
    description: str = Field("", description="One or two sentences on what the programme does.")
    organisation: str = Field("", description="Who runs the programme.")


class DataFiles(_Model):
    """Input files (relative paths are relative to the parameter file).

    Every file named here is checked to exist before anything runs and its
    sha256 is recorded in the run's manifest. ``sha256`` pins expected
    checksums (keys: a name in ``files``, or ``measures``, ``indicators``, ``scorecard``):
    a file that differs stops the run.
    """

    measures: Path | None = Field(None, description="Measure catalogue CSV (one row per measure).")
    indicators: Path | None = Field(
        None, description="Indicator table (CSV, Excel or Parquet), long format: measure_id, period, numerator, "
                          "denominator, and optional breakdown columns.")
    scorecard: Path | None = Field(None, description="Scorecard definition (YAML or Excel workbook).")
    files: dict[str, Path] = Field(default_factory=dict,
                                   description="Other named inputs: record-level extracts, population tables and "
                                               "code lists used by the scorecard's indicator definitions, or data "
                                               "for a notebook of your own.")
    sha256: dict[str, str] = Field(default_factory=dict, description="Expected sha256 of inputs, by name.")

    def named_paths(self) -> dict[str, Path]:
        """Every input file by its key (``measures``, ``files.<name>``, ...)."""
        paths = {k: getattr(self, k) for k in ("measures", "indicators", "scorecard") if getattr(self, k)}
        paths.update({f"files.{k}": v for k, v in self.files.items()})
        return paths


class SuppressionOptions(_Model):
    """Small-number suppression (statistical disclosure control) of published tables."""

    enabled: bool = Field(True, description="Suppress small counts in every published table.")
    threshold: int = Field(7, ge=1, description="Counts from 1 to this number are suppressed (NHS convention: 7).")
    marker: str = Field("*", min_length=1, description="What is shown instead of a suppressed value.")


class ReportOptions(_Model):
    """How the report is produced."""

    name: str = Field("", description="Report name: runs go to reports/<name>/.")
    notebooks: list[str] = Field(
        default_factory=lambda: ["report.ipynb"],
        description="Template notebooks (in notebooks/) executed in order.",
    )
    to: Annotated[list[Literal[FORMATS]], BeforeValidator(_format_list)] = Field(  # type: ignore[valid-type]
        default_factory=lambda: ["html"], description="Output formats."
    )
    renderer: Literal[RENDERERS] = Field(  # type: ignore[valid-type]
        "auto", description="auto (Quarto if installed, else built-in), quarto or builtin."
    )
    measures: list[str] = Field(default_factory=list,
                                description="Report only these measure ids (default: every measure).")
    suppression: SuppressionOptions = Field(default_factory=SuppressionOptions)


ITS_FAMILIES = ("gaussian", "poisson", "quasipoisson", "negbin", "binomial", "quasibinomial")
SPC_CHARTS = ("xmr", "i", "mr", "run", "p", "u", "pp", "up", "c", "g", "t", "xbar", "s")
SPC_RULES = ("mdc", "anhoej", "western_electric", "nelson")


class ItsOptions(_Model):
    """Interrupted time series options for one measure (blank = the default for its kind).

    Defaults by kind: ``rate`` and ``count`` -> quasi-Poisson (log-population offset for
    rates) with two Fourier harmonic pairs for monthly seasons; ``proportion`` ->
    quasi-binomial; ``mean`` and ``amount`` -> OLS with Newey-West standard errors.
    """

    family: Literal[ITS_FAMILIES] | None = None  # type: ignore[valid-type]
    seasonality: str | dict[str, Any] | None = Field(
        None, description='"none", "month", "fourier" or {type: fourier, k: 2, period: 12}')
    autocorrelation: str | dict[str, Any] | None = Field(
        None, description='"none", "ar1", {type: newey_west, lags: 3} or {type: arma, order: [1, 1]}')
    slope_change: bool | None = None
    phase_in: int | None = Field(None, ge=0)
    interruptions: list[Month] | None = Field(None, description="Extra interruption months (YYYY-MM).")


class SpcOptions(_Model):
    """SPC options for one measure (blank = the default for its kind).

    Defaults by kind: ``rate`` -> u chart; ``proportion`` -> p chart; ``count`` -> c chart;
    ``mean`` and ``amount`` -> XmR chart.
    """

    chart: Literal[SPC_CHARTS] | None = None  # type: ignore[valid-type]
    rules: Literal[SPC_RULES] | None = None  # type: ignore[valid-type]
    recalculate_at_start: bool | None = None
    baseline: int | None = Field(None, ge=2)


class Analysis(_Model):
    """How every measure is analysed; ``measures`` overrides single measures by id."""

    alpha: float = Field(0.05, gt=0, lt=1, description="1 - confidence level of every interval.")
    impact_at: list[int] = Field(default_factory=lambda: [12, 24],
                                 description="Months after the start at which the impact is reported.")
    time_since: Literal["wagner", "itsa"] = Field(
        "wagner", description="Level change measured at the last month before (wagner) or "
                              "the first month of the programme (itsa).")
    its: ItsOptions = Field(default_factory=ItsOptions, description="ITS options for all measures.")
    spc: SpcOptions = Field(default_factory=SpcOptions, description="SPC options for all measures.")
    shift_length: int = Field(6, ge=6, le=8, description="MDC shift rule: points in a run (6-8).")
    trend_length: int = Field(6, ge=6, le=8, description="MDC trend rule: points rising or falling.")
    change_log_interruptions: bool = Field(
        False, description="Add the scorecard change log's flagged changes as extra ITS interruptions.")
    measures: dict[str, "MeasureOptions"] = Field(default_factory=dict)


class MeasureOptions(_Model):
    """Overrides for one measure."""

    its: ItsOptions = Field(default_factory=ItsOptions)
    spc: SpcOptions = Field(default_factory=SpcOptions)


Analysis.model_rebuild()


class Params(_Model):
    """All parameters of a report run (the root of a parameter file)."""

    title: str = Field(description="Report title.")
    subtitle: str = Field("", description="Report subtitle.")
    author: str = Field("", description="Who produced the report.")
    programme: Programme
    data: DataFiles
    report: ReportOptions = Field(default_factory=ReportOptions)
    analysis: Analysis = Field(default_factory=Analysis)


class _Loader(yaml.SafeLoader):
    """YAML loader that keeps dates as text, so that they are checked (and reported) here."""


_Loader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))


def _load_yaml(text: str) -> Any:
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass


_ANY = "*"  # stands for a user-chosen name (a measure id) in a dotted key
_PATH_KEYS = {"data.measures", "data.indicators", "data.scorecard", f"data.files.{_ANY}"}
_TEXT_KEYS = {"title", "subtitle", "author", "programme.name", "programme.description",
              "programme.organisation", "report.name", "report.suppression.marker", f"data.sha256.{_ANY}"}


def _all_keys(model: type[BaseModel], prefix: str = "") -> list[str]:
    keys = []
    for name, field in model.model_fields.items():
        dotted = prefix + name
        keys.append(dotted)
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            keys.extend(_all_keys(ann, dotted + "."))
        elif getattr(ann, "__origin__", None) is dict:
            value = ann.__args__[1]
            if isinstance(value, type) and issubclass(value, BaseModel):
                keys.extend(_all_keys(value, f"{dotted}.{_ANY}."))
            else:
                keys.append(f"{dotted}.{_ANY}")
    return keys


VALID_KEYS = tuple(_all_keys(Params))


_DYNAMIC = tuple(sorted({k.split(f".{_ANY}")[0] + "." for k in VALID_KEYS if f".{_ANY}" in k}))


def _pattern(key: str) -> tuple[str, str | None]:
    """(key with a measure id replaced by *, the id) so dynamic keys can be checked."""
    for prefix in _DYNAMIC:
        if key.startswith(prefix) and key[len(prefix):]:
            name, _, rest = key[len(prefix):].partition(".")
            return prefix + _ANY + ("." + rest if rest else ""), name
    return key, None


def _is_valid_key(key: str) -> bool:
    return key in VALID_KEYS or _pattern(key)[0] in VALID_KEYS


def _suggest(key: str) -> str:
    generic, name = _pattern(key)
    close = difflib.get_close_matches(generic, VALID_KEYS, n=1, cutoff=0.6)
    if not close:
        leaf = key.rsplit(".", 1)[-1]
        close = [k for k in VALID_KEYS if difflib.get_close_matches(leaf, [k.rsplit(".", 1)[-1]], cutoff=0.75)]
    if not close:
        return ""
    best = close[0].replace(_ANY, name) if name is not None else close[0]
    return f"; did you mean '{best}'?"


def _describe(err: dict[str, Any]) -> tuple[str, Any, Any]:
    """(message, expected, found) for one pydantic error."""
    kind = err["type"]
    found = err.get("input")
    if kind == "missing":
        return "required key is missing", None, None
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        return "invalid value", f"one of {expected}", found
    bounds = {"less_than_equal": ("at most", "le"), "greater_than_equal": ("at least", "ge"),
              "less_than": ("below", "lt"), "greater_than": ("above", "gt")}
    if kind in bounds:
        words, ctx_key = bounds[kind]
        return "value out of range", f"a number {words} {err.get('ctx', {}).get(ctx_key)}", found
    if kind == "value_error":
        msg = str(err.get("ctx", {}).get("error", err["msg"]))
        return "invalid value", msg, found
    kinds = {
        "string_type": "text",
        "int_parsing": "a whole number",
        "int_type": "a whole number",
        "float_parsing": "a number",
        "float_type": "a number",
        "bool_parsing": "true or false",
        "bool_type": "true or false",
        "list_type": "a list",
        "dict_type": "a mapping of keys to values",
        "model_type": "a mapping of keys to values",
        "model_attributes_type": "a mapping of keys to values",
        "path_type": "a file path",
    }
    return "wrong type", kinds.get(kind, err["msg"]), found


def _raise_validation(exc: ValidationError, file: str, overridden: set[str]) -> None:
    errors = exc.errors()
    # One message for the first problem; the rest are counted so nothing is hidden.
    first = errors[0]
    key = ".".join(str(p) for p in first["loc"] if not isinstance(p, int))
    if key in overridden:
        file = "--set"
    more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
    if first["type"] == "extra_forbidden":
        raise ParameterError(f"unknown key{_suggest(key)}{more}", file=file, key=key) from None
    message, expected, found = _describe(first)
    raise ParameterError(message + more, file=file, key=key, expected=expected, found=found) from None


def parse_override(text: str) -> tuple[str, Any]:
    """Parse one ``--set key=value`` into (dotted key, value); the value is read as YAML."""
    if "=" not in text:
        raise ParameterError("a --set override must look like key=value", key=text, found=text)
    key, _, raw = text.partition("=")
    key = key.strip()
    if not key:
        raise ParameterError("a --set override has an empty key", found=text)
    if _pattern(key)[0] in _TEXT_KEYS:
        return key, raw  # text as typed: "--set title=2020" is a title, not a number
    try:
        value = _load_yaml(raw) if raw.strip() else ""
    except yaml.YAMLError:
        value = raw
    return key, value


def apply_overrides(raw: dict[str, Any], overrides: list[tuple[str, Any]], *, cwd: Path) -> dict[str, Any]:
    """Return a copy of ``raw`` with dotted-key overrides set (paths made absolute from ``cwd``)."""
    result = _deepcopy(raw)
    for key, value in overrides:
        if not _is_valid_key(key):
            raise ParameterError(f"unknown key{_suggest(key)}", file="--set", key=key)
        if _pattern(key)[0] in _PATH_KEYS and isinstance(value, str):
            value = str((cwd / value).resolve())
        node = result
        parts = key.split(".")
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = {}
                node[part] = child
            node = child
        node[parts[-1]] = value
    return result


def _deepcopy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _deepcopy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deepcopy(v) for v in value]
    return value


def read_yaml(path: Path) -> dict[str, Any]:
    """Read a YAML mapping, with errors that name the file and line."""
    if not path.is_file():
        raise ParameterError("parameter file not found", file=str(path))
    try:
        raw = _load_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "it is not valid YAML"
        raise ParameterError(f"cannot read the YAML{where}: {problem}", file=str(path)) from None
    except UnicodeDecodeError:
        raise ParameterError("the file is not UTF-8 text", file=str(path)) from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ParameterError("expected a mapping of keys to values at the top level",
                             file=str(path), found=type(raw).__name__)
    return raw


def load_params(
    path: str | Path,
    overrides: list[str] | list[tuple[str, Any]] | None = None,
    *,
    cwd: str | Path | None = None,
) -> Params:
    """Read, override and validate a parameter file.

    ``overrides`` are ``"key=value"`` strings (as given to ``--set``) or
    already-parsed pairs. Data files must exist. Raises
    :class:`~pss_analysis.errors.ParameterError` on the first problem.
    """
    path = Path(path)
    cwd = Path(cwd) if cwd is not None else Path.cwd()
    raw = read_yaml(path)
    pairs = [parse_override(o) if isinstance(o, str) else o for o in (overrides or [])]
    merged = apply_overrides(raw, pairs, cwd=cwd)
    try:
        params = Params.model_validate(merged)
    except ValidationError as exc:
        _raise_validation(exc, str(path), {k for k, _ in pairs})
    base = path.resolve().parent

    def resolve(value: Path) -> Path:
        return (value if value.is_absolute() else (base / value)).resolve()

    data = params.data.model_copy(update={
        **{k: resolve(getattr(params.data, k)) for k in ("measures", "indicators", "scorecard")
           if getattr(params.data, k) is not None},
        "files": {k: resolve(v) for k, v in params.data.files.items()},
    })
    if data.indicators is None and not data.files:
        raise ParameterError("no data given: name an indicator table (data.indicators)", file=str(path),
                             key="data.indicators")
    if data.indicators is not None and data.measures is None and data.scorecard is None:
        raise ParameterError("no measures given: name a measure catalogue (data.measures) or a scorecard "
                             "(data.scorecard)", file=str(path), key="data.measures")
    named = data.named_paths()
    for key, value in named.items():
        if not value.is_file():
            raise ParameterError("data file not found", file=str(path), key=f"data.{key}", found=str(value))
    for key, expected in data.sha256.items():
        target = key if key in named else f"files.{key}"
        if target not in named:
            raise ParameterError("checksum given for an input that is not listed", file=str(path),
                                 key=f"data.sha256.{key}",
                                 expected="one of " + ", ".join(k.removeprefix("files.") for k in named), found=key)
        actual = sha256_file(named[target])
        if actual != expected.lower():
            raise ParameterError("the file's sha256 differs from the expected one (wrong or changed file)",
                                 file=str(path), key=f"data.sha256.{key}", expected=expected, found=actual)
    report = params.report
    if not report.name:
        report = report.model_copy(update={"name": path.stem})
    return params.model_copy(update={"data": data, "report": report})


def params_to_dict(params: Params) -> dict[str, Any]:
    """Plain dict of the parameters (paths as strings), suitable for YAML and papermill."""
    return params.model_dump(mode="json")
