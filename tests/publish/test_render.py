"""Renderer selection, the built-in HTML renderer, and Quarto for real where it is installed."""

from __future__ import annotations

import re
import shutil

import nbformat
import pytest

from pss_analysis.errors import ParameterError
from pss_analysis.publish import render as render_mod
from pss_analysis.publish.render import choose_renderer, quarto_command, render
from pss_analysis.publish.render.html import NO_ALT_TEXT

HAS_QUARTO = shutil.which("quarto") is not None


def _executed_notebook(path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("## A section\n\nSome <b>text</b>."),
        nbformat.v4.new_code_cell("print('hello')"),
    ]
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="hello from the kernel\n")]
    nb.cells[1].execution_count = 1
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def test_auto_picks_quarto_only_when_on_path(monkeypatch):
    monkeypatch.setattr(render_mod.quarto, "quarto_executable", lambda: None)
    assert choose_renderer("auto") == "builtin"
    monkeypatch.setattr(render_mod.quarto, "quarto_executable", lambda: "/opt/quarto/bin/quarto")
    assert choose_renderer("auto") == "quarto"


def test_quarto_requested_but_missing_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(render_mod.quarto, "quarto_executable", lambda: None)
    with pytest.raises(ParameterError, match="no 'quarto' executable is on PATH.*--renderer builtin"):
        choose_renderer("quarto")


def test_unknown_renderer_lists_known_names():
    with pytest.raises(ParameterError, match="auto, quarto, builtin"):
        choose_renderer("latex")


def test_quarto_command_follows_the_documented_cli(tmp_path):
    command = quarto_command(tmp_path / "report.ipynb", "html", "report.html", "My title")
    assert command[1:5] == ["render", "report.ipynb", "--no-execute", "--to"]
    assert command[5] == "html"
    assert command[command.index("--output") + 1] == "report.html"
    metadata = [command[i + 1] for i, a in enumerate(command) if a == "-M"]
    assert {"echo:false", "embed-resources:true", "title:My title"} <= set(metadata)


def test_builtin_renders_self_contained_html_without_code(tmp_path):
    nb = _executed_notebook(tmp_path / "nb.ipynb")
    info = render(
        nb,
        renderer="builtin",
        fmt="html",
        out_dir=tmp_path,
        stem="out",
        title="T <1>",
        footer="pss-analysis test footer",
    )
    html = info.output.read_text()
    assert info.renderer == "builtin" and info.output.name == "out.html"
    assert "hello from the kernel" in html and "print(&#39;hello&#39;)" not in html and "print('hello')" not in html
    assert "cdnjs" not in html and "<script src=" not in html
    assert "pss-analysis test footer" in html
    assert "<title>T &lt;1&gt;</title>" in html


def test_builtin_html_is_mended_gives_pictures_alt_text_and_makes_outputs_focusable(tmp_path):
    """What nbconvert's exporter does last (done on the text, not by a second parse of the page): a heading's
    empty anchor link is closed (a browser leaves ``<a/>`` open over what follows); a picture shown without
    alternative text gets a placeholder, one with its own keeps it; outputs take keyboard focus."""
    nb = nbformat.read(_executed_notebook(tmp_path / "nb.ipynb"), as_version=4)
    dot = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
    bare = nbformat.v4.new_output("display_data", data={"image/png": dot})
    tag = f'<img src="data:image/png;base64,{dot}" alt="A dot">'
    own = nbformat.v4.new_output("display_data", data={"text/html": tag})
    nb.cells[1].outputs += [bare, own]
    nbformat.write(nb, tmp_path / "nb.ipynb")
    info = render(tmp_path / "nb.ipynb", renderer="builtin", fmt="html", out_dir=tmp_path, stem="out")
    html = info.output.read_text()
    assert '<h2 id="A-section">A section<a class="anchor-link" href="#A-section"></a></h2>' in html
    assert not re.search(r"<(?!br|img|meta|link|input|hr|wbr)\w+\b[^<>]*/>", html)
    assert html.count("<img") == 2
    assert html.count(f'alt="{NO_ALT_TEXT}"') == 1 and html.count('alt="A dot"') == 1
    outputs = re.findall(r'<div class="[^"]*\bjp-OutputArea-output\b[^"]*"[^>]*>', html)
    assert len(outputs) == 3 and all('tabindex="0"' in div for div in outputs)


@pytest.mark.skipif(
    not HAS_QUARTO,
    reason="Quarto is not installed here (no 'quarto' on PATH); the Quarto renderer is tested wherever it is",
)
@pytest.mark.parametrize("fmt", ["html", "docx", "pdf"])
def test_quarto_renders_for_real(tmp_path, fmt):
    nb = _executed_notebook(tmp_path / "nb.ipynb")
    info = render(
        nb,
        renderer="quarto",
        fmt=fmt,
        out_dir=tmp_path,
        stem="nb",
        title="Quarto test",
        footer="pss-analysis test footer",
    )
    assert info.renderer == "quarto" and info.output == tmp_path / f"nb.{fmt}" and info.output.stat().st_size
    if fmt == "html":
        html = info.output.read_text()
        assert "hello from the kernel" in html and "Quarto test" in html and "pss-analysis test footer" in html
    assert not (tmp_path / "nb_files").exists()  # rendered in its own folder; nothing left beside


def test_builtin_writes_word_and_pdf_with_code_hidden(tmp_path):
    import docx
    from pypdf import PdfReader

    nb = _executed_notebook(tmp_path / "nb.ipynb")
    footer = "pss-analysis test footer"
    word = render(nb, renderer="builtin", fmt="docx", out_dir=tmp_path, stem="out", title="T <1> **x**", footer=footer)
    document = docx.Document(str(word.output))
    texts = [p.text for p in document.paragraphs]
    assert word.output.name == "out.docx" and texts[0] == "T <1> **x**"  # no title display: the run's title
    assert "1\tA section" in texts and "hello from the kernel" in " ".join(texts)
    assert not any("print(" in t for t in texts)
    assert footer in document.sections[0].footer.paragraphs[0].text

    pdf = render(nb, renderer="builtin", fmt="pdf", out_dir=tmp_path, stem="out", title="T <1> **x**", footer=footer)
    text = " ".join(page.extract_text() for page in PdfReader(str(pdf.output)).pages)
    assert pdf.output.name == "out.pdf" and "T <1> **x**" in text and "1 A section" in text
    assert "hello from the kernel" in text and "print(" not in text and footer in text
    assert not list(tmp_path.glob("*.typ")) and not (tmp_path / "media").exists()  # built in its own folder


def test_unknown_format_lists_the_known_ones(tmp_path):
    nb = _executed_notebook(tmp_path / "nb.ipynb")
    with pytest.raises(ParameterError, match="html, pdf, docx"):
        render(nb, renderer="builtin", fmt="odt", out_dir=tmp_path, stem="out")


def test_quarto_command_makes_pdf_with_typst(tmp_path):
    command = quarto_command(tmp_path / "report.ipynb", "pdf", "report.pdf", "")
    assert command[command.index("--to") + 1] == "typst"
    assert command[command.index("--output") + 1] == "report.pdf"
    assert "embed-resources:true" not in command and not any(a.startswith("title:") for a in command)


def test_every_format_has_a_builtin_writer_and_a_quarto_format():
    from pss_analysis.config.params import FORMATS

    assert set(render_mod.BUILTIN_FORMATS) == set(render_mod.QUARTO_FORMATS) == set(FORMATS) == {"html", "pdf", "docx"}


def test_pdf_short_of_pdf_ua_is_still_made_with_a_warning(tmp_path):
    from pss_analysis.errors import PssWarning

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("## A section\n\ntext\n\n#### A level skipped\n\nmore")]
    nbformat.write(nb, tmp_path / "skip.ipynb")
    with pytest.warns(PssWarning, match="skip.ipynb is tagged but not PDF/UA-1: .*heading level"):
        info = render(tmp_path / "skip.ipynb", renderer="builtin", fmt="pdf", out_dir=tmp_path, stem="skip", title="T")
    assert info.output.read_bytes().startswith(b"%PDF")
