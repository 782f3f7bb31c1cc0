"""Replication of Lopez Bernal, Cummins & Gasparrini (2017), models 1-4.

"Interrupted time series regression for the evaluation of public health
interventions: a tutorial", *International Journal of Epidemiology* 46(1):348-355.
The data (``sicily.csv``: acute coronary events in Sicily, 2002-2006, and the
smoking ban of January 2005) are published by the authors in the public
repository ``gasparrini/2017_lopezbernal_IJE_codedata``; this project does not
redistribute them. Get them with::

    python -m pss_analysis.replication fetch data/external/sicily.csv

(which checks the file's sha256) or download the file yourself, then run
``pss run params/replication_bernal2017.yaml --set data.files.sicily=PATH``.

:data:`PUBLISHED` holds the numbers the authors' R code prints (the paper's
models), so that a report can show them beside ours.

The second example, Linden (2015) on California's Proposition 99 (single group, and against the
38 other states), is :mod:`pss_analysis.replication.linden2015`
(``pss run params/replication_linden2015.yaml --set data.files.prop99=PATH``).
"""

from __future__ import annotations

import argparse
import math
import shutil
import sys
import tempfile
import urllib.request
from pathlib import Path
from typing import Any

import pandas as pd

from pss_analysis.config.manifest import sha256_file
from pss_analysis.errors import DataValidationError
from pss_analysis.methods.its import ItsResult, compare_nested, fit_its

__all__ = ["SICILY_URL", "SICILY_SHA256", "MODELS", "PUBLISHED", "fit_models", "comparison_table", "fetch_sicily"]

#: Where the authors publish the data.
SICILY_URL = "https://raw.githubusercontent.com/gasparrini/2017_lopezbernal_IJE_codedata/master/sicily.csv"
#: sha256 of the authors' file.
SICILY_SHA256 = "780806fc955e64e559d28d31a41a20933ed88c6351ce8788aada23df06047fb8"
#: The ban starts at time 37 (January 2005).
INTERRUPTION = 37

#: The four models of the tutorial (the authors' R code), as fit_its arguments.
MODELS: dict[str, dict[str, Any]] = {
    "1 Poisson": {"family": "poisson", "slope_change": False},
    "2 quasi-Poisson": {"family": "quasipoisson", "slope_change": False},
    "3 quasi-Poisson + seasonality": {
        "family": "quasipoisson",
        "slope_change": False,
        "seasonality": {"type": "fourier", "k": 2, "period": 12, "column": "month"},
    },
    "4 = 3 + slope change": {
        "family": "quasipoisson",
        "slope_change": True,
        "seasonality": {"type": "fourier", "k": 2, "period": 12, "column": "month"},
    },
}

#: The published estimates (coefficient, standard error, rate ratio and 95% CI; dispersion).
PUBLISHED = pd.DataFrame(
    [
        ("1 Poisson", "level_change", -0.1116284, 0.0172248, 0.894377, 0.864686, 0.925086, None),
        ("1 Poisson", "pre_trend", 0.0049450, 0.0004992, 1.004957, None, None, None),
        ("2 quasi-Poisson", "level_change", -0.1116284, 0.0324959, 0.894377, 0.839189, 0.953193, 3.559195),
        (
            "3 quasi-Poisson + seasonality",
            "level_change",
            -0.1220868,
            0.0270311,
            0.885072,
            0.839401,
            0.933227,
            2.262186,
        ),
        ("3 quasi-Poisson + seasonality", "pre_trend", 0.0053892, 0.0007955, None, None, None, 2.262186),
        ("4 = 3 + slope change", "level_change", -0.1318592, 0.0297913, 0.876464, 0.826753, 0.929165, 2.274563),
        ("4 = 3 + slope change", "slope_change", 0.0014822, 0.0018546, 1.001483, 0.997850, 1.005130, 2.274563),
    ],
    columns=["model", "term", "coef", "std_error", "rate_ratio", "rate_ratio_lower", "rate_ratio_upper", "dispersion"],
)


def fit_models(data: pd.DataFrame) -> dict[str, ItsResult]:
    """Fit the tutorial's models 1-4 to ``sicily.csv`` (counts ``aces``, offset ``stdpop``)."""
    missing = [c for c in ("aces", "time", "month", "stdpop") if c not in data.columns]
    if missing:
        raise DataValidationError(
            "missing column",
            column=", ".join(missing),
            expected="year, month, aces, time, smokban, pop, stdpop",
            found=", ".join(map(str, data.columns)),
        )
    return {name: fit_its(data, "aces", "time", INTERRUPTION, offset="stdpop", **spec) for name, spec in MODELS.items()}


def comparison_table(results: dict[str, ItsResult]) -> pd.DataFrame:
    """Published and replicated estimates side by side, one row per published number set.

    ``agree_4sf`` is True when every published number of the row (coefficient, standard error,
    rate ratio and interval) is reproduced to 4 significant figures.
    """
    rows = []
    for rec in PUBLISHED.to_dict("records"):
        result = results[rec["model"]]
        effects = result.effects().set_index("term")
        ours = effects.loc[rec["term"]]
        dispersion = result.diagnostics()["dispersion"] if result.specification["family"] != "poisson" else None
        row = {
            "model": rec["model"],
            "term": rec["term"],
            "published_coef": rec["coef"],
            "coef": float(ours["coef"]),
            "published_std_error": rec["std_error"],
            "std_error": float(ours["std_error"]),
            "published_rate_ratio": rec["rate_ratio"],
            "rate_ratio": float(ours["estimate"]),
            "published_rate_ratio_lower": rec["rate_ratio_lower"],
            "rate_ratio_lower": float(ours["estimate_lower"]),
            "published_rate_ratio_upper": rec["rate_ratio_upper"],
            "rate_ratio_upper": float(ours["estimate_upper"]),
            "published_dispersion": rec["dispersion"],
            "dispersion": dispersion,
        }
        row["agree_4sf"] = all(
            _same_4sf(row[f"published_{k}"], row[k])
            for k in ("coef", "std_error", "rate_ratio", "rate_ratio_lower", "rate_ratio_upper")
            if row[f"published_{k}"] is not None and not pd.isna(row[f"published_{k}"])
        )
        rows.append(row)
    return pd.DataFrame(rows)


def _same_4sf(published: float, ours: float) -> bool:
    """Within half a unit of the 4th significant figure of the published number."""
    return abs(ours - published) <= 0.5 * 10 ** (math.floor(math.log10(abs(published))) - 3)


def model_4_vs_3(results: dict[str, ItsResult]) -> dict[str, float]:
    """The tutorial's F test of the slope-change term (published: F = 0.6388, p = 0.4279)."""
    return compare_nested(results["3 quasi-Poisson + seasonality"], results["4 = 3 + slope change"])


def fetch_sicily(destination: str | Path, *, url: str = SICILY_URL, source: str | Path | None = None) -> Path:
    """Download ``sicily.csv`` (or copy it from ``source``) and check its sha256.

    Nothing is written at ``destination`` unless the checksum matches. When the download fails
    (offline, blocked) the :class:`DataValidationError` names the URL, the expected sha256 and how
    to get the file by hand.
    """
    destination = Path(destination)
    with tempfile.TemporaryDirectory() as tmp:
        staged = Path(tmp) / "sicily.csv"
        if source is not None:
            _copy(source, staged)
        else:
            _download(url, staged)
        digest = sha256_file(staged)
        if digest != SICILY_SHA256:
            raise DataValidationError(
                "the file is not the authors' sicily.csv (sha256 differs)",
                file=str(source or url),
                expected=SICILY_SHA256,
                found=digest,
            )
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(staged), destination)
    return destination


#: What to do when the download fails, with the URL, the checksum and the manual route.
_MANUAL_ROUTE = (
    "download {url} on a machine that can reach it, check that its sha256 is {sha256}, then copy it "
    "here with `python -m pss_analysis.replication fetch DEST --from FILE`, or give it to the report "
    "with `pss run params/replication_bernal2017.yaml --set data.files.sicily=PATH`"
)


def _download(url: str, staged: Path) -> None:
    """Download ``url`` to ``staged``, or say which URL failed, why, and how to get the file by hand."""
    try:
        with urllib.request.urlopen(url, timeout=60) as response, open(staged, "wb") as out:  # noqa: S310
            shutil.copyfileobj(response, out)
    except (OSError, ValueError) as exc:  # URLError, HTTPError and timeouts are OSErrors; a bad URL a ValueError
        reason = getattr(exc, "reason", None) or exc
        raise DataValidationError(
            f"could not download the data ({reason}): " + _MANUAL_ROUTE.format(url=url, sha256=SICILY_SHA256),
            file=url,
        ) from None


def _copy(source: str | Path, staged: Path) -> None:
    try:
        shutil.copyfile(source, staged)
    except OSError as exc:
        raise DataValidationError(
            f"cannot read the file ({exc.strerror or exc})", file=str(source), expected="the authors' sicily.csv"
        ) from None


def main(argv: list[str] | None = None) -> int:
    """``python -m pss_analysis.replication fetch DEST [--from FILE | --url URL]``."""
    parser = argparse.ArgumentParser(
        prog="python -m pss_analysis.replication",
        description="Get the Lopez Bernal et al. (2017) data, checked by sha256.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    fetch = sub.add_parser("fetch", help="download sicily.csv from the authors' repository")
    fetch.add_argument("destination")
    fetch.add_argument("--from", dest="source", help="copy a local file instead of downloading")
    fetch.add_argument("--url", default=SICILY_URL, help="download from this URL (a mirror) instead")
    args = parser.parse_args(argv)
    try:
        path = fetch_sicily(args.destination, url=args.url, source=args.source)
    except (OSError, DataValidationError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"Wrote {path} (sha256 checked)")
    return 0
