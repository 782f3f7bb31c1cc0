"""The ``pss`` command line. It only parses arguments and calls the pipeline
(``pss run``, with ``--if-changed`` nothing when nothing changed), the batch (``pss batch``), the
starter-project writer (``pss init``), the comparison of two runs (``pss compare``) or the watcher
(``pss watch``).

Exit codes: 0 success; 2 wrong parameters or input data (nothing ran or
nothing was published), or ``pss init`` into a folder that is not empty
(nothing written); 1 a stage failed while running (the partial run is
kept under ``reports/<name>/failed/``), or for ``pss batch`` some units failed
(the batch is published with the failures in its summary); 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from pss_analysis import __version__
from pss_analysis.errors import DataValidationError, ParameterError, PssError

__all__ = ["main", "build_parser"]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``pss``."""
    parser = argparse.ArgumentParser(
        prog="pss",
        description="Public Sector Scorecard measurement and evaluation: run parameterised "
        "report notebooks and publish a reproducible evidence report.",
    )
    parser.add_argument("--version", action="version", version=f"pss-analysis {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = commands.add_parser(
        "run",
        help="run a report from a parameter file",
        description="Validate PARAMS.yaml, execute the report notebooks with "
        "papermill, render the report and publish it under "
        "reports/<name>/<run id>/ (reports/<name>/latest points to it).",
    )
    run.add_argument("params", metavar="PARAMS.yaml", help="the parameter file")
    run.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override one parameter, e.g. --set programme.start=2018-06 (repeatable)",
    )
    run.add_argument("--to", metavar="FORMATS", help="output formats, comma-separated (default: report.to, html)")
    run.add_argument(
        "--renderer",
        choices=("auto", "quarto", "builtin"),
        help="auto (default): Quarto when installed, else the built-in renderer",
    )
    run.add_argument(
        "--name", help="report name: runs go to reports/NAME/ (default: report.name or the parameter file's name)"
    )
    run.add_argument(
        "--reports-dir", default="reports", metavar="DIR", help="folder holding the report folders (default: reports)"
    )
    run.add_argument(
        "--if-changed",
        action="store_true",
        help="run only when the parameters, an input's sha256 or the pss-analysis version differ from those of "
        "reports/<name>/latest; else print 'unchanged since <run id>' and exit 0 (for schedules)",
    )
    run.add_argument(
        "--profile", action="store_true", help="after the run, print the ten most expensive steps (from manifest.json)"
    )
    _add_compare(commands)
    _add_watch(commands)
    _add_batch_parser(commands)
    init = commands.add_parser(
        "init",
        help="write a starter project to try and then adapt",
        description="Write a starter project into DIR: a commented parameter file "
        "(params.yaml), a measure catalogue and a monthly indicator table "
        "with example data (data/), the Excel scorecard template and a "
        "README. `pss run DIR/params.yaml` then makes a report at once. "
        "DIR is created; it must not exist already or must be empty.",
    )
    init.add_argument("folder", metavar="DIR", help="the new project's folder")
    return parser


def _add_compare(commands: argparse._SubParsersAction) -> None:
    compare = commands.add_parser(
        "compare",
        help="what changed between two runs",
        description="Compare two run folders (reports/<name>/<run id>, or a latest link): months added, past "
        "values revised, verdicts changed, estimates outside RUN_A's interval, measures added or removed, "
        "parameters changed. Prints a summary and writes every change as CSV.",
    )
    compare.add_argument("run_a", metavar="RUN_A", help="the earlier run folder")
    compare.add_argument("run_b", metavar="RUN_B", help="the later run folder")
    compare.add_argument("--csv", metavar="FILE", help="the CSV of every change (default: changes_<A>_<B>.csv here)")
    compare.add_argument("--html", metavar="FILE", help="also write the comparison as an HTML page")


def _add_watch(commands: argparse._SubParsersAction) -> None:
    watch = commands.add_parser(
        "watch",
        help="run a report whenever its inputs change",
        description="Check the inputs of PARAMS.yaml (files, or a database query's rows) every interval and "
        "run the report when they change (as pss run --if-changed). A failed run is logged and watching goes "
        "on; Ctrl-C stops it.",
    )
    watch.add_argument("params", metavar="PARAMS.yaml", help="the parameter file")
    watch.add_argument("--every", default="10m", metavar="TIME", help="how often to check: 30s, 10m, 2h (default 10m)")
    watch.add_argument("--max-runs", type=int, metavar="N", help="stop after N runs (made or failed)")
    watch.add_argument("--timeout", metavar="TIME", help="stop after this long (e.g. 8h)")
    watch.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE", help="as pss run")
    for option in ("--to", "--name"):
        watch.add_argument(option, help="as pss run")
    watch.add_argument("--renderer", choices=("auto", "quarto", "builtin"), help="as pss run")
    watch.add_argument("--reports-dir", default="reports", metavar="DIR", help="as pss run (default: reports)")


def _watch(args: argparse.Namespace) -> int:
    """``pss watch``: until --max-runs or --timeout, or Ctrl-C / SIGTERM (a clean stop, exit 0)."""
    import signal

    from pss_analysis.run.watch import WatchOptions, parse_interval, watch

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    try:
        options = WatchOptions(
            every=parse_interval(args.every),
            max_runs=args.max_runs,
            timeout=parse_interval(args.timeout) if args.timeout else None,
            run_options=(
                ("overrides", args.overrides),
                ("to", args.to.split(",") if args.to else None),
                ("renderer", args.renderer),
                ("name", args.name),
                ("reports_root", args.reports_dir),
                ("command", ["pss", "watch", args.params]),
            ),
        )
    except ParameterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    signal.signal(signal.SIGTERM, stop)
    try:
        watch(args.params, options)
    except KeyboardInterrupt:
        print("stopped watching", flush=True)
    return EXIT_OK


def _compare(run_a: str, run_b: str, csv: str | None, html: str | None) -> int:
    """``pss compare``: the summary printed, the CSV (and HTML) written; exit 2 when a folder is not a run."""
    from pss_analysis.reporting.changes import changes_html, compare_runs, read_run, summary_lines

    try:
        previous, current = read_run(run_a), read_run(run_b)
    except ParameterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    table = compare_runs(previous, current)
    print("\n".join(summary_lines(table, previous, current)))
    target = Path(csv or f"changes_{previous.run_id}_{current.run_id}.csv")
    table.to_csv(target, index=False, lineterminator="\n")
    print(f"Every change: {target}")
    if html:
        Path(html).write_text(changes_html(table, previous, current), encoding="utf-8")
        print(f"HTML: {html}")
    return EXIT_OK


def _add_batch_parser(commands: argparse._SubParsersAction) -> None:
    """``pss batch``: the options of ``pss run`` plus the units and the Dask engine."""
    batch = commands.add_parser(
        "batch",
        help="evaluate every locality, provider or parameter set, with a summary across them",
        description="Run one evaluation per unit on Dask (a local cluster by default) and publish "
        "reports/<name>/batch/<batch id>/: a run folder per unit and a summary report across units "
        "(reports/<name>/batch/latest points to it). Exit code 1 when some units failed.",
    )
    batch.add_argument("params", metavar="PARAMS.yaml", help="the parameter file")
    batch.add_argument("--by", metavar="COLUMN", help="one unit per value of this column of the indicator table")
    batch.add_argument(
        "--grid",
        action="append",
        default=[],
        metavar="KEY=V1,V2",
        help="one run per combination of values, e.g. --grid programme.start=2018-04,2018-06 (repeatable)",
    )
    batch.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE", help="as for pss run, every unit"
    )
    batch.add_argument("--to", metavar="FORMATS", help="output formats, comma-separated (default: report.to, html)")
    batch.add_argument("--renderer", choices=("auto", "quarto", "builtin"), help="as for pss run")
    batch.add_argument("--name", help="report name: batches go to reports/NAME/batch/")
    batch.add_argument("--reports-dir", default="reports", metavar="DIR", help="default: reports")
    batch.add_argument("--workers", type=int, metavar="N", help="local cluster workers (default: one per core)")
    batch.add_argument(
        "--scheduler", metavar="ADDRESS", help="submit to an existing Dask cluster (tcp://host:8786) instead"
    )
    batch.add_argument(
        "--resume", action="store_true", help="skip the units unchanged since their last good run (batch/latest)"
    )
    batch.add_argument(
        "--summary-only",
        action="store_true",
        help="no report per unit: evaluate every unit and write the summary report and tables only",
    )


def _batch(args: argparse.Namespace, command: list[str]) -> int:
    """``pss batch``: run the units; exit 1 (saying how many) when some failed."""
    from pss_analysis.run.batch import batch

    if args.workers is not None and args.workers < 1:
        print(f"error: --workers must be at least 1, found {args.workers}", file=sys.stderr)
        return EXIT_BAD_INPUT
    result = batch(
        args.params,
        by=args.by,
        grid=args.grid,
        overrides=args.overrides,
        to=args.to.split(",") if args.to else None,
        renderer=args.renderer,
        name=args.name,
        reports_root=args.reports_dir,
        workers=args.workers,
        scheduler=args.scheduler,
        resume=args.resume,
        summary_only=args.summary_only,
        command=command,
    )
    print(f"Summary ready: {result.report_files[0] if result.report_files else result.batch_dir}")
    print(f"Batch folder:  {result.batch_dir}")
    if result.failed:
        print(f"{len(result.failed)} of {len(result.units)} units failed:", file=sys.stderr)
        for unit in result.failed:
            print(f"  {unit.name}: {unit.message}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _init(folder: str) -> int:
    """``pss init``: write the starter project, or say why not (exit 2, nothing written)."""
    from pss_analysis.run.init import init_project

    try:
        written = init_project(folder)
    except ParameterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"Starter project written to {folder}:")
    for path in written:
        print(f"  {path}")
    print(f"Make its example report with:  pss run {Path(folder) / 'params.yaml'}")
    return EXIT_OK


UNUSED_IMPORTS = ("rfc3987_syntax",)
"""Modules ``pss`` keeps from loading. jsonschema (which nbformat and papermill import) loads
``rfc3987_syntax``, if installed, only to check the "iri" string format, which no notebook schema uses;
building its grammar took 1.3 s of every run."""


def skip_unused_imports() -> None:
    """Keep :data:`UNUSED_IMPORTS` from loading in this process (an import of them raises ImportError, which
    jsonschema expects of an optional module); a module already loaded stays."""
    for name in UNUSED_IMPORTS:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``pss`` console script; returns the exit code."""
    args = build_parser().parse_args(argv)
    skip_unused_imports()
    if args.command == "init":
        return _init(args.folder)
    if args.command == "compare":
        return _compare(args.run_a, args.run_b, args.csv, args.html)
    if args.command == "watch":
        return _watch(args)
    from pss_analysis.run.pipeline import run  # imported late so --help and --version stay fast

    command = ["pss", *(sys.argv[1:] if argv is None else argv)]
    try:
        if args.command == "batch":
            return _batch(args, command)
        result = run(
            args.params,
            overrides=args.overrides,
            to=args.to.split(",") if args.to else None,
            renderer=args.renderer,
            name=args.name,
            reports_root=args.reports_dir,
            command=command,
            if_changed=args.if_changed,
        )
    except (ParameterError, DataValidationError) as exc:
        stage = getattr(exc, "stage", "")
        prefix = f"error ({stage}): " if stage and stage != "validate parameters" else "error: "
        print(prefix + str(exc), file=sys.stderr)
        return EXIT_BAD_INPUT
    except PssError as exc:
        print(f"error in stage '{getattr(exc, 'stage', '?')}': {exc}", file=sys.stderr)
        kept = getattr(exc, "kept", None)
        if kept:
            print(f"The partial run is kept in {kept}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    if result.unchanged_since:
        print(f"unchanged since {result.unchanged_since}")
        return EXIT_OK
    print(f"Report ready: {result.report_files[0] if result.report_files else result.run_dir}")
    print(f"Run folder:   {result.run_dir}")
    if args.profile:
        _print_profile(result.manifest)
    return EXIT_OK


def _print_profile(manifest: dict[str, Any]) -> None:
    """``--profile``: the stages, then the most expensive steps of the run, slowest first."""
    from pss_analysis.run.profiling import PROFILE_STEPS, profile_lines

    timings = manifest.get("timings", [])
    stages = ", ".join(f"{r['step']} {r['seconds']:.1f} s" for r in timings if r.get("level") == "stage")
    print(f"Stages: {stages}")
    print(f"The {PROFILE_STEPS} most expensive steps (all timings are in manifest.json under 'timings'):")
    for line in profile_lines(timings):
        print(line)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
