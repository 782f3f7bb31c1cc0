"""What one Dask worker does for one unit of a batch: check it, or run it.

:func:`check_unit` loads the unit's parameters and inputs (every check ``pss run`` makes before a
notebook runs) and returns the unit's fingerprint: a sha256 of its resolved parameters, the
checksums of its input files and template notebooks, and the package version, so that
``--resume`` can tell a unit that has not changed since its last good run.

:func:`run_unit` makes the unit's run folder with :func:`~pss_analysis.run.pipeline.run` (exactly
what ``pss run`` makes; skipped in summary-only mode) and evaluates the unit for the summary
(:func:`~pss_analysis.evaluation.units.unit_evidence`); :func:`run_units` evaluates a chunk of
summary-only units together (:func:`~pss_analysis.evaluation.units.units_evidence`, their series
fitted together). A failure is returned, not raised, so that
the other units go on; a kernel that fails to start because of a port race (papermill's issue
#511, a ``ZMQError`` "Address already in use" when many kernels start at once) is retried.
"""

from __future__ import annotations

import hashlib
import json
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pss_analysis import __version__
from pss_analysis.config.loading import load_params
from pss_analysis.config.manifest import sha256_file
from pss_analysis.config.params import SuppressionOptions, params_to_dict
from pss_analysis.errors import PssError
from pss_analysis.evaluation.study import load_inputs
from pss_analysis.evaluation.units import SERIES_COUNTS, UnitEvidence, unit_evidence, units_evidence
from pss_analysis.reporting.suppression import suppress_table

__all__ = [
    "UnitTask",
    "UnitOutcome",
    "check_unit",
    "check_units",
    "run_unit",
    "run_units",
    "warm_up",
    "KERNEL_START_ATTEMPTS",
    "SUMMARY_TABLES",
    "summary_rows",
    "published_tables",
]

#: Tries at starting a unit's notebook kernel when the start races another for a port.
KERNEL_START_ATTEMPTS = 4
#: The summary tables every unit contributes rows to (attributes of :class:`UnitOutcome`).
SUMMARY_TABLES = ("evidence", "series", "latest_year", "value")
#: The summary tables a chunk of summary-only units also sends as CSV lines (:attr:`UnitOutcome.lines`): the
#: long ones (a row per unit, measure and month), whose columns have the same types in every unit.
LINE_TABLES = ("series",)
#: The columns naming the unit, first in every table across units.
UNIT_COLUMNS = ("unit", "unit_folder")


@dataclass(frozen=True)
class UnitTask:
    """Everything a worker needs to run one unit (plain values: it travels to another process)."""

    name: str
    slug: str
    params_file: str
    overrides: tuple[str, ...]
    units_root: str
    summary_only: bool = False
    to: tuple[str, ...] | None = None
    renderer: str | None = None
    fingerprint: str = ""


@dataclass
class UnitOutcome:
    """How one unit went: ``status`` ``"ok"`` or ``"failed"`` (with ``message``), its run folder, its rows
    (``tables``; for :data:`LINE_TABLES`, also the rows of :func:`summary_rows` as CSV lines in ``lines``)."""

    name: str
    slug: str
    status: str
    message: str = ""
    run_folder: str = ""
    report: str = ""
    seconds: float = 0.0
    fingerprint: str = ""
    reused: bool = False
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    lines: dict[str, str] = field(default_factory=dict)

    def record(self) -> dict[str, Any]:
        """The unit's entry in the batch manifest."""
        return {
            "name": self.name,
            "folder": self.slug,
            "status": self.status,
            "message": self.message,
            "run_folder": self.run_folder,
            "report": self.report,
            "seconds": round(self.seconds, 3),
            "fingerprint": self.fingerprint,
            "reused": self.reused,
        }


def _fingerprint(params: Any, notebooks: list[str], summary_only: bool) -> str:
    """sha256 of the resolved parameters with each input file replaced by its checksum, and the version.

    Unlike ``pss run --if-changed`` (:func:`~pss_analysis.run.rerun.fingerprint`), the input files'
    paths are left out: each batch splits the units' inputs into its own folder."""
    resolved = params_to_dict(params)
    resolved["data"] = {key: sha256_file(path) for key, path in sorted(params.data.named_paths().items())}
    content = {
        "parameters": resolved,
        "notebooks": notebooks,
        "pss_analysis": __version__,
        "summary_only": summary_only,
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()


def warm_up() -> None:
    """Import what running a unit needs (a worker does it while the batch plans its units)."""
    import pss_analysis.run.pipeline  # noqa: F401 - imported for its import time only


def check_unit(params_file: str, overrides: tuple[str, ...], summary_only: bool) -> tuple[str | None, str]:
    """(the problem that stops the unit or None, its fingerprint): its parameters and inputs checked.

    In summary-only mode only the parameters are checked here: the unit's evaluation reads and checks
    its data at once (reading them twice would double the time of a batch of thousands of units), and
    a unit whose data are bad fails there, alone and named.
    """
    from pss_analysis.run.pipeline import find_notebook

    try:
        params = load_params(params_file, list(overrides))
        if not summary_only and (params.data.scorecard is not None or params.data.measures is not None):
            load_inputs(params)
        notebooks = (
            []
            if summary_only
            else [sha256_file(find_notebook(nb, Path(params_file))) for nb in params.report.notebooks]
        )
    except Exception as exc:  # noqa: BLE001 - a unit that cannot be read is that unit's problem, named
        return _failure_message(exc), ""
    return None, _fingerprint(params, notebooks, summary_only)


def check_units(params_file: str, overrides: list[tuple[str, ...]], summary_only: bool) -> list[tuple[str | None, str]]:
    """:func:`check_unit` for each of many units (one task on a worker for a chunk of summary-only units)."""
    return [check_unit(params_file, unit, summary_only) for unit in overrides]


def run_unit(task: UnitTask) -> UnitOutcome:
    """Run one unit (its run folder, then its evidence for the summary); a failure is returned, not raised."""
    started = time.perf_counter()
    outcome = UnitOutcome(task.name, task.slug, "ok", fingerprint=task.fingerprint)
    try:
        if not task.summary_only:
            result = _run_with_retries(task)
            outcome.run_folder = str(result.run_dir)
            outcome.report = str(result.report_files[0]) if result.report_files else ""
        params = load_params(task.params_file, list(task.overrides))
        outcome.tables = published_tables(unit_evidence(params), params.report.suppression)
    except Exception as exc:  # noqa: BLE001 - one unit's failure, whatever it is, must not stop the others
        outcome.status = "failed"
        outcome.message = _failure_message(exc)
        kept = getattr(exc, "kept", None)
        outcome.run_folder = str(kept) if kept and Path(kept).exists() else ""
    outcome.seconds = time.perf_counter() - started
    return outcome


def published_tables(evidence: UnitEvidence, suppression: SuppressionOptions) -> dict[str, pd.DataFrame]:
    """The unit's tables for the summary (:data:`SUMMARY_TABLES`) as the batch publishes them: a month's
    value in ``series`` is the suppression marker where its count is small, as in the unit's own report
    (the value with the count's other part, published there, would give the count back), and so is a
    small numerator or denominator of ``latest_year`` (a year's events or people)."""
    tables = {name: getattr(evidence, name) for name in SUMMARY_TABLES}
    series, latest = tables["series"], tables["latest_year"]
    counts = [c for c in SERIES_COUNTS if c in series.columns]
    if suppression.enabled:
        options: dict[str, Any] = {"threshold": suppression.threshold, "marker": suppression.marker}
        if counts:
            series = suppress_table(series, count_columns=counts, derived={"value": counts}, **options).table
        if len(latest):
            latest = suppress_table(latest, count_columns=["numerator", "denominator"], **options).table
    tables["series"], tables["latest_year"] = series.drop(columns=counts), latest
    return tables


def run_units(tasks: list[UnitTask]) -> list[UnitOutcome]:
    """Evaluate a chunk of summary-only units together; each unit's failure is returned on its outcome."""
    started = time.perf_counter()
    outcomes = {t.slug: UnitOutcome(t.name, t.slug, "ok", fingerprint=t.fingerprint) for t in tasks}
    params = {}
    for task in tasks:
        try:
            params[task.slug] = load_params(task.params_file, list(task.overrides))
        except Exception as exc:  # noqa: BLE001 - one unit's failure must not stop the others
            outcomes[task.slug].status, outcomes[task.slug].message = "failed", _failure_message(exc)
    try:
        with _object_strings():
            found: dict[str, UnitEvidence | Exception] = dict(units_evidence(params))
    except Exception as exc:  # noqa: BLE001 - as above: every unit of the chunk fails, named
        found = {slug: exc for slug in params}
    seconds = (time.perf_counter() - started) / max(1, len(tasks))
    for slug, result in found.items():
        outcome = outcomes[slug]
        if isinstance(result, Exception):
            outcome.status, outcome.message = "failed", _failure_message(result)
        else:
            outcome.tables = published_tables(result, params[slug].report.suppression)
    for outcome in outcomes.values():
        outcome.seconds = seconds
    done = [outcomes[t.slug] for t in tasks]
    for name in LINE_TABLES:
        _add_lines(done, name)
    return done


@contextmanager
def _object_strings() -> Iterator[None]:
    """pandas' object strings instead of its Arrow strings (``future.infer_string`` off) for a while.

    A chunk of summary-only units makes thousands of small tables; with Arrow strings each string
    column costs an Arrow array, and a chunk takes about 30% longer. The tables' CSV text is the same
    either way (tested). The option goes in pandas 4: then this does nothing.

    The option is the whole process's, so it is left alone in a Dask worker that runs several tasks at
    once (a ``--scheduler`` cluster of multi-threaded workers): the other tasks would see it too.
    """
    if not _one_task_at_a_time():
        yield
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the option's deprecation notice
        try:
            previous = pd.get_option("future.infer_string")
            pd.set_option("future.infer_string", False)
        except (KeyError, pd.errors.OptionError):
            previous = None
    try:
        yield
    finally:
        if previous is not None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                pd.set_option("future.infer_string", previous)


def _one_task_at_a_time() -> bool:
    """Whether this process runs one task at a time: outside a Dask worker, or in a worker of one thread."""
    try:
        from distributed import get_worker

        worker = get_worker()
    except (ImportError, ValueError):  # not in a worker
        return True
    return int(getattr(worker.state, "nthreads", 1)) <= 1


def summary_rows(outcomes: list[UnitOutcome], name: str) -> pd.DataFrame:
    """The rows of summary table ``name`` of the good ``outcomes``, one after another, each row's unit and
    unit folder first."""
    done = [o for o in outcomes if o.status == "ok" and name in o.tables]
    frame = pd.concat([o.tables[name] for o in done], ignore_index=True)
    rows = [len(o.tables[name]) for o in done]
    frame = frame.drop(columns=[c for c in UNIT_COLUMNS if c in frame.columns])
    frame.insert(0, "unit_folder", np.repeat([o.slug for o in done], rows))
    frame.insert(0, "unit", np.repeat([o.name for o in done], rows))
    return frame


def _add_lines(outcomes: list[UnitOutcome], name: str) -> None:
    """Each good outcome's :func:`summary_rows` of ``name`` as CSV lines, written for the chunk at once (in
    the worker: the batch joins them, when every unit's table has the same columns, instead of writing a
    million rows itself); none when a cell has a line break."""
    done = [o for o in outcomes if o.status == "ok" and name in o.tables]
    if not done:
        return
    lines = summary_rows(done, name).to_csv(index=False, header=False, lineterminator="\n").split("\n")[:-1]
    rows = [len(o.tables[name]) for o in done]
    if len(lines) != sum(rows):
        return
    start = 0
    for outcome, n in zip(done, rows, strict=True):
        outcome.lines[name] = "".join(line + "\n" for line in lines[start : start + n])
        start += n


def _run_with_retries(task: UnitTask) -> Any:
    from pss_analysis.run.pipeline import run

    for attempt in range(1, KERNEL_START_ATTEMPTS + 1):
        try:
            return run(
                task.params_file,
                overrides=list(task.overrides),
                to=list(task.to) if task.to else None,
                renderer=task.renderer,
                name=task.slug,
                reports_root=task.units_root,
                command=["pss", "batch", task.params_file, "(unit)", task.name],
                progress=False,
                say=lambda message: None,
                figure_workers=0,  # the batch runs a unit a core: the kernel writes its own figures
            )
        except Exception as exc:
            if attempt == KERNEL_START_ATTEMPTS or not is_kernel_start_race(exc):
                raise
            time.sleep(0.5 * attempt)  # let the other kernel take its ports first
    raise AssertionError("unreachable")  # pragma: no cover


def is_kernel_start_race(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) is a kernel start losing a race for a port (ZMQError)."""
    import zmq

    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, zmq.error.ZMQError) or "Address already in use" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _failure_message(exc: BaseException) -> str:
    stage = getattr(exc, "stage", "")
    text = str(exc) if isinstance(exc, PssError) else f"{type(exc).__name__}: {exc}"
    return f"{stage}: {text}" if stage else text
