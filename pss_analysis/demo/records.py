"""A SYNTHETIC record-level admissions extract behind the demo's aggregate measures.

:func:`build_records` takes the demo's aggregate tables
(:func:`pss_analysis.demo.build`) and invents one row per hospital spell, so
that the indicator definitions in :data:`DEFINITIONS`, computed by
:func:`pss_analysis.inputs.indicators.compute_indicators`, give back **exactly** the
demo's numerators (and denominators) of six measures:

=========================  =====================================================
``acs_admissions``         count of emergency spells of residents aged 65+ with a
                           chronic ACS primary diagnosis; / population 65+
                           (also directly age-standardised to the ESP 2013)
``acs_bed_nights``         sum of their length of stay; / population 65+
``acs_spend``              sum of their cost in pence, / 1000, to 2 decimals
                           (GBP thousand)
``acs_cost_per_admission`` sum of their cost / their count
``emergency_los``          sum of length of stay / count of emergency spells of
                           residents aged 65+ (any diagnosis)
``readmissions_30d``       those spells flagged as readmitted within 30 days /
                           all of them
=========================  =====================================================

Each month (by discharge date; a spell counts in the month it ends) holds the
qualifying spells plus spells the definitions must leave out: patients under
65, elective admissions, and residents of other areas ("Out of area"); and
qualifying spells with near-miss codes that are not chronic ACS (E11.9
diabetes without complication, I24.1 Dressler's syndrome, N39.0 urinary
infection, which is an *acute* ACS condition).

Files written by :func:`write_records` into ``data/demo/records/``:

``admissions.parquet``
    ``admission_id, admission_date, discharge_date`` (dates), ``age``,
    ``sex`` (F/M), ``locality``, ``primary_diagnosis`` (ICD-10, e.g.
    ``I50.0``, ``I10X``), ``admission_method`` (emergency/elective),
    ``length_of_stay`` (nights), ``cost`` (GBP, 2 decimals, 2017/18
    prices), ``readmitted_30d`` (Y/N).
``population.csv``
    ``period`` (YYYY-MM), ``locality, sex, age_band`` (65-69 ... 90+),
    ``population``: residents aged 65+, summing each month to the demo's
    denominator exactly.
``acs_codes.csv``
    ``code, condition``: chronic ambulatory care sensitive conditions, see
    :data:`ACS_CODES`.
``definitions.yaml``
    :data:`DEFINITIONS`, as they go into the demo scorecard under
    ``indicator:`` (with ``data.files`` naming the three files above as
    ``admissions``, ``population`` and ``acs_codes``).
``README.md``
    Says what the files are, and that they are synthetic.

The code list is a plausible, documented subset, **not** a verified copy of
the NHS Outcomes Framework 2.3.i specification: the conditions are those of
indicator 2.3.i (NHS Digital, "Unplanned hospitalisation for chronic
ambulatory care sensitive conditions", indicator assurance IAP00068), with
ICD-10 codes as commonly listed for them in NHS work on ACS conditions; the
specification's extra rules (angina and heart-failure spells excluded when
certain procedures were done; J20 bronchitis only with a secondary COPD
diagnosis, so J20 is left out here) are not applied. Check it against the
current specification before any real use.

Only ``numpy.random.default_rng([seed, RECORDS_STREAM])`` is used, in a fixed
order, so the files are identical on every run.

Run::

    python -m pss_analysis.demo.records [--out data/demo/records] [--seed 20180401]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pss_analysis import demo

__all__ = [
    "RECORDS_STREAM",
    "LOCALITIES",
    "OUT_OF_AREA",
    "AGE_BANDS",
    "ACS_CODES",
    "OTHER_CODES",
    "DEFINITIONS",
    "FILES",
    "build_records",
    "definitions_yaml",
    "write_records",
    "main",
]

#: Second word of the seed, so the records' random stream differs from the aggregates'.
RECORDS_STREAM = 2
#: Northbrook's localities (fictional) and their shares of the population aged 65+.
LOCALITIES = {"Central": 0.30, "Riverside": 0.27, "Hillfoot": 0.23, "Eastgate": 0.20}
#: Locality of patients who live elsewhere (left out of every resident measure).
OUT_OF_AREA = "Out of area"
#: Lower limits of the 5-year age bands of the population table (the last is open: 90+).
AGE_BANDS = (65, 70, 75, 80, 85, 90)
_BAND_LABELS = ("65-69", "70-74", "75-79", "80-84", "85-89", "90+")
#: Share of the population aged 65+ in each band (shape of an English city; invented).
_BAND_SHARE = (0.27, 0.25, 0.19, 0.14, 0.10, 0.05)
#: Share of women in each band (women live longer; invented but typical).
_FEMALE_SHARE = (0.52, 0.53, 0.55, 0.58, 0.63, 0.70)
#: Relative emergency admission rate per head by band (rises steeply with age; invented).
_BAND_RATE = (1.0, 1.5, 2.3, 3.4, 4.8, 6.0)
#: Oldest age drawn.
_MAX_AGE = 101

#: Chronic ACS conditions of NHS Outcomes Framework indicator 2.3.i and ICD-10 codes commonly
#: used for them (a plausible subset, NOT verified against the current specification: see the
#: module docstring). Match by prefix after removing dots: I50 matches I50.0 and I509.
ACS_CODES: tuple[tuple[str, str], ...] = (
    ("B18.0", "Chronic viral hepatitis B"),
    ("B18.1", "Chronic viral hepatitis B"),
    *((f"E1{t}.{k}", "Diabetes complications") for t in range(5) for k in range(9)),
    ("D50.1", "Iron-deficiency anaemia"),
    ("D50.8", "Iron-deficiency anaemia"),
    ("D50.9", "Iron-deficiency anaemia"),
    ("F00", "Dementia"),
    ("F01", "Dementia"),
    ("F02", "Dementia"),
    ("F03", "Dementia"),
    ("G40", "Convulsions and epilepsy"),
    ("G41", "Convulsions and epilepsy"),
    ("R56", "Convulsions and epilepsy"),
    ("O15", "Convulsions and epilepsy"),
    ("I11.0", "Congestive heart failure"),
    ("I50", "Congestive heart failure"),
    ("J81", "Congestive heart failure"),
    ("I20", "Angina"),
    ("I24.0", "Angina"),
    ("I24.8", "Angina"),
    ("I24.9", "Angina"),
    ("I10", "Hypertension"),
    ("I11.9", "Hypertension"),
    ("I48", "Atrial fibrillation and flutter"),
    ("J41", "Chronic obstructive pulmonary disease"),
    ("J42", "Chronic obstructive pulmonary disease"),
    ("J43", "Chronic obstructive pulmonary disease"),
    ("J44", "Chronic obstructive pulmonary disease"),
    ("J47", "Chronic obstructive pulmonary disease"),
    ("J45", "Asthma"),
    ("J46", "Asthma"),
)
#: Codes of the ACS spells drawn (as a hospital extract writes them) and their weights.
_ACS_DRAWN = (
    ("I50.0", 12),
    ("I50.9", 8),
    ("J44.1", 14),
    ("J44.0", 6),
    ("J44.9", 4),
    ("I48X", 9),
    ("I48.9", 3),
    ("I10X", 4),
    ("I11.0", 3),
    ("J45.9", 3),
    ("F03X", 6),
    ("F01.9", 2),
    ("E11.6", 3),
    ("E10.1", 1),
    ("G40.9", 3),
    ("R56.8", 2),
    ("I20.9", 4),
    ("I24.8", 1),
    ("D50.9", 3),
    ("J47X", 2),
    ("J43.9", 2),
    ("B18.1", 1),
)
#: Other diagnoses (not chronic ACS), some of them near misses of the list above.
OTHER_CODES: tuple[tuple[str, int], ...] = (
    ("S72.0", 10),
    ("N39.0", 10),
    ("J18.9", 12),
    ("I21.9", 6),
    ("I63.9", 6),
    ("R69X", 8),
    ("K92.2", 4),
    ("E11.9", 5),
    ("I24.1", 1),
    ("L03.1", 4),
    ("A41.9", 5),
    ("R07.4", 6),
    ("W19X", 5),
    ("E86X", 4),
    ("F05.9", 4),
    ("N17.9", 4),
    ("C34.9", 3),
)

#: Names of the files in ``data.files`` that the definitions use.
FILES = {"admissions": "admissions.parquet", "population": "population.csv", "acs_codes": "acs_codes.csv"}
ADMISSIONS_FILE, POPULATION_FILE, CODES_FILE = FILES["admissions"], FILES["population"], FILES["acs_codes"]
DEFINITIONS_FILE = "definitions.yaml"
README_FILE = "README.md"

_RESIDENT_65 = [
    {"column": "admission_method", "equals": "emergency"},
    {"column": "age", "min": 65},
    {"column": "locality", "in": list(LOCALITIES)},
]
_ACS = {"column": "primary_diagnosis", "codes": "acs_codes", "match": "prefix"}
_POPULATION = {"source": "population", "period": "period", "value": "population"}
_SPEND = {"statistic": "sum", "column": "cost", "decimals": 2}

#: The indicator definitions (``indicator:`` mappings of the demo scorecard) by measure id.
DEFINITIONS: dict[str, dict[str, Any]] = {
    "acs_admissions": {
        "source": "admissions",
        "period": "discharge_date",
        "where": [*_RESIDENT_65, _ACS],
        "numerator": "count",
        "denominator": dict(_POPULATION),
        "multiplier": 1000,
        "standardise": {
            "age": "age",
            "bands": list(AGE_BANDS),
            "band_column": "age_band",
            "standard": "esp2013",
            "confidence": 0.95,
            "limits": "exact",
        },
        "description": "Emergency spells of residents aged 65+ with a chronic ACS primary diagnosis "
        "(NHS Outcomes Framework 2.3.i conditions), by month of discharge.",
    },
    "acs_bed_nights": {
        "source": "admissions",
        "period": "discharge_date",
        "where": [*_RESIDENT_65, _ACS],
        "numerator": {"statistic": "sum", "column": "length_of_stay"},
        "denominator": dict(_POPULATION),
        "multiplier": 1000,
        "description": "Nights in hospital of those spells, counted in the month of discharge.",
    },
    "acs_spend": {
        "source": "admissions",
        "period": "discharge_date",
        "where": [*_RESIDENT_65, _ACS],
        "numerator": {**_SPEND, "divide_by": 1000, "round": 2},
        "description": "Tariff cost of those spells, GBP thousand (2017/18 prices).",
    },
    "acs_cost_per_admission": {
        "source": "admissions",
        "period": "discharge_date",
        "where": [*_RESIDENT_65, _ACS],
        "numerator": {**_SPEND, "round": 2},
        "denominator": {"statistic": "count"},
        "description": "Mean tariff cost per spell: total cost in GBP over the number of spells.",
    },
    "emergency_los": {
        "source": "admissions",
        "period": "discharge_date",
        "where": list(_RESIDENT_65),
        "numerator": {"statistic": "sum", "column": "length_of_stay"},
        "denominator": {"statistic": "count"},
        "description": "Nights of emergency spells of residents aged 65+ (any diagnosis) ending in the month, "
        "over the number of those spells.",
    },
    "readmissions_30d": {
        "source": "admissions",
        "period": "discharge_date",
        "where": list(_RESIDENT_65),
        "numerator": {"statistic": "count", "where": [{"column": "readmitted_30d", "equals": "Y"}]},
        "denominator": {"statistic": "count"},
        "multiplier": 100,
        "description": "Emergency spells of residents aged 65+ followed by another emergency admission within "
        "30 days (flag in the extract), over all those spells.",
    },
}

#: Non-qualifying spells drawn each month (Poisson means): under-65 emergencies, elective spells of
#: people aged 65+, and emergencies of people aged 65+ from other areas.
_UNDER_65, _ELECTIVE, _ELSEWHERE = 60.0, 40.0, 10.0
#: Share of the non-qualifying spells with a chronic ACS code (so the age, method and locality
#: conditions are what leaves them out).
_NONQUALIFYING_ACS = 0.4


def _series(tables: dict[str, pd.DataFrame], measure: str, column: str) -> np.ndarray:
    ind = tables["indicators"]
    return ind.loc[ind["measure_id"] == measure, column].to_numpy(dtype=float)


def _apportion(total: int, shares: np.ndarray) -> np.ndarray:
    """Whole numbers summing to ``total`` in proportion to ``shares`` (largest remainder, ties by order)."""
    raw = total * shares / shares.sum()
    base = np.floor(raw).astype(np.int64)
    rest = total - int(base.sum())
    order = np.argsort(-(raw - base), kind="stable")
    base[order[:rest]] += 1
    return base


def _split(rng: np.random.Generator, total: int, n: int, shape: float) -> np.ndarray:
    """``n`` whole numbers of zero or more summing to ``total``, with gamma(shape) weights."""
    if n == 0:
        if total:
            raise ValueError("cannot split a positive total over no records")
        return np.zeros(0, dtype=np.int64)
    weights = rng.gamma(shape, 1.0, n)
    return rng.multinomial(int(total), weights / weights.sum()).astype(np.int64)


def _codes(rng: np.random.Generator, table: tuple[tuple[str, int], ...], n: int) -> np.ndarray:
    names = np.array([c for c, _ in table], dtype=object)
    weights = np.array([w for _, w in table], dtype=float)
    return names[rng.choice(len(names), size=n, p=weights / weights.sum())]


def _ages(rng: np.random.Generator, n: int, low: int = 65) -> np.ndarray:
    """Ages of spells of people aged ``low``+ (65+: by band share x band rate; else uniform)."""
    if low != 65:
        return rng.integers(low, 65, n)
    p = np.array(_BAND_SHARE) * np.array(_BAND_RATE)
    band = rng.choice(len(AGE_BANDS), size=n, p=p / p.sum())
    lows = np.array(AGE_BANDS)[band]
    highs = np.append(np.array(AGE_BANDS[1:]), _MAX_AGE + 1)[band]
    return rng.integers(lows, highs)


def _population(pop: np.ndarray, periods: list[str]) -> pd.DataFrame:
    cells = [
        (loc, sex, band, ls * bs * (fs if sex == "F" else 1 - fs))
        for loc, ls in LOCALITIES.items()
        for band, bs, fs in zip(_BAND_LABELS, _BAND_SHARE, _FEMALE_SHARE, strict=True)
        for sex in ("F", "M")
    ]
    shares = np.array([c[3] for c in cells])
    rows = []
    for period, total in zip(periods, pop, strict=True):
        for (loc, sex, band, _), count in zip(cells, _apportion(int(total), shares), strict=True):
            rows.append((period, loc, sex, band, int(count)))
    return pd.DataFrame(rows, columns=["period", "locality", "sex", "age_band", "population"])


def build_records(
    tables: dict[str, pd.DataFrame] | None = None, seed: int = demo.DEFAULT_SEED
) -> dict[str, pd.DataFrame]:
    """Build the record-level tables behind ``tables`` (default: ``demo.build(seed)``).

    Returns ``admissions``, ``population`` and ``acs_codes`` DataFrames (see
    the module docstring). Raises ``ValueError`` if the aggregates cannot be
    reproduced (e.g. fewer emergency spells than ACS spells in a month).
    """
    tables = demo.build(seed) if tables is None else tables
    rng = np.random.default_rng([seed, RECORDS_STREAM])
    periods = sorted(tables["indicators"]["period"].unique())
    totals = _Totals.of(tables)
    frames = [_month_records(rng, period, totals, t) for t, period in enumerate(periods)]
    records = pd.concat(frames, ignore_index=True).sort_values(["discharge_date", "_order"], kind="stable")
    codes = pd.DataFrame(list(ACS_CODES), columns=["code", "condition"])
    return {
        "admissions": _admissions(records.reset_index(drop=True)),
        "population": _population(totals.pop, periods),
        "acs_codes": codes,
    }


@dataclass(frozen=True)
class _Totals:
    """The monthly aggregates the records must add up to."""

    acs: np.ndarray  # ACS admissions of residents 65+
    pop: np.ndarray  # resident population 65+
    nights: np.ndarray  # bed-nights of the ACS spells
    pence: np.ndarray  # spend on the ACS spells, in pence
    disch: np.ndarray  # emergency discharges of residents 65+
    bed_days: np.ndarray  # bed-days of those discharges
    readmitted: np.ndarray  # of which readmitted within 30 days

    @classmethod
    def of(cls, tables: dict[str, pd.DataFrame]) -> _Totals:
        totals = cls(
            acs=_series(tables, "acs_admissions", "numerator").astype(np.int64),
            pop=_series(tables, "acs_admissions", "denominator").astype(np.int64),
            nights=_series(tables, "acs_bed_nights", "numerator").astype(np.int64),
            pence=np.rint(_series(tables, "acs_cost_per_admission", "numerator") * 100).astype(np.int64),
            disch=_series(tables, "emergency_los", "denominator").astype(np.int64),
            bed_days=_series(tables, "emergency_los", "numerator").astype(np.int64),
            readmitted=_series(tables, "readmissions_30d", "numerator").astype(np.int64),
        )
        if not np.array_equal(totals.disch, _series(tables, "readmissions_30d", "denominator").astype(np.int64)):
            raise ValueError("readmissions_30d and emergency_los must share their denominator (emergency discharges)")
        if (totals.disch < totals.acs).any() or (totals.bed_days < totals.nights).any():
            raise ValueError("the ACS spells must be a subset of the emergency spells of residents aged 65+")
        return totals


def _localities(rng: np.random.Generator, n: int) -> np.ndarray:
    """Localities of ``n`` residents, drawn with the shares of :data:`LOCALITIES`."""
    locs = np.array(list(LOCALITIES), dtype=object)
    return locs[rng.choice(len(locs), size=n, p=np.array(list(LOCALITIES.values())))]


def _month_records(rng: np.random.Generator, period: str, totals: _Totals, t: int) -> pd.DataFrame:
    """The spells discharged in one month: the qualifying ones, then the others, with dates and a shuffle key."""
    start = pd.Timestamp(period + "-01")
    days = start.days_in_month
    qualifying = _qualifying_spells(rng, totals, t)
    others = [
        _other_spells(rng, mean, method, low, where)
        for mean, method, low, where in (
            (_UNDER_65, "emergency", 18, "resident"),
            (_ELECTIVE, "elective", 65, "resident"),
            (_ELSEWHERE, "emergency", 65, "elsewhere"),
        )
    ]
    month = pd.concat([qualifying, *others], ignore_index=True)
    month["discharge_date"] = start + pd.to_timedelta(rng.integers(0, days, len(month)), unit="D")
    month["admission_date"] = month["discharge_date"] - pd.to_timedelta(month["length_of_stay"], unit="D")
    month["_order"] = rng.random(len(month))
    return month


def _qualifying_spells(rng: np.random.Generator, totals: _Totals, t: int) -> pd.DataFrame:
    """Emergency spells of residents 65+ in month ``t``, adding up to its aggregates exactly."""
    n_q, n_acs = int(totals.disch[t]), int(totals.acs[t])
    los = np.concatenate(
        [
            _split(rng, int(totals.nights[t]), n_acs, 2.0),
            _split(rng, int(totals.bed_days[t] - totals.nights[t]), n_q - n_acs, 1.5),
        ]
    )
    cost_pence = np.concatenate(
        [
            _split(rng, int(totals.pence[t]), n_acs, 6.0),
            np.rint(rng.gamma(4.0, 700.0, n_q - n_acs) * 100).astype(np.int64),
        ]
    )
    diag = np.concatenate([_codes(rng, _ACS_DRAWN, n_acs), _codes(rng, OTHER_CODES, n_q - n_acs)])
    flag = np.full(n_q, "N", dtype=object)
    flag[rng.choice(n_q, size=int(totals.readmitted[t]), replace=False)] = "Y"
    return pd.DataFrame(
        {
            "age": _ages(rng, n_q),
            "sex": np.where(rng.random(n_q) < 0.56, "F", "M"),
            "locality": _localities(rng, n_q),
            "primary_diagnosis": diag,
            "admission_method": "emergency",
            "length_of_stay": los,
            "cost_pence": cost_pence,
            "readmitted_30d": flag,
        }
    )


def _other_spells(rng: np.random.Generator, mean: float, method: str, low: int, where: str) -> pd.DataFrame:
    """Spells that no measure counts (under 65, elective, out of area): a Poisson number of them."""
    n = int(rng.poisson(mean))
    is_acs = rng.random(n) < _NONQUALIFYING_ACS
    diag = np.where(is_acs, _codes(rng, _ACS_DRAWN, n), _codes(rng, OTHER_CODES, n))
    return pd.DataFrame(
        {
            "age": _ages(rng, n, low),
            "sex": np.where(rng.random(n) < 0.5, "F", "M"),
            "locality": _localities(rng, n) if where == "resident" else np.full(n, OUT_OF_AREA, dtype=object),
            "primary_diagnosis": diag,
            "admission_method": method,
            "length_of_stay": rng.geometric(0.25 if method == "emergency" else 0.5, n) - 1,
            "cost_pence": np.rint(rng.gamma(4.0, 600.0, n) * 100).astype(np.int64),
            "readmitted_30d": np.where(rng.random(n) < 0.12, "Y", "N"),
        }
    )


def _admissions(records: pd.DataFrame) -> pd.DataFrame:
    """The admissions table in its published form: ids in discharge order, dates, cost in pounds."""
    return pd.DataFrame(
        {
            "admission_id": [f"NB{i:07d}" for i in range(1, len(records) + 1)],
            "admission_date": records["admission_date"].dt.date,
            "discharge_date": records["discharge_date"].dt.date,
            "age": records["age"].astype("int64"),
            "sex": records["sex"].astype(object),
            "locality": records["locality"].astype(object),
            "primary_diagnosis": records["primary_diagnosis"].astype(object),
            "admission_method": records["admission_method"].astype(object),
            "length_of_stay": records["length_of_stay"].astype("int64"),
            "cost": records["cost_pence"].to_numpy(dtype=np.int64) / 100.0,
            "readmitted_30d": records["readmitted_30d"].astype(object),
        }
    )


#: README cells too long for one line of code.
_ADMISSIONS_COLUMNS = (
    "admission_id, admission_date, discharge_date, age, sex, locality, primary_diagnosis (ICD-10), "
    "admission_method, length_of_stay (nights), cost (GBP, 2017/18 prices), readmitted_30d (Y/N)"
)
_CODES_MEANING = (
    "ICD-10 codes of chronic ambulatory care sensitive conditions (NHS Outcomes Framework 2.3.i "
    "conditions; a plausible subset, not a verified copy of the specification)"
)


def _readme(seed: int, n_records: int) -> str:
    """The README of the record-level extract."""
    rows = "\n".join(f"| `{mid}` | {d['description']} |" for mid, d in DEFINITIONS.items())
    return f"""# Record-level demo extract (SYNTHETIC)

**These data are SYNTHETIC.** They invent one row per hospital spell for the fictional city of
Northbrook so that the demo's aggregate measures can be computed from record-level data by
indicator definitions. No row describes a real person. Generated by

    python -m pss_analysis.demo.records --seed {seed}

(`pss_analysis/demo_records.py`), deterministic: the same seed gives the same data.

| file | what it holds |
|---|---|
| `{ADMISSIONS_FILE}` | {n_records:,} spells: {_ADMISSIONS_COLUMNS} |
| `{POPULATION_FILE}` | residents aged 65+ by month, locality, sex and 5-year age band (65-69 ... 90+) |
| `{CODES_FILE}` | {_CODES_MEANING} |
| `{DEFINITIONS_FILE}` | the indicator definitions, as they go into the demo scorecard under `indicator:` |

Computed by these definitions the extract gives back exactly the numerators and denominators of
`data/demo/indicators.csv` for:

| measure | definition |
|---|---|
{rows}

It also holds spells the definitions must leave out: patients under 65, elective admissions,
residents of other areas (`locality` = "{OUT_OF_AREA}") and diagnoses that are not chronic ACS
conditions (including near misses such as E11.9 and I24.1).
"""


def definitions_yaml(definitions: dict[str, dict[str, Any]] | None = None) -> str:
    """:data:`DEFINITIONS` as YAML: conditions and lists of values on one line each, no anchors."""
    import yaml

    class Dumper(yaml.SafeDumper):
        def ignore_aliases(self, data: Any) -> bool:  # noqa: ARG002 - repeat shared conditions in full
            return True

    def as_list(dumper: yaml.SafeDumper, data: list) -> Any:
        flow = all(not isinstance(v, (dict, list)) for v in data)
        return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)

    def as_dict(dumper: yaml.SafeDumper, data: dict) -> Any:
        scalars = all(not isinstance(v, (dict, list)) for v in data.values())
        flow = ("column" in data and all(not isinstance(v, dict) for v in data.values())) or (
            scalars and "source" in data or data == {"statistic": "count"}
        )
        return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=flow)

    Dumper.add_representer(list, as_list)
    Dumper.add_representer(dict, as_dict)
    return yaml.dump(
        DEFINITIONS if definitions is None else definitions,
        Dumper=Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=110,
    )


def write_records(out_dir: str | Path = Path("data/demo/records"), seed: int = demo.DEFAULT_SEED) -> list[Path]:
    """Write the record-level demo files into ``out_dir`` (created if needed); return their paths."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tables = build_records(seed=seed)
    paths = [out / ADMISSIONS_FILE, out / POPULATION_FILE, out / CODES_FILE, out / DEFINITIONS_FILE, out / README_FILE]
    table = pa.Table.from_pandas(tables["admissions"], preserve_index=False)
    table = table.replace_schema_metadata(None)  # no pandas metadata: plain Parquet, stable bytes
    pq.write_table(table, paths[0], compression="zstd", use_dictionary=True)
    for frame, path in ((tables["population"], paths[1]), (tables["acs_codes"], paths[2])):
        path.write_bytes(frame.to_csv(index=False, lineterminator="\n").encode("utf-8"))
    header = (
        "# Indicator definitions of the demo measures computed from the SYNTHETIC record-level extract.\n"
        "# Paste each under its measure's `indicator:` key in the demo scorecard, with\n"
        "#   data.files: {admissions: ../data/demo/records/admissions.parquet,\n"
        "#                population: ../data/demo/records/population.csv,\n"
        "#                acs_codes: ../data/demo/records/acs_codes.csv}\n"
    )
    paths[3].write_bytes((header + definitions_yaml()).encode("utf-8"))
    paths[4].write_bytes(_readme(seed, len(tables["admissions"])).encode("utf-8"))
    return paths


def main(argv: list[str] | None = None) -> int:
    """Command line: write the files (``--out``, ``--seed``); returns the exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m pss_analysis.demo.records", description="Write the SYNTHETIC record-level demo extract."
    )
    parser.add_argument(
        "--out", type=Path, default=Path("data/demo/records"), help="output directory (default: data/demo/records)"
    )
    parser.add_argument(
        "--seed", type=int, default=demo.DEFAULT_SEED, help=f"random seed (default: {demo.DEFAULT_SEED})"
    )
    args = parser.parse_args(argv)
    for path in write_records(args.out, args.seed):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
