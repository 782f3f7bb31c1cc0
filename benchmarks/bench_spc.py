"""Benchmark: 10,000 series x 60 points, XmR chart, MDC rules, recalculation at point 37.

Only the evaluation is timed (not data generation). Run:
``python benchmarks/bench_spc.py [--series N] [--points N] [--seed S]``. Prints e.g.
``spc: 10000 series x 60 points in 0.6 s (0.30 of the 2 s target)``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from pss_analysis.methods.spc import evaluate_spc_many

N_SERIES = 10_000  # series in the benchmark
N_POINTS = 60  # points per series
RECALCULATE_AT = 37  # first point of the second phase (x = 1, 2, ...)
TARGET_SECONDS = 2.0  # performance target
SEED = 20240601  # fixed seed so runs are comparable


def make_data(n_series: int = N_SERIES, n_points: int = N_POINTS, seed: int = SEED) -> pd.DataFrame:
    """Random series with level shifts, one row per (series, x)."""
    rng = np.random.default_rng(seed)
    level = rng.normal(100, 10, size=(n_series, 1))
    shift = np.where(np.arange(n_points) >= RECALCULATE_AT - 1, rng.normal(0, 5, size=(n_series, 1)), 0)
    values = level + shift + rng.normal(0, 3, size=(n_series, n_points))
    return pd.DataFrame(
        {
            "series": np.repeat(np.arange(n_series), n_points),
            "x": np.tile(np.arange(1, n_points + 1), n_series),
            "value": values.ravel(),
        }
    )


def run(n_series: int = N_SERIES, n_points: int = N_POINTS, seed: int = SEED) -> float:
    """Time one evaluation of the benchmark data; return seconds."""
    data = make_data(n_series, n_points, seed)
    start = time.perf_counter()
    result = evaluate_spc_many(
        data, "value", by="series", x="x", chart="xmr", rules="mdc", recalculate_at=RECALCULATE_AT
    )
    elapsed = time.perf_counter() - start
    assert len(result.points) == n_series * n_points
    assert len(result.summary()) == (2 if n_points >= RECALCULATE_AT else 1) * n_series
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=N_SERIES)
    parser.add_argument("--points", type=int, default=N_POINTS)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    elapsed = run(args.series, args.points, args.seed)
    print(
        f"spc: {args.series} series x {args.points} points in {elapsed:.2f} s "
        f"({elapsed / TARGET_SECONDS:.2f} of the {TARGET_SECONDS:g} s target)"
    )


if __name__ == "__main__":
    main()
