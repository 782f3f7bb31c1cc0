"""The ``pss`` command line. It only parses arguments and calls the pipeline
(``pss run``) or the starter-project writer (``pss init``).

Exit codes: 0 success; 2 wrong parameters or input data (nothing ran or
nothing was published), or ``pss init`` into a folder that is not empty
(nothing written); 1 a stage failed while running (the partial run is
kept under ``reports/<name>/failed/``); 130 interrupted.
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
        "--profile", action="store_true", help="after the run, print the ten most expensive steps (from manifest.json)"
    )
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


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``pss`` console script; returns the exit code."""
    args = build_parser().parse_args(argv)
    if args.command == "init":
        return _init(args.folder)
    from pss_analysis.run.pipeline import run  # imported late so --help and --version stay fast

    command = ["pss", *(sys.argv[1:] if argv is None else argv)]
    try:
        result = run(
            args.params,
            overrides=args.overrides,
            to=args.to.split(",") if args.to else None,
            renderer=args.renderer,
            name=args.name,
            reports_root=args.reports_dir,
            command=command,
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
