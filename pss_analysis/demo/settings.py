"""The demo's fixed settings: the period covered, the programme start, the seed, file names and columns."""

from __future__ import annotations

from pss_analysis.inputs.tables import MEASURE_COLUMNS as CATALOGUE_COLUMNS

__all__ = [
    "PROGRAMME_START",
    "FIRST_PERIOD",
    "N_PERIODS",
    "DEFAULT_SEED",
    "PERSPECTIVES",
    "KINDS",
    "CITY",
    "PROGRAMME",
    "MEASURES_FILE",
    "INDICATORS_FILE",
    "TRUE_EFFECTS_FILE",
    "SCORECARD_FILE",
    "README_FILE",
    "MEASURE_COLUMNS",
    "INDICATOR_COLUMNS",
    "TRUE_EFFECT_COLUMNS",
    "START_INDEX",
]

PROGRAMME_START = "2018-04"


FIRST_PERIOD = "2015-04"


N_PERIODS = 60


DEFAULT_SEED = 20180401


#: The seven default PSS perspectives, in scorecard order.
PERSPECTIVES = (
    "service_user",
    "strategic",
    "financial",
    "operational",
    "innovation",
    "leadership",
    "people",
)


KINDS = ("rate", "proportion", "count", "mean", "amount")


CITY = "Northbrook"


PROGRAMME = "Home First"


MEASURES_FILE = "measures.csv"


INDICATORS_FILE = "indicators.csv"


TRUE_EFFECTS_FILE = "true_effects.csv"


SCORECARD_FILE = "scorecard.yaml"


README_FILE = "README.md"


#: The catalogue's columns, as the measure catalogue reader defines them.
MEASURE_COLUMNS = list(CATALOGUE_COLUMNS)


INDICATOR_COLUMNS = ["measure_id", "period", "numerator", "denominator"]


TRUE_EFFECT_COLUMNS = [
    "measure_id",
    "effect",
    "level_change_relative",
    "slope_change_relative_per_month",
    "seasonal_amplitude",
    "notes",
]


_FIRST_YEAR, _FIRST_MONTH = (int(x) for x in FIRST_PERIOD.split("-"))


_START_YEAR, _START_MONTH = (int(x) for x in PROGRAMME_START.split("-"))


#: 1-based index of the first programme month (37 = 2018-04).
START_INDEX = (_START_YEAR - _FIRST_YEAR) * 12 + (_START_MONTH - _FIRST_MONTH) + 1
