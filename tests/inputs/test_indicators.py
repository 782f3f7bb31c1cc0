"""pss_analysis.inputs.indicators: definitions, the DuckDB and pandas engines, standardisation, record-level demo."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import DEMO_DATA

from pss_analysis import demo
from pss_analysis.demo import records as demo_records
from pss_analysis.errors import DataValidationError, ParameterError
from pss_analysis.inputs import indicators
from pss_analysis.inputs.indicators import (
    ENGINES,
    ESP2013,
    band_labels,
    compute_indicators,
    compute_indicators_checked,
    definitions_table,
    dsr_dobson,
    parse_definition,
    poisson_limits,
    standard_weights,
)

RECORDS = DEMO_DATA / "records"


def test_public_names_are_documented():
    for name in indicators.__all__:
        obj = getattr(indicators, name)
        assert not callable(obj) or obj.__doc__, name
    for name in demo_records.__all__:
        obj = getattr(demo_records, name)
        assert not callable(obj) or obj.__doc__, name


# ---- definitions ------------------------------------------------------------------------

BASIC = {
    "source": "admissions",
    "period": "discharge_date",
    "where": [
        {"column": "admission_method", "equals": "emergency"},
        {"column": "age", "min": 65},
        {"column": "primary_diagnosis", "codes": "acs_codes", "match": "prefix"},
    ],
    "denominator": {"source": "population", "period": "period", "value": "population"},
    "multiplier": 1000,
}


def _fails(mapping, key, *fragments):
    with pytest.raises(ParameterError) as info:
        parse_definition(mapping, measure_id="acs", file="scorecard.yaml")
    text = str(info.value)
    assert text.startswith(f"scorecard.yaml, key 'acs.indicator.{key}': measure 'acs': "), text
    for fragment in fragments:
        assert fragment in text, text
    return text


def test_parse_basic_definition():
    d = parse_definition(BASIC, measure_id="acs")
    assert d.source == "admissions" and d.period == "discharge_date" and d.multiplier == 1000
    assert [c.op for c in d.where] == ["equals", "min", "codes"]
    assert d.where[2].match == "prefix" and d.code_lists == ("acs_codes",)
    assert d.numerator.statistic == "count"
    assert d.files_used == ("admissions", "acs_codes", "population")


@pytest.mark.parametrize(
    ("change", "key", "fragments"),
    [
        ({"sorce": "x"}, "sorce", ["unknown key; did you mean 'source'?"]),
        ({"where": [{"column": "age", "min": "65"}]}, "where[0].min", ["expected a number", "found '65'"]),
        ({"where": [{"column": "age", "minimum": 65}]}, "where[0].minimum", ["did you mean 'min'?"]),
        ({"where": [{"column": "age"}]}, "where[0]", ["a condition needs one of"]),
        ({"where": [{"column": "x", "equals": True}]}, "where[0].equals", ["true/false", "quote it"]),
        ({"where": [{"column": "x", "in": ["a", 1]}]}, "where[0].in", ["mixes text and numbers"]),
        ({"where": [{"column": "x", "between": [5, 1]}]}, "where[0].between", ["low is above high"]),
        (
            {"where": [{"column": "x", "codes": "c", "match": "fuzzy"}]},
            "where[0].match",
            ["expected one of exact, prefix"],
        ),
        ({"where": [{"column": "x", "equals": "a", "match": "prefix"}]}, "where[0].match", ["codes only"]),
        ({"numerator": "sum"}, "numerator", ["expected count, or {statistic: sum"]),
        ({"numerator": {"statistic": "sum"}}, "numerator.column", ["required key is missing"]),
        (
            {"numerator": {"statistic": "sum", "column": "c", "decimals": 12}},
            "numerator.decimals",
            ["a whole number from 0 to 9"],
        ),
        (
            {"numerator": {"statistic": "sum", "column": "c", "divide_by": 0}},
            "numerator.divide_by",
            ["cannot divide by zero"],
        ),
        ({"denominator": {"source": "population"}}, "denominator.value", ["required key is missing"]),
        ({"breakdowns": [{"column": "age", "bands": [75, 65]}]}, "breakdowns[0].bands", ["must increase"]),
        ({"breakdowns": ["locality", "locality"]}, "breakdowns[1]", ["used twice"]),
        ({"standardise": {"age": "age", "bands": [65, 72]}}, "standardise.bands", ["multiples of 5"]),
        (
            {"standardise": {"age": "age", "bands": [65, 75], "standard": "who"}},
            "standardise.standard",
            ["expected one of esp2013"],
        ),
        (
            {"denominator": {"statistic": "count"}, "standardise": {"age": "age", "bands": [65]}},
            "denominator",
            ["needs a population table"],
        ),
        ({"first_period": "April"}, "first_period", ["a month as YYYY-MM"]),
        ({"first_period": "2016-05", "last_period": "2016-04"}, "last_period", ["before the first"]),
        ({"multiplier": "1,000"}, "multiplier", ["expected a number"]),
    ],
)
def test_definition_errors_name_measure_and_key(change, key, fragments):
    _fails({**BASIC, **change}, key, *fragments)


def test_required_keys():
    _fails({"period": "d"}, "source", "required key is missing")
    _fails({"source": "s"}, "period", "required key is missing")


def test_definition_from_yaml_round_trip():
    text = """
    source: admissions
    period: discharge_date
    where:
      - {column: locality, in: [Central, Riverside]}
      - {column: age, between: [65, 120]}
    numerator: {statistic: sum, column: cost, decimals: 2, divide_by: 1000, round: 2}
    breakdowns: [locality, {column: age, bands: [65, 75, 85], name: age_band}]
    first_period: 2015-04
    """
    d = parse_definition(yaml.safe_load(text), measure_id="spend")
    assert d.breakdowns[1].labels == ("65-74", "75-84", "85+")
    assert str(d.first_period) == "2015-04" and d.last_period is None
    assert d.where[1].value == (65.0, 120.0)


def test_definitions_table_is_plain_english():
    defs = [parse_definition(m, measure_id=k) for k, m in demo_records.DEFINITIONS.items()]
    table = definitions_table(defs)
    assert list(table["measure_id"]) == list(demo_records.DEFINITIONS)
    row = table.set_index("measure_id").loc["acs_admissions"]
    assert row["records"] == (
        "admission_method is 'emergency'; age is at least 65; locality is one of 'Central', "
        "'Riverside', 'Hillfoot', 'Eastgate'; primary_diagnosis starts with a code in the "
        "code list 'acs_codes'"
    )
    assert row["numerator"] == "number of records"
    assert row["denominator"] == "sum of population in table 'population' by month of period"
    assert "Dobson's method with exact (chi-square) Poisson limits" in row["standardisation"]
    spend = table.set_index("measure_id").loc["acs_spend"]
    assert spend["numerator"] == (
        "sum of cost (recorded to 2 decimals, added exactly), divided by 1000, rounded to 2 decimals"
    )
    readm = table.set_index("measure_id").loc["readmissions_30d"]
    assert readm["numerator"] == "number of records where readmitted_30d is 'Y'"
    assert readm["denominator"] == "number of records (same records)"


# ---- standard population, Poisson limits, Dobson ----------------------------------------


def test_esp2013_sums_to_100000_and_bands():
    assert sum(ESP2013.values()) == 100_000
    assert band_labels([65, 75, 85]) == ("65-74", "75-84", "85+")
    assert band_labels([0, 17.5]) == ("0-<17.5", "17.5+")
    weights = standard_weights([65, 75, 85])
    assert weights == {"65-74": 10_500.0, "75-84": 6_500.0, "85+": 2_500.0}
    assert sum(standard_weights([0]).values()) == 100_000
    with pytest.raises(ValueError):
        standard_weights([65, 93])


def test_exact_poisson_limits_match_published_tables():
    # 95% exact limits for 10 events: 4.795 and 18.390 (e.g. Breslow and Day 1987, appendix table).
    lower, upper = poisson_limits([0, 10], 0.95)
    assert lower[0] == 0 and upper[0] == pytest.approx(3.689, abs=1e-3)
    assert lower[1] == pytest.approx(4.7954, abs=1e-4) and upper[1] == pytest.approx(18.3904, abs=1e-4)
    b_lower, b_upper = poisson_limits([10, 100], 0.95, "byar")
    assert b_lower[0] == pytest.approx(4.7954, abs=0.01) and b_upper[0] == pytest.approx(18.3904, abs=0.01)
    assert b_lower[1] == pytest.approx(81.36, abs=0.02) and b_upper[1] == pytest.approx(121.63, abs=0.02)


def test_dsr_and_dobson_interval_hand_worked():
    # Three age bands, ESP 2013 weights (65-74 = 5,500 + 5,000; 75-84 = 4,000 + 2,500; 85+ = 1,500 + 1,000):
    #
    #   band    events d   population n   rate d/n   weight w   w d/n    w^2 d / n^2
    #   65-74       10         2,000        0.005     10,500     52.5    10500^2*10/2000^2 =  275.625
    #   75-84       20         1,000        0.020      6,500    130.0     6500^2*20/1000^2 =  845.000
    #   85+         15           500        0.030      2,500     75.0      2500^2*15/500^2  =  375.000
    #   total       45                                19,500    257.5                        1,495.625
    #
    # DSR per 1,000 = 1000 * 257.5 / 19,500                      = 13.2051282...
    # var(DSR)      = 1000^2 * 1,495.625 / 19,500^2              = 3.9332676...
    # O = 45; exact 95% Poisson limits of O from the chi-square distribution:
    #   O_L = chi2(0.025, df 90) / 2 = 65.646618 / 2 = 32.823309
    #   O_U = chi2(0.975, df 92) / 2 = 120.427081 / 2 = 60.213540
    # Dobson: sqrt(var / O) = sqrt(3.9332676 / 45) = 0.29564497
    #   lower = 13.2051282 + 0.29564497 * (32.823309 - 45) = 9.60515
    #   upper = 13.2051282 + 0.29564497 * (60.213540 - 45) = 17.70293
    result = dsr_dobson([10, 20, 15], [2000, 1000, 500], [10_500, 6_500, 2_500], multiplier=1000)
    assert result["rate"] == pytest.approx(13.2051282, abs=1e-7)
    assert result["variance"] == pytest.approx(3.9332676, abs=1e-7)
    assert result["lower"] == pytest.approx(9.60515, abs=1e-5)
    assert result["upper"] == pytest.approx(17.70293, abs=1e-5)
    # Byar's approximation to the limits of O (32.8203, 60.2150) moves them in the fourth figure.
    byar = dsr_dobson([10, 20, 15], [2000, 1000, 500], [10_500, 6_500, 2_500], multiplier=1000, limits="byar")
    assert byar["lower"] == pytest.approx(9.6042, abs=1e-4) and byar["upper"] == pytest.approx(17.7034, abs=1e-4)


def test_standardised_rate_through_the_engine_matches_the_hand_worked_example(tmp_path):
    rows = []
    for age, n in ((70, 10), (80, 20), (90, 15)):
        rows += [{"d": "2016-04-10", "age": age}] * n
    pd.DataFrame(rows).to_csv(tmp_path / "r.csv", index=False)
    pd.DataFrame({"period": "2016-04", "age_band": ["65-74", "75-84", "85+"], "population": [2000, 1000, 500]}).to_csv(
        tmp_path / "p.csv", index=False
    )
    definition = {
        "source": "r",
        "period": "d",
        "where": [{"column": "age", "min": 65}],
        "denominator": {"source": "p", "value": "population"},
        "multiplier": 1000,
        "standardise": {"age": "age", "bands": [65, 75, 85]},
    }
    for engine in ENGINES:
        out, report = compute_indicators_checked(
            {"x": definition}, {"r": tmp_path / "r.csv", "p": tmp_path / "p.csv"}, engine=engine
        )
        row = out.iloc[0]
        assert (row["numerator"], row["denominator"]) == (45.0, 3500.0)
        assert row["standardised_rate"] == pytest.approx(13.2051282, abs=1e-7)
        assert row["standardised_rate_lower"] == pytest.approx(9.60515, abs=1e-5)
        assert row["standardised_rate_upper"] == pytest.approx(17.70293, abs=1e-5)
        assert len(report) == 0


def test_a_filtered_population_table_keeps_each_rows_own_group(tmp_path):
    # the population table has rows the denominator's filter drops (kind 'old' in locality A): the rows it
    # keeps must carry their own locality, so B's population is found and A's is not B's
    pd.DataFrame({"d": ["2016-04-10"] * 3 + ["2016-04-11"] * 2, "loc": ["A", "A", "A", "B", "B"]}).to_csv(
        tmp_path / "r.csv", index=False
    )
    pd.DataFrame(
        {"period": "2016-04", "loc": ["A", "A", "B"], "kind": ["old", "all", "all"], "population": [300, 1000, 500]}
    ).to_csv(tmp_path / "p.csv", index=False)
    definition = {
        "source": "r",
        "period": "d",
        "breakdowns": ["loc"],
        "denominator": {"source": "p", "value": "population", "where": [{"column": "kind", "equals": "all"}]},
        "multiplier": 1000,
    }
    for engine in ENGINES:
        out, report = compute_indicators_checked(
            {"x": definition}, {"r": tmp_path / "r.csv", "p": tmp_path / "p.csv"}, engine=engine
        )
        assert len(report) == 0, engine
        by_loc = out.set_index("loc")
        assert (by_loc.at["A", "numerator"], by_loc.at["A", "denominator"]) == (3.0, 1000.0), engine
        assert (by_loc.at["B", "numerator"], by_loc.at["B", "denominator"]) == (2.0, 500.0), engine


# ---- the record-level demo ------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_files():
    return {name: RECORDS / file for name, file in demo_records.FILES.items()}


@pytest.mark.parametrize("engine", ENGINES)
def test_record_level_demo_reproduces_the_aggregates_exactly(engine, demo_files):
    aggregate = demo.build()["indicators"]
    computed, report = compute_indicators_checked(demo_records.DEFINITIONS, demo_files, engine=engine)
    assert len(report) == 0
    assert len(demo_records.DEFINITIONS) >= 3
    for mid in demo_records.DEFINITIONS:
        a = aggregate[aggregate["measure_id"] == mid].reset_index(drop=True)
        b = computed[computed["measure_id"] == mid].reset_index(drop=True)
        assert b["period"].astype(str).tolist() == a["period"].tolist()
        assert np.array_equal(b["numerator"].to_numpy(), a["numerator"].to_numpy(dtype=float)), mid
        den = a["denominator"].to_numpy(dtype=float, na_value=np.nan)
        assert np.array_equal(b["denominator"].to_numpy(), den, equal_nan=True), mid
    acs = computed[computed["measure_id"] == "acs_admissions"]
    assert acs["standardised_rate"].notna().all()
    assert (acs["standardised_rate_lower"] < acs["standardised_rate"]).all()
    assert (acs["standardised_rate"] < acs["standardised_rate_upper"]).all()


def test_record_level_demo_matches_the_committed_indicator_file(demo_files):
    committed = pd.read_csv(DEMO_DATA / "indicators.csv")
    computed = compute_indicators(demo_records.DEFINITIONS, demo_files)
    for mid in demo_records.DEFINITIONS:
        a = committed[committed["measure_id"] == mid]["numerator"].to_numpy(dtype=float)
        b = computed[computed["measure_id"] == mid]["numerator"].to_numpy()
        assert np.array_equal(a, b), mid


def test_demo_extract_has_records_the_filters_must_exclude():
    records = pd.read_parquet(RECORDS / "admissions.parquet")
    assert (records["age"] < 65).sum() > 1000
    assert (records["admission_method"] == "elective").sum() > 1000
    assert (records["locality"] == demo_records.OUT_OF_AREA).sum() > 100
    assert records["primary_diagnosis"].isin(["E11.9", "I24.1", "N39.0"]).any()
    assert len(records) < 60_000 and (RECORDS / "admissions.parquet").stat().st_size < 2_000_000


def test_committed_demo_records_equal_the_generator_output(tmp_path):
    written = demo_records.write_records(tmp_path)
    for path in written:
        committed = RECORDS / path.name
        if path.suffix == ".parquet":
            pd.testing.assert_frame_equal(pd.read_parquet(path), pd.read_parquet(committed))
        else:
            assert path.read_bytes() == committed.read_bytes(), path.name
    assert yaml.safe_load((RECORDS / "definitions.yaml").read_text()) == demo_records.DEFINITIONS


def test_population_sums_to_the_demo_denominator():
    pop = pd.read_csv(RECORDS / "population.csv", dtype={"period": str})
    agg = demo.build()["indicators"]
    den = agg[agg["measure_id"] == "acs_admissions"].set_index("period")["denominator"].astype(int)
    assert pop.groupby("period")["population"].sum().equals(den.rename("population").rename_axis("period"))


# ---- DuckDB and pandas agree exactly on a random extract -----------------------------

LOCALITIES = ["North", "South", "East", "West"]
CODES = [
    "I50.0",
    "i50.9",
    "I509",
    "J44.1",
    "J44",
    "I10X",
    "I10",
    "E11.6",
    "E11.9",
    "I24.0",
    "I24.1",
    "S72.0",
    "N39.0",
    "J18.9",
    " I48 X",
]


def _random_extract(seed: int, n: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    days = pd.Timestamp("2016-01-01") + pd.to_timedelta(rng.integers(0, 366, n), unit="D")
    age = rng.integers(40, 101, n).astype(float)
    age[rng.random(n) < 0.02] = np.nan
    los = rng.geometric(0.2, n).astype(float) - 1
    los[rng.random(n) < 0.02] = np.nan
    cost = np.round(rng.gamma(3.0, 700.0, n), 2)
    return pd.DataFrame(
        {
            "id": np.arange(n),
            "admitted": days,
            "age": age,
            "sex": rng.choice(["F", "M", None], n, p=[0.5, 0.48, 0.02]),
            "locality": rng.choice([*LOCALITIES, None], n, p=[0.3, 0.3, 0.2, 0.18, 0.02]),
            "code": rng.choice(CODES, n),
            "method": rng.choice(["emergency", "elective", "Emergency"], n, p=[0.7, 0.25, 0.05]),
            "los": los,
            "cost": cost,
        }
    )


def _population(extract: pd.DataFrame, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed + 1)
    months = pd.period_range("2016-01", "2016-12", freq="M").astype(str)
    rows = [
        (m, loc, sex, band, int(rng.integers(500, 3000)))
        for m in months
        for loc in LOCALITIES
        for sex in ("F", "M")
        for band in ("65-74", "75-84", "85+")
    ]
    return pd.DataFrame(rows, columns=["period", "locality", "sex", "age_band", "population"])


RANDOM_DEFINITIONS = {
    "acs_count": {
        "source": "extract",
        "period": "admitted",
        "where": [
            {"column": "method", "equals": "emergency"},
            {"column": "age", "min": 65},
            {"column": "locality", "in": LOCALITIES},
            {"column": "sex", "in": ["F", "M"]},
            {"column": "code", "codes": "codes", "match": "prefix"},
        ],
        "denominator": {"source": "population", "value": "population"},
        "breakdowns": ["locality"],
        "multiplier": 1000,
        "standardise": {"age": "age", "bands": [65, 75, 85], "by": ["sex"]},
    },
    "acs_exact": {
        "source": "extract",
        "period": "admitted",
        "where": [{"column": "code", "codes": "codes"}, {"column": "age", "between": [50, 79.5]}],
        "breakdowns": [{"column": "age", "bands": [50, 65, 75], "name": "age_band"}, "sex"],
    },
    "bed_days": {
        "source": "extract",
        "period": "admitted",
        "where": [{"column": "method", "in": ["emergency", "Emergency"]}, {"column": "age", "max": 90}],
        "numerator": {"statistic": "sum", "column": "los"},
        "denominator": {"statistic": "count", "where": [{"column": "los", "min": 0}]},
        "breakdowns": ["locality"],
    },
    "spend": {
        "source": "extract",
        "period": "admitted",
        "numerator": {
            "statistic": "sum",
            "column": "cost",
            "decimals": 2,
            "divide_by": 1000,
            "round": 2,
            "where": [{"column": "los", "in": [0, 1, 2, 3]}],
        },
        "first_period": "2016-03",
        "last_period": "2017-02",
    },
    "long_stays": {
        "source": "extract",
        "period": "admitted",
        "numerator": {"statistic": "count", "where": [{"column": "los", "min": 14}]},
        "denominator": {"statistic": "count"},
        "breakdowns": [{"column": "age", "bands": [0, 65, 85]}],
    },
}


def _write_extract(folder, extract, fmt):
    if fmt == "parquet":
        path = folder / "extract.parquet"
        extract.to_parquet(path)
    elif fmt == "csv_iso":
        path = folder / "extract.csv"
        extract.assign(admitted=extract["admitted"].dt.strftime("%Y-%m-%d")).to_csv(path, index=False)
    elif fmt == "csv_uk":
        path = folder / "extract_uk.csv"
        extract.assign(admitted=extract["admitted"].dt.strftime("%d/%m/%Y")).to_csv(path, index=False)
    else:
        path = folder / "extract.xlsx"
        extract.to_excel(path, index=False)
    return path


@pytest.mark.parametrize(("fmt", "n"), [("parquet", 30_000), ("csv_iso", 30_000), ("csv_uk", 5_000), ("excel", 600)])
def test_duckdb_and_pandas_agree_exactly(tmp_path, fmt, n):
    extract = _random_extract(20240601 + n, n)
    files = {
        "extract": _write_extract(tmp_path, extract, fmt),
        "population": tmp_path / "population.csv",
        "codes": tmp_path / "codes.csv",
    }
    _population(extract, n).to_csv(files["population"], index=False)
    pd.DataFrame({"code": ["I50", "J44", "I10", "E11.6", "I24.0", "I48", "x"]}).to_csv(files["codes"], index=False)
    duck, duck_report = compute_indicators_checked(RANDOM_DEFINITIONS, files, engine="duckdb")
    pand, pand_report = compute_indicators_checked(RANDOM_DEFINITIONS, files, engine="pandas")
    pd.testing.assert_frame_equal(duck, pand, check_exact=True)
    assert [str(p) for p in duck_report] == [str(p) for p in pand_report]
    # sanity: the engines are not both wrong in the same way
    acs = duck[duck["measure_id"] == "acs_count"]
    prefix = extract["code"].str.upper().str.replace(r"[. ]", "", regex=True).str[:3].isin(["I50", "J44", "I10", "I48"])
    prefix |= extract["code"].str.upper().str.replace(r"[. ]", "", regex=True).str[:4].isin(["E116", "I240"])
    keep = (
        (extract["method"] == "emergency")
        & (extract["age"] >= 65)
        & extract["locality"].notna()
        & extract["sex"].notna()
        & prefix
    )
    assert acs["numerator"].sum() == keep.sum()
    assert len(acs) == 12 * 4 and acs["standardised_rate"].notna().all()
    spend = duck[duck["measure_id"] == "spend"]
    assert spend["period"].astype(str).tolist()[0] == "2016-03" and len(spend) == 12
    assert spend["numerator"].iloc[-1] == 0  # 2017-02: no records, zero-filled
    assert set(duck.loc[duck["measure_id"] == "long_stays", "age_band"]) >= {"0-64", "65-84", "85+"}


def test_csv_and_parquet_give_the_same_result(tmp_path):
    extract = _random_extract(7, 8_000)
    results = []
    for fmt in ("parquet", "csv_iso", "csv_uk"):
        files = {
            "extract": _write_extract(tmp_path, extract, fmt),
            "population": tmp_path / "population.csv",
            "codes": tmp_path / "codes.csv",
        }
        _population(extract, 7).to_csv(files["population"], index=False)
        pd.DataFrame({"code": ["I50", "J44", "E11.6"]}).to_csv(files["codes"], index=False)
        defs = {k: v for k, v in RANDOM_DEFINITIONS.items() if k != "long_stays"}  # 'age' is float vs int text
        results.append(compute_indicators_checked(defs, files)[0])
    pd.testing.assert_frame_equal(results[0], results[1])
    pd.testing.assert_frame_equal(results[0], results[2])


# ---- SQL-injection-looking values are data -----------------------------------------------

NASTY = "North'); DROP TABLE records; --"
NASTY_COLUMN = 'place"; DELETE FROM x; --'


@pytest.mark.parametrize("engine", ENGINES)
def test_injection_looking_values_and_names_are_data(tmp_path, engine):
    frame = pd.DataFrame(
        {
            "d": ["2016-04-01"] * 5,
            NASTY_COLUMN: [NASTY, NASTY, "North", "' OR '1'='1", "South"],
            "n": [1, 2, 3, 4, 5],
        }
    )
    frame.to_csv(tmp_path / "r.csv", index=False)
    files = {"r": tmp_path / "r.csv"}
    defs = {
        "nasty": {"source": "r", "period": "d", "where": [{"column": NASTY_COLUMN, "equals": NASTY}]},
        "or_true": {"source": "r", "period": "d", "where": [{"column": NASTY_COLUMN, "equals": "' OR '1'='1"}]},
        "in_list": {
            "source": "r",
            "period": "d",
            "where": [{"column": NASTY_COLUMN, "in": ["North", "x'); SELECT 1; --"]}],
            "numerator": {"statistic": "sum", "column": "n"},
            "breakdowns": [NASTY_COLUMN],
        },
    }
    out = compute_indicators(defs, files, engine=engine).set_index("measure_id")
    assert out.loc["nasty", "numerator"] == 2
    assert out.loc["or_true", "numerator"] == 1
    in_list = out.loc[["in_list"]]
    assert in_list.set_index(NASTY_COLUMN)["numerator"].to_dict() == {"North": 3.0}
    assert pd.read_csv(tmp_path / "r.csv").shape == (5, 3)  # nothing was changed


# ---- errors in record-level inputs ---------------------------------------------------------


def _small(tmp_path, text, name="r.csv"):
    (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path / name


def test_unknown_file_names_and_missing_columns_are_collected(tmp_path):
    path = _small(tmp_path, "d,age\n2016-04-01,70\n")
    defs = {
        "a": {"source": "nowhere", "period": "d"},
        "b": {"source": "r", "period": "d", "where": [{"column": "sex", "equals": "F"}]},
        "c": {"source": "r", "period": "date"},
    }
    with pytest.raises(DataValidationError) as info:
        compute_indicators(defs, {"r": path})
    report = info.value.report
    assert [p.check for p in report.errors] == ["unknown_file"]
    assert "measure 'a': 'nowhere' is not a name in data.files; expected one of r" in str(report.errors[0])
    with pytest.raises(DataValidationError) as info:
        compute_indicators({k: v for k, v in defs.items() if k != "a"}, {"r": path})
    errors = info.value.report.errors
    assert [(p.check, p.column) for p in errors] == [("missing_column", "sex"), ("missing_column", "date")]
    assert str(errors[0]).startswith(f"{path}, column 'sex': measure 'b': missing column")


@pytest.mark.parametrize("engine", ENGINES)
def test_unreadable_dates_and_numbers_in_records_name_the_row(tmp_path, engine):
    path = _small(tmp_path, "d,age\n2016-04-01,70\n2016-04-02,seventy\n2016-13-01,80\n")
    with pytest.raises(DataValidationError) as info:
        compute_indicators(
            {"a": {"source": "r", "period": "d", "where": [{"column": "age", "min": 65}]}}, {"r": path}, engine=engine
        )
    errors = {(p.check, p.row, p.column, p.found) for p in info.value.report.errors}
    assert errors == {("unparseable_number", 3, "age", "seventy"), ("unparseable_period", 4, "d", "2016-13-01")}


def test_records_dated_by_quarter_are_an_error(tmp_path):
    path = _small(tmp_path, "d\n2016Q1\n")
    with pytest.raises(DataValidationError, match="records are dated by calendar quarter"):
        compute_indicators({"a": {"source": "r", "period": "d"}}, {"r": path})


@pytest.mark.parametrize("engine", ENGINES)
def test_missing_population_months_and_ages_outside_bands(tmp_path, engine):
    records = _small(tmp_path, "d,age\n2016-04-01,70\n2016-05-01,66\n2016-05-03,50\n")
    pop = _small(tmp_path, "period,age_band,population\n2016-04,65-74,100\n", name="p.csv")
    crude = {"source": "r", "period": "d", "denominator": {"source": "p", "value": "population"}}
    with pytest.raises(DataValidationError, match=r"no population for 1 month \(2016-05 to 2016-05\)"):
        compute_indicators({"a": crude}, {"r": records, "p": pop}, engine=engine)
    pop.write_text("period,age_band,population\n2016-04,65-74,100\n2016-05,65-74,100\n")
    standardised = {**crude, "standardise": {"age": "age", "bands": [65]}}
    standardised["standardise"]["bands"] = [65, 75]
    pop.write_text(
        "period,age_band,population\n"
        + "".join(f"{m},{b},100\n" for m in ("2016-04", "2016-05") for b in ("65-74", "75+"))
    )
    with pytest.raises(DataValidationError, match="age outside the bands 65-74, 75"):
        compute_indicators({"a": standardised}, {"r": records, "p": pop}, engine=engine)


def test_population_by_financial_year_is_spread_over_its_months(tmp_path):
    records = _small(tmp_path, "d\n2016-03-31\n2016-04-01\n2016-04-02\n")
    pop = _small(tmp_path, "year,population\n2015/16,1000\n2016/17,1200\n", name="p.csv")
    out = compute_indicators(
        {"a": {"source": "r", "period": "d", "denominator": {"source": "p", "period": "year", "value": "population"}}},
        {"r": records, "p": pop},
    )
    assert out["period"].astype(str).tolist() == ["2016-03", "2016-04"]
    assert out["numerator"].tolist() == [1.0, 2.0] and out["denominator"].tolist() == [1000.0, 1200.0]


def test_duplicated_population_rows_are_errors(tmp_path):
    records = _small(tmp_path, "d\n2016-04-01\n")
    pop = _small(tmp_path, "period,population\n2016-04,1000\n2016-04,1000\n", name="p.csv")
    with pytest.raises(DataValidationError, match="row 3, column 'period': duplicated period"):
        compute_indicators(
            {"a": {"source": "r", "period": "d", "denominator": {"source": "p", "value": "population"}}},
            {"r": records, "p": pop},
        )


def test_non_utf8_record_csv_says_which_encoding(tmp_path):
    path = tmp_path / "r.csv"
    path.write_bytes("d,place\n2016-04-01,Caf\u00e9 \u2019\n".encode("cp1252"))
    for engine in ENGINES:
        with pytest.raises(DataValidationError, match=r"looks like Windows-1252 \(cp1252"):
            compute_indicators(
                {"a": {"source": "r", "period": "d", "breakdowns": ["place"]}}, {"r": path}, engine=engine
            )


def test_missing_dates_and_sum_values_are_warnings(tmp_path):
    path = _small(tmp_path, "d,los\n2016-04-01,3\n,4\n2016-04-02,\n")
    for engine in ENGINES:
        out, report = compute_indicators_checked(
            {"a": {"source": "r", "period": "d", "numerator": {"statistic": "sum", "column": "los"}}},
            {"r": path},
            engine=engine,
        )
        assert out["numerator"].tolist() == [3.0]
        assert [p.check for p in report.warnings] == ["missing_period", "missing_value"]


def test_unknown_engine():
    with pytest.raises(ParameterError, match="unknown engine"):
        compute_indicators({}, {}, engine="spark")


def test_empty_definitions_give_an_empty_table():
    out = compute_indicators({}, {})
    assert list(out.columns) == list(indicators.RESULT_COLUMNS) and out.empty
