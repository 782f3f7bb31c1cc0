"""Seeded synthetic demo data for pss-analysis.

The data describe a fictional city, **Northbrook**, whose health and social
care partners run an integrated-care programme for older people called
**Home First** from April 2018. Everything here is SYNTHETIC: the city, the
programme and every number are invented, and are generated from a fixed seed
so that the files are identical on every run and platform.

Run::

    python -m pss_analysis.demo [--out data/demo] [--seed 20180401]

It writes five files into ``--out``:

``measures.csv``
    The measure catalogue: one row per measure, with its PSS perspective,
    kind (``rate``, ``proportion``, ``count``, ``mean``, ``amount``),
    multiplier, improvement direction, optional target and unit cost.
``indicators.csv``
    Long format, one row per measure and month: ``measure_id, period,
    numerator, denominator``; 60 months from 2015-04 to 2020-03.
``true_effects.csv``
    The effects the generator built in (step and slope change from
    2018-04, seasonal amplitude), so that an evaluation can be checked
    against the truth.
``scorecard.yaml``
    The Home First scorecard (see :mod:`pss_analysis.inputs.scorecard`): objectives in the
    seven PSS perspectives arranged like the Right First Time strategy map, the 18
    measures on them (same ids and catalogue fields as ``measures.csv``, built from
    the same definitions), driver -> outcome links with expected signs, risks and
    the change log. Not random: it does not depend on the seed.
``README.md``
    Says what the files are, and that they are synthetic.

and the same city by locality into ``--localities-out`` (default: ``demo_localities`` beside
``--out``): six localities whose effects differ, one where the programme did nothing, for
``pss batch params/demo_localities.yaml --by locality`` (:mod:`~pss_analysis.demo.localities`).

The model for each measure's expected value in month ``t`` (1 = 2015-04) is
multiplicative::

    E[t] = base * (1 + trend)^(t - 1) * exp(A * cos(2*pi*(m - 0.5)/12))
           * [t >= 37] * (1 + level) * (1 + slope)^(t - 37)

with ``m`` the calendar month (1 = January; the seasonal peak falls between
December and January), ``level`` and ``slope`` the relative step and
per-month slope change recorded in ``true_effects.csv`` (zero before the
programme). Counts are drawn from Poisson, bed-nights and delayed-discharge
bed-days from negative binomials (over-dispersed), proportions from binomials,
and means and amounts from Gaussians with modest noise.

Only ``numpy.random.default_rng(seed)`` is used, and every random draw is
taken from that one generator in a fixed order. Expected values are rounded
to 6 decimals before they are drawn from, and written values to fixed
decimals, so the bytes do not depend on last-bit differences in ``exp``.
The package is split by job: :mod:`~pss_analysis.demo.settings` (period, programme
start, seed, file names), :mod:`~pss_analysis.demo.catalogue` (the measures),
:mod:`~pss_analysis.demo.strategy_map` (the scorecard), :mod:`~pss_analysis.demo.generator`
(the seeded series and tables), :mod:`~pss_analysis.demo.readme` and
:mod:`~pss_analysis.demo.files` (writing), and :mod:`~pss_analysis.demo.records` (the
record-level extract behind some measures).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from pss_analysis.demo.files import generate
from pss_analysis.demo.generator import build
from pss_analysis.demo.localities import LOCALITIES, build_localities, generate_localities
from pss_analysis.demo.settings import (
    CITY,
    DEFAULT_SEED,
    FIRST_PERIOD,
    INDICATOR_COLUMNS,
    KINDS,
    MEASURE_COLUMNS,
    N_PERIODS,
    PERSPECTIVES,
    PROGRAMME,
    PROGRAMME_START,
    START_INDEX,
    TRUE_EFFECT_COLUMNS,
)
from pss_analysis.demo.strategy_map import scorecard_definition

__all__ = [
    "PROGRAMME_START",
    "FIRST_PERIOD",
    "N_PERIODS",
    "DEFAULT_SEED",
    "START_INDEX",
    "PERSPECTIVES",
    "KINDS",
    "MEASURE_COLUMNS",
    "INDICATOR_COLUMNS",
    "TRUE_EFFECT_COLUMNS",
    "build",
    "scorecard_definition",
    "generate",
    "generate_localities",
    "build_localities",
    "LOCALITIES",
    "main",
]


def main(argv: list[str] | None = None) -> int:
    """Write the demo data set (``python -m pss_analysis.demo``); returns the exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m pss_analysis.demo",
        description=f"Write the SYNTHETIC {CITY} '{PROGRAMME}' demo data set.",
    )
    parser.add_argument("--out", type=Path, default=Path("data/demo"), help="output directory (default: data/demo)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default: {DEFAULT_SEED})")
    parser.add_argument(
        "--localities-out",
        type=Path,
        default=None,
        help="output directory of the data by locality (default: demo_localities beside --out)",
    )
    args = parser.parse_args(argv)
    for path in generate(args.out, args.seed):
        print(path)
    for path in generate_localities(args.localities_out or args.out.parent / "demo_localities", args.seed):
        print(path)
    return 0
