"""Writing the demo files: CSV text with platform-stable numbers, the scorecard YAML and the README."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

from pss_analysis.demo.catalogue import _CATALOGUE
from pss_analysis.demo.generator import build
from pss_analysis.demo.readme import _readme_text
from pss_analysis.demo.settings import (
    DEFAULT_SEED,
    INDICATORS_FILE,
    MEASURES_FILE,
    README_FILE,
    SCORECARD_FILE,
    TRUE_EFFECTS_FILE,
)
from pss_analysis.demo.strategy_map import _scorecard_text

__all__ = ["generate"]


def _fmt_number(x: Any) -> str:
    """Plain, platform-stable text for a catalogue number ('' if missing)."""
    if x is None or (isinstance(x, float) and math.isnan(x)) or pd.isna(x):
        return ""
    value = round(float(x), 6)
    if value.is_integer():
        return str(int(value))
    return f"{value:.6f}".rstrip("0").rstrip(".")


def _write_csv(df: pd.DataFrame, path: Path) -> None:
    text = df.to_csv(index=False, lineterminator="\n")
    path.write_bytes(text.encode("utf-8"))


def _measures_text(df: pd.DataFrame) -> pd.DataFrame:
    out = df.astype(object).copy()
    for col in ("multiplier", "target", "unit_cost"):
        out[col] = [_fmt_number(x) for x in df[col]]
    return out


def _indicators_text(df: pd.DataFrame) -> pd.DataFrame:
    decimals = {m.measure_id: m.numerator_decimals for m in _CATALOGUE}
    out = df.astype(object).copy()
    out["numerator"] = [f"{x:.{decimals[mid]}f}" for mid, x in zip(df["measure_id"], df["numerator"], strict=True)]
    out["denominator"] = ["" if pd.isna(x) else str(int(x)) for x in df["denominator"]]
    return out


def _true_effects_text(df: pd.DataFrame) -> pd.DataFrame:
    out = df.astype(object).copy()
    for col in ("level_change_relative", "slope_change_relative_per_month", "seasonal_amplitude"):
        out[col] = [_fmt_number(x) for x in df[col]]
    return out


def generate(out_dir: Path, seed: int = DEFAULT_SEED) -> list[Path]:
    """Write the demo files into ``out_dir`` (created if needed); return their paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tables = build(seed)
    paths = [
        out_dir / MEASURES_FILE,
        out_dir / INDICATORS_FILE,
        out_dir / TRUE_EFFECTS_FILE,
        out_dir / SCORECARD_FILE,
        out_dir / README_FILE,
    ]
    _write_csv(_measures_text(tables["measures"]), paths[0])
    _write_csv(_indicators_text(tables["indicators"]), paths[1])
    _write_csv(_true_effects_text(tables["true_effects"]), paths[2])
    paths[3].write_bytes(_scorecard_text().encode("utf-8"))
    paths[4].write_bytes(_readme_text(tables, seed).encode("utf-8"))
    return paths
