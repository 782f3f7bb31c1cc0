"""Tests for the seeded synthetic demo-data generator (pss_analysis.demo)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pss_analysis import demo

REPO = Path(__file__).resolve().parents[2]
COMMITTED = REPO / "data" / "demo"
FILES = ("measures.csv", "indicators.csv", "true_effects.csv", "scorecard.yaml", "README.md")


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return demo.build(demo.DEFAULT_SEED)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    demo.generate(out, demo.DEFAULT_SEED)
    return out


def _displayed(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """indicators with the displayed value, kind, direction and pre/post flag."""
    m = tables["measures"].set_index("measure_id")
    ind = tables["indicators"].copy()
    kind = ind["measure_id"].map(m["kind"])
    mult = ind["measure_id"].map(m["multiplier"]).astype(float)
    num = ind["numerator"].astype(float)
    den = ind["denominator"].astype("Float64").astype(float)
    ind["value"] = np.where(kind.isin(["count", "amount"]), num, num / den * mult)
    ind["post"] = ind["period"] >= demo.PROGRAMME_START
    return ind


# ---------------------------------------------------------------- constants


def test_constants() -> None:
    assert demo.PROGRAMME_START == "2018-04"
    assert demo.FIRST_PERIOD == "2015-04"
    assert demo.N_PERIODS == 60
    assert demo.DEFAULT_SEED == 20180401
    assert demo.START_INDEX == 37


# ------------------------------------------------------- committed = output


def test_generate_returns_the_files(generated: Path) -> None:
    paths = demo.generate(generated, demo.DEFAULT_SEED)
    assert [p.name for p in paths] == list(FILES)
    assert all(p.is_file() for p in paths)


@pytest.mark.parametrize("name", FILES)
def test_committed_files_match_generator(generated: Path, name: str) -> None:
    committed = COMMITTED / name
    assert committed.is_file(), f"{committed} missing: run python -m pss_analysis.demo"
    assert committed.read_bytes() == (generated / name).read_bytes(), (
        f"data/demo/{name} differs from the generator's output; "
        "regenerate with python -m pss_analysis.demo --out data/demo"
    )


def test_files_use_lf_and_no_index(generated: Path) -> None:
    for name in FILES:
        data = (generated / name).read_bytes()
        assert b"\r" not in data
        assert data.endswith(b"\n")
    header = (generated / "indicators.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == "measure_id,period,numerator,denominator"
    header = (generated / "measures.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == ",".join(demo.MEASURE_COLUMNS)
    header = (generated / "true_effects.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == ",".join(demo.TRUE_EFFECT_COLUMNS)


def test_files_round_trip(generated: Path, tables: dict[str, pd.DataFrame]) -> None:
    ind = pd.read_csv(generated / "indicators.csv", dtype={"period": str})
    assert list(ind.columns) == demo.INDICATOR_COLUMNS
    np.testing.assert_allclose(ind["numerator"], tables["indicators"]["numerator"].astype(float))
    kinds = ind["measure_id"].map(tables["measures"].set_index("measure_id")["kind"])
    blank = kinds.isin(["count", "amount"])
    assert ind.loc[blank, "denominator"].isna().all()
    assert ind.loc[~blank, "denominator"].notna().all()
    measures = pd.read_csv(generated / "measures.csv")
    assert list(measures.columns) == demo.MEASURE_COLUMNS
    pd.testing.assert_series_equal(measures["target"], tables["measures"]["target"], check_dtype=False)
    effects = pd.read_csv(generated / "true_effects.csv")
    assert list(effects.columns) == demo.TRUE_EFFECT_COLUMNS


def test_readme_says_synthetic(generated: Path) -> None:
    text = (generated / "README.md").read_text(encoding="utf-8")
    assert "SYNTHETIC" in text
    assert "python -m pss_analysis.demo --seed 20180401" in text
    assert demo.PROGRAMME_START in text
    for name in ("measures.csv", "indicators.csv", "true_effects.csv", "scorecard.yaml"):
        assert name in text


# ------------------------------------------------------------- structure


def test_periods(tables: dict[str, pd.DataFrame]) -> None:
    ind = tables["indicators"]
    expected = [f"{2015 + (3 + i) // 12}-{(3 + i) % 12 + 1:02d}" for i in range(60)]
    assert expected[0] == "2015-04" and expected[-1] == "2020-03" and expected[36] == "2018-04"
    for mid, g in ind.groupby("measure_id", sort=False):
        assert list(g["period"]) == expected, mid
    assert all(re.fullmatch(r"\d{4}-\d{2}", p) for p in ind["period"])


def test_catalogue(tables: dict[str, pd.DataFrame]) -> None:
    m = tables["measures"]
    assert list(m.columns) == demo.MEASURE_COLUMNS
    assert len(m) >= 15
    assert m["measure_id"].is_unique
    assert set(m["perspective"]) == set(demo.PERSPECTIVES)
    assert set(m["kind"]) <= set(demo.KINDS)
    assert set(m["improvement_direction"]) <= {"increase", "decrease", "neither"}
    assert (m.loc[m["kind"] == "proportion", "multiplier"] == 100).all()
    assert (m.loc[m["kind"].isin(["count", "mean", "amount"]), "multiplier"] == 1).all()
    assert m["name"].str.len().gt(0).all() and m["unit"].str.len().gt(0).all()
    assert m["description"].str.len().gt(20).all()


def test_indicators_match_catalogue_and_sorted(tables: dict[str, pd.DataFrame]) -> None:
    m, ind = tables["measures"], tables["indicators"]
    assert list(ind.columns) == demo.INDICATOR_COLUMNS
    assert set(ind["measure_id"]) == set(m["measure_id"])
    assert list(dict.fromkeys(ind["measure_id"])) == list(m["measure_id"])
    assert ind.groupby("measure_id").size().eq(demo.N_PERIODS).all()
    assert len(ind) == demo.N_PERIODS * len(m)
    assert ind["numerator"].notna().all()


def test_values_are_valid(tables: dict[str, pd.DataFrame]) -> None:
    m = tables["measures"].set_index("measure_id")
    ind = tables["indicators"]
    kind = ind["measure_id"].map(m["kind"])
    num = ind["numerator"].astype(float)
    den = ind["denominator"]

    # denominators: blank exactly for counts and amounts, otherwise positive integers
    no_den = kind.isin(["count", "amount"])
    assert den[no_den].isna().all()
    assert den[~no_den].notna().all()
    assert (den[~no_den].astype("int64") > 0).all()

    assert (num >= 0).all()
    integer_kinds = kind.isin(["rate", "proportion", "count"])
    assert (num[integer_kinds] == np.round(num[integer_kinds])).all()
    assert (num == np.round(num, 2)).all()

    prop = kind == "proportion"
    assert (num[prop] <= den[prop].astype(float)).all()

    # the leadership score is a mean of 1-5 answers
    score = ind[ind["measure_id"] == "leadership_score"]
    ratio = score["numerator"].astype(float) / score["denominator"].astype(float)
    assert ratio.between(1, 5).all()


def test_population_denominator(tables: dict[str, pd.DataFrame]) -> None:
    ind = tables["indicators"]
    pop = ind.loc[ind["measure_id"] == "acs_admissions", "denominator"].astype("int64").to_numpy()
    assert 55_000 < pop[0] < 65_000 and 55_000 < pop[-1] < 66_000
    assert (np.diff(pop) >= 0).all()


# ------------------------------------------------------------ the truth


def test_true_effects_table(tables: dict[str, pd.DataFrame]) -> None:
    te, m = tables["true_effects"], tables["measures"]
    assert list(te.columns) == demo.TRUE_EFFECT_COLUMNS
    assert list(te["measure_id"]) == list(m["measure_id"])
    assert set(te["effect"]) == {"improves", "no_change", "deteriorates"}
    flat = te[te["effect"] == "no_change"]
    assert (flat["level_change_relative"] == 0).all()
    assert (flat["slope_change_relative_per_month"] == 0).all()
    changed = te[te["effect"] != "no_change"]
    assert ((changed["level_change_relative"] != 0) | (changed["slope_change_relative_per_month"] != 0)).all()
    # improvement-direction 'neither' measures cannot improve or deteriorate
    neither = set(m.loc[m["improvement_direction"] == "neither", "measure_id"])
    assert (te.loc[te["measure_id"].isin(neither), "effect"] == "no_change").all()
    # surveys have no seasonality, emergency activity peaks in winter
    amp = te.set_index("measure_id")["seasonal_amplitude"]
    kinds = m.set_index("measure_id")["kind"]
    assert (amp[kinds[kinds == "proportion"].index] == 0).all()
    for mid in ("acs_admissions", "acs_bed_nights", "ae_attendances", "delayed_discharge_days", "acs_spend"):
        assert amp[mid] > 0


def test_recorded_sign_agrees_with_direction(tables: dict[str, pd.DataFrame]) -> None:
    te = tables["true_effects"].set_index("measure_id")
    direction = tables["measures"].set_index("measure_id")["improvement_direction"]
    for mid, row in te.iterrows():
        if row["effect"] == "no_change":
            continue
        up = row["level_change_relative"] > 0
        good = up == (direction[mid] == "increase")
        assert good == (row["effect"] == "improves"), mid


def test_truth_is_visible_in_pre_post_means(tables: dict[str, pd.DataFrame]) -> None:
    ind = _displayed(tables)
    te = tables["true_effects"].set_index("measure_id")
    direction = tables["measures"].set_index("measure_id")["improvement_direction"]
    for mid, g in ind.groupby("measure_id", sort=False):
        effect = te.loc[mid, "effect"]
        if effect == "no_change":
            continue
        pre = g.loc[~g["post"], "value"].mean()
        post = g.loc[g["post"], "value"].mean()
        went_up = post > pre
        wanted_up = (direction[mid] == "increase") == (effect == "improves")
        assert went_up == wanted_up, f"{mid}: pre {pre:.3f} post {post:.3f}, recorded {effect}"


def test_changes_are_large_enough(tables: dict[str, pd.DataFrame]) -> None:
    """Counts/rates move >= 8% relative; proportions >= 5 percentage points."""
    te = tables["true_effects"].set_index("measure_id")
    kinds = tables["measures"].set_index("measure_id")["kind"]
    ind = _displayed(tables)
    for mid, row in te.iterrows():
        if row["effect"] == "no_change":
            continue
        assert abs(row["level_change_relative"]) >= 0.08, mid
        if kinds[mid] == "proportion":
            g = ind[ind["measure_id"] == mid]
            jump = g.loc[g["post"], "value"].head(12).mean() - g.loc[~g["post"], "value"].tail(12).mean()
            assert abs(jump) >= 5, f"{mid}: {jump:.1f} points"


def test_segmented_regression_recovers_the_truth(tables: dict[str, pd.DataFrame]) -> None:
    """A plain segmented GLM/OLS detects every built-in change (seed-fixed, so deterministic)."""
    sm = pytest.importorskip("statsmodels.api")
    m = tables["measures"].set_index("measure_id")
    te = tables["true_effects"].set_index("measure_id")
    t = np.arange(1, demo.N_PERIODS + 1, dtype=float)
    post = (t >= demo.START_INDEX).astype(float)
    since = np.where(post > 0, t - demo.START_INDEX, 0.0)
    for mid, g in tables["indicators"].groupby("measure_id", sort=False):
        month = g["period"].str[5:].astype(int).to_numpy()
        X = np.column_stack(
            [np.ones_like(t), t, post, since, np.sin(2 * np.pi * month / 12), np.cos(2 * np.pi * month / 12)]
        )
        y = g["numerator"].astype(float).to_numpy()
        d = g["denominator"].astype("Float64").astype(float).to_numpy()
        kind = m.loc[mid, "kind"]
        if kind == "rate":
            fit = sm.GLM(y, X, family=sm.families.Poisson(), offset=np.log(d)).fit(scale="X2")
        elif kind == "count":
            fit = sm.GLM(y, X, family=sm.families.Poisson()).fit(scale="X2")
        elif kind == "proportion":
            fit = sm.GLM(y / d, X, family=sm.families.Binomial(), var_weights=d).fit(scale="X2")
        else:
            fit = sm.OLS(np.log(y / d if kind == "mean" else y), X).fit()
        p = float(fit.wald_test(np.eye(6)[[2, 3]], scalar=True).pvalue)
        if te.loc[mid, "effect"] != "no_change":
            assert p < 0.01, f"{mid}: change not detected (p = {p:.3g})"
        else:
            assert p > 0.01, f"{mid}: spurious change (p = {p:.3g})"


# -------------------------------------------------------------- determinism


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    a = demo.generate(tmp_path / "a", demo.DEFAULT_SEED)
    b = demo.generate(tmp_path / "b", demo.DEFAULT_SEED)
    for pa, pb in zip(a, b, strict=True):
        assert pa.read_bytes() == pb.read_bytes(), pa.name


def test_different_seed_different_numbers(tmp_path: Path) -> None:
    a = demo.build(demo.DEFAULT_SEED)["indicators"]
    b = demo.build(demo.DEFAULT_SEED + 1)["indicators"]
    assert list(a["measure_id"]) == list(b["measure_id"])
    assert not a["numerator"].equals(b["numerator"])
    assert (a["numerator"] != b["numerator"]).mean() > 0.5
    demo.generate(tmp_path / "other", demo.DEFAULT_SEED + 1)
    assert (tmp_path / "other" / "indicators.csv").read_bytes() != (COMMITTED / "indicators.csv").read_bytes()
    # the catalogue does not depend on the seed
    pd.testing.assert_frame_equal(demo.build(demo.DEFAULT_SEED)["measures"], demo.build(1)["measures"])


def test_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert demo.main(["--out", str(tmp_path / "cli"), "--seed", str(demo.DEFAULT_SEED)]) == 0
    printed = capsys.readouterr().out.split()
    assert [Path(p).name for p in printed][: len(FILES)] == list(FILES)
    assert (tmp_path / "demo_localities" / "indicators.csv").read_bytes() == (
        COMMITTED.parent / "demo_localities" / "indicators.csv"
    ).read_bytes()
    for name in FILES:
        assert (tmp_path / "cli" / name).read_bytes() == (COMMITTED / name).read_bytes()


# ---------------------------------------------------------------- scorecard


def test_scorecard_does_not_depend_on_the_seed(generated: Path, tmp_path: Path) -> None:
    demo.generate(tmp_path / "other", demo.DEFAULT_SEED + 1)
    assert (tmp_path / "other" / "scorecard.yaml").read_bytes() == (generated / "scorecard.yaml").read_bytes()


def test_scorecard_measures_are_the_catalogue(generated: Path, tables: dict[str, pd.DataFrame]) -> None:
    import yaml

    text = (generated / "scorecard.yaml").read_text(encoding="utf-8")
    assert text.startswith("# SYNTHETIC demo scorecard")
    raw = yaml.safe_load(text)
    assert list(raw) == ["objectives", "measures", "links", "risks", "changes"]
    m = tables["measures"]
    assert [e["measure_id"] for e in raw["measures"]] == list(m["measure_id"])
    for entry, row in zip(raw["measures"], m.to_dict("records"), strict=True):
        for column in ("name", "unit", "kind", "multiplier", "improvement_direction", "description"):
            assert entry[column] == row[column], (entry["measure_id"], column)
    perspective = {o["objective_id"]: o["perspective_id"] for o in raw["objectives"]}
    assert [perspective[e["objective_id"]] for e in raw["measures"]] == list(m["perspective"])
    assert {c["date"][:7] for c in raw["changes"]} >= {demo.PROGRAMME_START, "2018-10"}
