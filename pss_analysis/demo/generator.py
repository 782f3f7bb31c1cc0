"""The generator: the seeded monthly series of every measure, and the tables built from them.

:func:`build` draws the series group by group (:data:`_DRAW_STEPS`, in a fixed order:
the random numbers, and so the files, depend on it), then builds the measure
catalogue, the indicator table and the true effects.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pss_analysis.demo.catalogue import _CATALOGUE
from pss_analysis.demo.settings import (
    _FIRST_MONTH,
    _FIRST_YEAR,
    DEFAULT_SEED,
    INDICATOR_COLUMNS,
    MEASURE_COLUMNS,
    N_PERIODS,
    START_INDEX,
    TRUE_EFFECT_COLUMNS,
)

__all__ = ["build"]


@dataclass(frozen=True)
class _Effect:
    effect: str  # improves | no_change | deteriorates
    level: float  # relative step at the programme start
    slope: float  # relative change per month after the start
    amplitude: float  # seasonal amplitude on the log scale
    notes: str


def _periods() -> list[str]:
    out = []
    for i in range(N_PERIODS):
        months = (_FIRST_MONTH - 1) + i
        out.append(f"{_FIRST_YEAR + months // 12:04d}-{months % 12 + 1:02d}")
    return out


_T = np.arange(1, N_PERIODS + 1, dtype=float)  # 1 .. 60


_CAL_MONTH = np.array([((_FIRST_MONTH - 1 + i) % 12) + 1 for i in range(N_PERIODS)], dtype=float)


_POST = _T >= START_INDEX


_SINCE = np.where(_POST, _T - START_INDEX, 0.0)


def _season(amplitude: float) -> np.ndarray:
    """Multiplicative winter factor, peak between December and January."""
    return np.exp(amplitude * np.cos(2.0 * math.pi * (_CAL_MONTH - 0.5) / 12.0))


def _trend(per_year: float) -> np.ndarray:
    return (1.0 + per_year) ** ((_T - 1.0) / 12.0)


def _programme(level: float, slope: float) -> np.ndarray:
    return np.where(_POST, (1.0 + level) * (1.0 + slope) ** _SINCE, 1.0)


def _curve(
    base: float, trend_per_year: float = 0.0, amplitude: float = 0.0, level: float = 0.0, slope: float = 0.0
) -> np.ndarray:
    """Expected value per month, rounded so draws are platform-stable."""
    values = base * _trend(trend_per_year) * _season(amplitude) * _programme(level, slope)
    return np.round(values, 6)


def _neg_binomial(rng: np.random.Generator, mean: np.ndarray, shape: np.ndarray | float) -> np.ndarray:
    """Negative binomial with the given mean and shape (variance = mean + mean^2/shape)."""
    shape = np.broadcast_to(np.asarray(shape, dtype=float), mean.shape)
    p = shape / (shape + mean)
    return rng.negative_binomial(shape, p).astype(np.int64)


def build(seed: int = DEFAULT_SEED) -> dict[str, pd.DataFrame]:
    """Build the demo tables without writing them.

    Returns a dict with ``"measures"``, ``"indicators"`` and
    ``"true_effects"`` DataFrames (columns as in the files; ``numerator`` is
    float, ``denominator`` a nullable integer, blank for counts and amounts).
    The random draws are made in a fixed order, one group of measures after another.
    """
    rng = np.random.default_rng(seed)
    # Resident population aged 65+: ~59,000 growing 1.6% a year (deterministic).
    pop = np.round(59_000 * _trend(0.016)).astype(np.int64)
    draws = _Draws()
    for step in _DRAW_STEPS:
        step(rng, pop, draws)
    assert set(draws.num) == {m.measure_id for m in _CATALOGUE}
    return {
        "measures": _measures_frame(),
        "indicators": _indicators_frame(draws),
        "true_effects": _true_effects_frame(draws),
    }


@dataclass
class _Draws:
    """The simulated series by measure id: numerator, denominator (None for counts and amounts), true effect."""

    num: dict[str, np.ndarray] = field(default_factory=dict)
    den: dict[str, np.ndarray | None] = field(default_factory=dict)
    eff: dict[str, _Effect] = field(default_factory=dict)


def _surveys(rng: np.random.Generator, pop: np.ndarray, draws: _Draws) -> None:
    """Service-user and carer surveys (no seasonality)."""
    num, den, eff = draws.num, draws.den, draws.eff
    resp = np.maximum(rng.poisson(200, N_PERIODS), 150)
    e = _Effect(
        "improves",
        0.10,
        0.0,
        0.0,
        "Base 74% satisfied; step +10% relative (about +7.4 points) from 2018-04, no pre-trend.",
    )
    num["su_satisfaction"] = rng.binomial(resp, _curve(0.74, level=e.level, slope=e.slope))
    den["su_satisfaction"], eff["su_satisfaction"] = resp, e

    resp = np.maximum(rng.poisson(120, N_PERIODS), 80)
    e = _Effect("no_change", 0.0, 0.0, 0.0, "Base 66% satisfied, flat; pure binomial noise.")
    num["carer_satisfaction"] = rng.binomial(resp, _curve(0.66))
    den["carer_satisfaction"], eff["carer_satisfaction"] = resp, e

    reable = rng.poisson(np.round(pop * 1.8e-3 * _programme(0.15, 0.0), 6))
    e = _Effect(
        "improves",
        0.10,
        0.0,
        0.0,
        "Base 81% at home; step +10% relative (about +8.1 points) from 2018-04. "
        "Discharges into reablement (denominator) also rise 15% with the programme.",
    )
    num["home_at_91_days"] = rng.binomial(reable, _curve(0.81, level=e.level, slope=e.slope))
    den["home_at_91_days"], eff["home_at_91_days"] = reable, e


def _acs(rng: np.random.Generator, pop: np.ndarray, draws: _Draws) -> None:
    """ACS admissions, their bed-nights and spend."""
    num, den, eff = draws.num, draws.den, draws.eff
    adm_e = _Effect(
        "improves",
        -0.12,
        -0.004,
        0.12,
        "Base 4.0 per 1,000 a month, +1%/year per head before the programme; "
        "step -12% and a further -0.4%/month from 2018-04; winter peak; Poisson.",
    )
    acs_adm = rng.poisson(pop * _curve(4.0e-3, 0.01, adm_e.amplitude, adm_e.level, adm_e.slope))
    num["acs_admissions"], den["acs_admissions"], eff["acs_admissions"] = acs_adm, pop, adm_e

    # Length of stay of ACS spells: mean 7.8 nights, -1%/year, -6% step, small winter rise;
    # each spell's nights negative binomial (shape 2), so the monthly total given n
    # admissions is negative binomial with shape 2 n.
    los_level, los_amp = -0.06, 0.03
    acs_los = _curve(7.8, -0.01, los_amp, los_level, 0.0)
    acs_nights = _neg_binomial(rng, np.round(acs_adm * acs_los, 6), np.maximum(acs_adm, 1) * 2.0)
    e = _Effect(
        "improves",
        round((1 + adm_e.level) * (1 + los_level) - 1, 6),
        adm_e.slope,
        adm_e.amplitude + los_amp,
        "ACS admissions x length of stay (7.8 nights, -1%/year, step -6% from 2018-04); "
        "nights per spell negative binomial (shape 2), so over-dispersed. "
        "Level = (1-0.12)(1-0.06)-1.",
    )
    num["acs_bed_nights"], den["acs_bed_nights"], eff["acs_bed_nights"] = acs_nights, pop, e

    # Cost per ACS spell: £2,450 (2017/18 prices), spell-level sd £900 -> Gaussian mean.
    cost_mean = rng.normal(2450.0, 900.0 / np.sqrt(np.maximum(acs_adm, 1)))
    spend_pounds = np.round(acs_adm * cost_mean, 2)
    e = _Effect(
        "improves",
        adm_e.level,
        adm_e.slope,
        adm_e.amplitude,
        "ACS admissions x mean tariff cost (£2,450, case-mix noise sd £900/sqrt(n)); "
        "falls with admissions: step -12%, -0.4%/month.",
    )
    num["acs_spend"], den["acs_spend"], eff["acs_spend"] = np.round(spend_pounds / 1000.0, 2), None, e
    e = _Effect(
        "no_change", 0.0, 0.0, 0.0, "Mean £2,450 per admission in real terms, flat; Gaussian case-mix noise only."
    )
    num["acs_cost_per_admission"], den["acs_cost_per_admission"] = spend_pounds, acs_adm
    eff["acs_cost_per_admission"] = e


def _discharges(rng: np.random.Generator, pop: np.ndarray, draws: _Draws) -> None:
    """Emergency discharges 65+: readmissions and length of stay."""
    num, den, eff = draws.num, draws.den, draws.eff
    disch = rng.poisson(pop * _curve(10.0e-3, 0.015, 0.08))
    e = _Effect("no_change", 0.0, 0.0, 0.0, "Base 15.5% of discharges, flat; pure binomial noise.")
    num["readmissions_30d"] = rng.binomial(disch, _curve(0.155))
    den["readmissions_30d"], eff["readmissions_30d"] = disch, e

    e = _Effect(
        "improves",
        -0.10,
        -0.001,
        0.04,
        "Base 9.2 days, -1%/year before; step -10% and -0.1%/month from 2018-04 "
        "(discharge to assess); small winter rise; Gaussian mean (patient sd 10 days).",
    )
    los = rng.normal(_curve(9.2, -0.01, e.amplitude, e.level, e.slope), 10.0 / np.sqrt(np.maximum(disch, 1)))
    num["emergency_los"] = np.round(disch * los)
    den["emergency_los"], eff["emergency_los"] = disch, e


def _care_homes_ae_delays(rng: np.random.Generator, pop: np.ndarray, draws: _Draws) -> None:
    """Care homes, A&E and delayed discharges."""
    num, den, eff = draws.num, draws.den, draws.eff
    e = _Effect(
        "improves",
        -0.25,
        -0.008,
        0.0,
        "Base 65 per 100,000 a month, -1%/year before; step -25% and -0.8%/month from 2018-04; Poisson.",
    )
    num["care_home_admissions"] = rng.poisson(pop * _curve(65e-5, -0.01, e.amplitude, e.level, e.slope))
    den["care_home_admissions"], eff["care_home_admissions"] = pop, e

    e = _Effect(
        "deteriorates",
        0.09,
        0.0,
        0.08,
        "Base 25 per 1,000 a month, +2%/year before; step +9% from 2018-04 "
        "(more people at home, more conveyed to A&E); winter peak; Poisson.",
    )
    num["ae_attendances"] = rng.poisson(pop * _curve(25e-3, 0.02, e.amplitude, e.level, e.slope))
    den["ae_attendances"], eff["ae_attendances"] = pop, e

    e = _Effect(
        "deteriorates",
        0.18,
        0.0,
        0.10,
        "Base 1,500 per 100,000 a month, +3%/year before; step +18% from 2018-04 "
        "(home-care capacity did not keep up with Home First discharges); "
        "winter peak; negative binomial (shape 400).",
    )
    num["delayed_discharge_days"] = _neg_binomial(
        rng, np.round(pop * _curve(1500e-5, 0.03, e.amplitude, e.level, e.slope), 6), 400.0
    )
    den["delayed_discharge_days"], eff["delayed_discharge_days"] = pop, e


def _intermediate_care(rng: np.random.Generator, pop: np.ndarray, draws: _Draws) -> None:
    """Intermediate care."""
    num, den, eff = draws.num, draws.den, draws.eff
    e = _Effect(
        "improves",
        0.30,
        0.005,
        0.05,
        "Base 180 a month, +2%/year before; step +30% and +0.5%/month from 2018-04; slight winter peak; Poisson.",
    )
    num["intermediate_care_new"] = rng.poisson(_curve(180.0, 0.02, e.amplitude, e.level, e.slope))
    den["intermediate_care_new"], eff["intermediate_care_new"] = None, e


def _innovation(rng: np.random.Generator, pop: np.ndarray, draws: _Draws) -> None:
    """Innovation: shared care plans and digital referrals."""
    num, den, eff = draws.num, draws.den, draws.eff
    caseload = np.round(rng.normal(_curve(1850.0, 0.04), 12.0)).astype(np.int64)
    e = _Effect(
        "improves",
        0.35,
        0.012,
        0.0,
        "Base 22% of the caseload, rising 6%/year (relative) before; step +35% and "
        "+1.2%/month (relative) from 2018-04; caseload ~1,850 growing 4%/year; binomial.",
    )
    num["shared_care_plans"] = rng.binomial(caseload, _curve(0.22, 0.06, 0.0, e.level, e.slope))
    den["shared_care_plans"], eff["shared_care_plans"] = caseload, e

    e = _Effect(
        "improves",
        0.60,
        0.01,
        0.0,
        "Base 30 a month, +10%/year before (portal piloted 2014); step +60% and +1%/month from 2018-04; Poisson.",
    )
    num["digital_referrals"] = rng.poisson(_curve(30.0, 0.10, e.amplitude, e.level, e.slope))
    den["digital_referrals"], eff["digital_referrals"] = None, e


def _leadership(rng: np.random.Generator, pop: np.ndarray, draws: _Draws) -> None:
    """Leadership: 1-5 scores from a fixed distribution (mean 3.46)."""
    num, den, eff = draws.num, draws.den, draws.eff
    respondents = np.maximum(rng.poisson(45, N_PERIODS), 20)
    probs = np.array([0.05, 0.12, 0.30, 0.38, 0.15])
    tallies = np.array([rng.multinomial(n, probs) for n in respondents])
    e = _Effect(
        "no_change", 0.0, 0.0, 0.0, "Scores 1-5 with fixed probabilities 5/12/30/38/15% (mean 3.46); pure noise."
    )
    num["leadership_score"] = tallies @ np.arange(1, 6)
    den["leadership_score"], eff["leadership_score"] = respondents, e


def _people(rng: np.random.Generator, pop: np.ndarray, draws: _Draws) -> None:
    """People: staff turnover and training."""
    num, den, eff = draws.num, draws.den, draws.eff
    staff = np.round(rng.normal(820.0, 6.0, N_PERIODS)).astype(np.int64)
    e = _Effect(
        "no_change",
        0.0,
        0.0,
        0.0,
        "1.25% of ~820 staff leave each month, flat; pure binomial noise (about 10 leavers).",
    )
    num["staff_turnover"] = rng.binomial(staff, _curve(0.0125))
    den["staff_turnover"], eff["staff_turnover"] = staff, e

    e = _Effect(
        "improves",
        2.0,
        -0.03,
        0.0,
        "Base 10 a month (induction in the old model); training in the new model "
        "triples it from 2018-04 (+200%) and then tapers -3%/month as most staff "
        "are trained; Poisson.",
    )
    num["staff_trained"] = rng.poisson(_curve(10.0, 0.0, 0.0, e.level, e.slope))
    den["staff_trained"], eff["staff_trained"] = None, e


#: The draw steps of :func:`build`, in the order their random numbers are drawn (do not reorder:
#: the demo data would change).
_DRAW_STEPS = (
    _surveys,
    _acs,
    _discharges,
    _care_homes_ae_delays,
    _intermediate_care,
    _innovation,
    _leadership,
    _people,
)


def _measures_frame() -> pd.DataFrame:
    """The measure catalogue table."""
    measures = pd.DataFrame(
        [
            {
                "measure_id": m.measure_id,
                "name": m.name,
                "perspective": m.perspective,
                "unit": m.unit,
                "kind": m.kind,
                "multiplier": m.multiplier,
                "improvement_direction": m.improvement_direction,
                "target": np.nan if m.target is None else m.target,
                "unit_cost": np.nan if m.unit_cost is None else m.unit_cost,
                "description": m.description,
            }
            for m in _CATALOGUE
        ],
        columns=MEASURE_COLUMNS,
    )
    measures["multiplier"] = measures["multiplier"].astype("int64")
    measures["target"] = measures["target"].astype("float64")
    measures["unit_cost"] = measures["unit_cost"].astype("float64")
    return measures


def _indicators_frame(draws: _Draws) -> pd.DataFrame:
    """The indicator table: one row per measure (catalogue order) and month."""
    periods = _periods()
    frames = []
    for m in _CATALOGUE:
        d = draws.den[m.measure_id]
        frames.append(
            pd.DataFrame(
                {
                    "measure_id": m.measure_id,
                    "period": periods,
                    "numerator": np.round(np.asarray(draws.num[m.measure_id], dtype=float), m.numerator_decimals),
                    "denominator": pd.array(
                        [pd.NA] * N_PERIODS if d is None else np.asarray(d, dtype=np.int64), dtype="Int64"
                    ),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)[INDICATOR_COLUMNS]


def _true_effects_frame(draws: _Draws) -> pd.DataFrame:
    """The effects built into each series (the answer key of the demo)."""
    return pd.DataFrame(
        [
            {
                "measure_id": m.measure_id,
                "effect": draws.eff[m.measure_id].effect,
                "level_change_relative": draws.eff[m.measure_id].level,
                "slope_change_relative_per_month": draws.eff[m.measure_id].slope,
                "seasonal_amplitude": draws.eff[m.measure_id].amplitude,
                "notes": draws.eff[m.measure_id].notes,
            }
            for m in _CATALOGUE
        ],
        columns=TRUE_EFFECT_COLUMNS,
    )
