"""The report pipeline: one readable recipe of stages.

``run()`` is what ``pss run`` calls:

1. **validate** — read the parameter file, apply ``--set`` overrides, check
   every key, type, date and data file (nothing runs if this fails);
2. **prepare** — make the run folder under ``reports/<name>/.incomplete/``,
   write the resolved ``params.yaml`` and a provisional ``manifest.json``,
   check the data files load;
3. **execute** — run each template notebook with papermill in a kernel of
   the Python environment that runs ``pss`` (``notebooks/*.ipynb``);
4. **render** — turn the executed notebook into the report (Quarto or the
   built-in renderer);
5. **publish** — complete the manifest, move the folder into place and
   point ``reports/<name>/latest`` at it.

Any failure after stage 1 moves the partial run to
``reports/<name>/failed/<run id>/`` (with papermill's executed notebook that
shows the error), leaves ``latest`` alone and raises a
:class:`~pss_analysis.errors.PssError` that names the stage.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import yaml

from pss_analysis import __version__
from pss_analysis.evaluation.study import load_inputs
from pss_analysis.errors import ExecutionError, ParameterError, PssError
from pss_analysis.config.manifest import provisional_manifest, sha256_file, write_manifest
from pss_analysis.config.loading import load_params
from pss_analysis.config.params import Params, params_to_dict
from pss_analysis.publish.render import choose_renderer, render
from pss_analysis.run.folders import RunFolder, new_run_id

__all__ = ["run", "RunResult", "NOTEBOOKS_DIR", "find_notebook", "KERNEL_NAME"]

#: The project's template notebooks.
NOTEBOOKS_DIR = Path(__file__).resolve().parents[1] / "notebooks"
#: Name of the kernelspec the pipeline registers for the running interpreter.
KERNEL_NAME = "pss-analysis-python"
#: Seconds one notebook cell may run before it is treated as hung.
CELL_TIMEOUT_S = 1800


@dataclass
class RunResult:
    """What a successful run produced."""

    run_dir: Path
    report_files: list[Path]
    manifest: dict
    stages: list[dict] = field(default_factory=list)


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def find_notebook(name: str, params_file: Path) -> Path:
    """A template notebook: a path relative to the parameter file, or a name in ``notebooks/``."""
    candidates = [Path(name)] if Path(name).is_absolute() else [params_file.resolve().parent / name,
                                                                 NOTEBOOKS_DIR / name]
    for candidate in candidates:
        if candidate.is_file():
            return candidate.resolve()
    raise ParameterError("template notebook not found", file=str(params_file), key="report.notebooks",
                         expected="a notebook beside the parameter file or in " + str(NOTEBOOKS_DIR),
                         found=name)


@contextmanager
def _kernel_of_this_python() -> Iterator[str]:
    """Register a kernelspec for ``sys.executable`` in a private JUPYTER_PATH entry.

    So the notebooks always run in the environment that runs ``pss``, whatever
    kernels the user has installed elsewhere.
    """
    with tempfile.TemporaryDirectory(prefix="pss-kernel-") as tmp:
        spec_dir = Path(tmp) / "kernels" / KERNEL_NAME
        spec_dir.mkdir(parents=True)
        spec = {"argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}",
                         "--IPKernelApp.log_level=ERROR"],  # hide the kernel's start-up chatter
                "display_name": f"pss-analysis (Python {sys.version.split()[0]})", "language": "python",
                "env": {"MPLBACKEND": "module://matplotlib_inline.backend_inline"}}
        (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
        old = os.environ.get("JUPYTER_PATH")
        os.environ["JUPYTER_PATH"] = tmp + (os.pathsep + old if old else "")
        try:
            yield KERNEL_NAME
        finally:
            if old is None:
                os.environ.pop("JUPYTER_PATH", None)
            else:
                os.environ["JUPYTER_PATH"] = old


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


def _execute(template: Path, output: Path, parameters: dict, kernel: str, progress: bool) -> None:
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    try:
        pm.execute_notebook(str(template), str(output), parameters=parameters, kernel_name=kernel,
                            cwd=str(template.parent), progress_bar=progress, log_output=False,
                            request_save_on_cell_execute=False, execution_timeout=CELL_TIMEOUT_S)
    except PapermillExecutionError as exc:
        cell = _failing_cell(output)
        where = f"cell {cell}" if cell else "a cell"
        raise ExecutionError(
            f"notebook {template.name} failed in {where} (In [{exc.exec_count}] of the executed notebook): "
            f"{exc.ename}: {exc.evalue}. The executed notebook showing the error is kept as {output.name}",
            notebook=str(output), cell=cell, source=exc.source, file=str(template)) from None


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
) -> RunResult:
    """Run the whole pipeline for one parameter file and publish the report folder.

    ``to``, ``renderer`` and ``name`` override ``report.to``, ``report.renderer``
    and ``report.name`` (like ``--set``). Raises
    :class:`~pss_analysis.errors.ParameterError` before anything runs when the
    parameters are wrong, and another :class:`~pss_analysis.errors.PssError`
    (naming the stage) when a later stage fails.
    """
    started = time.perf_counter()
    params_file = Path(params_file)
    command = list(command) if command is not None else [sys.executable, "-m", "pss_analysis", "run",
                                                        str(params_file)]
    progress = sys.stderr.isatty() if progress is None else progress
    stages: list[dict] = []
    current = [""]  # the stage under way, named in errors

    def begin(label: str, message: str) -> float:
        current[0] = label
        say(message)
        return time.perf_counter()

    def stage(label: str, t0: float) -> None:
        seconds = time.perf_counter() - t0
        stages.append({"stage": label, "seconds": round(seconds, 3)})
        say(f"  done: {label} ({seconds:.1f} s)")

    # 1. validate -------------------------------------------------------
    t0 = begin("validate parameters", f"[1/5] Checking parameters in {params_file}")
    extra = list(overrides or [])
    if to:
        extra.append(f"report.to={','.join(to)}")
    if renderer:
        extra.append(f"report.renderer={renderer}")
    if name:
        extra.append(f"report.name={name}")
    params: Params = load_params(params_file, extra)
    renderer_name = choose_renderer(params.report.renderer)
    templates = [find_notebook(nb, params_file) for nb in params.report.notebooks]
    stage("validate parameters", t0)

    folder = RunFolder(Path(reports_root).resolve(), params.report.name, new_run_id())
    try:
        # 2. prepare ------------------------------------------------------
        t0 = begin("prepare", f"[2/5] Preparing run {folder.run_id} and checking the data")
        run_dir = folder.create()
        if params.data.scorecard is not None or params.data.measures is not None:
            load_inputs(params)  # every input checked before any notebook runs
        resolved = run_dir / "params.yaml"
        resolved.write_text(yaml.safe_dump(params_to_dict(params), sort_keys=False, allow_unicode=True),
                            encoding="utf-8")
        manifest = provisional_manifest(params, params_file=params_file.resolve(), run_id=folder.run_id,
                                        command=command, notebooks=templates)
        manifest["parameters_sha256"] = sha256_file(resolved)
        manifest["renderer"] = renderer_name
        write_manifest(run_dir / "manifest.json", manifest)
        stage("prepare", t0)

        # 3. execute ------------------------------------------------------
        executed: list[Path] = []
        with _kernel_of_this_python() as kernel:
            for template in templates:
                t0 = begin(f"execute {template.name}", f"[3/5] Executing {template.name}")
                output = run_dir / template.name
                _execute(template, output, {"params_file": str(resolved), "output_dir": str(run_dir)},
                         kernel, progress)
                executed.append(output)
                stage(f"execute {template.name}", t0)

        # 4. render -------------------------------------------------------
        reports: list[Path] = []
        footer = (f"pss-analysis {__version__} · run {folder.run_id} · "
                  f"parameters sha256 {manifest['parameters_sha256'][:12]}")
        for notebook in executed:
            for fmt in params.report.to:
                t0 = begin(f"render {notebook.name} to {fmt}",
                           f"[4/5] Rendering {notebook.name} to {fmt} ({renderer_name})")
                info = render(notebook, renderer=renderer_name, fmt=fmt, out_dir=run_dir,
                              stem=notebook.stem, title=params.title, footer=footer)
                reports.append(info.output)
                stage(f"render {notebook.name} to {fmt}", t0)

        # 5. publish ------------------------------------------------------
        begin("publish", "[5/5] Publishing")
        manifest["stages"] = stages
        manifest["finished_utc"] = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
        manifest["duration_seconds"] = round(time.perf_counter() - started, 3)
        manifest["outputs"] = sorted(str(p.relative_to(run_dir)) for p in run_dir.rglob("*") if p.is_file())
        write_manifest(run_dir / "manifest.json", manifest)
        published = folder.publish()
    except PssError as exc:
        exc.stage = current[0]  # type: ignore[attr-defined]
        exc.kept = folder.fail()  # type: ignore[attr-defined]
        raise
    except BaseException:
        folder.fail()
        raise
    return RunResult(run_dir=published, report_files=[published / p.name for p in reports],
                     manifest=manifest, stages=stages)
