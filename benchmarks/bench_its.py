"""Benchmark: fit 1,000 synthetic monthly interrupted time series with ``fit_its``.

Each series has 60 monthly points (programme from month 31), a population offset, Fourier
seasonality (k = 2, period 12), a slope change, and is fitted as quasi-Poisson; the impact at 12
and 24 months after the interruption, with intervals and the cumulative row, is computed for
each. Only fitting and impact are timed (not data generation).

Run: ``python benchmarks/bench_its.py [--series N] [--seed S]``. Prints e.g.
``its: 1000 series in 6.3 s (0.63 of the 10 s target)``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from pss_analysis.methods.its import fit_its

TARGET_SECONDS = 10.0
"""Performance target for 1,000 series (the module's brief)."""

N_SERIES = 1000
N_POINTS = 60
INTERRUPTION_INDEX = 30  # 0-based: the programme starts at the 31st month
NB_SIZE = 50.0  # negative-binomial size of the simulated counts (mild overdispersion)


def make_series(rng: np.random.Generator) -> pd.DataFrame:
    """One synthetic monthly series of event counts with a population offset."""
    t = np.arange(1, N_POINTS + 1)
    x = (t > INTERRUPTION_INDEX).astype(float)
    population = 1e5 * rng.uniform(0.5, 2.0) * (1 + 0.002 * t)
    log_rate = (
        np.log(rng.uniform(1e-3, 5e-3))
        + rng.normal(0.003, 0.002) * t
        + rng.normal(-0.1, 0.05) * x
        + rng.normal(-0.002, 0.002) * x * (t - INTERRUPTION_INDEX)
        + 0.1 * np.sin(2 * np.pi * t / 12)
        + 0.05 * np.cos(4 * np.pi * t / 12)
    )
    mu = population * np.exp(log_rate)
    counts = rng.negative_binomial(NB_SIZE, NB_SIZE / (NB_SIZE + mu))
    return pd.DataFrame(
        {
            "month": pd.period_range("2015-01", periods=N_POINTS, freq="M"),
            "events": counts,
            "population": population,
        }
    )


def run(n_series: int = N_SERIES, seed: int = 20240601) -> float:
    """Fit ``n_series`` series; return the elapsed seconds."""
    rng = np.random.default_rng(seed)
    data = [make_series(rng) for _ in range(n_series)]
    interruption = data[0]["month"].iloc[INTERRUPTION_INDEX]
    start = time.perf_counter()
    for frame in data:
        result = fit_its(
            frame,
            "events",
            "month",
            interruption,
            family="quasipoisson",
            offset="population",
            seasonality={"type": "fourier", "k": 2, "period": 12},
            slope_change=True,
        )
        result.impact(at=(12, 24))
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=N_SERIES)
    parser.add_argument("--seed", type=int, default=20240601)
    args = parser.parse_args()
    elapsed = run(args.series, args.seed)
    target = TARGET_SECONDS * args.series / N_SERIES
    print(f"its: {args.series} series in {elapsed:.1f} s ({elapsed / target:.2f} of the {target:g} s target)")


if __name__ == "__main__":
    main()
