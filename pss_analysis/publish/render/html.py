"""The built-in HTML renderer: nbconvert with the package's ``pss_report`` template.

One self-contained file: figures inlined as data URIs, code cells hidden, no
links to CDNs or other hosts; a contents list of the numbered sections
(:func:`contents_nav`: a sidebar that stays in view on wide screens); with interactive charts,
plotly.js once at the end of the page (:func:`~.interactive.plotly_loader`).
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from pss_analysis.errors import RenderError
from pss_analysis.publish.render.interactive import has_interactive, plotly_loader
from pss_analysis.publish.render.notebook import TEMPLATES

__all__ = ["render_html", "finish_html", "contents_nav", "link_rows", "CONTENTS_DEPTH", "NO_ALT_TEXT"]

CONTENTS_DEPTH = 3
"""Headings listed in the contents: ``##`` sections and ``###`` subsections (the measures, ``####``, are
listed under their perspective's section)."""
_CONTENTS_MARK = "<!-- pss-contents -->"
_EXPLORABLE = re.compile(r'(<table class="[^"]*\bpss-explorable\b[^"]*">)(.*?)(</table>)', re.S)
_FIRST_CELL = re.compile(r"(<tr><td(?: class=\"[^\"]*\")?>)(.*?)(</td>)", re.S)
_REGION = re.compile(r'data-pss-section="([^"]*)"')
_HEADING = re.compile(r'<h([2-6]) id="([^"]+)"[^>]*>(.*?)</h\1>', re.S)
_IMG_WITHOUT_ALT = re.compile(r"<img(?![^>]*\salt=)(?=[\s/>])")
_VOID = "area|base|br|col|embed|hr|img|input|link|meta|source|track|wbr"
_SELF_CLOSED = re.compile(rf"<(?!(?:{_VOID})\b)([a-zA-Z][\w-]*)((?:\s[^<>]*?)?)\s*/>")
_FOCUSABLE_DIV = re.compile(
    r'(<div\b[^<>]*?\sclass="(?:[^"]*\s)?(?:jp-OutputArea-output|jp-Cell-inputWrapper)(?:\s[^"]*)?")'
)
NO_ALT_TEXT = "No description has been provided for this image"
"""The text nbconvert gives a picture that came without one (a figure a custom notebook showed by itself)."""


def render_html(notebook: Path, fmt: str, out_dir: Path, stem: str, title: str, footer: str) -> Path:
    """Write ``out_dir/<stem>.html`` from the executed notebook (``fmt`` is ``html``)."""
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    if title:
        nb.metadata["title"] = title
    exporter = _exporter_class()(
        template_name="pss_report",
        extra_template_basedirs=[str(TEMPLATES / "html")],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
        anchor_link_text="",
    )
    try:
        resources = {"pss_footer": footer, "pss_contents": _CONTENTS_MARK}
        body, _ = exporter.from_notebook_node(nb, resources=resources)
    except Exception as exc:  # nbconvert raises many kinds; report them as one
        raise RenderError(f"nbconvert could not render the notebook: {exc}", file=str(notebook)) from exc
    body = finish_html(body)
    body = body.replace(_CONTENTS_MARK, contents_nav(body), 1)
    body = link_rows(body)
    if has_interactive(body):  # plotly.js once, at the end of the page
        head, tag, tail = body.rpartition("</body>")
        body = head + plotly_loader() + tag + tail
    target = out_dir / f"{stem}.html"
    target.write_text(body, encoding="utf-8")
    return target


def _exporter_class() -> type:
    """nbconvert's ``HTMLExporter`` without its last pass, which parses the whole page again with
    BeautifulSoup (every embedded picture included: over a second on the demo) to mend what it wrote and
    to give pictures without alternative text a placeholder and make outputs focusable;
    :func:`finish_html` does the same on the text."""
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class PssHTMLExporter(HTMLExporter):
        def from_notebook_node(self, nb, resources=None, **kw):
            # HTMLExporter.from_notebook_node (nbconvert 7), up to its BeautifulSoup pass
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            highlight = self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
            resources = self._init_resources(resources)
            data_types = WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self, resources=resources)
            self.register_filter("highlight_code", highlight)
            self.register_filter("filter_data_type", data_types)
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    return PssHTMLExporter


def finish_html(body: str) -> str:
    """What nbconvert's HTML exporter does last, on the page's text: an element written self-closed that
    HTML does not allow so is closed (the headings' empty anchor links come out of nbconvert as
    ``<a ... />``, which a browser would leave open over the rest of the page); every picture without
    alternative text gets :data:`NO_ALT_TEXT`; every output box and text cell is focusable
    (``tabindex="0"``), so that a table wider than the page can be scrolled from the keyboard."""
    body = _SELF_CLOSED.sub(r"<\1\2></\1>", body)
    body = _IMG_WITHOUT_ALT.sub(f'<img alt="{NO_ALT_TEXT}"', body)
    return _FOCUSABLE_DIV.sub(r'\1 tabindex="0"', body)


def contents_nav(body: str, depth: int = CONTENTS_DEPTH) -> str:
    """The report's contents as a ``<nav>``: a nested list of links to its ``##`` .. ``#depth`` headings,
    numbered as the stylesheet numbers them (1, 1.1); empty when the report has no such heading."""
    items: list[tuple[int, str, str]] = []
    for level, anchor, inner in _HEADING.findall(body):
        if int(level) <= depth:
            text = " ".join(re.sub(r"<[^>]+>", "", inner).split())
            items.append((int(level), anchor, text))
    if not items:
        return ""
    numbers = [0] * 7
    lines, open_levels = [], [2]
    for level, anchor, text in items:
        numbers[level] += 1
        numbers[level + 1 :] = [0] * (6 - level)
        number = ".".join(str(n) for n in numbers[2 : level + 1])
        while level > open_levels[-1]:
            lines.append("<ol>")
            open_levels.append(open_levels[-1] + 1)
        while level < open_levels[-1]:
            lines.append("</li></ol>")
            open_levels.pop()
        if lines and not lines[-1].endswith("<ol>"):
            lines.append("</li>")
        lines.append(f'<li><a href="#{anchor}"><span class="pss-toc-number">{number}</span>{text}</a>')
    lines += ["</li></ol>"] * (len(open_levels) - 1) + ["</li>"]
    return (
        '<nav class="pss-toc" id="pss-contents" aria-label="Contents"><h2>Contents</h2><ol>'
        + "\n".join(lines)
        + "</ol></nav>"
    )


def _plain(fragment: str) -> str:
    """The text of an HTML fragment: tags dropped, entities read, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", fragment)).split())


def link_rows(body: str) -> str:
    """In each explorable table (``Report.table(..., explorable=True)``), the first cell of every row
    made a link to the section whose heading reads the same (a measure's row to its section); and each
    linked region of a figure (``Report.figure(..., links=...)``) pointed at the section it names."""
    anchors: dict[str, str] = {}
    for _, anchor, inner in _HEADING.findall(body):
        anchors.setdefault(_plain(inner), anchor)

    def cell(match: re.Match[str]) -> str:
        anchor = anchors.get(_plain(match.group(2)))
        if anchor is None:
            return match.group(0)
        return f'{match.group(1)}<a href="#{anchor}">{match.group(2)}</a>{match.group(3)}'

    def table(match: re.Match[str]) -> str:
        return match.group(1) + _FIRST_CELL.sub(cell, match.group(2)) + match.group(3)

    body = _EXPLORABLE.sub(table, body)

    def region(match: re.Match[str]) -> str:
        anchor = anchors.get(_plain(match.group(1)))
        return f'href="#{anchor}"' if anchor else match.group(0)

    return _REGION.sub(region, body)
