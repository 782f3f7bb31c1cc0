"""The golden executed notebook (tests/golden/report_demo.ipynb) and its nbval check.

``make test`` runs the golden with strict nbval::

    pytest tests/golden/report_demo.ipynb --nbval --nbval-current-env \
        --nbval-sanitize-with tests/golden/sanitize.cfg

which re-executes it and compares every output, masked only by ``sanitize.cfg``. The tests
here check that the committed golden is what that check needs (small, outputs kept,
nothing machine-specific), that the sanitiser masks only what differs between machines,
and that the check fails when one digit of one number the report shows changes.
Regenerate the golden with ``.venv/bin/python tests/golden/make_golden.py``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT

GOLDEN_DIR = ROOT / "tests" / "golden"
GOLDEN = GOLDEN_DIR / "report_demo.ipynb"
SANITIZE = GOLDEN_DIR / "sanitize.cfg"


def _patterns() -> list[tuple[str, str]]:
    # as nbval reads the file (nbval.plugin.get_sanitize_patterns)
    return re.findall(r"^regex: (.*)$\n^replace: (.*)$", SANITIZE.read_text(encoding="utf-8"), flags=re.MULTILINE)


def _sanitize(text: str) -> str:
    for regex, replace in _patterns():
        text = re.sub(regex, replace, text)
    return text


def test_golden_is_small_with_outputs_and_relative_parameters():
    nb = nbformat.read(GOLDEN, as_version=4)
    assert GOLDEN.stat().st_size < 400_000
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1
    assert 'params_file = "params.yaml"' in injected[0].source
    assert 'output_dir = "../../reports/golden"' in injected[0].source
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert len(outputs) > 20
    assert not any("image/png" in o.get("data", {}) for o in outputs)  # nbval does not compare them
    text = GOLDEN.read_text(encoding="utf-8")
    assert str(ROOT) not in text and "/home/" not in text  # no local paths committed
    shown = json.dumps([o.get("data", {}) for o in outputs])
    for name in ("Service users satisfied with their care", "Mean length of stay"):
        assert name in shown


@pytest.mark.parametrize(
    "text, masked",
    [
        (
            "Run: 20261122T083624Z-af6764 (2026-11-22T08:36:25+00:00), pss-analysis 0.2.0",
            "Run: <RUN-ID> (<TIMESTAMP>), pss-analysis <VERSION>",
        ),
        ("<td>/home/me/pss/data/demo/indicators.csv</td>", "<td><DIR>/indicators.csv</td>"),
        ("<td>C:\\Users\\me\\pss\\params.yaml</td>", "<td><DIR>\\params.yaml</td>"),
        ("<object at 0x7f3a2c1d9e50>", "<object at 0x<ADDRESS>>"),
        ("Linux-6.8.0-45-generic-x86_64-with-glibc2.39", "<PLATFORM>"),
        ('<img src="data:image/png;base64,iVBORw0KGgo+/=="/>', '<img src="data:image/png;base64,<IMAGE>"/>'),
    ],
)
def test_sanitizer_masks_what_differs_between_machines(text, masked):
    assert _sanitize(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "<td>0.997</td>",
        "<td>2.61e-26</td>",
        "<td>+13.0%</td>",
        "<td>2018-04</td>",
        "<td>1,234</td>",
        "per 1,000 people aged 65+",
        "rose by 13% (95% CI 7.7% to 18%)",
        "a/b and 1/2",
        "£ per admission",
    ],
)
def test_sanitizer_leaves_the_numbers_and_words_shown(text):
    assert _sanitize(text) == text


def test_sanitizer_masks_only_the_software_table():
    software = (
        '<table class="dataframe pss-table">\n'
        "  <caption>Table 9: Software and versions</caption>\n"
        "  <thead><tr><th>item</th></tr></thead><tbody><tr><td>pandas</td><td>2.2.3</td></tr></tbody>\n</table>"
    )
    assert _sanitize(software) == (
        '<table class="dataframe pss-table">\n  <caption>Table 9: Software and versions</caption><SOFTWARE></table>'
    )
    other = software.replace("Software and versions", "Each measure")
    assert _sanitize(other) == other


def _tampered_copy(tmp_path: Path) -> tuple[Path, str, str]:
    """The golden in a copy of its folder layout with one digit of one shown estimate changed."""
    golden_dir = tmp_path / "tests" / "golden"
    golden_dir.mkdir(parents=True)
    (golden_dir / "params.yaml").write_bytes((GOLDEN_DIR / "params.yaml").read_bytes())
    # a copy, not a link: the report shows input paths relative to the parameter file
    shutil.copytree(ROOT / "data" / "demo", tmp_path / "data" / "demo")
    nb = nbformat.read(GOLDEN, as_version=4)
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            html = output.get("data", {}).get("text/html", "")
            found = re.search(
                r"segmented regression estimates.*?Immediate change[^<]*</td>\s*<td[^>]*>([\d.]+)</td>",
                html,
                flags=re.S,
            )
            if found:
                value = found.group(1)
                changed = value[:-1] + str((int(value[-1]) + 1) % 10)
                start, end = found.span(1)
                output["data"]["text/html"] = html[:start] + changed + html[end:]
                nbformat.write(nb, golden_dir / GOLDEN.name)
                return golden_dir / GOLDEN.name, value, changed
    raise AssertionError("no segmented regression estimate found in the golden notebook")


def test_strict_nbval_fails_when_one_shown_number_changes(tmp_path):
    """nbval, as ``make test`` runs it, on the golden with one digit changed: that cell, and only it, fails."""
    tampered, value, changed = _tampered_copy(tmp_path)
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(tampered),
            "--nbval",
            "--nbval-current-env",
            "--nbval-sanitize-with",
            str(SANITIZE),
            "-p",
            "no:cacheprovider",
            "-q",
            "--rootdir",
            str(tmp_path),
            "-c",
            str(tmp_path / "pytest.ini"),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=900,
        env=env,
    )
    report = done.stdout + done.stderr
    assert done.returncode == 1, report[-3000:]
    assert re.search(r"\b1 failed, \d+ passed\b", report), report[-3000:]
    assert f">{value}</td>" in report and f">{changed}</td>" in report
