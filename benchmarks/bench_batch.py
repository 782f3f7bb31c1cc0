"""``pss batch`` speed, measured in one invocation.

(a) **Units side by side**: 12 units of the demo report (the demo by locality split into 11
    localities, plus the whole system), each a full ``pss run`` (papermill, the report notebook,
    HTML) and its evaluation for the summary: one after another in this process, then on a
    ``LocalCluster`` of 2 workers. Target: the cluster >= 1.7x faster on 2 cores. Prints both
    times and the ratio (the units' phase; the batch's total, with the cluster's start and the
    summary report, is printed too), and this machine's own ceiling: the same ratio for two
    processes that only compute (no files, no kernels), measured in the same run.
(b) **Summary only, many units**: 1,000 units x 18 measures (an ITS and an SPC chart each) with
    ``--summary-only`` on 2 workers, the batch starting its own ``LocalCluster`` as ``pss batch``
    does. Target: <= 60 s, the cluster's start included. Prints the time, each stage's and each
    worker's peak memory (from the batch's manifest).

    python benchmarks/bench_batch.py [--units 12] [--many 1000] [--skip-a] [--skip-b]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pss_analysis.run.batch import batch  # noqa: E402
from pss_analysis.run.unit_task import UnitTask, run_unit  # noqa: E402
from pss_analysis.run.units import plan_units  # noqa: E402

TARGET_RATIO = 1.7
TARGET_MANY_S = 60.0
DEMO = ROOT / "data" / "demo"
LOCALITIES = ROOT / "data" / "demo_localities"
_MEASURES = pd.read_csv(DEMO / "measures.csv")
PROPORTIONS = set(_MEASURES.loc[_MEASURES["kind"] == "proportion", "measure_id"])


def _split(
    table: pd.DataFrame, units: int, rng: np.random.Generator, prefix: str, shares: np.ndarray | None = None
) -> pd.DataFrame:
    """``units`` units from a table with one series per measure: counts thinned binomially by each unit's
    share of the sizes (equal shares unless given)."""
    shares = np.full(units, 1 / units) if shares is None else shares
    parts = []
    for k, share in enumerate(shares):
        part = table.copy()
        part["locality"] = f"{prefix} {k + 1:04d}"
        den = part["denominator"]
        part["denominator"] = (den * share).round().astype("Int64")
        counts = part["numerator"].round().astype(np.int64).clip(lower=0)
        whole = part["numerator"].to_numpy() == part["numerator"].round().to_numpy()
        thinned = rng.binomial(counts.to_numpy(), share).astype(float)
        part["numerator"] = np.where(whole, thinned, (part["numerator"] * share).round(2))
        # a proportion's successes never above its trials (a mean's or rate's numerator may well be)
        too_many = part["measure_id"].isin(PROPORTIONS) & (part["numerator"] > part["denominator"].astype(float))
        part.loc[too_many, "numerator"] = part.loc[too_many, "denominator"].astype(float)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def _params(folder: Path, indicators: pd.DataFrame) -> Path:
    indicators.to_csv(folder / "indicators.csv", index=False)
    params = folder / "params.yaml"
    params.write_text(
        "title: Benchmark batch\nprogramme: {name: Home First, start: 2018-04}\n"
        f"data: {{measures: {DEMO / 'measures.csv'}, indicators: indicators.csv}}\n"
        "report: {name: bench, renderer: builtin, to: [html]}\nbatch: {by: locality}\n",
        encoding="utf-8",
    )
    return params


def _spin(n: int) -> float:
    t0, x = time.perf_counter(), 0
    for i in range(n):
        x += i * i
    return time.perf_counter() - t0


def machine_ceiling(n: int = 40_000_000) -> float:
    """Two pure-Python computations one after another / side by side in two processes."""
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(2) as pool:
        list(pool.map(_spin, [1000, 1000]))  # both processes started
        t0 = time.perf_counter()
        for _ in range(2):
            list(pool.map(_spin, [n]))
        sequential = time.perf_counter() - t0
        t0 = time.perf_counter()
        list(pool.map(_spin, [n, n]))
        return sequential / (time.perf_counter() - t0)


def bench_units(work: Path, n_units: int) -> None:
    """(a): the same units one after another, then on 2 workers."""
    table = pd.read_csv(LOCALITIES / "indicators.csv")
    places = sorted(table["locality"].unique())
    rng = np.random.default_rng(1)
    wanted = n_units - 1  # the batch adds the whole system
    pieces = []
    for k, place in enumerate(places[:wanted]):  # split localities in two until there are enough
        rows = table[table["locality"] == place].drop(columns="locality")
        split = k < wanted - len(places)
        pieces.append(_split(rows, 2, rng, place) if split else rows.assign(locality=place))
    indicators = pd.concat(pieces, ignore_index=True)
    params = _params(work, indicators)
    from pss_analysis.config.loading import load_params

    base = load_params(params)
    staging = work / "sequential"
    units = plan_units(base, by="locality", grid={}, folder=staging)
    print(f"(a) {len(units)} units of the demo report")
    tasks = [UnitTask(u.name, u.slug, str(params), u.overrides, str(staging / "units")) for u in units]
    t0 = time.perf_counter()
    outcomes = [run_unit(task) for task in tasks]
    sequential = time.perf_counter() - t0
    assert all(o.status == "ok" for o in outcomes), [o.message for o in outcomes if o.status != "ok"]
    print(f"    one after another: {sequential:.1f} s")
    t0 = time.perf_counter()
    result = batch(params, reports_root=work / "reports", workers=2, say=lambda m: None)
    total = time.perf_counter() - t0
    assert not result.failed
    stages = {s["stage"]: s["seconds"] for s in result.manifest["stages"]}
    units_phase = stages["run units"]
    print(f"    LocalCluster, 2 workers: {units_phase:.1f} s to run the units ({total:.1f} s for the whole batch:")
    print("      " + ", ".join(f"{k} {v:.1f} s" for k, v in stages.items()) + ")")
    print(f"    ratio, the units: {sequential / units_phase:.2f}x (target >= {TARGET_RATIO})")
    print(f"    ratio, the whole batch against the units one after another: {sequential / total:.2f}x")
    print(f"    this machine's ceiling (two processes that only compute): {machine_ceiling():.2f}x")


def bench_many(work: Path, n_units: int) -> None:
    """(b): summary only, n_units x 18 measures on 2 workers, as ``pss batch --summary-only --workers 2``
    runs it (the batch starts its own cluster: its start is counted), with each worker's peak memory."""
    city = pd.read_csv(DEMO / "indicators.csv")
    rng = np.random.default_rng(2)
    indicators = _split(city, n_units, rng, "Practice", shares=rng.uniform(0.3, 1.0, n_units))
    params = _params(work, indicators)
    print(f"(b) summary only: {n_units} units x {city['measure_id'].nunique()} measures")
    t0 = time.perf_counter()
    result = batch(params, reports_root=work / "reports", workers=2, summary_only=True, say=lambda m: None)
    seconds = time.perf_counter() - t0
    done = f"{len(result.units)} units, {len(result.failed)} failed"
    print(f"    {seconds:.1f} s for {done}, the cluster's start included (target <= {TARGET_MANY_S:.0f} s)")
    print("      " + ", ".join(f"{s['stage']} {s['seconds']:.1f} s" for s in result.manifest["stages"]))
    for worker, peak in result.manifest["engine"]["peak_memory_mb"].items():
        print(f"    peak memory of worker {worker}: {peak:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=12)
    parser.add_argument("--many", type=int, default=1000)
    parser.add_argument("--skip-a", action="store_true")
    parser.add_argument("--skip-b", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if not args.skip_a:
            (Path(tmp) / "a").mkdir()
            bench_units(Path(tmp) / "a", args.units)
        if not args.skip_b:
            (Path(tmp) / "b").mkdir()
            bench_many(Path(tmp) / "b", args.many)


if __name__ == "__main__":
    main()
