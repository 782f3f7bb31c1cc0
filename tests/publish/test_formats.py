"""The report in every format (HTML, Word, PDF), from real runs of the pipeline.

One run of the demo with ``--to html,pdf,docx`` (built-in renderer) is read back: HTML
parsed, Word with python-docx, PDF with pypdf; each must show the notebook's sections,
numbered figures and tables with the same captions, alt text on every figure, header rows
on every table, and the run's footer. A second, small run uses a catalogue whose names are
HTML and Markdown, which must show as typed. Quarto's command lines are checked against
its documented CLI (and run for real where Quarto is installed).
"""

from __future__ import annotations

import html
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from conftest import DEMO_DATA, DEMO_PARAMS

from pss_analysis.publish import render as render_mod
from pss_analysis.publish.render import QUARTO_FORMATS, quarto_command, quarto_notebook, render
from pss_analysis.run.pipeline import run

FORMATS = ["html", "pdf", "docx"]
HAS_QUARTO = shutil.which("quarto") is not None
SCRIPT = "<script>alert(1)</script>"
MARKDOWNISH = "**not bold** _x_ #heading $1 @ref"
#: characters that break copying and searching a PDF's text; the PDF must have none
INVISIBLE = {"\u200b": "zero-width space", "\u00ad": "soft hyphen"}
#: DejaVu Sans (the report's font) is at most 0.64 em wide for a hexadecimal digit
HEX_EM = 0.64


# -- reading the outputs back -----------------------------------------------------------------
class _Html(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.urls, self.images, self.scripts, self.text = [], [], [], []
        self.figcaptions: list[str] = []
        self.headings: list[str] = []
        self._in, self._caption, self._heading = [], None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self._in.append(tag)
        for key in ("src", "href"):
            if attrs.get(key):
                self.urls.append(attrs[key])
        if tag == "img":
            self.images.append(attrs)
        if tag == "script":
            self.scripts.append(attrs)
        if tag == "figcaption":
            self._caption = ""
        if re.fullmatch(r"h[1-6]", tag):
            self._heading = ""

    def handle_endtag(self, tag):
        if self._in and self._in[-1] == tag:
            self._in.pop()
        if tag == "figcaption" and self._caption is not None:
            self.figcaptions.append(self._caption)
            self._caption = None
        if re.fullmatch(r"h[1-6]", tag) and self._heading is not None:
            self.headings.append(_squash(self._heading))
            self._heading = None

    def handle_data(self, data):
        self.text.append(data)
        if self._caption is not None:
            self._caption += data
        if self._heading is not None:
            self._heading += data


def _own_scripts_only(scripts: list[dict]) -> bool:
    """Whether the page's scripts are only the report's own: no script from another file or host, the
    interactive charts' data and plotly.js (not run as scripts), and at most two inline scripts (the
    table sorting, and the drawing of the charts when there are some)."""
    kinds = [s.get("class") or s.get("id") or ("src" if "src" in s else "inline") for s in scripts]
    allowed = {"pss-plotly-spec", "pss-plotly-js", "inline"}
    return set(kinds) <= allowed and kinds.count("inline") == 1 + ("pss-plotly-js" in kinds)


def _html(path: Path) -> _Html:
    parser = _Html()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def _squash(text: str) -> str:
    return " ".join(text.split())


def _docx(path: Path):
    import docx

    return docx.Document(str(path))


def _docx_text(document) -> str:
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return _squash("\n".join(parts))


def _pdf_text(path: Path) -> tuple[int, str]:
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    return len(reader.pages), _squash("\n".join(page.extract_text() or "" for page in reader.pages))


def _pdf_alt_texts(path: Path) -> list[str]:
    """The /Alt of every /Figure in the PDF's structure tree (tagged PDF)."""
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    found: list[str] = []

    def walk(node):
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, dict):
            if node.get("/S") == "/Figure" and "/Alt" in node:
                found.append(str(node["/Alt"]))
            if "/K" in node:
                walk(node["/K"])
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    return found


def _unmarkdown(text: str) -> str:
    """Markdown text as shown: backslash escapes (escape_text) and entities (html.escape) undone."""
    return html.unescape(re.sub(r"\\(.)", r"\1", text)).strip()


class _Shown:
    """What the executed notebook shows: headings, figure and table captions, alt texts."""

    def __init__(self, notebook: Path):
        nb = nbformat.read(notebook, as_version=4)
        self.headings: list[tuple[int, str]] = []
        self.figures: list[tuple[str, str]] = []
        self.tables: list[str] = []
        self.title = ""
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                self._headings(cell.source)
            for output in cell.get("outputs", []):
                pss = output.get("metadata", {}).get("pss", {})
                if pss.get("kind") == "title":
                    self.title = pss["title"]
                elif pss.get("kind") == "figure":
                    self.figures.append((pss["label"], pss["alt"]))
                elif pss.get("kind") == "table":
                    self.tables.append(pss["label"])
                elif "text/markdown" in output.get("data", {}):
                    self._headings(output["data"]["text/markdown"])

    def _headings(self, markdown: str) -> None:
        for level, text in re.findall(r"^(#{2,6})\s+(.+?)\s*$", markdown, flags=re.M):
            self.headings.append((len(level), _unmarkdown(text)))


# -- the demo in every format ----------------------------------------------------------------
@pytest.fixture(scope="module")
def formats_run(tmp_path_factory):
    reports = tmp_path_factory.mktemp("formats")
    return run(DEMO_PARAMS, to=FORMATS, renderer="builtin", reports_root=reports, say=lambda m: None)


@pytest.fixture(scope="module")
def shown(formats_run):
    return _Shown(formats_run.run_dir / "report.ipynb")


def test_every_format_is_published_with_print_figures(formats_run, shown):
    folder = formats_run.run_dir
    assert [p.name for p in formats_run.report_files] == ["report.html", "report.pdf", "report.docx"]
    outputs = set(formats_run.manifest["outputs"])
    assert {"report.html", "report.pdf", "report.docx"} <= outputs
    stages = [s["stage"] for s in formats_run.manifest["stages"]]
    assert [s for s in stages if s.startswith("render")] == [f"render report.ipynb to {f}" for f in FORMATS]
    svgs = sorted((folder / "figures" / "print").glob("*.svg"))
    assert len(svgs) == len(shown.figures) > 10
    assert len(shown.tables) > 10 and len(shown.headings) > 10


def test_html_is_self_contained_with_every_measure_and_figure(formats_run, shown):
    page = _html(formats_run.run_dir / "report.html")
    assert [u for u in page.urls if re.match(r"^(https?:)?//", u)] == []
    assert _own_scripts_only(page.scripts)
    assert len(page.images) == len(shown.figures)
    assert all(img["src"].startswith("data:image/png;base64,") and img.get("alt") for img in page.images)
    assert [img["alt"] for img in page.images] == [alt for _, alt in shown.figures]
    assert page.figcaptions == [label for label, _ in shown.figures]
    text = _squash(" ".join(page.text))
    for name in pd.read_csv(DEMO_DATA / "measures.csv")["name"]:
        assert name in text, name
    for _, heading in shown.headings:
        assert heading in text
    assert formats_run.run_dir.name in text  # the footer names the run


def test_docx_has_numbered_headings_tables_with_header_rows_and_pictures_with_alt_text(formats_run, shown):
    from docx.oxml.ns import qn

    document = _docx(formats_run.run_dir / "report.docx")
    paragraphs = document.paragraphs
    assert paragraphs[0].style.name == "Title" and paragraphs[0].text == shown.title
    headings = [(int(p.style.name.split()[-1]), p.text) for p in paragraphs if p.style.name.startswith("Heading ")]
    # the notebook's "##" sections are Word's level 1, numbered 1, 1.1, 1.1.1 like the PDF's
    assert [(level, re.sub(r"^[\d.]+\t", "", text)) for level, text in headings] == [
        (level - 1, text) for level, text in shown.headings
    ]
    assert re.match(r"^1\t", headings[0][1]) and re.match(r"^\d+\.\d+\t", next(t for lv, t in headings if lv == 2))

    assert len(document.tables) == len(shown.tables)
    for table in document.tables:
        first = table.rows[0]._tr
        assert first.find(qn("w:trPr")) is not None and first.find(qn("w:trPr")).find(qn("w:tblHeader")) is not None
        assert all(cell.text for cell in table.rows[0].cells)
    captions = [p.text for p in paragraphs if p.style.name == "Table Caption"]
    assert captions == shown.tables

    pictures = document.element.body.findall(".//" + qn("wp:docPr"))
    assert [p.get("descr") for p in pictures] == [" ".join(alt.split()) for _, alt in shown.figures]
    assert [p.text for p in paragraphs if p.style.name == "Image Caption"] == [label for label, _ in shown.figures]
    blips = document.element.body.findall(".//" + qn("a:blip"))
    svg = "{http://schemas.microsoft.com/office/drawing/2016/SVG/main}svgBlip"
    assert len(blips) == len(shown.figures) and all(b.find(".//" + svg) is not None for b in blips)

    footer = " ".join(p.text for p in document.sections[0].footer.paragraphs)
    manifest = formats_run.manifest
    assert formats_run.run_dir.name in footer and manifest["pss_analysis_version"] in footer
    assert manifest["parameters_sha256"][:12] in footer and "PSS-FOOTER" not in footer


def test_pdf_has_title_page_contents_numbered_sections_captions_and_alt_text(formats_run, shown):
    path = formats_run.run_dir / "report.pdf"
    pages, text = _pdf_text(path)
    assert pages >= 20
    assert text.startswith(shown.title)
    assert "Contents" in text
    first = shown.headings[0][1]
    assert f"1 {first}" in text  # numbered
    for _, heading in shown.headings:
        assert heading in text, heading
    for label, _ in shown.figures:
        assert _squash(label) in text, label
    for label in shown.tables:
        assert _squash(label) in text, label
    assert formats_run.run_dir.name in text and formats_run.manifest["parameters_sha256"][:12] in text
    assert f"Page 2 of {pages - 1}" in text  # the title page is not counted
    assert _pdf_alt_texts(path) == [" ".join(alt.split()) for _, alt in shown.figures]


def test_pdf_text_copies_as_written_and_long_checksums_fit_the_page(formats_run):
    from pypdf import PdfReader

    reader = PdfReader(str(formats_run.run_dir / "report.pdf"))
    raw = "\n".join(page.extract_text() for page in reader.pages)
    for char, name in INVISIBLE.items():
        assert char not in raw, f"{name} in the PDF's text"
    assert "admission_method" in raw and "primary_diagnosis" in raw  # identifiers as written
    overflowing, checksums = [], 0
    for number, page in enumerate(reader.pages, start=1):
        right = float(page.mediabox.width)

        def visit(text, cm, tm, font, size, right=right, number=number):
            nonlocal checksums
            for digits in re.findall(r"[0-9a-f]{16,}", text):
                checksums += 1
                end = cm[4] + tm[4] + (text.index(digits) + len(digits)) * size * HEX_EM
                if end > right:
                    overflowing.append((number, digits, round(end)))

        page.extract_text(visitor_text=visit)
    assert checksums > 5  # the appendix's file checksums, each broken into lines that fit
    assert overflowing == []


# -- user text shows as typed ------------------------------------------------------------------
NASTY = [
    SCRIPT,
    MARKDOWNISH,
    "A & B &amp; C &lt;x&gt;",
    "1. not a list - nor this",
    "[link](http://x.y) `code`",
    "back\\slash ~~no~~ ^sup^ <!-- c --> | a | b |",
    "cost $5 and $10",
    "line\nbreak   spaces",
    "Home First - report",
]


@pytest.mark.parametrize("text", NASTY)
def test_escape_text_reads_back_as_typed_in_jupyter_and_pandoc_markdown(text):
    """escape_text's output, read by nbconvert's Markdown (HTML report) and pandoc's (Word, PDF)."""
    import pypandoc
    from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

    from pss_analysis.reporting.document import escape_text

    markdown = f"#### {escape_text(text)}\n\n{escape_text(text)}"
    expected = " ".join(text.split())
    parser = _Html()
    # as nbconvert renders Markdown outputs (markdown2html_mistune), without the heading anchors
    parser.feed(MarkdownWithMath(renderer=IPythonRenderer(escape=False, exclude_anchor_links=True)).render(markdown))
    assert parser.scripts == [] and parser.headings == [expected]
    assert _squash(" ".join(parser.text)) == f"{expected} {expected}"
    plain = pypandoc.convert_text(markdown, "plain", format=render_mod.PANDOC_MARKDOWN, extra_args=["--wrap=none"])
    assert plain.split("\n\n")[0].strip() == expected and plain.split("\n\n")[1].strip() == expected


@pytest.fixture(scope="module")
def escaping_run(tmp_path_factory):
    """Two measures whose names are HTML and Markdown, and a title and programme like them."""
    folder = tmp_path_factory.mktemp("escaping")
    measures = pd.read_csv(DEMO_DATA / "measures.csv")
    measures.loc[measures["measure_id"] == "su_satisfaction", "name"] = SCRIPT
    measures.loc[measures["measure_id"] == "acs_admissions", "name"] = MARKDOWNISH
    measures.to_csv(folder / "measures.csv", index=False)
    (folder / "params.yaml").write_text(
        "\n".join(
            [
                f"title: 'Evaluation {MARKDOWNISH} <i>x</i>'",
                "programme:",
                f"  name: '{SCRIPT}'",
                "  start: 2018-04",
                "data:",
                f"  measures: {folder / 'measures.csv'}",
                f"  indicators: {DEMO_DATA / 'indicators.csv'}",
                "report:",
                "  name: escaping",
                "  measures: [su_satisfaction, acs_admissions]",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    result = run(
        folder / "params.yaml", to=FORMATS, renderer="builtin", reports_root=folder / "reports", say=lambda m: None
    )
    page = _html(result.run_dir / "report.html")
    document = _docx(result.run_dir / "report.docx")
    pdf = _pdf_text(result.run_dir / "report.pdf")[1]
    return {
        "html": _squash(" ".join(page.text)),
        "docx": _docx_text(document),
        "pdf": pdf,
        "headings": {
            "html": page.headings,
            "docx": [
                re.sub(r"^[\d.]+\t", "", p.text) for p in document.paragraphs if p.style.name.startswith("Heading")
            ],
            "pdf": pdf,
        },
        "scripts": page.scripts,
        "raw_html": (result.run_dir / "report.html").read_text(encoding="utf-8"),
    }


def _has_heading(escaping_run, fmt, text):
    headings = escaping_run["headings"][fmt]
    if fmt == "pdf":  # the numbered heading (and its line in the contents)
        return re.search(r"\b\d+\.\d+\.\d+ " + re.escape(text), headings) is not None
    return text in headings


@pytest.mark.parametrize("fmt", FORMATS)
def test_measure_named_like_html_shows_as_text(escaping_run, fmt):
    assert _has_heading(escaping_run, fmt, SCRIPT)
    assert escaping_run[fmt].count(SCRIPT) >= 5  # heading, captions, tables
    if fmt == "html":
        assert _own_scripts_only(escaping_run["scripts"]) and SCRIPT not in escaping_run["raw_html"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_title_and_programme_from_user_text_show_as_typed(escaping_run, fmt):
    assert f"Evaluation {MARKDOWNISH} <i>x</i>" in escaping_run[fmt]
    assert f"Programme: {SCRIPT}" in escaping_run[fmt]


@pytest.mark.parametrize("fmt", FORMATS)
def test_measure_named_like_markdown_shows_as_typed(escaping_run, fmt):
    assert _has_heading(escaping_run, fmt, MARKDOWNISH)


# -- Quarto ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "fmt, to, output",
    [("html", "html", "report.html"), ("docx", "docx", "report.docx"), ("pdf", "typst", "report.pdf")],
)
def test_quarto_command_lines_follow_the_documented_cli(tmp_path, fmt, to, output):
    """quarto.org/docs/cli/render: ``quarto render [input] --to FORMAT --output FILE --no-execute -M KEY:VALUE``;
    PDF through Typst is the ``typst`` format (quarto.org/docs/output-formats/typst)."""
    command = quarto_command(
        tmp_path / "report.ipynb",
        fmt,
        output,
        "My title: a <b>test</b>",
        {"subtitle": "Sub", "author": "", "date": "2026-01-02"},
    )
    assert Path(command[0]).name == "quarto" and command[1:3] == ["render", "report.ipynb"]
    assert "--no-execute" in command and "--execute" not in command
    assert command[command.index("--to") + 1] == to == QUARTO_FORMATS[fmt]
    assert command[command.index("--output") + 1] == output and "/" not in output  # a file name, no path
    metadata = [command[i + 1] for i, a in enumerate(command) if a == "-M"]
    assert {"echo:false", "warning:false", "title:My title: a <b>test</b>", "subtitle:Sub", "date:2026-01-02"} <= set(
        metadata
    )
    assert ("embed-resources:true" in metadata) == (fmt == "html")
    assert not any(m.startswith("author:") for m in metadata)  # empty values are left out
    assert all(re.fullmatch(r"[\w-]+:.*", m, flags=re.S) for m in metadata)  # KEY:VALUE, as flags.ts parses


def test_quarto_format_options_file_is_a_quarto_project():
    import yaml

    options = yaml.safe_load(render_mod.QUARTO_TEMPLATE.read_text(encoding="utf-8"))
    assert options["project"]["type"] == "default"
    formats = options["format"]
    assert set(formats) == set(QUARTO_FORMATS.values())
    assert all(f["toc"] and f["shift-heading-level-by"] == -1 for f in formats.values())
    assert formats["docx"]["reference-doc"] == "reference.docx" and formats["docx"]["number-sections"]
    assert formats["typst"]["section-numbering"] and formats["html"]["embed-resources"]


@pytest.mark.parametrize("fmt", ["html", "docx", "pdf"])
def test_quarto_notebook_keeps_captions_alt_text_and_footer(formats_run, shown, tmp_path, fmt):
    nb, title = quarto_notebook(formats_run.run_dir / "report.ipynb", fmt, tmp_path, "FOOTER <run>")
    assert title.title == shown.title
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not any(o.get("metadata", {}).get("pss", {}).get("kind") == "title" for o in outputs)
    figures = [o["data"]["text/markdown"] for o in outputs if "![" in o.get("data", {}).get("text/markdown", "")]
    if fmt == "html":
        assert figures == []  # Quarto takes the HTML <figure> (caption, alt) for HTML
    else:
        assert len(figures) == len(shown.figures)
        first = re.fullmatch(r'!\[(.*)\]\((figures/\S+)\)\{fig-alt="(.*)"\}', figures[0], flags=re.S)
        assert first and (tmp_path / first.group(2)).is_file()
        assert first.group(2).endswith(".svg" if fmt == "pdf" else ".png")
        assert _unmarkdown(first.group(1)) == shown.figures[0][0]
    assert nb.cells[-1].cell_type == "markdown" and "FOOTER \\<run\\>" in nb.cells[-1].source
    loaders = [o for o in outputs if 'id="pss-plotly-js"' in o.get("data", {}).get("text/html", "")]
    assert len(loaders) == (fmt == "html")  # plotly.js once, for the interactive charts, in HTML only


@pytest.mark.skipif(
    not HAS_QUARTO,
    reason="Quarto is not installed here (no 'quarto' on PATH); the Quarto renderer is tested wherever it is",
)
@pytest.mark.parametrize("fmt", FORMATS)
def test_quarto_renders_every_format_for_real(formats_run, shown, tmp_path, fmt):
    notebook = tmp_path / "report.ipynb"
    shutil.copytree(formats_run.run_dir / "figures", tmp_path / "figures")
    shutil.copyfile(formats_run.run_dir / "report.ipynb", notebook)
    info = render(
        notebook,
        renderer="quarto",
        fmt=fmt,
        out_dir=tmp_path,
        stem="report",
        title=shown.title,
        footer=f"run {formats_run.run_dir.name}",
    )
    assert info.renderer == "quarto" and info.output == tmp_path / f"report.{fmt}" and info.output.stat().st_size
    if fmt == "html":
        text = _squash(" ".join(_html(info.output).text))
    elif fmt == "docx":
        text = _docx_text(_docx(info.output))
    else:
        text = _pdf_text(info.output)[1]
    assert shown.headings[0][1] in text and formats_run.run_dir.name in text
    assert _squash(shown.figures[0][0]) in text
