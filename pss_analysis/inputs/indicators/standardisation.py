"""Age bands, standard populations and directly standardised rates with Dobson intervals.

:func:`band_labels` names bands given by their lower limits; :func:`standard_weights`
takes each band's weight from a 5-year standard population such as :data:`ESP2013`;
:func:`poisson_limits` gives the confidence limits of a Poisson count and
:func:`dsr_dobson` a directly standardised rate with its Dobson interval (the
formulas are in the docstring of :mod:`pss_analysis.inputs.indicators`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from pss_analysis.errors import ParameterError

__all__ = [
    "ESP2013",
    "ESP2013_SOURCE",
    "DSR_MIN_EVENTS",
    "band_labels",
    "standard_weights",
    "poisson_limits",
    "dsr_dobson",
]

#: 2013 European Standard Population: persons per 100,000 in each 5-year age band, the bands
#: 90-94 (800) and 95+ (200) combined as 90+ (1,000) as ONS and PHE use it. Source: Eurostat
#: (2013) "Revision of the European Standard Population - Report of Eurostat's task force",
#: Methodologies and Working papers, Luxembourg: Publications Office of the EU, table 4.
ESP2013 = {
    "0-4": 5000,
    "5-9": 5500,
    "10-14": 5500,
    "15-19": 5500,
    "20-24": 6000,
    "25-29": 6000,
    "30-34": 6500,
    "35-39": 7000,
    "40-44": 7000,
    "45-49": 7000,
    "50-54": 7000,
    "55-59": 6500,
    "60-64": 6000,
    "65-69": 5500,
    "70-74": 5000,
    "75-79": 4000,
    "80-84": 2500,
    "85-89": 1500,
    "90+": 1000,
}


ESP2013_SOURCE = (
    "2013 European Standard Population (Eurostat 2013, Revision of the European Standard "
    "Population, table 4; 90+ combined)"
)


#: Age width of the ESP 2013 bands, and the lower limit of its open band.
_ESP_STEP, _ESP_OPEN = 5, 90


#: Fewest events for a directly standardised rate to be reliable enough to publish (PHE Fingertips
#: technical guide "Confidence intervals" 2018: DSRs are not published for fewer than 10 events,
#: as Dobson's method is unreliable below that).
DSR_MIN_EVENTS = 10


def _num_text(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def band_labels(bands: Sequence[float]) -> tuple[str, ...]:
    """Labels of bands given by lower limits: ``[65, 75, 85]`` -> ``65-74, 75-84, 85+``.

    Whole-number limits give inclusive whole-year labels (``65-74``); other
    limits give half-open labels (``65-<74.5``).
    """
    labels = []
    for low, high in zip(bands, [*bands[1:], None], strict=True):
        if high is None:
            labels.append(f"{_num_text(low)}+")
        elif float(low).is_integer() and float(high).is_integer():
            labels.append(f"{_num_text(low)}-{_num_text(high - 1)}")
        else:
            labels.append(f"{_num_text(low)}-<{_num_text(high)}")
    return tuple(labels)


def standard_weights(bands: Sequence[float], standard: Mapping[str, float] = ESP2013) -> dict[str, float]:
    """Weight of each band (by label) from a 5-year standard such as :data:`ESP2013`.

    A band's weight is the sum of the standard's 5-year bands inside it;
    band limits must be multiples of 5 (the last band is open and takes
    everything above). Raises ``ValueError`` otherwise.
    """
    if any(float(b) % _ESP_STEP for b in bands):
        raise ValueError("age bands for a 5-year standard population must start at multiples of 5")
    lows = {int(k.split("-")[0].rstrip("+")): v for k, v in standard.items()}
    out = {}
    for label, low, high in zip(band_labels(bands), bands, [*bands[1:], math.inf], strict=True):
        if high != math.inf and high > _ESP_OPEN and low < _ESP_OPEN:
            raise ValueError(f"the standard's last band is {_ESP_OPEN}+, so no band can end above {_ESP_OPEN}")
        out[label] = float(sum(v for lo, v in lows.items() if low <= lo < high))
    return out


def poisson_limits(count: Any, confidence: float = 0.95, method: str = "exact") -> tuple[np.ndarray, np.ndarray]:
    """Confidence limits of a Poisson count: ``exact`` (chi-square, Garwood 1936) or ``byar``.

    Exact: ``chi2.ppf(a/2, 2O)/2`` and ``chi2.ppf(1 - a/2, 2O + 2)/2`` with ``a = 1 - confidence``
    (lower 0 when O = 0). Byar (Breslow and Day 1987): ``O (1 - 1/(9O) - z/(3 sqrt O))^3`` and
    ``(O + 1)(1 - 1/(9(O + 1)) + z/(3 sqrt(O + 1)))^3``, z the normal quantile.
    """
    from scipy import stats  # imported here: scipy.stats is slow to import

    o = np.asarray(count, dtype=float)
    alpha = 1.0 - confidence
    if method == "exact":
        with np.errstate(invalid="ignore"):
            lower = np.where(o > 0, stats.chi2.ppf(alpha / 2, 2 * np.maximum(o, 1e-300)) / 2, 0.0)
        upper = stats.chi2.ppf(1 - alpha / 2, 2 * o + 2) / 2
    elif method == "byar":
        z = stats.norm.ppf(1 - alpha / 2)
        safe = np.maximum(o, 1e-300)
        with np.errstate(invalid="ignore", divide="ignore"):
            lower = np.where(o > 0, safe * (1 - 1 / (9 * safe) - z / (3 * np.sqrt(safe))) ** 3, 0.0)
        upper = (o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * np.sqrt(o + 1))) ** 3
    else:
        raise ParameterError("unknown Poisson limits method", key="limits", expected="exact or byar", found=method)
    return lower, upper


def dsr_dobson(
    events: Sequence[float],
    population: Sequence[float],
    weights: Sequence[float],
    *,
    multiplier: float = 100_000,
    confidence: float = 0.95,
    limits: str = "exact",
) -> dict[str, float]:
    """Directly standardised rate and its Dobson confidence interval for one group of strata.

    Returns ``rate, lower, upper, variance, events`` (rate and limits per
    ``multiplier``). See the module docstring for the formulas.
    """
    d = np.asarray(events, dtype=float)
    n = np.asarray(population, dtype=float)
    w = np.asarray(weights, dtype=float)
    rate, var, lower, upper = _dsr_arrays(
        np.array([(w * d / n).sum()]),
        np.array([(w**2 * d / n**2).sum()]),
        np.array([w.sum()]),
        np.array([d.sum()]),
        multiplier,
        confidence,
        limits,
    )
    return {
        "rate": float(rate[0]),
        "lower": float(lower[0]),
        "upper": float(upper[0]),
        "variance": float(var[0]),
        "events": float(d.sum()),
    }


def _dsr_arrays(
    sum_wr: np.ndarray,
    sum_w2r: np.ndarray,
    sum_w: np.ndarray,
    events: np.ndarray,
    multiplier: float,
    confidence: float,
    limits: str,
) -> tuple[np.ndarray, ...]:
    rate = multiplier * sum_wr / sum_w
    var = multiplier**2 * sum_w2r / sum_w**2
    o_low, o_high = poisson_limits(events, confidence, limits)
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.where(events > 0, np.sqrt(var / events), np.nan)
    return rate, var, rate + scale * (o_low - events), rate + scale * (o_high - events)
