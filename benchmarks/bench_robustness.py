"""Cost of the robustness checks (placebo in time, other models, leave one out), measured in one invocation.

Prepares the demo study (every measure's ITS and SPC; ``evaluation.prepare_study``) with the
robustness checks switched off, with the default checks (placebos, four other models, leave one
out) and with every check (all other models), and prints each time and its ratio to "off".
``--demo`` also times the whole ``pss run params/demo.yaml`` (built-in renderer) off and with the
defaults. The best of ``--repeat`` runs is used for each, interleaved, so that a noisy neighbour on
the machine does not decide the figure.

Every check is one ``fit_its`` per pretend start, model or left-out change: the loops in
``methods/its/robustness.py`` (``_placebos``, ``_specifications``) are where a batched fit of
many series would replace them.

    python benchmarks/bench_robustness.py [--repeat 3] [--demo]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pss_analysis.config.loading import load_params  # noqa: E402
from pss_analysis.evaluation.study import prepare_study  # noqa: E402
from pss_analysis.run.pipeline import run  # noqa: E402

DEMO = ROOT / "params" / "demo.yaml"
SETTINGS = {
    "off": ["analysis.its.robustness.enabled=false"],
    "default": [],
    "every model": ["analysis.its.robustness.max_specifications=100"],
}


def study_time(overrides: list[str]) -> tuple[float, int]:
    """Seconds to prepare the demo study, and the robustness fits made."""
    params = load_params(DEMO, overrides)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study = prepare_study(params)
    elapsed = time.perf_counter() - t0
    fits = 0
    for ev in study.evaluations.values():
        rob = ev.robustness
        if rob is not None:
            fits += len(rob.placebo) + int((~rob.specifications["headline"]).sum()) + len(rob.leave_one_out)
    return elapsed, fits


def demo_time(work: Path, overrides: list[str]) -> float:
    t0 = time.perf_counter()
    run(DEMO, overrides=overrides, reports_root=work / "reports", renderer="builtin", say=lambda m: None)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--demo", action="store_true", help="also time the whole demo run, off and default")
    args = parser.parse_args()
    best: dict[str, float] = {}
    fits: dict[str, int] = {}
    for _ in range(args.repeat):  # interleaved, so every setting sees the same machine load
        for label, overrides in SETTINGS.items():
            elapsed, fits[label] = study_time(overrides)
            best[label] = min(best.get(label, elapsed), elapsed)
    base = best["off"]
    for label in SETTINGS:
        print(
            f"study, robustness {label}: {best[label]:.2f} s, {fits[label]} extra fits, ratio {best[label] / base:.2f}"
        )
    if args.demo:
        runs: dict[str, list[float]] = {"off": [], "default": []}
        with tempfile.TemporaryDirectory() as tmp:
            for _ in range(args.repeat):
                for label in runs:
                    runs[label].append(demo_time(Path(tmp), SETTINGS[label]))
        off, default = min(runs["off"]), min(runs["default"])
        print(f"demo run: robustness off {off:.2f} s, default {default:.2f} s, ratio {default / off:.2f}")


if __name__ == "__main__":
    main()
