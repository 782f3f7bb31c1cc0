"""``pss batch``: one evaluation per unit (locality, provider, parameter set) on Dask, and a summary across units.

:func:`batch` is the recipe:

1. **validate** the base parameters and the batch options (``--by`` / ``--grid`` or ``batch:``);
2. **plan** the units (:func:`~pss_analysis.run.units.plan_units`): each unit's inputs are written
   into ``reports/<name>/batch/.incomplete/<batch id>/inputs/<unit>/``, while the Dask workers, just
   started, import what they need (:func:`~pss_analysis.run.unit_task.warm_up`);
3. **check** every unit's parameters and data on the workers before any unit runs
   (:func:`~pss_analysis.run.unit_task.check_unit`); each bad unit is named, recorded as failed and
   left out; when every unit is bad nothing runs (a :class:`~pss_analysis.errors.ParameterError`);
4. **run** the units on the Dask cluster (:mod:`~pss_analysis.run.engine`), each in its own worker
   process and folder ``units/<unit>/<run id>/`` (what ``pss run`` makes), a worker given the next
   unit as soon as it is free, with a progress line;
   ``resume`` copies instead the units whose fingerprint equals that of their last good run in
   ``batch/latest``; ``summary_only`` makes no run folders and only evaluates each unit;
5. **summarise**: the tables across units (``tables/units_*.csv``), the summary notebook
   (``batch_summary.ipynb``) executed and rendered to every format asked for, and ``index.html``
   linking every unit's report;
6. **publish**: the batch folder moves to ``reports/<name>/batch/<batch id>/`` and
   ``reports/<name>/batch/latest`` points to it. A batch that stops (an error, Ctrl-C) is kept
   under ``batch/failed/`` and ``latest`` is left as it was; a batch whose units partly failed is
   complete and is published (the failures are in its summary).
"""

from __future__ import annotations

import datetime as _dt
import importlib
import shutil
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
import yaml

from pss_analysis.config.keys import is_valid_key, suggest_key
from pss_analysis.config.loading import load_params
from pss_analysis.config.manifest import provisional_manifest, read_manifest, write_manifest
from pss_analysis.config.overrides import parse_grid
from pss_analysis.config.params import Params, params_to_dict
from pss_analysis.errors import DataValidationError, ParameterError, PssError
from pss_analysis.publish.render import choose_renderer
from pss_analysis.reporting.figure_pool import WORKERS_VARIABLE, pool_workers
from pss_analysis.run.engine import dask_engine, peak_memory_mb
from pss_analysis.run.folders import RunFolder, new_run_id
from pss_analysis.run.index import write_index
from pss_analysis.run.pipeline import NOTEBOOKS_DIR, _execute_stage, _option_overrides, _render_stage, _Stages
from pss_analysis.run.progress import Progress
from pss_analysis.run.unit_task import (
    SUMMARY_TABLES,
    UNIT_COLUMNS,
    UnitOutcome,
    UnitTask,
    check_units,
    run_unit,
    run_units,
    summary_rows,
    warm_up,
)
from pss_analysis.run.units import Unit, plan_units

T = TypeVar("T")

__all__ = ["batch", "BatchResult", "BATCH_FOLDER", "SUMMARY_NOTEBOOK", "resolve_grid"]

#: ``reports/<name>/batch/``: where the batches of a report live.
BATCH_FOLDER = "batch"
#: The template of the summary across units.
SUMMARY_NOTEBOOK = NOTEBOOKS_DIR / "batch_summary.ipynb"


@dataclass
class BatchResult:
    """What a batch produced: its folder, each unit's outcome, the summary's files and the manifest."""

    batch_dir: Path
    units: list[UnitOutcome]
    report_files: list[Path]
    manifest: dict[str, Any]

    @property
    def failed(self) -> list[UnitOutcome]:
        """The units that failed."""
        return [u for u in self.units if u.status != "ok"]


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def resolve_grid(cli_grid: list[str] | None, params: Params) -> dict[str, list[Any]]:
    """The grid: ``--grid key=v1,v2`` options if given, else ``batch.grid`` of the parameter file (keys checked)."""
    if cli_grid:
        return dict(parse_grid(text) for text in cli_grid)
    for key in params.batch.grid:
        if not is_valid_key(key):
            raise ParameterError(f"unknown key{suggest_key(key)}", key=f"batch.grid.{key}")
    return dict(params.batch.grid)


def batch(
    params_file: str | Path,
    *,
    by: str | None = None,
    grid: list[str] | None = None,
    overrides: list[str] | None = None,
    to: list[str] | None = None,
    renderer: str | None = None,
    name: str | None = None,
    reports_root: str | Path = "reports",
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    summary_only: bool = False,
    command: list[str] | None = None,
    say: Callable[[str], None] = _say,
) -> BatchResult:
    """Run every unit of a batch on Dask and publish the batch folder with its summary across units.

    Raises :class:`~pss_analysis.errors.ParameterError` before anything runs when the parameters
    are wrong or every unit is; a unit that fails is recorded in the result (``failed``).
    """
    params_file = Path(params_file).resolve()
    base_overrides = _option_overrides(overrides, to, renderer, name)
    params = load_params(params_file, base_overrides)
    summary_env = {WORKERS_VARIABLE: str(pool_workers())}  # the summary's figures (the units' kernels have none)
    by = by or params.batch.by
    units_grid = resolve_grid(grid, params)
    renderer_name = choose_renderer(params.report.renderer)
    folder = RunFolder(Path(reports_root).resolve() / params.report.name, BATCH_FOLDER, new_run_id())
    command = list(command) if command is not None else ["pss", "batch", str(params_file)]
    started = time.perf_counter()
    timed = _Timings()
    try:
        staging = folder.create()
        with ExitStack() as stack:
            with timed("start engine"):
                engine = stack.enter_context(dask_engine(workers=workers, scheduler=scheduler))
            client = engine.client  # each worker imports what it needs while the units are planned
            warming = [client.submit(warm_up, pure=False, workers=[w]) for w in client.scheduler_info()["workers"]]
            with timed("plan units"):
                units = plan_units(params, by=by, grid=units_grid, folder=staging)
            shown = ", ".join(u.name for u in units[:6]) + (", ..." if len(units) > 6 else "")
            say(f"Batch {folder.run_id}: {len(units)} units ({shown})")
            say(f"Dask {engine.info['scheduler']}: {engine.info['workers']} workers")
            n_workers = engine.info["workers"]
            with timed("check units"):
                client.gather(warming, errors="skip")  # a worker that could not import fails its units, named
                tasks, outcomes = _check(
                    client, units, params_file, base_overrides, staging, summary_only, n_workers, say
                )
                reused, tasks = _reuse(tasks, folder, staging, resume, say) if resume else ([], tasks)
            with timed("run units"):
                _import_soon("papermill")  # for the summary notebook (2 s, nbformat's schemas): while the units run
                outcomes += reused + _run(client, tasks, n_workers, say)
            engine.info["peak_memory_mb"] = peak_memory_mb(client)
        outcomes = _in_plan_order(outcomes, units)
        for outcome in outcomes:  # paths within the batch folder, valid once it is published
            outcome.run_folder = _relative(outcome.run_folder, staging)
            outcome.report = _relative(outcome.report, staging)
        manifest = _manifest(params, params_file, folder, command, engine.info, outcomes, by, units_grid, summary_only)
        with timed("summary"):
            _write_summary_tables(staging, outcomes, by)
            reports = _summary_report(params, staging, manifest, renderer_name, say, summary_env)
            write_index(staging, params.title, outcomes, reports)
        manifest["stages"] = timed.stages
        manifest["finished_utc"] = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
        manifest["duration_seconds"] = round(time.perf_counter() - started, 3)
        write_manifest(staging / "manifest.json", manifest)
        published = folder.publish()
    except (ParameterError, DataValidationError):
        shutil.rmtree(folder.staging, ignore_errors=True)  # bad input: nothing ran, no folder is left behind
        _remove_empty(folder.staging.parent, folder.home)
        raise
    except PssError as exc:
        exc.kept = folder.fail()  # type: ignore[attr-defined]
        raise
    except BaseException:
        folder.fail()
        raise
    return BatchResult(published, outcomes, [published / p.name for p in reports], manifest)


class _Timings:
    """Times each stage of the batch for the manifest (``stages``: name and seconds)."""

    def __init__(self) -> None:
        self.stages: list[dict[str, Any]] = []

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        t0 = time.perf_counter()
        yield
        self.stages.append({"stage": name, "seconds": round(time.perf_counter() - t0, 3)})


def _remove_empty(*folders: Path) -> None:
    for path in folders:
        try:
            path.rmdir()
        except OSError:
            pass


def _check(
    client: Any,
    units: list[Unit],
    params_file: Path,
    base: list[str],
    staging: Path,
    summary_only: bool,
    workers: int,
    say: Callable[[str], None],
) -> tuple[list[UnitTask], list[UnitOutcome]]:
    """Every unit's parameters and data checked on the workers before any runs: (tasks to run, units left out)."""
    say(f"Checking the parameters and data of {len(units)} units")
    plain = [u for u in units if u.problem is None]
    futures = [
        client.submit(check_units, str(params_file), [(*base, *u.overrides) for u in part], summary_only, pure=False)
        for part in _chunks(plain, _chunk_size(len(plain), workers, summary_only))
    ]
    found = [result for results in client.gather(futures) for result in results]
    checked = dict(zip((u.slug for u in plain), found, strict=True))
    tasks, bad = [], []
    for unit in units:
        problem, fingerprint = (unit.problem, "") if unit.problem else checked[unit.slug]
        if problem:
            say(f"  unit '{unit.name}' cannot run: {_first_lines(problem)}")
            bad.append(UnitOutcome(unit.name, unit.slug, "failed", message=problem))
            continue
        tasks.append(
            UnitTask(
                unit.name,
                unit.slug,
                str(params_file),
                (*base, *unit.overrides),
                str(staging / "units"),
                summary_only=summary_only,
                fingerprint=fingerprint,
            )
        )
    if not tasks:
        raise ParameterError(
            f"every unit of the batch has a problem; the first, '{bad[0].name}': {bad[0].message}", key="batch"
        )
    return tasks, bad


def _import_soon(*modules: str) -> None:
    """Import ``modules`` in a background thread (a failure is left for the import where it is needed)."""

    def work() -> None:
        for module in modules:
            with suppress(Exception):
                importlib.import_module(module)

    threading.Thread(target=work, name="pss-import", daemon=True).start()


def _first_lines(text: str, n: int = 4) -> str:
    """The first ``n`` lines of a long message (the whole message is in the summary's table)."""
    lines = text.splitlines()
    return "\n".join(lines[:n] + ([f"  ... ({len(lines) - n} more lines)"] if len(lines) > n else []))


def _run(client: Any, tasks: list[UnitTask], workers: int, say: Callable[[str], None]) -> list[UnitOutcome]:
    """Run every unit (summary-only units in chunks evaluated together), each worker given the next as soon
    as it is free (:func:`_slots`); collect the outcomes as they finish, with a progress line."""
    import distributed

    if not tasks:
        return []
    size = _chunk_size(len(tasks), workers, tasks[0].summary_only)
    progress = Progress(len(tasks), workers, say, per_task=size)
    waiting = deque(_chunks(tasks, size))
    running: dict[Any, list[UnitTask]] = {}
    finished = distributed.as_completed()

    def submit_more() -> None:
        free = _slots(client, workers) - len(running)
        for _ in range(min(free, len(waiting))):
            chunk = waiting.popleft()
            key = f"unit-{chunk[0].slug}-{new_run_id()}"
            if chunk[0].summary_only:
                future = client.submit(run_units, chunk, pure=False, key=key)
            else:
                future = client.submit(run_unit, chunk[0], pure=False, key=key)
            running[future] = chunk
            finished.add(future)

    outcomes = []
    try:
        submit_more()
        for future in finished:
            chunk = running.pop(future)
            submit_more()  # before fetching this one's outcome, so that its worker waits as little as possible
            found = _outcomes(future, chunk)
            for k, outcome in enumerate(found, start=1):
                outcomes.append(outcome)
                progress.update(outcome.status == "ok", outcome.name, show=k == len(found))
    finally:
        progress.close()
        for future in running:
            future.cancel()
    return outcomes


def _slots(client: Any, workers: int) -> int:
    """How many units (or chunks) to have on the cluster at once: one per worker thread, at least one.

    Units are handed out one per free thread rather than all at once, because Dask's scheduler, given
    every unit up front and unable to estimate how long a unit takes, can leave a worker idle while the
    other holds units waiting (measured: in a batch of 6 reports on 2 workers, one worker stood idle for
    the length of a whole unit, twice)."""
    try:
        threads = sum(client.nthreads().values())
    except Exception:  # noqa: BLE001 - the count of the cluster as it started will do
        threads = workers
    return max(1, threads)


#: Summary-only chunks per worker: each worker gets at least this many, so that the fits shared by a chunk's
#: units are large (a chunk's per-measure work is paid once: about 10% of a unit's time at 125 units a chunk)
#: while the workers stay evenly loaded.
CHUNKS_PER_WORKER = 2
#: At most this many units in one chunk (a chunk's tables travel back from the worker at once).
MAX_CHUNK = 300


def _chunk_size(units: int, workers: int, summary_only: bool) -> int:
    """Units per task sent to a worker: one for full runs; summary-only units in chunks evaluated together,
    as many chunks for each worker."""
    if not summary_only:
        return 1
    workers = max(1, workers)
    rounds = max(CHUNKS_PER_WORKER, -(-units // (workers * MAX_CHUNK)))
    return max(1, -(-units // (workers * rounds)))


def _chunks(items: list[T], size: int) -> list[list[T]]:
    """``items`` cut into lists of ``size``."""
    return [items[k : k + size] for k in range(0, len(items), size)]


def _outcomes(future: Any, chunk: list[UnitTask]) -> list[UnitOutcome]:
    """The chunk's outcomes; a worker lost while running it (killed, out of memory) fails its units alone."""
    try:
        found = future.result()
    except Exception as exc:  # noqa: BLE001 - run_unit returns its own failures; this is the worker's
        message = f"the worker running this unit stopped: {exc}"
        return [UnitOutcome(task.name, task.slug, "failed", message=message) for task in chunk]
    return list(found) if isinstance(found, list) else [found]


def _in_plan_order(outcomes: list[UnitOutcome], units: list[Unit]) -> list[UnitOutcome]:
    order = {u.slug: k for k, u in enumerate(units)}
    return sorted(outcomes, key=lambda o: order[o.slug])


# --- resume ----------------------------------------------------------------------------------------


def _reuse(
    tasks: list[UnitTask], folder: RunFolder, staging: Path, resume: bool, say: Callable[[str], None]
) -> tuple[list[UnitOutcome], list[UnitTask]]:
    """Units unchanged since their last good run in ``batch/latest``: copied, not run again."""
    previous = folder.latest.resolve() if folder.latest.exists() else None
    if previous is None:
        say("Nothing to resume from (no earlier complete batch): every unit runs")
        return [], tasks
    good = {
        u["folder"]: u
        for u in read_manifest(previous / "manifest.json").get("units", [])
        if u.get("status") == "ok" and u.get("fingerprint")
    }
    rows = _previous_rows(previous)
    reused, remaining = [], []
    for task in tasks:
        last = good.get(task.slug)
        if last is None or last["fingerprint"] != task.fingerprint:
            remaining.append(task)
            continue
        reused.append(_copy_unit(task, last, previous, staging, rows))
    say(f"Resuming: {len(reused)} units unchanged since {previous.name}, {len(remaining)} to run")
    return reused, remaining


def _previous_rows(previous: Path) -> dict[str, pd.DataFrame]:
    tables = {}
    for name in SUMMARY_TABLES:
        path = previous / "tables" / f"units_{name}.csv"
        tables[name] = pd.read_csv(path, dtype={"unit_folder": str}) if path.is_file() else pd.DataFrame()
    return tables


def _copy_unit(
    task: UnitTask, last: Mapping[str, Any], previous: Path, staging: Path, rows: dict[str, pd.DataFrame]
) -> UnitOutcome:
    source = previous / "units" / task.slug
    run_folder = report = ""
    if source.is_dir():
        shutil.copytree(source, staging / "units" / task.slug, symlinks=True)
        run_folder = f"units/{task.slug}/{Path(last.get('run_folder', '')).name}"
        report = f"{run_folder}/{Path(last['report']).name}" if last.get("report") else ""
    tables = {
        name: frame[frame["unit_folder"] == task.slug].drop(columns=["unit", "unit_folder"]).reset_index(drop=True)
        for name, frame in rows.items()
        if not frame.empty
    }
    return UnitOutcome(
        task.name,
        task.slug,
        "ok",
        run_folder=run_folder,
        report=report,
        fingerprint=task.fingerprint,
        reused=True,
        tables=tables,
    )


# --- summary ---------------------------------------------------------------------------------------


def _write_summary_tables(staging: Path, outcomes: list[UnitOutcome], by: str | None) -> None:
    """``tables/units_<table>.csv`` (a row per unit and measure, the unit first) and ``units_failed.csv``."""
    tables = staging / "tables"
    for name in SUMMARY_TABLES:
        path = tables / f"units_{name}.csv"
        done = [o for o in outcomes if o.status == "ok" and name in o.tables]
        if not done:
            pd.DataFrame(columns=list(UNIT_COLUMNS)).to_csv(path, index=False, lineterminator="\n")
        elif all(name in o.lines for o in done) and _same_columns(o.tables[name] for o in done):
            with path.open("w", encoding="utf-8", newline="") as out:  # the rows as the workers wrote them
                out.write(summary_rows(done[:1], name).iloc[:0].to_csv(index=False, lineterminator="\n"))
                out.writelines(o.lines[name] for o in done)
        else:
            summary_rows(done, name).to_csv(path, index=False, lineterminator="\n")
    units = pd.DataFrame(
        [
            {"unit": o.name, "unit_folder": o.slug, "status": o.status, "reason": o.message, "report": o.report}
            for o in outcomes
        ],
        columns=["unit", "unit_folder", "status", "reason", "report"],
    )
    units.to_csv(tables / "units.csv", index=False, lineterminator="\n")


def _same_columns(frames: Iterable[pd.DataFrame]) -> bool:
    """Whether every frame has the same columns, of the same types."""
    kinds = {tuple(zip(f.columns, map(str, f.dtypes), strict=True)) for f in frames}
    return len(kinds) == 1


def _relative(path: str, base: Path) -> str:
    if not path:
        return ""
    try:
        return str(Path(path).relative_to(base))
    except ValueError:
        return path


def _summary_report(
    params: Params,
    staging: Path,
    manifest: dict[str, Any],
    renderer_name: str,
    say: Callable[[str], None],
    env: dict[str, str],
) -> list[Path]:
    """The summary notebook executed in the batch folder (its kernel's environment variables ``env``) and
    rendered to every format asked for."""
    summary = params.model_copy(update={"title": f"{params.title}: summary across units"})
    (staging / "params.yaml").write_text(
        yaml.safe_dump(params_to_dict(summary), sort_keys=False, allow_unicode=True), encoding="utf-8"
    )
    write_manifest(staging / "manifest.json", manifest)
    stages = _Stages(say)
    executed = _execute_stage(SUMMARY_NOTEBOOK, staging, stages, progress=False, previous=None, env=env)
    footer = f"pss-analysis {manifest['pss_analysis_version']} · batch {manifest['run_id']}"
    return [_render_stage(executed, fmt, renderer_name, summary.title, footer, stages) for fmt in params.report.to]


def _manifest(
    params: Params,
    params_file: Path,
    folder: RunFolder,
    command: list[str],
    engine: dict[str, Any],
    outcomes: list[UnitOutcome],
    by: str | None,
    grid: Mapping[str, Any],
    summary_only: bool,
) -> dict[str, Any]:
    manifest = provisional_manifest(
        params, params_file=params_file, run_id=folder.run_id, command=command, notebooks=[SUMMARY_NOTEBOOK]
    )
    failed = sum(o.status != "ok" for o in outcomes)
    manifest.update(
        {
            "kind": "batch",
            "engine": engine,
            "batch": {
                "by": by,
                "grid": {k: [str(v) for v in vs] for k, vs in grid.items()},
                "summary_only": summary_only,
            },
            "units": [o.record() for o in outcomes],
            "units_failed": failed,
        }
    )
    return manifest
