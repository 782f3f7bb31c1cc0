"""The built-in renderer's Word and PDF: the notebook's outputs as pandoc Markdown, then pandoc.

:func:`pandoc_markdown` turns the executed notebook into one pandoc Markdown
document (code hidden; the report's HTML tables and figures kept as raw HTML
that ``templates/pandoc/pss.lua`` reads into real tables and figures).
pandoc (from ``pypandoc-binary``) writes it as Word with
``templates/docx/reference.docx``, finished by
:func:`~pss_analysis.publish.render.word.finish_docx`, or as Typst with
``templates/typst/pss_report.typ``, compiled by
:func:`~pss_analysis.publish.render.pdf.typst_pdf`.
"""

from __future__ import annotations

import base64
import html
import json
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from pss_analysis.errors import RenderError
from pss_analysis.publish.render.notebook import (
    REFERENCE_DOCX,
    TEMPLATES,
    TitlePage,
    cell_text,
    fence,
    figure_files,
    report_metadata,
    title_of,
)
from pss_analysis.publish.render.pdf import typst_pdf
from pss_analysis.publish.render.word import Picture, finish_docx
from pss_analysis.reporting.document import escape_text

__all__ = [
    "PANDOC_MARKDOWN",
    "HEADING_SHIFT",
    "TOC_DEPTH",
    "PANDOC_TIMEOUT_S",
    "TYPST_TEMPLATE",
    "LUA_FILTER",
    "pandoc_markdown",
    "render_pandoc",
]

TYPST_TEMPLATE = TEMPLATES / "typst" / "pss_report.typ"
LUA_FILTER = TEMPLATES / "pandoc" / "pss.lua"
PANDOC_TIMEOUT_S = 300
#: pandoc's Markdown without the extensions that could read report text as something else
#: (citations ``@x``, raw TeX, a YAML block from a ``---`` line).
PANDOC_MARKDOWN = "markdown-citations-raw_tex-yaml_metadata_block"
#: The notebook's sections are ``##``; in Word and PDF they are the numbered top level
#: (the ``#`` title is on the title page).
HEADING_SHIFT = -1
TOC_DEPTH = 3


def pandoc_markdown(notebook: Path, media: Path, *, vector: bool) -> tuple[str, TitlePage, list[Picture]]:
    """The executed notebook as one pandoc Markdown document, its title page, and its pictures.

    Markdown cells as written; code hidden; of each output, as nbconvert
    would choose for HTML: a report figure (``metadata["pss"]``) as an HTML
    ``<figure>`` with its caption and alt text; HTML (the report's tables) as
    a raw HTML block; other images as figures; Markdown as written; plain text
    and streams verbatim. The title display is left out (it is the title page).
    Images are copied into ``media``: a figure's print SVG when ``vector``
    (PDF) and it exists, else its PNG (Word, whose SVG is added afterwards).
    """
    import nbformat

    nb = nbformat.from_dict(json.loads(Path(notebook).read_text(encoding="utf-8")))
    media.mkdir(parents=True, exist_ok=True)
    writer = _MarkdownWriter(media, Path(notebook).resolve().parent, vector)
    blocks = [block for cell in nb.cells for block in writer.blocks(cell)]
    text = "\n\n".join(block.strip("\n") for block in blocks if block.strip())
    return text + "\n", title_of(nb), writer.pictures


class _MarkdownWriter:
    """Turns cells into Markdown blocks, copying their images into ``media`` as it goes."""

    def __init__(self, media: Path, run_dir: Path, vector: bool) -> None:
        self.media, self.run_dir, self.vector = media, run_dir, vector
        self.pictures: list[Picture] = []

    def blocks(self, cell: Any) -> Iterator[str]:
        """The Markdown blocks of one cell: a Markdown cell as written, a code cell's outputs."""
        if cell.cell_type == "markdown":
            yield cell_text(cell.source)
        elif cell.cell_type == "code":
            for output in cell.get("outputs", []):
                block = self.output(output)
                if block is not None:
                    yield block

    def output(self, output: Mapping[str, Any]) -> str | None:
        """One output as a block, or None when it shows nothing in the report."""
        kind = output.get("output_type")
        if kind == "stream":
            return fence(cell_text(output.get("text", "")))
        if kind == "error":
            return fence(f"{output.get('ename', '')}: {output.get('evalue', '')}")
        pss = report_metadata(output)
        if pss.get("kind") == "title":
            return None
        if pss.get("kind") == "figure":
            return self.report_figure(output, pss)
        return self.display(output)

    def report_figure(self, output: Mapping[str, Any], pss: Mapping[str, Any]) -> str:
        png, svg = figure_files(output, self.run_dir)
        image = png or base64.b64decode(cell_text(output.get("data", {}).get("image/png", "")))
        return self.figure(image, svg, str(pss.get("alt", "")), str(pss.get("label", "")))

    def display(self, output: Mapping[str, Any]) -> str | None:
        """Other displays, in nbconvert's order of preference for HTML."""
        data = output.get("data", {})
        if "text/html" in data:
            return fence(cell_text(data["text/html"]), "{=html}")
        if "image/png" in data:
            alt = (output.get("metadata", {}).get("image/png") or {}).get("alt") or cell_text(
                data.get("text/plain", "Figure")
            )
            return self.figure(base64.b64decode(cell_text(data["image/png"])), None, alt, "")
        if "text/markdown" in data:
            return cell_text(data["text/markdown"])
        if "text/plain" in data:
            return fence(cell_text(data["text/plain"]))
        return None

    def figure(self, image: Path | bytes, svg: Path | None, alt: str, label: str) -> str:
        """Copy the picture into ``media`` and return its HTML ``<figure>`` block."""
        source = svg if self.vector and svg is not None else image
        stem = f"{len(self.pictures) + 1:03d}-" + (source.stem if isinstance(source, Path) else "output")
        target = self.media / (stem + (source.suffix if isinstance(source, Path) else ".png"))
        if isinstance(source, Path):
            shutil.copyfile(source, target)
        else:
            target.write_bytes(source)
        self.pictures.append(Picture(target, svg))
        caption = f"<figcaption>{html.escape(label)}</figcaption>" if label else ""
        return fence(
            f'<figure><img src="{self.media.name}/{target.name}" alt="{html.escape(alt, quote=True)}"/>'
            f"{caption}</figure>",
            "{=html}",
        )


def render_pandoc(notebook: Path, fmt: str, out_dir: Path, stem: str, title: str, footer: str) -> Path:
    """Write ``out_dir/<stem>.<fmt>`` (``docx`` or ``pdf``) through pandoc, in a folder of its own."""
    with tempfile.TemporaryDirectory(prefix=f"pss-{fmt}-") as tmp:
        work = Path(tmp)
        pictures = _write_pandoc_input(notebook, work, fmt, title, footer)
        _run_pandoc(_pandoc_args(fmt), work, notebook)
        if fmt == "docx":
            produced = work / "report.docx"
            finish_docx(produced, footer, pictures)
        else:
            produced = work / "report.pdf"
            typst_pdf(work / "report.typ", produced, notebook)
        target = out_dir / f"{stem}.{fmt}"
        shutil.move(str(produced), target)
    return target


def _write_pandoc_input(notebook: Path, work: Path, fmt: str, title: str, footer: str) -> list[Picture]:
    """Write ``report.md``, ``metadata.json`` and ``media/`` into ``work``; the pictures copied."""
    markdown, title_page, pictures = pandoc_markdown(notebook, work / "media", vector=fmt == "pdf")
    if not title_page.title:
        title_page.title = title
    (work / "report.md").write_text(markdown, encoding="utf-8")
    (work / "metadata.json").write_text(json.dumps(_metadata(title_page, footer)), encoding="utf-8")
    return pictures


def _run_pandoc(args: list[str], cwd: Path, notebook: Path) -> None:
    try:
        import pypandoc

        command = [pypandoc.get_pandoc_path(), *args]
    except (ImportError, OSError) as exc:
        raise RenderError(
            f"pandoc is needed for Word and PDF but was not found ({exc}); install the pypandoc-binary package",
            file=str(notebook),
        ) from None
    try:
        done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=PANDOC_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise RenderError(f"pandoc did not finish within {PANDOC_TIMEOUT_S} s", file=str(notebook)) from None
    if done.returncode != 0:
        raise RenderError(f"pandoc failed (exit {done.returncode}):\n{done.stderr.strip()}", file=str(notebook))


def _pandoc_args(fmt: str) -> list[str]:
    """pandoc's arguments shared by Word and PDF (input ``report.md`` in the render folder)."""
    args = [
        "report.md",
        "--from",
        PANDOC_MARKDOWN,
        "--lua-filter",
        str(LUA_FILTER),
        f"--shift-heading-level-by={HEADING_SHIFT}",
        "--metadata-file",
        "metadata.json",
    ]
    if fmt == "docx":
        args += [
            "--to",
            "docx",
            "--reference-doc",
            str(REFERENCE_DOCX),
            "--toc",
            f"--toc-depth={TOC_DEPTH}",
            "--number-sections",
            "--output",
            "report.docx",
        ]
    else:
        args += [
            "--to",
            "typst",
            "--template",
            str(TYPST_TEMPLATE),
            "--standalone",
            "--variable",
            f"toc-depth={TOC_DEPTH}",
            "--output",
            "report.typ",
        ]
    return args


def _metadata(title: TitlePage, footer: str) -> dict[str, Any]:
    """Metadata for pandoc, as Markdown (pandoc reads a metadata file's strings as Markdown)."""
    meta: dict[str, Any] = {"title": escape_text(title.title), "lang": "en-GB", "toc-title": "Contents"}
    if title.subtitle:
        meta["subtitle"] = escape_text(title.subtitle)
    if title.author:
        meta["author"] = [escape_text(title.author)]
    if title.date:
        meta["date"] = escape_text(title.date)
    if footer:
        meta["footer"] = escape_text(footer)
    return meta
