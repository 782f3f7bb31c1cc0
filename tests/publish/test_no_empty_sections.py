"""Without a scorecard the report has no strategy map and no balance section, in any format.

A real ``pss run`` (subprocess, built-in renderer, ``--to html,pdf,docx``) of a parameter
file with ``data.measures`` and no ``data.scorecard``: the two sections that need a map are
left out, heading included, and the sections, figures and tables that remain are numbered
1, 2, 3... without a gap in HTML, PDF and Word.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from conftest import write_params
from docx.oxml.ns import qn
from test_formats import _docx, _html, _pdf_text

MAP_SECTIONS = ("Strategy map", "Balance of contributions and risks")


@pytest.fixture(scope="module")
def catalogue_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("catalogue")
    params = write_params(folder)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"}
    done = subprocess.run(
        [sys.executable, "-m", "pss_analysis", "run", str(params), "--renderer", "builtin", "--to", "html,pdf,docx"],
        cwd=folder,
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return folder / "reports" / "test" / "latest"


def _numbers_run_on(numbers: list[int]) -> bool:
    return numbers == list(range(1, len(numbers) + 1))


def test_html_has_no_map_sections_and_numbers_without_gaps(catalogue_run):
    page = _html(catalogue_run / "report.html")
    source = (catalogue_run / "report.html").read_text(encoding="utf-8")
    sections = re.findall(r"<h2 id=\"[^\"]*\">([^<]+)", source)
    assert sections[:2] == ["Board summary", "Executive summary"] and "Methods" in sections
    for name in MAP_SECTIONS:
        assert name not in sections
        assert not any(h.startswith(name) for h in page.headings), page.headings
    assert "No scorecard was given" not in " ".join(page.text)
    # sections are numbered by a CSS counter on every h2 of a rendered-Markdown block, so
    # leaving a heading out leaves no gap; figures and tables carry their own numbers
    assert ".jp-RenderedHTMLCommon h2 { counter-increment: pss-h2" in source
    text = " ".join(page.text)
    for kind in ("Figure", "Table"):
        numbers = [int(n) for n in dict.fromkeys(re.findall(rf"\b{kind} (\d+):", text))]
        assert numbers and _numbers_run_on(numbers), (kind, numbers)


def test_pdf_and_word_number_their_sections_without_gaps(catalogue_run):
    sections = re.findall(r"<h2 id=\"[^\"]*\">([^<]+)", (catalogue_run / "report.html").read_text(encoding="utf-8"))
    sections = [" ".join(s.split()) for s in sections]

    document = _docx(catalogue_run / "report.docx")
    top = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert [t.split("\t", 1)[1] for t in top] == sections
    assert _numbers_run_on([int(t.split("\t", 1)[0]) for t in top]), top
    # the contents, filled in before Word updates it, lists the same sections with the same numbers
    contents = [p.text for p in document.element.body.iter(qn("w:p")) if p.style == "TOC1"]
    assert contents == top
    captions = " ".join(p.text for p in document.paragraphs if p.style.name in ("Table Caption", "Image Caption"))
    for kind in ("Figure", "Table"):
        numbers = [int(n) for n in re.findall(rf"\b{kind} (\d+):", captions)]
        assert sorted(numbers) == list(range(1, len(numbers) + 1)), (kind, numbers)

    _, text = _pdf_text(catalogue_run / "report.pdf")
    for name in MAP_SECTIONS:
        assert not re.search(rf"\b\d+ {name}", text), name
    position = 0
    for number, name in enumerate(sections, start=1):  # in order, in the contents and the text
        found = text.find(f"{number} {name}", position)
        assert found >= 0, (number, name)
        position = found
