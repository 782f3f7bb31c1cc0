"""The result of an interrupted time series fit (:class:`ItsResult`: effects, predictions,
impact, diagnostics) and the nested-model F test (:func:`compare_nested`)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import pandas as pd
from scipy import stats

from pss_analysis.errors import ParameterError
from pss_analysis.methods.its.options import FAMILIES, _link_functions, _positive_int

__all__ = [
    "ItsResult",
    "compare_nested",
    "LJUNG_BOX_LAGS_NONSEASONAL",
    "LJUNG_BOX_SEASONAL_MULTIPLE",
    "LJUNG_BOX_MAX_FRACTION",
]

LJUNG_BOX_LAGS_NONSEASONAL = 10
"""Default residual-autocorrelation test lags without seasonality. Source: Hyndman &
Athanasopoulos, *Forecasting: Principles and Practice* (3rd ed., section 5.4): use 10 lags for
non-seasonal data, 2 x the period for seasonal data, and at most T/5."""

LJUNG_BOX_SEASONAL_MULTIPLE = 2
"""Seasonal data: residual-autocorrelation tests use this many seasonal periods of lags
(Hyndman & Athanasopoulos, FPP 3rd ed., section 5.4)."""

LJUNG_BOX_MAX_FRACTION = 0.2
"""Residual-autocorrelation tests use at most this fraction (T/5) of the fitted points as lags
(Hyndman & Athanasopoulos, FPP 3rd ed., section 5.4)."""


# --------------------------------------------------------------------------------------------
# Result objects
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ItsResult:
    """A fitted interrupted time series.

    Attributes
    ----------
    specification:
        What was fitted: family, link, offset, denominator, seasonality, autocorrelation,
        time_since (with its meaning), slope_change, interruption(s), phase_in, alpha, n (points
        in the fit), controlled, the estimator and the inference used.
    model:
        The statsmodels results object (OLS/GLM/GLS results).
    messages:
        Messages of the warnings issued while fitting (also emitted with ``warnings.warn``).
    coefficients:
        All regression coefficients, by term name (link scale).
    covariance:
        Their covariance matrix (the one used for every interval).
    """

    specification: dict[str, Any]
    model: Any
    messages: tuple[str, ...]
    coefficients: pd.Series
    covariance: pd.DataFrame
    _rows: dict[str, np.ndarray] = field(repr=False)
    _x: np.ndarray = field(repr=False)
    _x_cf: np.ndarray = field(repr=False)
    _x_deseason: np.ndarray | None = field(repr=False)
    _log_offset: np.ndarray = field(repr=False)
    _contrasts: list[dict[str, Any]] = field(repr=False)
    _diag_inputs: dict[str, Any] = field(repr=False)
    _quantiles: dict[str, float] = field(repr=False)

    # ---------------------------------------------------------------- summary
    def summary(self) -> pd.DataFrame:
        """The effects table: one row per effect term (the same table as :meth:`effects`).

        Together with ``specification`` and ``messages`` this gives an ITS result the shape of an
        SPC result (:class:`pss_analysis.methods.spc.SpcResult`), whose ``summary()`` has one row
        per phase.
        """
        return self.effects()

    # ---------------------------------------------------------------- effects
    def effects(self) -> pd.DataFrame:
        """The segmented-regression effects, one row per term.

        Terms: ``baseline_level``, ``pre_trend`` and, for each interruption (column
        ``interruption``), ``level_change``, ``slope_change`` (if fitted) and ``post_trend``
        (= pre_trend + the slope changes up to that interruption, SE from the covariance).
        Columns: ``group`` ("treated"; in a controlled fit also "control" and "difference" =
        treated minus control), ``term``, ``interruption``, ``coef`` and ``std_error`` (link
        scale), ``estimate``, ``estimate_lower``, ``estimate_upper`` (its confidence limits;
        exponentiated for log/logit links: rate or odds ratios), ``p_value``, ``scale``
        ("absolute" for the identity link; "ratio" for exponentiated ratios; "exponentiated" for
        a baseline level under a log/logit link, which is a rate, count or odds, not a ratio)
        and ``time_since`` (the convention used,
        which fixes what ``level_change`` means). The baseline level is the level at t = 0, one
        period before the first point, under the Wagner convention (as R's intercept with a time
        index starting at 1, e.g. Lopez Bernal et al. 2017), and the level at the first point under
        the itsa convention (Stata itsa's ``_cons``, whose ``_t`` starts at 0). Seasonal terms are not
        included (see ``coefficients``).
        """
        beta = self.coefficients.to_numpy()
        cov = self.covariance.to_numpy()
        link = self.specification["link"]
        q = self._quantiles["ci"]
        p_dist, df = self.specification["inference"]["p_value"], self.specification["df_resid"]
        records = []
        for c in self._contrasts:
            vec = c["vector"]
            coef = float(vec @ beta)
            se = float(math.sqrt(max(vec @ cov @ vec, 0.0)))
            lo, hi = coef - q * se, coef + q * se
            stat = coef / se if se > 0 else np.nan
            if p_dist == "t":
                p = float(2.0 * stats.t.sf(abs(stat), df)) if np.isfinite(stat) else np.nan
            else:
                p = float(2.0 * stats.norm.sf(abs(stat))) if np.isfinite(stat) else np.nan
            if link == "identity":
                est, scale = coef, "absolute"
            else:
                est, lo, hi = math.exp(coef), math.exp(lo), math.exp(hi)
                scale = "exponentiated" if c["is_level"] else "ratio"
            records.append(
                {
                    "group": c["group"],
                    "term": c["term"],
                    "interruption": c["interruption"],
                    "coef": coef,
                    "estimate": est,
                    "std_error": se,
                    "estimate_lower": lo,
                    "estimate_upper": hi,
                    "p_value": p,
                    "scale": scale,
                    "time_since": self.specification["time_since"],
                }
            )
        frame = pd.DataFrame.from_records(records)
        frame["interruption"] = pd.Series([r["interruption"] for r in records], dtype=object)
        return frame

    # ---------------------------------------------------------------- predictions
    def predictions(self, *, per: float | None = None) -> pd.DataFrame:
        """Observed, fitted and counterfactual values, one row per period (and group).

        Columns: ``group``, ``unit`` (controlled fits only: "treated", "control" or the comparison
        unit's name when there are several control series), ``time`` (the original time values), ``t`` (1..n), ``phase``
        ("pre", "phase_in" = excluded from the fit but predicted, "post"), ``segment`` (0 before
        the first interruption, k after the k-th), ``in_fit``, ``observed``, ``fitted``,
        ``fitted_lower``, ``fitted_upper``, ``counterfactual`` (the programme's terms set to
        zero: the pre-interruption model extrapolated with the same offset and seasonality; in a
        controlled fit, the treated series with the treated-minus-control changes removed; for
        pre-interruption and control rows it equals the fit), ``counterfactual_lower``,
        ``counterfactual_upper`` and, with seasonality, ``deseasonalised`` (the fit with every
        seasonal regressor at its average over one full cycle). Intervals are confidence
        intervals for the mean (Wald on the link scale, back-transformed); their level is in
        ``frame.attrs["confidence_level"]``.

        Units: the outcome's own (counts for count families; proportions successes/trials for
        binomial families). ``per``: with an offset, give values as rates per ``per`` units of
        offset (e.g. ``per=100_000``); for binomial families, proportions times ``per`` (e.g.
        ``per=100`` for percentages).
        """
        rows = self._rows
        out = pd.DataFrame({k: rows[k] for k in ("group", "time", "t", "phase", "segment", "in_fit")})
        if self.specification.get("controlled") and "unit" in rows:
            out.insert(1, "unit", rows["unit"])  # which comparison unit each control row is
        inv, _ = _link_functions(self.specification["link"])
        beta = self.coefficients.to_numpy()
        cov = self.covariance.to_numpy()
        q = self._quantiles["ci"]
        scale = np.ones(len(rows["t"]))
        if per is not None:
            if self.specification["denominator"] is not None:
                scale = scale * float(per)
            elif self.specification["offset"] is None:
                raise ParameterError(
                    "rates need an offset (or a binomial denominator), and this model has none",
                    key="per",
                    expected="per=None",
                    found=per,
                )
            else:
                scale = float(per) / rows["exposure"]
        observed = rows["y"]
        if self.specification["denominator"] is not None:
            observed = observed / rows["trials"]
        out["observed"] = observed * scale
        for name, x in (("fitted", self._x), ("counterfactual", self._x_cf)):
            eta = x @ beta + self._log_offset
            se = np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", x, cov, x), 0.0))
            out[name] = inv(eta) * scale
            out[f"{name}_lower"] = inv(eta - q * se) * scale
            out[f"{name}_upper"] = inv(eta + q * se) * scale
        if self._x_deseason is not None:
            out["deseasonalised"] = inv(self._x_deseason @ beta + self._log_offset) * scale
        out.attrs["confidence_level"] = 1.0 - self.specification["alpha"]
        out.attrs["per"] = per
        return out

    # ---------------------------------------------------------------- impact
    def impact(self, at: Sequence[int] | int = (12, 24), *, per: float | None = None) -> pd.DataFrame:
        """Programme impact: fitted versus counterfactual at chosen post-interruption periods.

        ``at``: post-interruption period numbers (1 = the first period with the programme,
        phase-in periods included). One row per ``h`` plus a final ``cumulative`` row summing
        over every period from the interruption to the end of the data (phase-in periods
        included, as modelled). Columns: ``horizon`` (the post-interruption period number ``h``, an
        Int64 column, missing on the cumulative row), ``cumulative`` (True on the cumulative row
        only), ``time``, ``t``, ``n_periods``, ``observed``,
        ``fitted``, ``counterfactual``, ``absolute_effect`` (fitted - counterfactual; negative =
        events averted), ``relative_effect`` (fitted/counterfactual - 1), each with ``_lower`` /
        ``_upper`` confidence limits, and ``units``.

        Units: the outcome's own units (expected counts for count families, whatever the offset;
        proportions for binomial families, whose cumulative row is in expected successes =
        trials x proportion). Absolute effects use the delta method with the full covariance.
        Relative effects use a Wald interval for the log of fitted/counterfactual (for a log link
        without seasonality that is exactly the Wald interval of the linear-predictor difference,
        ``exp(level + h*slope) - 1``); when a fitted or counterfactual mean is not positive
        (identity link only) the delta method is applied to the ratio itself.

        With an offset, also ``offset``, ``fitted_rate``, ``counterfactual_rate``,
        ``rate_difference`` and its limits, per ``per`` units of offset (default 1); the
        cumulative rate is total expected events / total offset.
        """
        spec = self.specification
        rows = self._rows
        treated = np.flatnonzero(rows["group"] == "treated")
        post = treated[rows["t"][treated] >= spec["interruption_t"]]
        hs = _impact_horizons(at, len(post))
        if per is not None and spec["offset"] is None:
            raise ParameterError(
                "rates need an offset, and this model has none", key="per", expected="per=None", found=per
            )
        per_value = 1.0 if per is None else float(per)
        binomial = spec["denominator"] is not None
        unit_point = "proportion" if binomial else ("count" if FAMILIES[spec["family"]].counts else "outcome units")
        records = []
        for h in hs:
            idx = post[h - 1]
            rec = self._impact_one(np.asarray([idx]), np.ones(1), per_value)
            rec.update(
                {
                    "horizon": h,
                    "cumulative": False,
                    "time": rows["time"][idx],
                    "t": int(rows["t"][idx]),
                    "n_periods": 1,
                    "units": unit_point,
                }
            )
            records.append(rec)
        weights = rows["trials"][post] if binomial else np.ones(len(post))
        rec = self._impact_one(post, np.asarray(weights, dtype=float), per_value)
        rec.update(
            {
                "horizon": None,
                "cumulative": True,
                "time": None,
                "t": None,
                "n_periods": len(post),
                "units": "successes" if binomial else unit_point,
            }
        )
        records.append(rec)
        return _impact_frame(records, with_offset=spec["offset"] is not None)

    def _impact_one(self, idx: np.ndarray, w: np.ndarray, per: float) -> dict[str, Any]:
        inv, dmu = _link_functions(self.specification["link"])
        beta = self.coefficients.to_numpy()
        cov = self.covariance.to_numpy()
        q = self._quantiles["ci"]
        xf, xc, off = self._x[idx], self._x_cf[idx], self._log_offset[idx]
        eta_f, eta_c = xf @ beta + off, xc @ beta + off
        mu_f, mu_c = inv(eta_f), inv(eta_c)
        g_f = (w * dmu(eta_f)) @ xf
        g_c = (w * dmu(eta_c)) @ xc
        a, b = float(w @ mu_f), float(w @ mu_c)
        diff = a - b
        g_d = g_f - g_c
        se_d = math.sqrt(max(g_d @ cov @ g_d, 0.0))
        if a > 0 and b > 0:
            log_ratio = math.log(a) - math.log(b)
            g_l = g_f / a - g_c / b
            se_l = math.sqrt(max(g_l @ cov @ g_l, 0.0))
            rel = math.expm1(log_ratio)
            rel_lo, rel_hi = math.expm1(log_ratio - q * se_l), math.expm1(log_ratio + q * se_l)
        else:
            rel = a / b - 1.0
            g_r = g_f / b - a * g_c / b**2
            se_r = math.sqrt(max(g_r @ cov @ g_r, 0.0))
            rel_lo, rel_hi = rel - q * se_r, rel + q * se_r
        rows = self._rows
        y = rows["y"][idx]
        if self.specification["denominator"] is not None and len(idx) == 1:
            y = y / rows["trials"][idx]
        rec = {
            "observed": float(y.sum()),
            "fitted": a,
            "counterfactual": b,
            "absolute_effect": diff,
            "absolute_effect_lower": diff - q * se_d,
            "absolute_effect_upper": diff + q * se_d,
            "relative_effect": rel,
            "relative_effect_lower": rel_lo,
            "relative_effect_upper": rel_hi,
        }
        if self.specification["offset"] is not None:
            exposure = float(rows["exposure"][idx].sum())
            k = per / exposure
            rec.update(
                {
                    "offset": exposure,
                    "fitted_rate": a * k,
                    "counterfactual_rate": b * k,
                    "rate_difference": diff * k,
                    "rate_difference_lower": (diff - q * se_d) * k,
                    "rate_difference_upper": (diff + q * se_d) * k,
                }
            )
        return rec

    # ---------------------------------------------------------------- diagnostics
    def diagnostics(self, *, lags: int | None = None) -> dict[str, Any]:
        """Fit diagnostics as a flat dict.

        Keys: ``n_before`` / ``n_after`` (fitted points of the treated series before / from the
        main interruption), ``n_excluded`` (phase-in points), ``durbin_watson``,
        ``breusch_godfrey_stat`` / ``_p_value`` / ``_lags`` (n R^2 of the auxiliary regression of
        the residuals on the design and lagged residuals filled with 0, as ``lmtest::bgtest``),
        ``ljung_box_stat`` / ``_p_value`` / ``_lags`` (no df adjustment, as ``Box.test``),
        ``residual_type``, ``dispersion`` (Pearson chi-square / residual df; NaN for gaussian),
        ``residual_variance`` (gaussian), ``aic`` (NaN for quasi families), ``negbin_alpha``,
        ``arma_params`` and ``messages`` (as :attr:`messages`).

        Residuals: raw for OLS, Pearson for GLMs (the Breusch-Godfrey test is then an
        approximation), standardised innovations for ARMA errors. Lags pair periods at the true
        time distance within each series, so the phase-in gap and (in a controlled fit) the
        other series never pair. Default ``lags``: 10, or 2 x the seasonal period with
        seasonality, at most n/5 (``LJUNG_BOX_*``).
        """
        d = self._diag_inputs
        resid = d["resid"]
        n = len(resid)
        lags = _positive_int(self._default_lags(n) if lags is None else lags, "lags")
        partner = _lag_partners(d["group"], d["t"], lags)  # partner[l-1][i] = index of the row l periods earlier
        q_stat = _ljung_box(resid, partner)
        bg = _breusch_godfrey(resid, d["x"], partner)
        return {
            "n_before": d["n_before"],
            "n_after": d["n_after"],
            "n_excluded": d["n_excluded"],
            "n": n,
            "residual_type": d["residual_type"],
            "durbin_watson": _durbin_watson(resid, partner[0]),
            "breusch_godfrey_stat": bg,
            "breusch_godfrey_p_value": float(stats.chi2.sf(bg, lags)),
            "breusch_godfrey_lags": lags,
            "ljung_box_stat": q_stat,
            "ljung_box_p_value": float(stats.chi2.sf(q_stat, lags)),
            "ljung_box_lags": lags,
            "dispersion": d["dispersion"],
            "residual_variance": d["residual_variance"],
            "aic": d["aic"],
            "log_likelihood": d["llf"],
            "negbin_alpha": self.specification.get("negbin_alpha"),
            "arma_params": self.specification.get("arma_params"),
            "messages": list(self.messages),
        }

    def _default_lags(self, n: int) -> int:
        """10 lags, or 2 seasonal periods with seasonality, at most n/5 (``LJUNG_BOX_*``)."""
        seasonality = self.specification["seasonality"]
        base = LJUNG_BOX_SEASONAL_MULTIPLE * seasonality["period"] if seasonality else LJUNG_BOX_LAGS_NONSEASONAL
        return max(1, min(base, int(math.floor(LJUNG_BOX_MAX_FRACTION * n))))


def _lag_partners(group: np.ndarray, t: np.ndarray, lags: int) -> list[np.ndarray]:
    """For each lag l, the index of the row of the same group at time t - l (or -1)."""
    lookup = {(g, tt): i for i, (g, tt) in enumerate(zip(group.tolist(), t.tolist(), strict=True))}
    out = []
    for lag in range(1, lags + 1):
        out.append(np.array([lookup.get((g, tt - lag), -1) for g, tt in zip(group.tolist(), t.tolist(), strict=True)]))
    return out


def _impact_horizons(at: Sequence[int] | int, h_max: int) -> list[int]:
    """The requested post-interruption periods, each a whole number from 1 to ``h_max``."""
    requested = (int(at),) if isinstance(at, (int, np.integer)) and not isinstance(at, bool) else at
    hs = []
    for h in cast(Sequence[Any], requested):
        if isinstance(h, bool) or not isinstance(h, (int, np.integer)) or h < 1 or h > h_max:
            raise ParameterError(
                "post-interruption period out of range",
                key="at",
                expected=f"whole numbers from 1 to {h_max} (the last period in the data)",
                found=h,
            )
        hs.append(int(h))
    return hs


_IMPACT_COLUMNS = [
    "horizon",
    "cumulative",
    "time",
    "t",
    "n_periods",
    "observed",
    "fitted",
    "counterfactual",
    "absolute_effect",
    "absolute_effect_lower",
    "absolute_effect_upper",
    "relative_effect",
    "relative_effect_lower",
    "relative_effect_upper",
    "units",
]
_IMPACT_OFFSET_COLUMNS = [
    "offset",
    "fitted_rate",
    "counterfactual_rate",
    "rate_difference",
    "rate_difference_lower",
    "rate_difference_upper",
]


def _impact_frame(records: list[dict[str, Any]], *, with_offset: bool) -> pd.DataFrame:
    """The impact table from its records, each column with its type."""
    cols = _IMPACT_COLUMNS + (_IMPACT_OFFSET_COLUMNS if with_offset else [])
    data: dict[str, Any] = {}
    for col in cols:
        values = [r[col] for r in records]
        if col in ("time", "units"):
            data[col] = np.array(values, dtype=object)
        elif col in ("horizon", "t"):
            data[col] = pd.array(values, dtype="Int64")
        elif col == "cumulative":
            data[col] = np.array(values, dtype=bool)
        elif col == "n_periods":
            data[col] = np.array(values, dtype=np.int64)
        else:
            data[col] = np.array(values, dtype=float)
    return pd.DataFrame(data)


def _durbin_watson(resid: np.ndarray, p1: np.ndarray) -> float:
    """Durbin-Watson statistic over the pairs one period apart."""
    ok = p1 >= 0
    return float(np.sum((resid[ok] - resid[p1[ok]]) ** 2) / np.sum(resid**2))


def _ljung_box(resid: np.ndarray, partner: list[np.ndarray]) -> float:
    """Ljung-Box Q on the demeaned residuals (no df adjustment, as R's ``Box.test``)."""
    n = len(resid)
    e = resid - resid.mean()
    c0 = float(e @ e)
    q_stat = 0.0
    for lag, p in enumerate(partner, start=1):
        ok = p >= 0
        r = float(e[ok] @ e[p[ok]]) / c0
        q_stat += r * r / (n - lag)
    return q_stat * (n * (n + 2))


def _breusch_godfrey(resid: np.ndarray, xdiag: np.ndarray, partner: list[np.ndarray]) -> float:
    """n R^2 of the residuals on the design and their lags filled with 0 (``lmtest::bgtest``)."""
    n = len(resid)
    lagged = np.column_stack([np.where(p >= 0, resid[np.maximum(p, 0)], 0.0) for p in partner])
    aux = np.column_stack([xdiag, lagged])
    coef, *_ = np.linalg.lstsq(aux, resid, rcond=None)
    fitted = aux @ coef
    return float(n * np.sum(fitted**2) / np.sum(resid**2))


def compare_nested(smaller: ItsResult, larger: ItsResult) -> dict[str, float]:
    """F test of a model against a larger one fitted to the same data (R's ``anova(m1, m2, test = "F")``).

    For GLM families: ``F = (D_small - D_large) / (df_small - df_large) / phi_large``, with the
    deviances ``D`` and the larger model's dispersion ``phi`` (1 for Poisson and binomial, the
    Pearson estimate for quasi families), on (df_small - df_large, df_resid_large) degrees of
    freedom. For OLS the deviance is the residual sum of squares and ``phi`` the residual variance.
    Only for models without autocorrelation terms, fitted by the same family to the same points.
    """
    for result in (smaller, larger):
        if result.specification.get("autocorrelation") is not None:
            raise ParameterError(
                "the nested F test needs models without an autocorrelation structure",
                key="autocorrelation",
                found=result.specification["autocorrelation"],
            )
    if (
        smaller.specification["family"] != larger.specification["family"]
        or smaller.specification["n"] != larger.specification["n"]
    ):
        raise ParameterError(
            "the two models must use the same family and the same points",
            key="family",
            expected=larger.specification["family"],
            found=smaller.specification["family"],
        )
    df_small, df_large = smaller.specification["df_resid"], larger.specification["df_resid"]
    if df_small <= df_large:
        raise ParameterError(
            "the first model must be the smaller one (fewer terms)",
            key="smaller",
            found=f"{df_small:g} vs {df_large:g} residual df",
        )

    def deviance(result: ItsResult) -> float:
        model = result.model
        return float(model.deviance if hasattr(model, "deviance") else model.ssr)

    diagnostics = larger.diagnostics()
    dispersion = float(
        diagnostics["residual_variance"] if larger.specification["family"] == "gaussian" else diagnostics["dispersion"]
    )
    df_num = df_small - df_large
    f = (deviance(smaller) - deviance(larger)) / df_num / dispersion
    return {"f": f, "df_num": df_num, "df_den": df_large, "p_value": float(stats.f.sf(f, df_num, df_large))}
