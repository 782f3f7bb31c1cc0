"""Runs that start themselves: ``pss watch PARAMS.yaml --every 10m``.

Every interval the watcher reads the parameter file and takes the fingerprint of what a run would be
made from (:func:`pss_analysis.run.rerun.fingerprint`: the resolved parameters, the sha256 of every
input file or of the rows a database query returns, the template notebooks and the version). When the
fingerprint differs from the last one it saw, it runs the report (``pss run --if-changed``: nothing
runs when it equals that of ``latest``). A run that fails is logged and not retried until the inputs
change again; watching goes on. Ctrl-C (or SIGTERM, as ``systemctl stop`` sends) stops it cleanly:
a run under way is stopped and kept under ``failed/`` as ``pss run`` does.
"""

from __future__ import annotations

import datetime as _dt
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pss_analysis.config.loading import load_params
from pss_analysis.errors import ParameterError, PssError
from pss_analysis.run.pipeline import _option_overrides, find_notebook, run
from pss_analysis.run.rerun import fingerprint

__all__ = ["watch", "parse_interval", "WatchOptions"]

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_INTERVAL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")


def parse_interval(text: str) -> float:
    """Seconds in ``10m``, ``30s``, ``2h``, ``1d`` or ``45`` (seconds); a ParameterError otherwise."""
    match = _INTERVAL.match(str(text))
    if not match or float(match.group(1)) <= 0:
        raise ParameterError(
            "invalid interval", key="--every", expected="a time such as 30s, 10m, 2h or 1d", found=text
        )
    return float(match.group(1)) * _UNITS[match.group(2) or "s"]


@dataclass(frozen=True)
class WatchOptions:
    """How long and how often to watch, and the options of each run (as ``pss run`` takes them)."""

    every: float = 600.0
    max_runs: int | None = None  # stop after this many runs (successful or failed)
    timeout: float | None = None  # stop after this many seconds
    run_options: tuple[tuple[str, Any], ...] = ()


def _log(message: str) -> None:
    stamp = _dt.datetime.now().astimezone().isoformat(sep=" ", timespec="seconds")
    print(f"{stamp} {message}", flush=True)


def _quiet(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _fingerprint(params_file: Path, options: dict[str, Any]) -> dict[str, Any]:
    """What a run would be made from now (reads the parameter file, every input and the database rows)."""
    params = load_params(
        params_file,
        _option_overrides(options.get("overrides"), options.get("to"), options.get("renderer"), options.get("name")),
    )
    templates = [find_notebook(nb, params_file) for nb in params.report.notebooks]
    return fingerprint(params, params_file, templates)


def _attempt(params_file: Path, options: dict[str, Any], log: Callable[[str], None]) -> bool:
    """One run, its outcome logged (a failure too: the watcher goes on); False when nothing ran because
    nothing changed since ``latest``."""
    try:
        result = run(params_file, if_changed=True, **options)
    except PssError as exc:
        kept = getattr(exc, "kept", None)
        where = f" (the partial run is kept in {kept})" if kept and Path(kept).exists() else ""
        log(f"run failed: {exc}{where}; watching goes on")
        return True
    if result.unchanged_since:
        log(f"unchanged since {result.unchanged_since}")
        return False
    log(f"report ready: {result.run_dir}")
    return True


def watch(
    params_file: str | Path,
    options: WatchOptions = WatchOptions(),
    *,
    log: Callable[[str], None] = _log,
    say: Callable[[str], None] = _quiet,
) -> int:
    """Watch the inputs of ``params_file`` and run the report when they change; the number of runs (made or
    failed; an input that cannot be read counts as a failed run).

    Returns when ``options.max_runs`` runs were made or ``options.timeout`` seconds have passed;
    Ctrl-C raises KeyboardInterrupt (the command line stops cleanly on it).
    """
    params_file = Path(params_file)
    run_options = {"say": say, **dict(options.run_options)}
    started, runs, seen = time.monotonic(), 0, None
    log(f"watching {params_file} every {options.every:g} s (Ctrl-C stops)")
    while True:
        try:
            now = _fingerprint(params_file, run_options)
        except PssError as exc:  # wrong parameters or an unreadable input: said once, until it changes
            now = {"error": str(exc)}
            if now != seen:
                log(f"cannot check the inputs: {exc}; watching goes on")
                runs += 1
        if now != seen and "error" not in now:
            log("inputs changed: running the report" if seen is not None else "checking against the last report")
            runs += _attempt(params_file, run_options, log)
        seen = now
        if options.max_runs is not None and runs >= options.max_runs:
            log(f"stopped after {runs} run{'s' if runs != 1 else ''}")
            return runs
        if options.timeout is not None and time.monotonic() - started + options.every > options.timeout:
            log(f"stopped: {options.timeout:g} s have passed")
            return runs
        time.sleep(options.every)
