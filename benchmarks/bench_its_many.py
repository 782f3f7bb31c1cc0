"""Benchmark: ``fit_its_many`` on 10,000 monthly series x 60 points, against R's ``glm``.

Each series has 60 monthly points (programme from month 31), a population offset, Fourier
seasonality (two harmonic pairs, period 12) and a slope change, fitted as quasi-Poisson, with the
impact at 12 and 24 months after the interruption (fitted, counterfactual, their difference and
ratio with intervals, and the cumulative row). Timed: from the long table to the tidy effects
and impact tables (data generation excluded).

R does the same fits in one ``Rscript`` run, timed inside R (start-up and reading the CSV not
counted): per series ``glm(y ~ t + x + xt + s1 + c1 + s2 + c2 + offset(log(pop)),
family = quasipoisson)`` and ``predict(fit, newdata, type = "link", se.fit = TRUE)`` for the
factual and counterfactual rows at 12 and 24 months. R runs on the first ``--r-series`` series
(default: all) and its time is scaled to the full count. Without ``Rscript`` the R half is
skipped with a message.

Run: ``python benchmarks/bench_its_many.py [--series N] [--r-series M] [--seed S]``. Prints e.g.
``its_many: 10000 series in 2.1 s (0.42 of the 5 s target); R glm + predict 95 s: 0.022 x R (target <= 0.05)``.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from pss_analysis.methods.its import fit_its_many

TARGET_SECONDS = 5.0
"""At most 5 s for 10,000 series (issue 14, item 4)."""

TARGET_RATIO = 0.05
"""At most 0.05 x the time of R's glm + predict(se.fit = TRUE) for the same fits (issue 14, item 4)."""

N_SERIES = 10_000
N_POINTS = 60
INTERRUPTION_INDEX = 30  # 0-based: the programme starts at the 31st month
NB_SIZE = 50.0  # negative-binomial size of the simulated counts (mild overdispersion)
SEED = 20240601

R_SCRIPT = """
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1]); n_series <- as.integer(args[2])
d$s1 <- sin(2*pi*d$m/12); d$c1 <- cos(2*pi*d$m/12); d$s2 <- sin(4*pi*d$m/12); d$c2 <- cos(4*pi*d$m/12)
d$x <- as.numeric(d$t >= 31); d$xt <- d$x * (d$t - 30)
ids <- unique(d$series)[seq_len(n_series)]
parts <- split(d[d$series %in% ids, ], d$series[d$series %in% ids])
elapsed <- system.time(for (s in parts) {
  fit <- glm(y ~ t + x + xt + s1 + c1 + s2 + c2 + offset(log(pop)), family = quasipoisson, data = s)
  at <- s[s$t %in% c(30 + 12, 30 + 24), ]
  cf <- at; cf$x <- 0; cf$xt <- 0
  pf <- predict(fit, newdata = at, type = "link", se.fit = TRUE)
  pc <- predict(fit, newdata = cf, type = "link", se.fit = TRUE)
})[["elapsed"]]
cat(elapsed, "\\n")
"""


def make_table(n_series: int, seed: int) -> pd.DataFrame:
    """The long table: one row per series and month (as the other ITS benchmark simulates them)."""
    rng = np.random.default_rng(seed)
    t = np.arange(1, N_POINTS + 1)[None, :]
    x = (t > INTERRUPTION_INDEX).astype(float)
    population = 1e5 * rng.uniform(0.5, 2.0, (n_series, 1)) * (1 + 0.002 * t)
    log_rate = (
        np.log(rng.uniform(1e-3, 5e-3, (n_series, 1)))
        + rng.normal(0.003, 0.002, (n_series, 1)) * t
        + rng.normal(-0.1, 0.05, (n_series, 1)) * x
        + rng.normal(-0.002, 0.002, (n_series, 1)) * x * (t - INTERRUPTION_INDEX)
        + 0.1 * np.sin(2 * np.pi * t / 12)
        + 0.05 * np.cos(4 * np.pi * t / 12)
    )
    mu = population * np.exp(log_rate)
    counts = rng.negative_binomial(NB_SIZE, NB_SIZE / (NB_SIZE + mu))
    months = pd.period_range("2015-01", periods=N_POINTS, freq="M")
    return pd.DataFrame(
        {
            "series": np.repeat(np.arange(n_series), N_POINTS),
            "month": np.tile(months, n_series),
            "t": np.tile(np.arange(1, N_POINTS + 1), n_series),
            "events": counts.ravel().astype(float),
            "population": population.ravel(),
        }
    )


def run_python(table: pd.DataFrame) -> float:
    """Seconds for fit_its_many and its effects and impact tables."""
    start = time.perf_counter()
    result = fit_its_many(
        table,
        by="series",
        time="month",
        outcome="events",
        start=table["month"].iloc[INTERRUPTION_INDEX],
        family="quasipoisson",
        offset="population",
        seasonality="fourier",
        fourier_pairs=2,
        horizons=(12, 24),
    )
    result.effects()
    result.impact()
    return time.perf_counter() - start


def run_r(table: pd.DataFrame, n_series: int) -> float | None:
    """Seconds R takes for ``n_series`` of the fits (timed inside R); None without Rscript."""
    if shutil.which("Rscript") is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "series.csv"
        frame = table[["series", "t", "events", "population"]].rename(columns={"events": "y", "population": "pop"})
        frame.assign(m=table["month"].dt.month).to_csv(path, index=False)
        out = subprocess.run(
            ["Rscript", "-e", R_SCRIPT, str(path), str(n_series)], capture_output=True, text=True, check=True
        )
    return float(out.stdout.split()[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=N_SERIES)
    parser.add_argument("--r-series", type=int, default=None, help="series R fits (its time is scaled up)")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    table = make_table(args.series, args.seed)
    elapsed = run_python(table)
    target = TARGET_SECONDS * args.series / N_SERIES
    line = f"its_many: {args.series} series in {elapsed:.1f} s ({elapsed / target:.2f} of the {target:g} s target)"
    r_series = min(args.r_series or args.series, args.series)
    r_time = run_r(table, r_series)
    if r_time is None:
        print(f"{line}; Rscript not found, R half skipped")
        return
    r_full = r_time * args.series / r_series
    scaled = "" if r_series == args.series else f" (from {r_series} series)"
    print(f"{line}; R glm + predict {r_full:.1f} s{scaled}: {elapsed / r_full:.3f} x R (target <= {TARGET_RATIO:g})")


if __name__ == "__main__":
    main()
