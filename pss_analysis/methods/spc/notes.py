"""Wording shared by the SPC steps: x values as text, plurals, and positions grouped by series.

The notes an evaluation returns (``SpcResult.messages``) and the context of its
errors name points by their x values; these helpers write those values the same
way everywhere.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["by_series", "list_x", "x_text", "plural_s", "sentence", "row_label", "in_series", "plain_value"]

MAX_LISTED = 6  # x values listed in a note before "..."


def by_series(mask: np.ndarray, gid: np.ndarray) -> dict[int, np.ndarray]:
    """Positions where ``mask`` is true, grouped by series index (no loop over series)."""
    idx = np.flatnonzero(mask)
    if not idx.size:
        return {}
    idx = idx[np.argsort(gid[idx], kind="stable")]
    g = gid[idx]
    cuts = np.flatnonzero(np.diff(g)) + 1
    return {int(gg[0]): ii for gg, ii in zip(np.split(g, cuts), np.split(idx, cuts), strict=True)}


def plural_s(count: int) -> str:
    """``"s"`` unless ``count`` is 1."""
    return "s" if count != 1 else ""


def sentence(text: str) -> str:
    """``text`` with its first letter in capitals."""
    return text[:1].upper() + text[1:]


def row_label(label: Any) -> int | None:
    """A row label usable as an error's ``row`` (integers only)."""
    return int(label) if isinstance(label, (int, np.integer)) and not isinstance(label, bool) else None


def in_series(key_list: Sequence[Hashable], gid: int, by: Sequence[str]) -> str:
    """`` in series 'key'`` when several series are evaluated, otherwise nothing."""
    if not by:
        return ""
    return f" in series {key_list[gid]!r}"


def list_x(values: Iterable[Any]) -> str:
    """The first few x values, comma-separated, with ``...`` when there are more."""
    values = list(values)
    shown = [x_text(v) for v in values[:MAX_LISTED]]
    return ", ".join(shown) + (", ..." if len(values) > MAX_LISTED else "")


def x_text(v: Any) -> str:
    """One x value as text: dates without a midnight time, whole floats without ``.0``."""
    if isinstance(v, str):
        return repr(v)
    if isinstance(v, pd.Timestamp):
        return v.strftime("%Y-%m-%d") if v == v.normalize() else str(v)
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v)


def plain_value(v: Any) -> Any:
    """A numpy scalar as a plain Python value (whole floats as int) for an error's ``found``."""
    if isinstance(v, (np.floating, float)) and float(v).is_integer():
        return int(v)
    return v.item() if isinstance(v, np.generic) else v
