"""Render executed notebooks into the report: Quarto when installed, else built in.

Formats (``report.to``, ``--to``): ``html`` (one self-contained file),
``docx`` (Word) and ``pdf``. Every format shows the same numbered sections,
the same numbered figures and tables with the same captions (the notebook
made them), alt text on every figure, a header row on every table, user text
as typed (see :func:`pss_analysis.reporting.document.escape_text`), and the run's
``footer`` (package version, run id, parameters digest).

Renderers are looked up by name in :data:`RENDERERS` (:mod:`.registry`):

- ``quarto`` (:mod:`.quarto`) runs the Quarto CLI as a subprocess (an argument list, never a
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

  - ``html`` (:mod:`.html`): nbconvert with the package's ``pss_report`` template: one
    self-contained file, figures inlined as data URIs, code cells hidden, no
    links to CDNs or other hosts;
  - ``docx`` and ``pdf`` (:mod:`.pandoc`, :mod:`.word`, :mod:`.pdf`): the notebook's outputs become one pandoc Markdown
    document (:func:`pandoc_markdown`: code hidden, the report's HTML tables
    and figures kept as raw HTML that ``templates/pandoc/pss.lua`` reads into
    real tables and figures), which pandoc (from ``pypandoc-binary``) writes
    as Word with ``templates/docx/reference.docx`` (styles, A4, footer with
    page numbers; title page, contents, numbered sections), laid out like the
    PDF by :mod:`.docx_layout` (tables at the text width, wide ones on landscape
    pages, figures at the text width, the contents filled in), or as Typst with
    ``templates/typst/pss_report.typ`` (title page, contents, numbered
    sections, page footer, tables that break across pages repeating their
    header row) that the ``typst`` package compiles to a tagged PDF checked
    against PDF/UA-1. The figures are the print SVGs the notebook wrote
    (``figures/print/``): the PDF embeds them; Word gets each as SVG with its
    PNG as the fallback, as Word stores one itself.

``auto`` picks ``quarto`` when a ``quarto`` executable is on PATH, else
``builtin``.
"""

from pss_analysis.publish.render.interactive import plotly_loader
from pss_analysis.publish.render.notebook import REFERENCE_DOCX, TEMPLATES
from pss_analysis.publish.render.pandoc import (
    HEADING_SHIFT,
    LUA_FILTER,
    PANDOC_MARKDOWN,
    PANDOC_TIMEOUT_S,
    TOC_DEPTH,
    TYPST_TEMPLATE,
    pandoc_markdown,
)
from pss_analysis.publish.render.pdf import PDF_STANDARDS
from pss_analysis.publish.render.quarto import (
    QUARTO_FORMATS,
    QUARTO_TEMPLATE,
    QUARTO_TIMEOUT_S,
    quarto_command,
    quarto_executable,
    quarto_notebook,
)
from pss_analysis.publish.render.registry import (
    BUILTIN_FORMATS,
    RENDERERS,
    RenderInfo,
    choose_renderer,
    render,
    renderer_named,
)
from pss_analysis.publish.render.word import DOCX_FOOTER_PLACEHOLDER

__all__ = [
    "render",
    "choose_renderer",
    "renderer_named",
    "RenderInfo",
    "RENDERERS",
    "BUILTIN_FORMATS",
    "QUARTO_FORMATS",
    "quarto_executable",
    "quarto_command",
    "quarto_notebook",
    "pandoc_markdown",
    "TEMPLATES",
    "QUARTO_TEMPLATE",
    "REFERENCE_DOCX",
    "TYPST_TEMPLATE",
    "LUA_FILTER",
    "QUARTO_TIMEOUT_S",
    "PANDOC_TIMEOUT_S",
    "PANDOC_MARKDOWN",
    "HEADING_SHIFT",
    "TOC_DEPTH",
    "PDF_STANDARDS",
    "DOCX_FOOTER_PLACEHOLDER",
    "plotly_loader",
]
