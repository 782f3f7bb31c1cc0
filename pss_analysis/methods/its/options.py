"""Options of an interrupted time series fit: defaults, the family table and the parsing of
``family``, ``seasonality``, ``autocorrelation``, ``time_since`` and ``alpha``."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
from scipy import special

from pss_analysis.errors import ParameterError

__all__ = [
    "FAMILIES",
    "SEASONALITY_KINDS",
    "AUTOCORRELATION_METHODS",
    "TIME_SINCE_CONVENTIONS",
    "DEFAULT_ALPHA",
    "DEFAULT_SEASONAL_PERIOD",
    "DEFAULT_FOURIER_HARMONICS",
]

DEFAULT_ALPHA = 0.05
"""Default 1 - confidence level (95% intervals), as in the reference tutorial."""

DEFAULT_SEASONAL_PERIOD = 12
"""Default seasonal period (months in a year), as ``harmonic(month, 2, 12)`` in Lopez Bernal,
Cummins & Gasparrini (2017)."""

DEFAULT_FOURIER_HARMONICS = 2
"""Default number of Fourier harmonic pairs, as ``harmonic(month, 2, 12)`` in Lopez Bernal,
Cummins & Gasparrini (2017)."""

# --------------------------------------------------------------------------------------------
# Registries
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Family:
    name: str
    link: str
    counts: bool
    binomial: bool
    quasi: bool
    p_dist: str
    ci_dist: str
    description: str


FAMILIES: Mapping[str, _Family] = MappingProxyType(
    {
        "gaussian": _Family("gaussian", "identity", False, False, False, "t", "t", "Gaussian, identity link (OLS)"),
        "poisson": _Family("poisson", "log", True, False, False, "z", "z", "Poisson GLM, log link"),
        "quasipoisson": _Family(
            "quasipoisson", "log", True, False, True, "t", "z", "quasi-Poisson GLM, log link, Pearson dispersion"
        ),
        "negbin": _Family(
            "negbin",
            "log",
            True,
            False,
            False,
            "z",
            "z",
            "negative binomial (NB2) GLM, log link, alpha by maximum likelihood",
        ),
        "binomial": _Family("binomial", "logit", False, True, False, "z", "z", "binomial GLM, logit link"),
        "quasibinomial": _Family(
            "quasibinomial", "logit", False, True, True, "t", "z", "quasi-binomial GLM, logit link, Pearson dispersion"
        ),
    }
)
"""Known outcome families, by name."""

TIME_SINCE_CONVENTIONS: Mapping[str, str] = MappingProxyType(
    {
        "wagner": "time since the interruption is 1 at the first post-interruption period "
        "(Wagner et al. 2002; Lopez Bernal et al. 2017): the level change is the gap "
        "at the last pre-interruption period",
        "itsa": "time since the interruption is 0 at the first post-interruption period "
        "(Stata itsa, Linden 2015): the level change is the gap at the first "
        "post-interruption period",
    }
)
"""Known conventions for the time-since-interruption term, with what the level change means."""

_TIME_SINCE_SHIFT = {"wagner": 1, "itsa": 0}


def _link_functions(link: str) -> tuple[Callable, Callable]:
    """Inverse link and its derivative d mu / d eta."""
    return _LINKS[link]


def _expit_deriv(eta: np.ndarray) -> np.ndarray:
    p = special.expit(eta)
    return p * (1.0 - p)


_LINKS: dict[str, tuple[Callable, Callable]] = {
    "identity": (lambda eta: np.asarray(eta, dtype=float), lambda eta: np.ones_like(eta, dtype=float)),
    "log": (np.exp, np.exp),
    "logit": (special.expit, _expit_deriv),
}


def _fourier_block(position: np.ndarray, spec: Mapping[str, Any]) -> tuple[np.ndarray, list[str]]:
    """sin/cos(2 pi k s / period), k = 1..K, as R ``tsModel::harmonic(s, K, period)``."""
    period = spec["period"]
    cols, names = [], []
    for k in range(1, spec["k"] + 1):
        angle = 2.0 * np.pi * k * position / period
        cols += [np.sin(angle), np.cos(angle)]
        names += [f"fourier_sin{k}", f"fourier_cos{k}"]
    return np.column_stack(cols), names


def _month_block(position: np.ndarray, spec: Mapping[str, Any]) -> tuple[np.ndarray, list[str]]:
    """Indicator columns for season positions 2..period (position 1 is the reference)."""
    period = spec["period"]
    levels = np.arange(2, period + 1)
    block = (position[:, None] == levels[None, :]).astype(float)
    return block, [f"season_{s}" for s in levels]


SEASONALITY_KINDS: Mapping[str, Callable] = MappingProxyType({"month": _month_block, "fourier": _fourier_block})
"""Known seasonality kinds: ``"month"`` (one indicator per season position, position 1 the
reference) and ``"fourier"`` (harmonic pairs)."""

AUTOCORRELATION_METHODS: Mapping[str, str] = MappingProxyType(
    {
        "newey_west": "Newey-West (HAC) covariance, Bartlett weights; any family",
        "ar1": "Gaussian regression with AR(1) errors by exact maximum likelihood",
        "arma": "Gaussian regression with ARMA(p, q) errors by exact maximum likelihood",
    }
)
"""Known autocorrelation methods."""


# --------------------------------------------------------------------------------------------
# Argument parsing
# --------------------------------------------------------------------------------------------


def _unknown(kind: str, name: Any, known: Sequence[str], key: str) -> ParameterError:
    return ParameterError(f"unknown {kind}", key=key, expected=f"one of {', '.join(sorted(known))}", found=name)


def _parse_family(family: Any) -> _Family:
    if not isinstance(family, str) or family not in FAMILIES:
        raise _unknown("family", family, list(FAMILIES), "family")
    return FAMILIES[family]


def _positive_int(value: Any, key: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ParameterError("not a valid whole number", key=key, expected=f"an integer >= {minimum}", found=value)
    return int(value)


def _parse_seasonality(seasonality: Any) -> dict[str, Any] | None:
    if seasonality is None:
        return None
    if isinstance(seasonality, str):
        spec: dict[str, Any] = {"type": seasonality}
    elif isinstance(seasonality, Mapping):
        spec = dict(seasonality)
        if "type" not in spec:
            raise ParameterError(
                "seasonality needs a 'type'",
                key="seasonality",
                expected=f"one of {', '.join(sorted(SEASONALITY_KINDS))}",
                found=seasonality,
            )
    else:
        raise ParameterError(
            "seasonality must be a name or a dict",
            key="seasonality",
            expected=f"None, one of {', '.join(sorted(SEASONALITY_KINDS))} or a dict",
            found=seasonality,
        )
    kind = spec["type"]
    if kind not in SEASONALITY_KINDS:
        raise _unknown("seasonality", kind, list(SEASONALITY_KINDS), "seasonality")
    allowed = {"type", "period", "column"} | ({"k"} if kind == "fourier" else set())
    extra = set(spec) - allowed
    if extra:
        raise ParameterError(
            f"unknown key for seasonality '{kind}'",
            key="seasonality",
            expected=f"keys among {', '.join(sorted(allowed))}",
            found=sorted(extra),
        )
    spec["period"] = _positive_int(spec.get("period", DEFAULT_SEASONAL_PERIOD), "seasonality.period", 2)
    spec.setdefault("column", None)
    if kind == "fourier":
        spec["k"] = _positive_int(spec.get("k", DEFAULT_FOURIER_HARMONICS), "seasonality.k", 1)
        if 2 * spec["k"] >= spec["period"]:
            raise ParameterError(
                "too many Fourier harmonics for the period (at k = period/2 the sine term is identically zero)",
                key="seasonality.k",
                expected=f"k below {spec['period'] / 2:g}",
                found=spec["k"],
            )
    return {k: spec[k] for k in sorted(spec)}


def _parse_autocorrelation(autocorrelation: Any, family: _Family) -> dict[str, Any] | None:
    if autocorrelation is None:
        return None
    if isinstance(autocorrelation, str):
        spec: dict[str, Any] = {"type": autocorrelation}
    elif isinstance(autocorrelation, Mapping):
        spec = dict(autocorrelation)
    else:
        raise ParameterError(
            "autocorrelation must be a name or a dict",
            key="autocorrelation",
            expected=f"None, one of {', '.join(sorted(AUTOCORRELATION_METHODS))} or a dict",
            found=autocorrelation,
        )
    kind = spec.get("type")
    if kind not in AUTOCORRELATION_METHODS:
        raise _unknown("autocorrelation method", kind, list(AUTOCORRELATION_METHODS), "autocorrelation")
    if kind == "newey_west":
        extra = set(spec) - {"type", "lags", "small_sample"}
        if spec.get("lags") is not None:
            spec["lags"] = _positive_int(spec["lags"], "autocorrelation.lags", 0)
        else:
            spec["lags"] = None  # resolved from n at fit time
        spec["small_sample"] = bool(spec.get("small_sample", True))
    else:
        if family.name != "gaussian":
            raise ParameterError(
                f"autocorrelation '{kind}' is only available for the gaussian family",
                key="autocorrelation",
                expected="family 'gaussian' (or newey_west for other families)",
                found=family.name,
            )
        if kind == "ar1":
            extra = set(spec) - {"type"}
            spec["order"] = (1, 0)
        else:
            extra = set(spec) - {"type", "order"}
            order = spec.get("order")
            if (
                not isinstance(order, (tuple, list))
                or len(order) != 2
                or any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0 for v in order)
                or sum(order) == 0
            ):
                raise ParameterError(
                    "ARMA order must be (p, q)",
                    key="autocorrelation.order",
                    expected="two non-negative integers, not both zero",
                    found=order,
                )
            spec["order"] = (int(order[0]), int(order[1]))
    if extra:
        raise ParameterError(
            f"unknown key for autocorrelation '{kind}'",
            key="autocorrelation",
            expected="type, lags, small_sample (newey_west) or type, order (arma)",
            found=sorted(extra),
        )
    return spec


@dataclass(frozen=True)
class _Options:
    """The validated model options of one fit."""

    family: _Family
    seasonality: dict[str, Any] | None
    autocorrelation: dict[str, Any] | None
    slope_change: bool
    phase_in: int
    alpha: float
    time_since: str

    @property
    def season_column(self) -> str | None:
        """The column holding season positions, if the seasonality names one."""
        return self.seasonality["column"] if self.seasonality else None


def _parse_time_since(time_since: Any) -> str:
    if not isinstance(time_since, str) or time_since not in TIME_SINCE_CONVENTIONS:
        raise _unknown("time_since convention", time_since, list(TIME_SINCE_CONVENTIONS), "time_since")
    return time_since


def _parse_alpha(alpha: Any) -> float:
    if isinstance(alpha, bool) or not isinstance(alpha, (float, int)) or not 0 < alpha < 1:
        raise ParameterError(
            "alpha must be between 0 and 1", key="alpha", expected="a number strictly between 0 and 1", found=alpha
        )
    return alpha


def _validate_options(
    *,
    family: Any,
    seasonality: Any,
    autocorrelation: Any,
    slope_change: Any,
    phase_in: Any,
    alpha: Any,
    time_since: Any,
) -> _Options:
    """Check every model option (in a fixed order, so the first bad one is reported)."""
    fam = _parse_family(family)
    time_since = _parse_time_since(time_since)
    alpha = _parse_alpha(alpha)
    phase_in = _positive_int(phase_in, "phase_in", 0)
    season_spec = _parse_seasonality(seasonality)
    ac = _parse_autocorrelation(autocorrelation, fam)
    return _Options(
        family=fam,
        seasonality=season_spec,
        autocorrelation=ac,
        slope_change=bool(slope_change),
        phase_in=phase_in,
        alpha=alpha,
        time_since=time_since,
    )
