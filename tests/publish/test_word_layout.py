"""The Word report is laid out like the PDF.

One real run of the demo (built-in renderer, ``to=["docx", "pdf"]``) is read back with
python-docx: A4 pages; the tables the PDF sets on landscape pages in landscape sections of
their own; every table at the text width with columns from their texts; figures at the text
width; heading numbers on a tab stop clear of the text; a contents that lists the headings
before Word updates its fields. Where LibreOffice is installed the Word file is converted to
PDF and its pages are looked at: no more than 1.3 times the built-in PDF's pages, nothing
printed in the side margins (no table wider than the text), no table word split across lines,
the contents on page 2 and heading numbers apart from their text.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import DEMO_PARAMS
from test_formats import _docx

from pss_analysis.publish.render.docx_layout import FIGURE_MAX_HEIGHT, LANDSCAPE_END, LANDSCAPE_START, column_widths
from pss_analysis.run.pipeline import run

A4 = (11906, 16838)  # twips
TWIPS_PER_EMU = 1 / 635


@pytest.fixture(scope="module")
def word_run(tmp_path_factory):
    reports = tmp_path_factory.mktemp("word")
    return run(DEMO_PARAMS, to=["docx", "pdf"], renderer="builtin", reports_root=reports, say=lambda m: None)


@pytest.fixture(scope="module")
def document(word_run):
    return _docx(word_run.run_dir / "report.docx")


def _w(tag: str) -> str:
    from docx.oxml.ns import qn

    return qn(f"w:{tag}")


def _sections(document):
    """Each section's blocks (paragraphs and tables, in order) with its sectPr: (sectPr, blocks)."""
    found, blocks = [], []
    for child in document.element.body:
        if child.tag == _w("sectPr"):
            found.append((child, blocks))
            continue
        blocks.append(child)
        sect_pr = child.find(f"{_w('pPr')}/{_w('sectPr')}") if child.tag == _w("p") else None
        if sect_pr is not None:
            found.append((sect_pr, blocks))
            blocks = []
    return found


def _page(sect_pr) -> tuple[int, int, int]:
    """Page width, height and text width (twips) of a section."""
    size, margins = sect_pr.find(_w("pgSz")), sect_pr.find(_w("pgMar"))
    width, height = int(size.get(_w("w"))), int(size.get(_w("h")))
    return width, height, width - int(margins.get(_w("left"))) - int(margins.get(_w("right")))


def _caption(table) -> str:
    caption = table.find(f"{_w('tblPr')}/{_w('tblCaption')}")
    return caption.get(_w("val")) if caption is not None else ""


def _table_number(caption: str) -> str:
    found = re.match(r"(Table \d+):", caption)
    return found.group(1) if found else ""


def _pdf_landscape_tables(path: Path) -> set[str]:
    from pypdf import PdfReader

    found: set[str] = set()
    for page in PdfReader(str(path)).pages:
        if page.mediabox.width > page.mediabox.height:
            found.update(re.findall(r"Table \d+(?=:)", page.extract_text() or ""))
    return found


# -- structure (python-docx) -------------------------------------------------------------------
def test_pages_are_a4_and_the_pdfs_landscape_tables_are_in_landscape_sections(word_run, document):
    sections = _sections(document)
    landscape = set()
    for sect_pr, blocks in sections:
        width, height, _ = _page(sect_pr)
        assert sorted((width, height)) == sorted(A4)
        if width > height:
            assert sect_pr.find(_w("pgSz")).get(_w("orient")) == "landscape"
            tables = [b for b in blocks if b.tag == _w("tbl")]
            assert tables, "a landscape section holds a table"
            landscape.update(_table_number(_caption(t)) for t in tables)
    assert sections[0][0].find(_w("pgSz")).get(_w("orient")) != "landscape"  # title page portrait
    # the board summary and the 13-column dashboard among them, and just the ones the PDF turns
    assert {"Table 1", "Table 6"} <= landscape
    assert landscape == _pdf_landscape_tables(word_run.run_dir / "report.pdf")
    text = "\n".join(p.text for p in document.paragraphs)
    assert LANDSCAPE_START not in text and LANDSCAPE_END not in text
    # every landscape section is followed by a portrait one: the text after the table is portrait again
    orientations = [_page(s)[0] > _page(s)[1] for s, _ in sections]
    assert not orientations[-1] and all(not (a and b) for a, b in zip(orientations, orientations[1:], strict=False))


def test_every_table_is_as_wide_as_the_text_with_columns_from_their_texts(document):
    tables = 0
    for sect_pr, blocks in _sections(document):
        _, _, text_width = _page(sect_pr)
        for table in (b for b in blocks if b.tag == _w("tbl")):
            tables += 1
            tbl_w = table.find(f"{_w('tblPr')}/{_w('tblW')}")
            assert (tbl_w.get(_w("type")), int(tbl_w.get(_w("w")))) == ("dxa", text_width)
            assert table.find(f"{_w('tblPr')}/{_w('tblLayout')}").get(_w("type")) == "fixed"
            grid = [int(c.get(_w("w"))) for c in table.find(_w("tblGrid"))]
            assert sum(grid) == text_width, _caption(table)
            first_row = table.find(_w("tr"))
            cells = [int(c.find(f"{_w('tcPr')}/{_w('tcW')}").get(_w("w"))) for c in first_row.findall(_w("tc"))]
            assert cells == grid
    assert tables >= 40
    # columns from their texts: in the board summary, "measure" (names of measures) is wider than "latest"
    board = next(t for t in document.tables if _caption(t._tbl).startswith("Table 1:"))
    header = [c.text for c in board.rows[0].cells]
    widths = [int(c.get(_w("w"))) for c in board._tbl.find(_w("tblGrid"))]
    assert widths[header.index("measure")] > 1.5 * widths[header.index("latest")]
    # and every table's text is in the 8.5 pt table style, not the 10 pt body text
    styles = {p.style.name for t in document.tables for row in t.rows for c in row.cells for p in c.paragraphs}
    assert styles == {"Table Text"}


def test_column_widths_keep_words_whole_and_share_the_rest_by_text():
    # short texts: in proportion to what they ask, filling the width
    widths = column_widths([10, 30, 5], [10, 8, 5], [6, 6, 5], 9000)
    assert sum(widths) == 9000 and widths[1] > widths[0] > widths[2]
    # long texts: each column has room for its longest word, the rest goes to the long texts
    widths = column_widths([200, 8, 12], [12, 8, 12], [5, 8, 5], 6000)
    assert sum(widths) == 6000 and widths[1] >= 8 * 95 and widths[0] > widths[2]
    # words too long to fit side by side: the header's words stay whole, the longest others break
    widths = column_widths([60] * 6, [40, 40, 40, 40, 40, 6], [15, 4, 4, 4, 4, 6], 6000)
    assert sum(widths) == 6000 and widths[0] >= 15 * 95 and widths[5] >= 6 * 95


def test_figures_are_as_wide_as_the_text(document):
    from docx.oxml.ns import qn

    _, _, text_width = _page(document.element.body.find(_w("sectPr")))
    _, height, _ = _page(document.element.body.find(_w("sectPr")))
    widths, heights = [], []
    for inline in document.element.body.iter(qn("wp:inline")):
        extent = inline.find(qn("wp:extent"))
        cx, cy = int(extent.get("cx")) * TWIPS_PER_EMU, int(extent.get("cy")) * TWIPS_PER_EMU
        assert cx <= text_width + 1 and cy < height
        widths.append(cx)
        heights.append(cy)
    assert len(widths) >= 20
    # all at the text width but the tall ones, kept within FIGURE_MAX_HEIGHT of the page's text height
    sect = document.element.body.find(_w("sectPr"))
    margins = sect.find(_w("pgMar"))
    text_height = height - int(margins.get(_w("top"))) - int(margins.get(_w("bottom")))
    tall = [(w, h) for w, h in zip(widths, heights, strict=True) if abs(w - text_width) > 1]
    assert all(abs(h - text_height * FIGURE_MAX_HEIGHT) <= 20 for _, h in tall), tall
    assert len(tall) <= len(widths) // 4


def _carers_number(document) -> str:
    """The number of the demo's "Carers" heading (the measure section of the carers' measures), tab-separated."""
    texts = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    found = [t.split("\t")[0] for t in texts if "\t" in t and t.split("\t", 1)[1].startswith("Carers")]
    assert found, texts
    return found[0]


def test_heading_numbers_are_apart_from_the_text(document):
    headings = [p for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert re.fullmatch(r"\d+\.1\.2", _carers_number(document))  # e.g. "7.1.2\tCarers": a tab after the number
    for level in (1, 2, 3):
        style = document.styles[f"Heading {level}"]
        indent = style.paragraph_format.left_indent
        # a hanging indent with a tab stop where the text starts: the tab after the number lands there
        assert indent and style.paragraph_format.first_line_indent == -indent
        assert [t.position for t in style.paragraph_format.tab_stops] == [indent]
        numbers = [p.text.split("\t")[0] for p in headings if p.style.name == f"Heading {level}"]
        widest = max(len(n) for n in numbers)  # "6.1.2": at most 0.6 em a character
        assert indent.pt > widest * 0.6 * style.font.size.pt, (level, numbers)


def test_contents_lists_the_headings_before_fields_are_updated(document):
    body = document.element.body
    sdt = body.find(_w("sdt"))
    entries = [p for p in sdt.iter(_w("p")) if (p.find(f"{_w('pPr')}/{_w('pStyle')}") is not None)]
    styles = [p.find(f"{_w('pPr')}/{_w('pStyle')}").get(_w("val")) for p in entries]
    assert styles[0] == "TOCHeading" and set(styles[1:]) == {"TOC1", "TOC2", "TOC3"}

    def text(p):
        shown = {_w("t"): lambda e: e.text or "", _w("tab"): lambda e: "\t"}  # not the field's instruction
        return "".join(shown[e.tag](e) for r in p.iter(_w("r")) for e in r if e.tag in shown)

    headings = [p.text for p in document.paragraphs if p.style.name in ("Heading 1", "Heading 2", "Heading 3")]
    assert [text(p) for p in entries[1:]] == headings
    assert headings[0] == "1\tBoard summary"
    # each entry links to its heading's bookmark
    bookmarks = {b.get(_w("name")) for b in body.iter(_w("bookmarkStart"))}
    anchors = [p.find(_w("hyperlink")).get(_w("anchor")) for p in entries[1:]]
    assert all(a in bookmarks for a in anchors) and len(set(anchors)) == len(anchors)
    # the field is kept (Word can update it, adding page numbers): begin, TOC, separate, entries, end
    kinds = [
        e.get(_w("fldCharType")) or (e.text or "").strip()
        for e in sdt.iter(_w("fldChar"), _w("instrText"))
        if e.tag in (_w("fldChar"), _w("instrText"))
    ]
    assert kinds == ["begin", 'TOC \\o "1-3" \\h \\z \\u', "separate", "end"]
    fld_end = next(e for e in sdt.iter(_w("fldChar")) if e.get(_w("fldCharType")) == "end")
    assert fld_end in list(entries[-1].iter(_w("fldChar")))


# -- as LibreOffice prints it ------------------------------------------------------------------
def _soffice_pdf(docx_file: Path, folder: Path) -> Path:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed; Debian: apt-get install libreoffice-writer-nogui")
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{folder / 'profile'}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            str(docx_file),
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )
    return folder / (docx_file.stem + ".pdf")


@pytest.fixture(scope="module")
def printed(word_run, tmp_path_factory):
    return _soffice_pdf(word_run.run_dir / "report.docx", tmp_path_factory.mktemp("printed"))


@pytest.fixture(scope="module")
def printed_without_figures(word_run, tmp_path_factory):
    """The Word report with its pictures taken out (a chart's own drawing may reach its frame's edge)."""
    from docx.oxml.ns import qn

    folder = tmp_path_factory.mktemp("tables-only")
    document = _docx(word_run.run_dir / "report.docx")
    for drawing in list(document.element.body.iter(qn("w:drawing"))):
        drawing.getparent().remove(drawing)
    document.save(str(folder / "tables.docx"))
    return _soffice_pdf(folder / "tables.docx", folder)


def test_libreoffice_prints_about_as_many_pages_as_the_pdf(word_run, printed):
    from pypdf import PdfReader

    word_pages = len(PdfReader(str(printed)).pages)
    pdf_pages = len(PdfReader(str(word_run.run_dir / "report.pdf")).pages)
    assert word_pages <= 1.3 * pdf_pages, (word_pages, pdf_pages)
    assert word_pages >= 0.7 * pdf_pages, (word_pages, pdf_pages)


def test_libreoffice_prints_no_table_wider_than_the_text(printed_without_figures, tmp_path):
    """The 2 cm side margins stay blank on every page, portrait and landscape (figures taken out)."""
    from PIL import Image

    dpi = 40
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(printed_without_figures), str(tmp_path / "p")], check=True)
    pages = sorted(tmp_path.glob("p-*.png"))
    margin = int(2.0 / 2.54 * dpi) - 2  # a little inside the 2 cm margin
    assert pages
    for path in pages:
        image = Image.open(path).convert("L")
        width, height = image.size
        for box in ((0, 0, margin, height), (width - margin, 0, width, height)):
            darkest = image.crop(box).getextrema()[0]
            assert darkest > 200, (path.name, box)


def test_libreoffice_keeps_table_words_whole_and_heading_numbers_apart(document, printed):
    from pypdf import PdfReader

    pages = [page.extract_text() or "" for page in PdfReader(str(printed)).pages]
    printed_words = set(" ".join(pages).split())
    words = {
        w
        for t in document.tables
        for row in t.rows
        for c in row.cells
        for w in c.text.split()
        if re.fullmatch(r"[A-Za-z]{4,}", w)
    }
    assert len(words) > 200
    assert sorted(words - printed_words) == []  # e.g. not "obse rved", "mont h"
    # the contents shows its entries on page 2, numbers apart from the headings
    carers = f"{_carers_number(document)} Carers"
    assert "Contents" in pages[1] and "1 Board summary" in pages[1] and carers in pages[1]
    text = " ".join(pages)
    assert text.count(carers) == 2 and carers.replace(" ", "") not in text  # in the contents and as the heading


# -- a small notebook: wide tables back to back, a narrow one after ---------------------------------
def _html_table(caption: str, columns: int, text: str) -> str:
    head = "".join(f"<th>column {i}</th>" for i in range(columns))
    row = "".join(f"<td>{text} {i}</td>" for i in range(columns))
    return f"<table><caption>{caption}</caption><thead><tr>{head}</tr></thead><tbody><tr>{row}</tr></tbody></table>"


def test_wide_tables_back_to_back_share_one_landscape_section_as_in_the_pdf(tmp_path):
    import nbformat

    from pss_analysis.publish.render import render

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("tables")
    cell.outputs = [
        nbformat.v4.new_output("display_data", data={"text/html": html})
        for html in (
            _html_table("Table 1: wide", 12, "a longer text in each cell"),
            _html_table("Table 2: wide too", 10, "another longer text in a cell"),
            _html_table("Table 3: narrow", 3, "short"),
        )
    ]
    nb.cells = [nbformat.v4.new_markdown_cell("## Tables\n\nThree tables."), cell]
    nbformat.write(nb, tmp_path / "nb.ipynb")

    options = {"renderer": "builtin", "out_dir": tmp_path, "stem": "out", "title": "T", "footer": ""}
    word = render(tmp_path / "nb.ipynb", fmt="docx", **options)
    document = _docx(word.output)
    sections = _sections(document)
    shapes = [
        (_page(s)[0] > _page(s)[1], [_table_number(_caption(b)) for b in blocks if b.tag == _w("tbl")])
        for s, blocks in sections
    ]
    # title page and text portrait; both wide tables on one landscape section; the narrow one portrait
    assert [landscape for landscape, _ in shapes] == [False, True, False]
    assert shapes[1][1] == ["Table 1", "Table 2"] and shapes[2][1] == ["Table 3"]
    wide, narrow = (_page(sections[1][0])[2], _page(sections[2][0])[2])
    assert [sum(int(c.get(_w("w"))) for c in t._tbl.find(_w("tblGrid"))) for t in document.tables] == [
        wide,
        wide,
        narrow,
    ]

    pdf = render(tmp_path / "nb.ipynb", fmt="pdf", **options)
    assert _pdf_landscape_tables(pdf.output) == {"Table 1", "Table 2"}
