"""The demo by locality: Home First in Northbrook's six localities, whose effects differ (SYNTHETIC).

For ``pss batch params/demo_localities.yaml --by locality``. Each locality has a share of the
city's older population and an **effect strength** ``g``: its programme effect is the city's
true effect (``true_effects.csv``: the step and slope change from 2018-04) raised to the power
``g`` on the ratio scale, so ``g = 1`` is the city's effect, ``g = 1.5`` a stronger one, and
``g = 0`` no effect at all (Northfield, where the programme did nothing).

For each measure and month the city's series is turned back into what it would have been
without the programme (divided by the city's effect), scaled to the locality's share, given the
locality's own effect, and drawn again: counts from Poisson, proportions from binomials (the
locality's trials being its share of the city's), means and amounts with 3% Gaussian noise. The
draws come from one seeded generator in a fixed order, so the files are the same on every run.

Files (:func:`generate_localities`): ``indicators.csv`` (``measure_id, period, locality,
numerator, denominator``), ``measures.csv`` (the city's catalogue), ``true_effects.csv`` (each
locality's strength and relative step and slope change by measure) and ``README.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pss_analysis.demo.catalogue import _CATALOGUE
from pss_analysis.demo.files import _fmt_number, _indicators_text, _measures_text, _write_csv
from pss_analysis.demo.generator import build
from pss_analysis.demo.settings import CITY, DEFAULT_SEED, PROGRAMME, START_INDEX

__all__ = ["LOCALITIES", "Locality", "build_localities", "generate_localities"]


@dataclass(frozen=True)
class Locality:
    """One locality: its name, share of the city's older population and effect strength."""

    name: str
    share: float
    strength: float


#: Northbrook's six localities (shares add up to 1; Northfield's programme did nothing).
LOCALITIES = (
    Locality("Central", 0.24, 1.0),
    Locality("Eastgate", 0.18, 1.6),
    Locality("Hillfoot", 0.14, 0.5),
    Locality("Riverside", 0.20, 1.2),
    Locality("Northfield", 0.12, 0.0),
    Locality("Westbrook", 0.12, 0.8),
)
_NOISE = 0.03  # relative noise of means and amounts


def _effect(level: float, slope: float, n: int) -> np.ndarray:
    """The city's effect by month as a ratio (1 before the start), as the generator builds it."""
    t = np.arange(1, n + 1)
    since = np.maximum(t - START_INDEX, 0)
    return np.where(t >= START_INDEX, (1 + level) * (1 + slope) ** since, 1.0)


def build_localities(seed: int = DEFAULT_SEED) -> dict[str, pd.DataFrame]:
    """The tables by locality (``indicators``, ``measures``, ``true_effects``), without writing them."""
    city = build(seed)
    rng = np.random.default_rng(seed + 1)
    kinds = {m.measure_id: m.kind for m in _CATALOGUE}
    effects = city["true_effects"].set_index("measure_id")
    parts, truths = [], []
    for measure_id, series in city["indicators"].groupby("measure_id", sort=False):
        level = float(effects.at[measure_id, "level_change_relative"])
        slope = float(effects.at[measure_id, "slope_change_relative_per_month"])
        ratio = _effect(level, slope, len(series))
        for place in LOCALITIES:
            parts.append(_draw(rng, series, kinds[measure_id], ratio, place))
            truths.append(
                {
                    "locality": place.name,
                    "measure_id": measure_id,
                    "effect_strength": place.strength,
                    "level_change_relative": round((1 + level) ** place.strength - 1, 6),
                    "slope_change_relative_per_month": round((1 + slope) ** place.strength - 1, 6),
                }
            )
    indicators = pd.concat(parts, ignore_index=True)[["measure_id", "period", "locality", "numerator", "denominator"]]
    return {"indicators": indicators, "measures": city["measures"], "true_effects": pd.DataFrame(truths)}


def _draw(
    rng: np.random.Generator, series: pd.DataFrame, kind: str, ratio: np.ndarray, place: Locality
) -> pd.DataFrame:
    """One locality's series of one measure: the city's without its effect, scaled, with the locality's effect."""
    own = ratio**place.strength / ratio
    numerator = series["numerator"].to_numpy(dtype=float)
    denominator = series["denominator"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    local_den = np.round(denominator * place.share)
    if kind == "proportion":
        p = np.clip(numerator / denominator * own, 0, 1)
        local_num = rng.binomial(local_den.astype(np.int64), p).astype(float)
    elif kind in ("rate", "count"):
        local_num = rng.poisson(np.round(numerator * place.share * own, 6)).astype(float)
    else:  # mean (a total over a count) and amount: the total scaled, with modest noise
        scale = local_den / denominator if kind == "mean" else place.share
        local_num = np.round(numerator * scale * own * (1 + _NOISE * rng.standard_normal(len(series))), 2)
    return pd.DataFrame(
        {
            "measure_id": series["measure_id"].to_numpy(),
            "period": series["period"].to_numpy(),
            "locality": place.name,
            "numerator": local_num,
            "denominator": pd.array(np.where(np.isnan(local_den), np.nan, local_den), dtype="Float64").astype("Int64"),
        }
    )


def _readme(seed: int) -> str:
    rows = "\n".join(
        f"| {p.name} | {p.share:.0%} | {p.strength:g} |"
        + (" the programme did nothing here |" if p.strength == 0 else " |")
        for p in LOCALITIES
    )
    return f"""# {CITY} by locality: {PROGRAMME} demo data (SYNTHETIC)

Everything here is invented. The city's demo series (`../demo/`, seed {seed}) split into six
localities whose programme effects differ, for `pss batch params/demo_localities.yaml --by locality`.

| locality | share of the older population | effect strength | |
|---|---|---|---|
{rows}

A locality's effect is the city's effect raised to its strength (on the ratio scale):
strength 1 is the city's effect, 0 none. `true_effects.csv` gives each locality's step and slope
change by measure. `indicators.csv` is long format with a `locality` column; the whole system is
the sum of the localities, which `pss batch` computes.
"""


def generate_localities(out_dir: Path, seed: int = DEFAULT_SEED) -> list[Path]:
    """Write the localities' files into ``out_dir`` (created if needed); return their paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tables = build_localities(seed)
    indicators = _indicators_text(tables["indicators"].drop(columns="locality"))
    indicators.insert(2, "locality", tables["indicators"]["locality"].to_numpy())
    truths = tables["true_effects"].astype(object)
    for column in ("effect_strength", "level_change_relative", "slope_change_relative_per_month"):
        truths[column] = [_fmt_number(x) for x in tables["true_effects"][column]]
    paths = [out_dir / name for name in ("measures.csv", "indicators.csv", "true_effects.csv", "README.md")]
    _write_csv(_measures_text(tables["measures"]), paths[0])
    _write_csv(indicators, paths[1])
    _write_csv(truths, paths[2])
    paths[3].write_bytes(_readme(seed).encode("utf-8"))
    return paths
