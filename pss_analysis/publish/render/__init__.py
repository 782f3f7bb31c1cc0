"""Render executed notebooks into the report: Quarto when installed, else built in.

Formats (``report.to``, ``--to``): ``html`` (one self-contained file),
``docx`` (Word) and ``pdf``. Every format shows the same numbered sections,
the same numbered figures and tables with the same captions (the notebook
made them), alt text on every figure, a header row on every table, user text
as typed (see :func:`pss_analysis.reporting.document.escape_text`), and the run's
``footer`` (package version, run id, parameters digest).

Renderers are looked up by name in :data:`RENDERERS`:

- ``quarto`` runs the Quarto CLI as a subprocess (an argument list, never a
  shell), as Quarto documents for notebooks that are already executed::

      quarto render report.ipynb --no-execute --to html|docx|typst --output report.<ext>
             -M echo:false -M warning:false [-M embed-resources:true] -M title:...

  PDF is Quarto's ``typst`` format (Typst makes the PDF; no LaTeX). Each
  render happens in its own temporary folder (Quarto writes supporting
  folders beside its input, which would clash between renders) holding a
  copy of the notebook prepared for the format (:func:`quarto_notebook`),
  the package's format options ``templates/quarto/_quarto.yml`` (title,
  contents, numbered sections) and ``reference.docx``; only the finished
  file is moved into the run folder. Quarto's stderr is shown when it fails.
- ``builtin`` needs no Quarto:

  - ``html``: nbconvert with the package's ``pss_report`` template: one
    self-contained file, figures inlined as data URIs, code cells hidden, no
    links to CDNs or other hosts;
  - ``docx`` and ``pdf``: the notebook's outputs become one pandoc Markdown
    document (:func:`pandoc_markdown`: code hidden, the report's HTML tables
    and figures kept as raw HTML that ``templates/pandoc/pss.lua`` reads into
    real tables and figures), which pandoc (from ``pypandoc-binary``) writes
    as Word with ``templates/docx/reference.docx`` (styles, A4, footer with
    page numbers; title page, contents, numbered sections), or as Typst with
    ``templates/typst/pss_report.typ`` (title page, contents, numbered
    sections, page footer, tables that break across pages repeating their
    header row) that the ``typst`` package compiles to a tagged PDF checked
    against PDF/UA-1. The figures are the print SVGs the notebook wrote
    (``figures/print/``): the PDF embeds them; Word gets each as SVG with its
    PNG as the fallback, as Word stores one itself.

``auto`` picks ``quarto`` when a ``quarto`` executable is on PATH, else
``builtin``.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import html
import importlib.util
import json
import re
import shutil
import subprocess
import tempfile
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping
from xml.sax.saxutils import escape as xml_escape

from pss_analysis.errors import ParameterError, PssWarning, RenderError
from pss_analysis.config.params import FORMATS
from pss_analysis.reporting.document import escape_text

__all__ = ["RENDERERS", "QUARTO_FORMATS", "choose_renderer", "quarto_command", "quarto_notebook",
           "pandoc_markdown", "render", "RenderInfo"]

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
QUARTO_TEMPLATE = TEMPLATES / "quarto" / "_quarto.yml"
REFERENCE_DOCX = TEMPLATES / "docx" / "reference.docx"
TYPST_TEMPLATE = TEMPLATES / "typst" / "pss_report.typ"
LUA_FILTER = TEMPLATES / "pandoc" / "pss.lua"
QUARTO_TIMEOUT_S = 600  # a render taking longer than 10 minutes is treated as hung
PANDOC_TIMEOUT_S = 300
#: Our format name -> Quarto's ``--to`` (Quarto's ``typst`` format writes a PDF).
QUARTO_FORMATS = {"html": "html", "docx": "docx", "pdf": "typst"}
#: pandoc's Markdown without the extensions that could read report text as something else
#: (citations ``@x``, raw TeX, a YAML block from a ``---`` line).
PANDOC_MARKDOWN = "markdown-citations-raw_tex-yaml_metadata_block"
#: The notebook's sections are ``##``; in Word and PDF they are the numbered top level
#: (the ``#`` title is on the title page).
HEADING_SHIFT = -1
TOC_DEPTH = 3
#: The PDF is checked against PDF/UA-1 (ISO 14289-1, accessible PDF: tagged, alt text on
#: every figure, title and language set) by Typst as it writes it.
PDF_STANDARDS = ["ua-1"]
#: Text in the reference document's footer that the run's footer replaces.
DOCX_FOOTER_PLACEHOLDER = "PSS-FOOTER"


@dataclass(frozen=True)
class RenderInfo:
    """What the renderer produced: which renderer, which format, the output file."""

    renderer: str
    format: str
    output: Path


def quarto_executable() -> str | None:
    """Path of the ``quarto`` executable on PATH, or None."""
    return shutil.which("quarto")


def choose_renderer(requested: str) -> str:
    """Resolve ``auto`` and check that the requested renderer is available."""
    if requested not in ("auto", *RENDERERS):
        raise ParameterError("unknown renderer", key="renderer",
                             expected="one of auto, " + ", ".join(RENDERERS), found=requested)
    if requested == "auto":
        return "quarto" if quarto_executable() else "builtin"
    if requested == "quarto" and not quarto_executable():
        raise ParameterError(
            "the Quarto renderer was asked for but no 'quarto' executable is on PATH "
            "(install Quarto from quarto.org or conda-forge, or use --renderer builtin)",
            key="renderer", found="quarto")
    return requested


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ParameterError("unknown output format", key="report.to",
                             expected="one of " + ", ".join(FORMATS), found=fmt)


# -- reading the executed notebook ---------------------------------------------------------
@dataclass
class _Title:
    """The title page, from the title display of :meth:`Report.title_block` (or the run's title)."""

    title: str = ""
    subtitle: str = ""
    author: str = ""
    date: str = ""


def _pss(output: Mapping[str, Any]) -> dict[str, Any]:
    """What the report says a display is (``metadata["pss"]``), or {}."""
    meta = output.get("metadata") or {}
    return dict(meta.get("pss") or {})


def _title_of(nb: Any) -> _Title:
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            pss = _pss(output)
            if pss.get("kind") == "title":
                return _Title(*(str(pss.get(key) or "") for key in ("title", "subtitle", "author", "date")))
    return _Title()


def _figure_files(output: Mapping[str, Any], run_dir: Path) -> tuple[Path | None, Path | None]:
    """(screen PNG, print SVG) of a report figure display, each if it is a file in the run folder."""
    pss = _pss(output)
    found: list[Path | None] = []
    for key in ("file", "print"):
        path = (run_dir / str(pss.get(key) or "")).resolve()
        found.append(path if pss.get(key) and path.is_relative_to(run_dir) and path.is_file() else None)
    return found[0], found[1]


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _fence(text: str, info: str = "") -> str:
    """A fenced block holding ``text`` verbatim (the fence is longer than any backtick run in it)."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{text.rstrip()}\n{fence}"


# -- the built-in renderer: Word and PDF through pandoc ----------------------------------------
@dataclass(frozen=True)
class _Picture:
    """An image copied into the render folder for pandoc, and the figure's SVG for print (if any)."""

    image: Path
    svg: Path | None


def pandoc_markdown(notebook: Path, media: Path, *, vector: bool) -> tuple[str, _Title, list[_Picture]]:
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
    run_dir = Path(notebook).resolve().parent
    title = _title_of(nb)
    media.mkdir(parents=True, exist_ok=True)
    blocks: list[str] = []
    pictures: list[_Picture] = []

    def figure(image: Path | bytes, svg: Path | None, alt: str, label: str) -> str:
        source = svg if vector and svg is not None else image
        stem = f"{len(pictures) + 1:03d}-" + (source.stem if isinstance(source, Path) else "output")
        target = media / (stem + (source.suffix if isinstance(source, Path) else ".png"))
        if isinstance(source, Path):
            shutil.copyfile(source, target)
        else:
            target.write_bytes(source)
        pictures.append(_Picture(target, svg))
        caption = f"<figcaption>{html.escape(label)}</figcaption>" if label else ""
        return _fence(f'<figure><img src="{media.name}/{target.name}" alt="{html.escape(alt, quote=True)}"/>'
                      f"{caption}</figure>", "{=html}")

    for cell in nb.cells:
        if cell.cell_type == "markdown":
            blocks.append(_text(cell.source))
            continue
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            kind = output.get("output_type")
            if kind == "stream":
                blocks.append(_fence(_text(output.get("text", ""))))
                continue
            if kind == "error":
                blocks.append(_fence(f"{output.get('ename', '')}: {output.get('evalue', '')}"))
                continue
            data, pss = output.get("data", {}), _pss(output)
            if pss.get("kind") == "title":
                continue
            if pss.get("kind") == "figure":
                png, svg = _figure_files(output, run_dir)
                image = png or base64.b64decode(_text(data.get("image/png", "")))
                blocks.append(figure(image, svg, str(pss.get("alt", "")), str(pss.get("label", ""))))
            elif "text/html" in data:
                blocks.append(_fence(_text(data["text/html"]), "{=html}"))
            elif "image/png" in data:
                alt = (output.get("metadata", {}).get("image/png") or {}).get("alt") or _text(
                    data.get("text/plain", "Figure"))
                blocks.append(figure(base64.b64decode(_text(data["image/png"])), None, alt, ""))
            elif "text/markdown" in data:
                blocks.append(_text(data["text/markdown"]))
            elif "text/plain" in data:
                blocks.append(_fence(_text(data["text/plain"])))
    text = "\n\n".join(block.strip("\n") for block in blocks if block.strip())
    return text + "\n", title, pictures


def _pandoc(args: list[str], cwd: Path, notebook: Path) -> None:
    try:
        import pypandoc

        command = [pypandoc.get_pandoc_path(), *args]
    except (ImportError, OSError) as exc:
        raise RenderError(f"pandoc is needed for Word and PDF but was not found ({exc}); install the "
                          "pypandoc-binary package", file=str(notebook)) from None
    try:
        done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=PANDOC_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise RenderError(f"pandoc did not finish within {PANDOC_TIMEOUT_S} s", file=str(notebook)) from None
    if done.returncode != 0:
        raise RenderError(f"pandoc failed (exit {done.returncode}):\n{done.stderr.strip()}", file=str(notebook))


def _pandoc_args(fmt: str) -> list[str]:
    """pandoc's arguments shared by Word and PDF (input ``report.md`` in the render folder)."""
    args = ["report.md", "--from", PANDOC_MARKDOWN, "--lua-filter", str(LUA_FILTER),
            f"--shift-heading-level-by={HEADING_SHIFT}", "--metadata-file", "metadata.json"]
    if fmt == "docx":
        args += ["--to", "docx", "--reference-doc", str(REFERENCE_DOCX), "--toc", f"--toc-depth={TOC_DEPTH}",
                 "--number-sections", "--output", "report.docx"]
    else:
        args += ["--to", "typst", "--template", str(TYPST_TEMPLATE), "--standalone",
                 "--variable", f"toc-depth={TOC_DEPTH}", "--output", "report.typ"]
    return args


def _metadata(title: _Title, footer: str) -> dict[str, Any]:
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


_SVG_EXTENSION = ('<a:extLst><a:ext uri="{{96DAC541-7B7A-43D3-8B79-37D633B846F1}}">'
                  '<asvg:svgBlip xmlns:asvg="http://schemas.microsoft.com/office/drawing/2016/SVG/main" '
                  'r:embed="{rid}"/></a:ext></a:extLst>')
_RELATIONSHIP = '<Relationship Type="{type}" Id="{rid}" Target="{target}"/>'
_IMAGE_RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"


def _finish_docx(path: Path, footer: str, pictures: list[_Picture]) -> None:
    """Put the run's footer in, and each figure's SVG beside its PNG.

    The footer replaces ``PSS-FOOTER`` in the reference document's footer.
    A picture becomes an SVG with the PNG as its fallback, as Word itself
    stores one (``a14``-era ``asvg:svgBlip`` extension of the ``a:blip``):
    Word 2016 and later show and print the vector drawing; other readers
    show the PNG.
    """
    svg_of = {hashlib.sha256(p.image.read_bytes()).hexdigest(): p.svg for p in pictures if p.svg is not None}
    with zipfile.ZipFile(path) as source:
        parts = {info.filename: source.read(info.filename) for info in source.infolist()}
        infos = source.infolist()
    rels_name = "word/_rels/document.xml.rels"
    rels = parts[rels_name].decode("utf-8")
    document = parts["word/document.xml"].decode("utf-8")
    added: dict[str, bytes] = {}
    for rid, target in re.findall(r'<Relationship [^>]*?Id="([^"]+)"[^>]*?Target="(media/[^"]+\.png)"', rels):
        svg = svg_of.get(hashlib.sha256(parts.get(f"word/{target}", b"")).hexdigest())
        blip = f'<a:blip r:embed="{rid}" />'
        if svg is None or blip not in document:
            continue
        svg_rid, svg_target = f"pssSvg{len(added) + 1}", f"media/pss-figure-{len(added) + 1}.svg"
        added[f"word/{svg_target}"] = svg.read_bytes()
        document = document.replace(blip, f'<a:blip r:embed="{rid}">{_SVG_EXTENSION.format(rid=svg_rid)}</a:blip>')
        rels = rels.replace("</Relationships>", _RELATIONSHIP.format(type=_IMAGE_RELATIONSHIP, rid=svg_rid,
                                                                     target=svg_target) + "</Relationships>")
    parts[rels_name], parts["word/document.xml"] = rels.encode("utf-8"), document.encode("utf-8")
    if added and b'Extension="svg"' not in parts["[Content_Types].xml"]:
        parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
            b"</Types>", b'<Default Extension="svg" ContentType="image/svg+xml"/></Types>')
    text = xml_escape(footer).encode("utf-8")
    rewritten = path.with_suffix(".tmp")
    with zipfile.ZipFile(rewritten, "w", zipfile.ZIP_DEFLATED) as target:
        for info in infos:
            data = parts[info.filename]
            if info.filename.startswith("word/footer"):
                data = data.replace(DOCX_FOOTER_PLACEHOLDER.encode("ascii"), text)
            target.writestr(info, data)
        for name, data in added.items():
            target.writestr(name, data)
    rewritten.replace(path)


def _font_paths() -> list[str]:
    """Matplotlib's font folder (DejaVu Sans, the charts' font), found without importing matplotlib."""
    spec = importlib.util.find_spec("matplotlib")
    for location in (spec.submodule_search_locations or []) if spec else []:
        fonts = Path(location) / "mpl-data" / "fonts" / "ttf"
        if fonts.is_dir():
            return [str(fonts)]
    return []


def _typst_pdf(source: Path, target: Path, notebook: Path) -> None:
    """Compile the Typst document to a tagged PDF, checked against PDF/UA-1 when it can be.

    Only our fonts and Typst's own are used (``ignore_system_fonts``): the same PDF on
    every machine. If Typst finds the document short of PDF/UA-1 (say, a notebook's own
    heading levels skip one), the PDF is still made, tagged, and a warning says why.
    """
    try:
        import typst
    except ImportError:
        raise RenderError("the typst package is needed for PDF; install it (pip install typst)",
                          file=str(notebook)) from None
    options = {"output": str(target), "root": str(source.parent), "font_paths": _font_paths(),
               "ignore_system_fonts": True}
    try:
        typst.compile(str(source), pdf_standards=PDF_STANDARDS, **options)
        return
    except typst.TypstError as exc:
        shortfall = getattr(exc, "message", "") or str(exc)
    try:
        typst.compile(str(source), **options)
    except Exception as exc:  # typst.TypstError and file errors
        detail = getattr(exc, "diagnostic", "") or str(exc)
        raise RenderError(f"Typst could not make the PDF: {detail}", file=str(notebook)) from exc
    warnings.warn(PssWarning(f"the PDF of {notebook.name} is tagged but not PDF/UA-1: {shortfall}"), stacklevel=2)


def _render_pandoc(notebook: Path, fmt: str, out_dir: Path, stem: str, title: str, footer: str) -> Path:
    with tempfile.TemporaryDirectory(prefix=f"pss-{fmt}-") as tmp:
        work = Path(tmp)
        markdown, title_page, pictures = pandoc_markdown(notebook, work / "media", vector=fmt == "pdf")
        if not title_page.title:
            title_page.title = title
        (work / "report.md").write_text(markdown, encoding="utf-8")
        (work / "metadata.json").write_text(json.dumps(_metadata(title_page, footer)), encoding="utf-8")
        _pandoc(_pandoc_args(fmt), work, notebook)
        if fmt == "docx":
            produced = work / "report.docx"
            _finish_docx(produced, footer, pictures)
        else:
            produced = work / "report.pdf"
            _typst_pdf(work / "report.typ", produced, notebook)
        target = out_dir / f"{stem}.{fmt}"
        shutil.move(str(produced), target)
    return target


def _render_html(notebook: Path, fmt: str, out_dir: Path, stem: str, title: str, footer: str) -> Path:
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(notebook, as_version=4)
    if title:
        nb.metadata["title"] = title
    exporter = HTMLExporter(
        template_name="pss_report",
        extra_template_basedirs=[str(TEMPLATES / "html")],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
        anchor_link_text="",
    )
    try:
        body, _ = exporter.from_notebook_node(nb, resources={"pss_footer": footer})
    except Exception as exc:  # nbconvert raises many kinds; report them as one
        raise RenderError(f"nbconvert could not render the notebook: {exc}", file=str(notebook)) from exc
    target = out_dir / f"{stem}.html"
    target.write_text(body, encoding="utf-8")
    return target


#: The built-in renderer's writer for each format.
BUILTIN_FORMATS: dict[str, Callable[..., Path]] = {"html": _render_html, "docx": _render_pandoc,
                                                   "pdf": _render_pandoc}


def _render_builtin(notebook: Path, fmt: str, out_dir: Path, stem: str, title: str, footer: str) -> Path:
    if fmt not in BUILTIN_FORMATS:
        raise ParameterError("the built-in renderer cannot produce this format", key="report.to",
                             expected="one of " + ", ".join(BUILTIN_FORMATS), found=fmt)
    return BUILTIN_FORMATS[fmt](notebook, fmt, out_dir, stem, title, footer)


# -- the Quarto renderer -------------------------------------------------------------------------
def quarto_command(notebook: Path, fmt: str, output_name: str, title: str,
                   metadata: Mapping[str, str] | None = None) -> list[str]:
    """The argument list for rendering an executed notebook with the Quarto CLI.

    ``fmt`` is ours (``html``, ``docx``, ``pdf``); Quarto's ``--to`` is
    :data:`QUARTO_FORMATS` (``pdf`` -> ``typst``). ``metadata`` adds ``-M key:value``.
    """
    _check_format(fmt)
    command = [quarto_executable() or "quarto", "render", notebook.name, "--no-execute",
               "--to", QUARTO_FORMATS[fmt], "--output", output_name, "-M", "echo:false", "-M", "warning:false"]
    if fmt == "html":
        command += ["-M", "embed-resources:true"]
    if title:
        command += ["-M", f"title:{title}"]
    for key, value in (metadata or {}).items():
        if value:
            command += ["-M", f"{key}:{value}"]
    return command


def _attribute(text: str) -> str:
    """A pandoc attribute value in double quotes."""
    return '"' + " ".join(text.split()).replace("\\", "\\\\").replace('"', '\\"') + '"'


def quarto_notebook(notebook: Path, fmt: str, work: Path, footer: str) -> tuple[Any, _Title]:
    """A copy of the executed notebook prepared for Quarto, and its title page.

    The title display is dropped (Quarto shows the title from ``-M``); for
    Word and PDF each report figure becomes Markdown ``![caption](file){fig-alt="..."}``
    with its file (PDF: the print SVG; Word: the PNG) copied beside the
    notebook, because for those formats Quarto prefers the display's PNG to
    its HTML and would drop the caption and alt text; and a last Markdown cell
    states the run's ``footer``.
    """
    import nbformat

    nb = copy.deepcopy(nbformat.read(notebook, as_version=4))
    run_dir = Path(notebook).resolve().parent
    title = _title_of(nb)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        kept = []
        for output in cell.get("outputs", []):
            pss = _pss(output)
            if pss.get("kind") == "title":
                continue
            if pss.get("kind") == "figure" and fmt != "html":
                png, svg = _figure_files(output, run_dir)
                source = svg if fmt == "pdf" and svg is not None else png
                if source is not None:
                    rel = source.relative_to(run_dir)
                    (work / rel).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(source, work / rel)
                    text = (f"![{escape_text(pss.get('label', ''))}]({rel.as_posix()})"
                            f"{{fig-alt={_attribute(str(pss.get('alt', '')))}}}")
                    output = nbformat.from_dict({"output_type": "display_data", "metadata": {},
                                                 "data": {"text/markdown": text, "text/plain": text}})
            kept.append(output)
        cell.outputs = kept
    if footer:
        nb.cells.append(nbformat.v4.new_markdown_cell(f"---\n\n*{escape_text(footer)}*"))
    return nb, title


def _render_quarto(notebook: Path, fmt: str, out_dir: Path, stem: str, title: str, footer: str) -> Path:
    import nbformat

    _check_format(fmt)
    output_name = f"{stem}.{fmt}"
    with tempfile.TemporaryDirectory(prefix="pss-quarto-") as tmp:
        work = Path(tmp)
        nb, title_page = quarto_notebook(notebook, fmt, work, footer)
        nbformat.write(nb, work / notebook.name)
        shutil.copyfile(QUARTO_TEMPLATE, work / "_quarto.yml")
        shutil.copyfile(REFERENCE_DOCX, work / "reference.docx")
        extra = {"subtitle": title_page.subtitle, "author": title_page.author, "date": title_page.date}
        command = quarto_command(work / notebook.name, fmt, output_name, title or title_page.title, extra)
        try:
            done = subprocess.run(command, cwd=work, capture_output=True, text=True, timeout=QUARTO_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise RenderError(f"Quarto did not finish within {QUARTO_TIMEOUT_S} s",
                              file=str(notebook)) from None
        produced = work / output_name
        if done.returncode != 0 or not produced.is_file():
            detail = (done.stderr or done.stdout).strip()
            raise RenderError(f"Quarto failed (exit {done.returncode}):\n{detail}", file=str(notebook))
        target = out_dir / output_name
        shutil.move(str(produced), target)
    return target


#: Renderers by name.
RENDERERS: dict[str, Callable[..., Path]] = {"quarto": _render_quarto, "builtin": _render_builtin}


def render(notebook: Path, *, renderer: str, fmt: str, out_dir: Path, stem: str,
           title: str = "", footer: str = "") -> RenderInfo:
    """Render one executed notebook to ``out_dir/<stem>.<fmt>`` with the named renderer."""
    name = choose_renderer(renderer)
    _check_format(fmt)
    output = RENDERERS[name](Path(notebook), fmt, Path(out_dir), stem, title, footer)
    return RenderInfo(renderer=name, format=fmt, output=output)
