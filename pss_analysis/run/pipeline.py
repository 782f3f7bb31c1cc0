"""The report pipeline: one readable recipe of stages.

``run()`` is what ``pss run`` calls:

1. **validate** — read the parameter file, apply ``--set`` overrides, check
   every key, type, date and data file (nothing runs if this fails);
2. **prepare** — check the data files load and the parameters that depend
   on them (measure ids, the programme start within the data, every
   measure's ITS and SPC options), then make the run folder under
   ``reports/<name>/.incomplete/`` and write the resolved ``params.yaml`` and
   a provisional ``manifest.json``;
3. **execute** — run each template notebook with papermill in a kernel of
   the Python environment that runs ``pss`` (``notebooks/*.ipynb``; see
   :mod:`pss_analysis.run.kernel`), with the folder of the last run (``latest``
   before this one) as ``previous_run`` for the "Since the last report" section;
4. **render** — turn the executed notebook into the report (Quarto or the
   built-in renderer);
5. **publish** — complete the manifest, move the folder into place and
   point ``reports/<name>/latest`` at it.

Any failure after stage 1 moves the partial run to
``reports/<name>/failed/<run id>/`` (with papermill's executed notebook that
shows the error), leaves ``latest`` alone and raises a
:class:`~pss_analysis.errors.PssError` that names the stage.

The pipeline reads one environment variable, ``PSS_FIGURE_WORKERS`` (the number of processes that
write the report's figures beside its kernel, :mod:`pss_analysis.reporting.figure_pool`; with none,
the measures are not evaluated while the kernel starts either), and changes none. Relative
paths are the user's: ``reports_root`` and ``--set`` paths are relative to
the current folder, paths in the parameter file to that file's folder.
"""

from __future__ import annotations

import datetime as _dt
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pss_analysis import __version__
from pss_analysis.config.loading import load_params
from pss_analysis.config.manifest import provisional_manifest, sha256_file, write_manifest
from pss_analysis.config.params import Params
from pss_analysis.errors import ExecutionError, ParameterError, PssError
from pss_analysis.evaluation.study import (
    EVALUATIONS_FILE,
    EVALUATIONS_PENDING,
    INPUTS_FILE,
    evaluate_ahead,
    load_inputs,
    save_inputs,
)
from pss_analysis.publish.render import choose_renderer, render
from pss_analysis.reporting.figure_pool import WORKERS_VARIABLE, pool_workers
from pss_analysis.run.folders import RunFolder, new_run_id
from pss_analysis.run.kernel import KERNEL_NAME, papermill_kernel, stop_kernels_on_interrupt
from pss_analysis.run.profiling import collect_timings
from pss_analysis.run.rerun import resolved_parameters_text, unchanged_since
from pss_analysis.timings import TIMINGS, timed

__all__ = ["run", "RunResult", "NOTEBOOKS_DIR", "find_notebook", "KERNEL_NAME", "CELL_TIMEOUT_S"]

#: The project's template notebooks.
NOTEBOOKS_DIR = Path(__file__).resolve().parents[1] / "notebooks"
#: Seconds one notebook cell may run before it is treated as hung.
CELL_TIMEOUT_S = 1800


@dataclass
class RunResult:
    """What a successful run produced."""

    run_dir: Path
    report_files: list[Path]
    manifest: dict[str, Any]
    stages: list[dict[str, Any]] = field(default_factory=list)
    #: With ``if_changed``: the id of the run this one would repeat (nothing ran); else empty.
    unchanged_since: str = ""


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run(
    params_file: str | Path,
    *,
    overrides: list[str] | None = None,
    to: list[str] | None = None,
    renderer: str | None = None,
    name: str | None = None,
    reports_root: str | Path = "reports",
    command: list[str] | None = None,
    progress: bool | None = None,
    say: Callable[[str], None] = _say,
    if_changed: bool = False,
    figure_workers: int | None = None,
) -> RunResult:
    """Run the whole pipeline for one parameter file and publish the report folder.

    ``to``, ``renderer`` and ``name`` override ``report.to``, ``report.renderer``
    and ``report.name`` (like ``--set``). With ``if_changed``, nothing runs when the parameters, inputs and
    version equal those of ``reports/<name>/latest`` (:mod:`pss_analysis.run.rerun`): the result names that
    run in ``unchanged_since``. ``figure_workers``: the processes that write the report's figures beside
    its kernel (None: ``PSS_FIGURE_WORKERS`` when set, else one per core but one,
    :func:`~pss_analysis.reporting.figure_pool.pool_workers`); with any, the measures are also evaluated
    in a thread while the kernel starts (:func:`~pss_analysis.evaluation.study.evaluate_ahead`). Raises
    :class:`~pss_analysis.errors.ParameterError` before anything runs when the
    parameters are wrong, and another :class:`~pss_analysis.errors.PssError`
    (naming the stage) when a later stage fails.
    """
    params_file = Path(params_file)
    command = list(command) if command is not None else [sys.executable, "-m", "pss_analysis", "run", str(params_file)]
    progress = sys.stderr.isatty() if progress is None else progress
    stages = _Stages(say)
    with stages.stage("validate parameters", f"[1/5] Checking parameters in {params_file}"):
        params = load_params(params_file, _option_overrides(overrides, to, renderer, name))
        renderer_name = choose_renderer(params.report.renderer)
        templates = [find_notebook(nb, params_file) for nb in params.report.notebooks]
        helpers = pool_workers() if figure_workers is None else figure_workers
        kernel_env = {WORKERS_VARIABLE: str(helpers)}
    folder = RunFolder(Path(reports_root).resolve(), params.report.name, new_run_id())
    previous = folder.previous()
    same = unchanged_since(previous, params, params_file, templates) if if_changed else None
    if previous is not None and same:
        return RunResult(run_dir=previous, report_files=[], manifest={}, unchanged_since=same)
    with _kept_if_failed(folder, stages):
        with stages.stage("prepare", f"[2/5] Preparing run {folder.run_id} and checking the data"):
            manifest, ahead = _prepare(folder, params, params_file, templates, renderer_name, command, helpers > 0)
            manifest["previous_run"] = previous.name if previous else None
            write_manifest(folder.staging / "manifest.json", manifest)
        executed = [
            _execute_stage(template, folder.staging, stages, progress, previous, kernel_env) for template in templates
        ]
        if ahead is not None:
            ahead.join()  # done by now, unless no notebook asked for the study
        footer = (
            f"pss-analysis {__version__} · run {folder.run_id} · parameters sha256 {manifest['parameters_sha256'][:12]}"
        )
        reports = [
            _render_stage(notebook, fmt, renderer_name, params.title, footer, stages)
            for notebook in executed
            for fmt in params.report.to
        ]
        published = _publish(folder, manifest, stages, executed)
    return RunResult(
        run_dir=published, report_files=[published / p.name for p in reports], manifest=manifest, stages=stages.done
    )


class _Stages:
    """Says what each stage does, times it, and remembers the one under way (named in errors)."""

    def __init__(self, say: Callable[[str], None]) -> None:
        self.say = say
        self.started = time.perf_counter()
        self.current = ""
        self.done: list[dict[str, Any]] = []
        self.first_step = len(TIMINGS.records)  # this run's steps in this process's recorder start here

    def begin(self, label: str, message: str) -> None:
        self.current = label
        self.say(message)

    @contextmanager
    def stage(self, label: str, message: str) -> Iterator[None]:
        """A timed stage: recorded in :attr:`done` (and said to be done) when it succeeds."""
        self.begin(label, message)
        t0 = time.perf_counter()
        yield
        seconds = time.perf_counter() - t0
        self.done.append({"stage": label, "seconds": round(seconds, 3)})
        self.say(f"  done: {label} ({seconds:.1f} s)")


@contextmanager
def _kept_if_failed(folder: RunFolder, stages: _Stages) -> Iterator[None]:
    """On any failure keep the partial run under ``failed/``; a PssError learns its stage and that folder."""
    try:
        yield
    except PssError as exc:
        exc.stage = stages.current  # type: ignore[attr-defined]
        exc.kept = folder.fail()  # type: ignore[attr-defined]
        raise
    except BaseException:
        folder.fail()
        raise


def _option_overrides(
    overrides: list[str] | None, to: list[str] | None, renderer: str | None, name: str | None
) -> list[str]:
    """``--set`` overrides plus those the ``--to``, ``--renderer`` and ``--name`` options stand for."""
    extra = list(overrides or [])
    if to:
        extra.append(f"report.to={','.join(to)}")
    if renderer:
        extra.append(f"report.renderer={renderer}")
    if name:
        extra.append(f"report.name={name}")
    return extra


def find_notebook(name: str, params_file: Path) -> Path:
    """A template notebook: a path relative to the parameter file, or a name in ``notebooks/``."""
    candidates = (
        [Path(name)] if Path(name).is_absolute() else [params_file.resolve().parent / name, NOTEBOOKS_DIR / name]
    )
    for candidate in candidates:
        if candidate.is_file():
            return candidate.resolve()
    raise ParameterError(
        "template notebook not found",
        file=str(params_file),
        key="report.notebooks",
        expected="a notebook beside the parameter file or in " + str(NOTEBOOKS_DIR),
        found=name,
    )


def _prepare(
    folder: RunFolder,
    params: Params,
    params_file: Path,
    templates: list[Path],
    renderer_name: str,
    command: list[str],
    spare_cores: bool,
) -> tuple[dict[str, Any], threading.Thread | None]:
    """Check the inputs (and the parameters that depend on them), then make the run folder and
    write ``params.yaml`` and the provisional manifest: bad input leaves no folder behind. With
    ``spare_cores``, the measures are evaluated in a thread while the kernel starts
    (:func:`~pss_analysis.evaluation.study.evaluate_ahead`: the thread, or None)."""
    inputs = None
    if params.data.scorecard is not None or params.data.measures is not None:
        with timed("validation"):
            inputs = load_inputs(params)  # every input and every analysis option checked before any notebook runs
    run_dir = folder.create()
    ahead = None
    if inputs is not None:
        save_inputs(inputs, run_dir / INPUTS_FILE)  # the notebooks use them rather than load them again
        if spare_cores:
            ahead = evaluate_ahead(inputs, params, run_dir)
    resolved = run_dir / "params.yaml"
    resolved.write_text(resolved_parameters_text(params), encoding="utf-8")
    manifest = provisional_manifest(
        params, params_file=params_file.resolve(), run_id=folder.run_id, command=command, notebooks=templates
    )
    manifest["parameters_sha256"] = sha256_file(resolved)
    manifest["renderer"] = renderer_name
    write_manifest(run_dir / "manifest.json", manifest)
    return manifest, ahead


def _execute_stage(
    template: Path, run_dir: Path, stages: _Stages, progress: bool, previous: Path | None, env: dict[str, str]
) -> Path:
    """Execute one template into the run folder; the executed notebook. A template whose parameters cell
    has ``previous_run`` gets the folder of the last run (``latest`` before this run), to say what changed."""
    with stages.stage(f"execute {template.name}", f"[3/5] Executing {template.name}"):
        output = run_dir / template.name
        parameters = {"params_file": str(run_dir / "params.yaml"), "output_dir": str(run_dir)}
        if previous is not None and _declares(template, "previous_run"):
            parameters["previous_run"] = str(previous)
        with stop_kernels_on_interrupt():  # Ctrl-C kills the kernel at once, then stops the run
            _execute(template, output, parameters, progress, env)
    return output


def _declares(template: Path, name: str) -> bool:
    """Whether the template's cell tagged ``parameters`` assigns ``name``."""
    import nbformat

    nb = nbformat.read(template, as_version=4)
    cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    return any(line.split(":")[0].split("=")[0].strip() == name for c in cells for line in c.source.splitlines())


def _execute(template: Path, output: Path, parameters: dict[str, Any], progress: bool, env: dict[str, str]) -> None:
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    try:
        pm.execute_notebook(
            str(template),
            str(output),
            parameters=parameters,
            cwd=str(template.parent),
            progress_bar=progress,
            log_output=False,
            request_save_on_cell_execute=False,
            execution_timeout=CELL_TIMEOUT_S,
            **papermill_kernel(env),
        )
    except PapermillExecutionError as exc:
        cell = _failing_cell(output)
        where = f"cell {cell}" if cell else "a cell"
        raise ExecutionError(
            f"notebook {template.name} failed in {where} (In [{exc.exec_count}] of the executed notebook): "
            f"{exc.ename}: {exc.evalue}. The executed notebook showing the error is kept as {output.name}",
            notebook=str(output),
            cell=cell,
            source=exc.source,
            file=str(template),
        ) from None


def _failing_cell(executed: Path) -> int | None:
    """1-based position in the *template* of the cell that raised (papermill's injected cell not counted)."""
    import nbformat

    try:
        nb = nbformat.read(executed, as_version=4)
    except Exception:  # the executed notebook could not be read: no position to give
        return None
    position = 0
    for cell in nb.cells:
        if {"injected-parameters", "papermill-error-cell-tag"} & set(cell.metadata.get("tags", [])):
            continue  # cells papermill added
        position += 1
        if any(out.get("output_type") == "error" for out in cell.get("outputs", [])):
            return position
    return None


def _render_stage(notebook: Path, fmt: str, renderer_name: str, title: str, footer: str, stages: _Stages) -> Path:
    """Render one executed notebook to one format, beside it in the run folder; the report file."""
    with stages.stage(
        f"render {notebook.name} to {fmt}", f"[4/5] Rendering {notebook.name} to {fmt} ({renderer_name})"
    ):
        info = render(
            notebook,
            renderer=renderer_name,
            fmt=fmt,
            out_dir=notebook.parent,
            stem=notebook.stem,
            title=title,
            footer=footer,
        )
    return info.output


def _publish(folder: RunFolder, manifest: dict[str, Any], stages: _Stages, executed: Sequence[Path] = ()) -> Path:
    """Complete the manifest, move the run into place and point ``latest`` at it; the published folder."""
    stages.begin("publish", "[5/5] Publishing")
    run_dir = folder.staging
    manifest["stages"] = stages.done
    steps = TIMINGS.records[stages.first_step :]
    manifest["timings"] = collect_timings(stages.done, run_dir, executed, steps)
    for handed in (INPUTS_FILE, EVALUATIONS_FILE, EVALUATIONS_PENDING):
        (run_dir / handed).unlink(missing_ok=True)
    manifest["finished_utc"] = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
    manifest["duration_seconds"] = round(time.perf_counter() - stages.started, 3)
    manifest["outputs"] = sorted(str(p.relative_to(run_dir)) for p in run_dir.rglob("*") if p.is_file())
    write_manifest(run_dir / "manifest.json", manifest)
    return folder.publish()
