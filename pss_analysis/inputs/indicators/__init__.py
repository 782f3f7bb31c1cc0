"""Indicators computed from record-level data by documented definitions.

A measure of the scorecard can say how it is computed from a record-level
extract (one row per admission, attendance, referral ...) under the key
``indicator:`` of its entry. The scorecard loader keeps that mapping as a
plain dict; :func:`parse_definition` checks it once and returns an
:class:`IndicatorDefinition`; :func:`compute_indicators` computes every
definition in DuckDB (or pandas) into the tidy indicator table the rest of
the pipeline uses; :func:`definitions_table` writes the definitions out in
plain English for the report's methods appendix.

The definition schema (every name of a table is a name in the parameter
file's ``data.files``; no SQL text anywhere)::

    indicator:
      source: admissions              # required: record-level table (CSV, Excel or Parquet)
      period: discharge_date          # required: column dating each record; dates are
                                      #   taken to their month (see pss_analysis.inputs.periods)
      where:                          # optional: every condition must hold (AND)
        - {column: admission_method, equals: emergency}
        - {column: age, min: 65}                      # min/max inclusive; also between: [65, 74]
        - {column: locality, in: [Central, Riverside]}
        - {column: primary_diagnosis, codes: acs_codes, match: prefix}
                                      # codes: a CSV in data.files with a `code` column;
                                      #   match: exact (default) or prefix
      numerator: count                # count of records (default), or:
      # numerator: {statistic: sum, column: cost, decimals: 2, divide_by: 1000, round: 2,
      #             where: [...]}     # sum of a column; optional extra conditions
      denominator:                    # optional. Either a table of populations ...
        source: population            #   table in data.files, one row per period (and breakdown)
        period: period                #   its period column (months; quarters and financial
                                      #   years are spread over their months)
        value: population             #   the column summed
        where: [...]                  #   optional conditions on the table
      # denominator: {statistic: count}   # ... or a statistic of the same records (for means)
      breakdowns:                     # optional: one output row per value of each
        - locality
        - {column: age, bands: [65, 75, 85], name: age_band}   # 65-74, 75-84, 85+
      multiplier: 1000                # rate per 1,000 (used for the standardised rate)
      standardise:                    # optional: direct age-standardisation
        age: age                      #   age in years of each record
        bands: [65, 70, 75, 80, 85, 90]   # lower limits of the age bands; the last is open
        band_column: age_band         #   population-table column with labels 65-69 ... 90+
        standard: esp2013             #   2013 European Standard Population (or {label: weight})
        by: [sex]                     #   optional extra strata (age-sex standardisation)
        confidence: 0.95
        limits: exact                 #   Poisson limits of the count: exact (chi-square) or byar
      first_period: 2015-04           # optional: months reported (default: the extract's span)
      last_period: 2020-03
      description: ...                # optional plain-English note

Semantics, identical in both engines:

* A condition on a missing value is false (the record is left out).
* ``equals`` / ``in`` with text compare the field's text exactly (case and
  spaces matter); with numbers they compare the field read as a number.
  ``min``, ``max``, ``between`` read the field as a number.
* Codes (``codes:``) are compared after upper-casing and removing dots and
  spaces on both sides (``I24.0`` = ``I240``); ``prefix`` means the record's
  code starts with a listed code (``I50`` matches ``I50.9``).
* ``sum`` adds the column read as a number (missing values add nothing; a
  warning counts them). Declare ``decimals`` for money: values are then added
  exactly as whole units of 10^-decimals (pence), so the total does not
  depend on the order of addition. The total is then divided by
  ``divide_by`` and rounded to ``round`` decimals (numpy's round half to
  even), in that order.
* Output rows: every month from ``first_period`` to ``last_period`` (default:
  the first to the last month of the whole extract) times every breakdown
  value (from the population table when there is one, else every value seen
  in the counted records; all bands of an age-band breakdown) — months and
  groups with no records get a numerator of 0.

Direct age-standardisation: with ``d_i`` events, ``n_i`` population and
``w_i`` standard-population weight in stratum ``i`` (age band, or age band x
``by`` values; each stratum takes its band's weight), the directly
standardised rate is ``DSR = m * sum(w_i d_i / n_i) / sum(w_i)`` (``m`` the
multiplier), with variance ``var = m^2 * sum(w_i^2 d_i / n_i^2) / sum(w_i)^2``.
Its confidence interval is by **Dobson's method** (Dobson, Kuulasmaa, Eberle
and Scherer 1991, "Confidence intervals for weighted sums of Poisson
parameters", Statistics in Medicine 10:457-462), as in the public-health
indicator methods of Public Health England (Fingertips technical guide,
"Confidence intervals", 2018)::

    lower = DSR + sqrt(var / O) * (O_lower - O)
    upper = DSR + sqrt(var / O) * (O_upper - O)

with ``O = sum d_i`` and ``(O_lower, O_upper)`` the Poisson confidence limits
of ``O``: by default the **exact** limits from the chi-square distribution
(Garwood 1936: ``chi2(alpha/2, 2O) / 2`` and ``chi2(1 - alpha/2, 2O + 2) / 2``);
``limits: byar`` uses Byar's approximation (Breslow and Day 1987), as the PHE
tools do. With ``O = 0`` the rate is 0 and the interval is not defined (NaN).
A stratum with no population and no events adds nothing; with events but no
population it is an error. Rates from fewer than :data:`DSR_MIN_EVENTS` events
get a warning.

The package is split by job: :mod:`~pss_analysis.inputs.indicators.definitions`
(the definition objects and their parser), :mod:`~pss_analysis.inputs.indicators.describe`
(definitions in plain English), :mod:`~pss_analysis.inputs.indicators.standardisation`
(age bands, standard populations, Dobson intervals), :mod:`~pss_analysis.inputs.indicators.engine`
(what both engines share), :mod:`~pss_analysis.inputs.indicators.duckdb_engine` and
:mod:`~pss_analysis.inputs.indicators.pandas_engine`, :mod:`~pss_analysis.inputs.indicators.denominators`
(population tables), :mod:`~pss_analysis.inputs.indicators.finish` (output grid and
standardised rates) and :mod:`~pss_analysis.inputs.indicators.compute` (the entry points).
DuckDB, pyarrow and scipy are imported only when they are used.
"""

from pss_analysis.inputs.indicators.compute import ENGINES, compute_indicators, compute_indicators_checked
from pss_analysis.inputs.indicators.definitions import (
    RESULT_COLUMNS,
    Breakdown,
    Condition,
    IndicatorDefinition,
    Standardisation,
    Statistic,
    TableDenominator,
    parse_definition,
    parse_definitions,
)
from pss_analysis.inputs.indicators.describe import definitions_table
from pss_analysis.inputs.indicators.standardisation import (
    DSR_MIN_EVENTS,
    ESP2013,
    ESP2013_SOURCE,
    band_labels,
    dsr_dobson,
    poisson_limits,
    standard_weights,
)

__all__ = [
    "ESP2013",
    "ESP2013_SOURCE",
    "DSR_MIN_EVENTS",
    "ENGINES",
    "RESULT_COLUMNS",
    "Condition",
    "Statistic",
    "TableDenominator",
    "Breakdown",
    "Standardisation",
    "IndicatorDefinition",
    "parse_definition",
    "parse_definitions",
    "definitions_table",
    "band_labels",
    "standard_weights",
    "poisson_limits",
    "dsr_dobson",
    "compute_indicators",
    "compute_indicators_checked",
]
