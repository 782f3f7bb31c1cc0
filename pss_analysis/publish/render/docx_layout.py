"""Laying out the Word document pandoc wrote like the PDF: tables, landscape pages, figures, contents.

:func:`lay_out` rewrites ``word/document.xml``:

- every table spans the text width, its columns as wide as their texts ask
  (a column is at least as wide as its longest word, so no word is split;
  the rest of the width goes to the columns with longer texts);
- each table that the PDF sets on a landscape page (``templates/pandoc/pss.lua``
  marks it between the paragraphs ``PSS-LANDSCAPE-START`` and
  ``PSS-LANDSCAPE-END``, by the PDF's own rule) gets a landscape section of
  its own, with the page set-up and footer of the rest;
- each figure is as wide as the text (height in proportion, at most
  :data:`FIGURE_MAX_HEIGHT` of the text height), as the PDF sets them;
- the contents (pandoc's ``TOC`` field) is filled in with the headings, linked
  to them, so it shows when the file is opened; the field stays, and Word
  offers to update it (adding page numbers) when the file is opened.
"""

from __future__ import annotations

import copy
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = [
    "CHAR_TWIPS",
    "FIGURE_MAX_HEIGHT",
    "LANDSCAPE_END",
    "LANDSCAPE_START",
    "TABLE_TEXT",
    "TOC_LEVELS",
    "column_widths",
    "lay_out",
]

#: The marker paragraphs' texts (``templates/pandoc/pss.lua`` writes them around a wide table).
LANDSCAPE_START = "PSS-LANDSCAPE-START"
LANDSCAPE_END = "PSS-LANDSCAPE-END"
#: Width of one character of table text (8.5 pt Arial, a little over its average), in twips.
CHAR_TWIPS = 95
#: The paragraph style of a table's text (8.5 pt; in ``reference.docx``); pandoc gives them ``Compact``.
TABLE_TEXT = "TableText"
#: A figure is at most this share of the text height.
FIGURE_MAX_HEIGHT = 0.8
#: Heading levels the contents lists (pandoc's ``--toc-depth``).
TOC_LEVELS = 3

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
_CELL_MARGIN = 108  # twips: a cell's left (and right) margin in reference.docx's Table style
_PADDING = 230  # twips of a cell taken by its left and right margins (Word's 0.19 cm each), and a little more
_WORD_CHAR_TWIPS = 110  # a word's characters counted wider (a bold header, capitals): a word never splits
_LONG_WORD = 20  # characters a word needs room for at most (a checksum or path breaks anywhere, as in the PDF)
_LONG_TEXT = 40  # characters a column asks room for at most (longer text wraps)
_EMU_PER_TWIP = 635


def _w(tag: str) -> str:
    return f"{{{_W}}}{tag}"


def _sub(parent: ET.Element, tag: str, **attributes: str) -> ET.Element:
    return ET.SubElement(parent, _w(tag), {_w(k): v for k, v in attributes.items()})


def _text(element: ET.Element) -> str:
    return "".join(t.text or "" for t in element.iter(_w("t")))


def _text_and_tabs(element: ET.Element) -> str:
    """The paragraph's text with its tabs (between a heading's number and its text) as ``\\t``."""
    pieces = {_w("t"): lambda e: e.text or "", _w("tab"): lambda e: "\t"}
    return "".join(pieces[e.tag](e) for run in element.iter(_w("r")) for e in run if e.tag in pieces)


@dataclass(frozen=True)
class _Page:
    """A section's page: size and margins (twips), from its ``w:sectPr``."""

    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int

    @property
    def text_width(self) -> int:
        return self.width - self.left - self.right

    @property
    def text_height(self) -> int:
        return self.height - self.top - self.bottom

    @staticmethod
    def of(sect_pr: ET.Element) -> _Page:
        size, margins = sect_pr.find(_w("pgSz")), sect_pr.find(_w("pgMar"))

        def value(element: ET.Element | None, name: str, default: int) -> int:
            found = element.get(_w(name)) if element is not None else None
            return int(found) if found else default

        return _Page(
            value(size, "w", 11906),
            value(size, "h", 16838),
            value(margins, "left", 1134),
            value(margins, "right", 1134),
            value(margins, "top", 1247),
            value(margins, "bottom", 1247),
        )

    def flipped(self) -> _Page:
        return _Page(self.height, self.width, self.left, self.right, self.top, self.bottom)


def lay_out(document: bytes) -> bytes:
    """``word/document.xml`` laid out like the PDF (see the module's docstring)."""
    namespaces = [ns for _, ns in ET.iterparse(io.BytesIO(document), events=("start-ns",))]
    for prefix, uri in namespaces:
        ET.register_namespace(prefix, uri)
    root = ET.fromstring(document)
    body = root.find(_w("body"))
    if body is None:
        return document
    last = body.find(_w("sectPr"))
    portrait = _Page.of(last) if last is not None else _Page(11906, 16838, 1134, 1134, 1247, 1247)
    landscape_tables = _landscape_sections(body, last)
    for table in body.iter(_w("tbl")):
        page = portrait.flipped() if table in landscape_tables else portrait
        _fit_table(table, page.text_width)
    _size_figures(body, portrait)
    _fill_contents(body)
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True)


# ---- landscape sections ------------------------------------------------------------------


def _landscape_sections(body: ET.Element, last: ET.Element | None) -> set[ET.Element]:
    """Turn each marked run of blocks into a landscape section; the tables set landscape."""
    children = list(body)
    tables: set[ET.Element] = set()
    inside = False
    for index, child in enumerate(children):
        text = _text(child) if child.tag == _w("p") else ""
        if text == LANDSCAPE_START:
            _end_section(child, last, landscape=False)
            inside = True
        elif text == LANDSCAPE_END:
            _end_section(child, last, landscape=True)
            inside = False
            _join_with_next(body, children, index)
        elif inside and child.tag == _w("tbl"):
            tables.add(child)
    return tables


def _end_section(paragraph: ET.Element, last: ET.Element | None, *, landscape: bool) -> None:
    """Make the marker paragraph an invisible one that ends a section (portrait or landscape)."""
    for child in list(paragraph):
        paragraph.remove(child)
    p_pr = _sub(paragraph, "pPr")
    _sub(p_pr, "spacing", before="0", after="0", line="20", lineRule="exact")
    sect_pr = copy.deepcopy(last) if last is not None else ET.Element(_w("sectPr"))
    if landscape:
        size = sect_pr.find(_w("pgSz"))
        if size is None:
            size = _sub(sect_pr, "pgSz", w="11906", h="16838")
        width, height = size.get(_w("w"), "11906"), size.get(_w("h"), "16838")
        size.set(_w("w"), height)
        size.set(_w("h"), width)
        size.set(_w("orient"), "landscape")
    r_pr = _sub(p_pr, "rPr")  # the schema's order: spacing, rPr, sectPr
    _sub(r_pr, "sz", val="2")
    p_pr.append(sect_pr)


def _join_with_next(body: ET.Element, children: list[ET.Element], index: int) -> None:
    """Two landscape tables in a row share a section: drop the portrait section between them."""
    following = [c for c in children[index + 1 :] if c.tag not in (_w("bookmarkStart"), _w("bookmarkEnd"))]
    if following and following[0].tag == _w("p") and _text(following[0]) == LANDSCAPE_START:
        end = children[index]
        p_pr = end.find(_w("pPr"))
        sect_pr = p_pr.find(_w("sectPr")) if p_pr is not None else None
        if p_pr is not None and sect_pr is not None:
            p_pr.remove(sect_pr)  # this paragraph only keeps the tables apart now
        body.remove(following[0])


# ---- tables ----------------------------------------------------------------------------


def column_widths(longest: list[int], longest_word: list[int], header_word: list[int], text_width: int) -> list[int]:
    """Column widths (twips) that fill ``text_width``, from each column's longest text and word.

    Each column needs its longest word (so no word is split; see :func:`_needs`;
    ``header_word`` is the longest in the header rows)
    and asks for its longest text up to :data:`_LONG_TEXT` characters. When all
    asks fit, the columns share the width in proportion to them; otherwise each
    gets what it needs and the rest is shared in proportion to what they ask
    beyond it.
    """
    need = _needs(longest_word, header_word, text_width)
    ask = [max(n, min(t, _LONG_TEXT) * CHAR_TWIPS + _PADDING) for n, t in zip(need, longest, strict=True)]
    if not ask:
        return []
    if sum(ask) <= text_width:
        shares = [float(a) for a in ask]
    else:
        spare, extra = max(0, text_width - sum(need)), sum(a - n for a, n in zip(ask, need, strict=True)) or 1
        shares = [n + spare * (a - n) / extra for a, n in zip(ask, need, strict=True)]
    total = sum(shares)
    widths = [int(text_width * s / total) for s in shares]
    widths[-1] += text_width - sum(widths)
    return widths


def _needs(longest_word: list[int], header_word: list[int], text_width: int) -> list[int]:
    """Room for each column's longest word, counted up to a length that lets them all fit.

    A word longer than :data:`_LONG_WORD` characters (a checksum, a path) is
    counted as that long: it breaks anywhere, as in the PDF. When even so the
    words do not fit side by side, the longest break first: the count goes down
    until they fit; the header's words stay whole.
    """
    need: list[int] = []
    for cap in range(_LONG_WORD, 3, -1):
        need = [
            max(min(h, _LONG_WORD), min(w, cap)) * _WORD_CHAR_TWIPS + _PADDING
            for w, h in zip(longest_word, header_word, strict=True)
        ]
        if sum(need) <= text_width:
            break
    return need


def _rows(table: ET.Element) -> Iterator[list[tuple[ET.Element, int]]]:
    """Each row's cells with the grid column each starts at."""
    for row in table.findall(_w("tr")):
        cells, column = [], 0
        for cell in row.findall(_w("tc")):
            cells.append((cell, column))
            span = cell.find(f"{_w('tcPr')}/{_w('gridSpan')}")
            column += int(span.get(_w("val"), "1")) if span is not None else 1
        yield cells


def _measure(table: ET.Element, columns: int) -> tuple[list[int], list[int], list[int]]:
    """Each column's longest text, longest word, and longest word in the header rows (characters)."""
    longest, longest_word, header_word = [0] * columns, [0] * columns, [0] * columns
    for row, cells in zip(table.findall(_w("tr")), _rows(table), strict=True):
        header = row.find(f"{_w('trPr')}/{_w('tblHeader')}") is not None
        for cell, column in cells:
            span = cell.find(f"{_w('tcPr')}/{_w('gridSpan')}")
            if span is not None and span.get(_w("val"), "1") != "1" or column >= columns:
                continue
            for paragraph in cell.iter(_w("p")):
                text = _text(paragraph)
                word = max([0, *(len(w) for w in text.split())])
                longest[column] = max(longest[column], len(text))
                longest_word[column] = max(longest_word[column], word)
                if header:
                    header_word[column] = max(header_word[column], word)
    return longest, longest_word, header_word


def _fit_table(table: ET.Element, text_width: int) -> None:
    """Full text width, fixed layout, columns from their texts (grid and every cell), rows kept whole."""
    grid = table.find(_w("tblGrid"))
    if grid is None:
        return
    grid_columns = grid.findall(_w("gridCol"))
    longest, longest_word, header_word = _measure(table, len(grid_columns))
    widths = column_widths(longest, longest_word, header_word, text_width)
    for grid_column, width in zip(grid_columns, widths, strict=True):
        grid_column.set(_w("w"), str(width))
    _set_table_width(table, text_width)
    for row, cells in zip(table.findall(_w("tr")), _rows(table), strict=True):
        tr_pr = row.find(_w("trPr"))
        if tr_pr is None:
            tr_pr = ET.Element(_w("trPr"))
            row.insert(0, tr_pr)
        if tr_pr.find(_w("cantSplit")) is None:
            tr_pr.insert(0, ET.Element(_w("cantSplit")))
        for cell, column in cells:
            span = cell.find(f"{_w('tcPr')}/{_w('gridSpan')}")
            n = int(span.get(_w("val"), "1")) if span is not None else 1
            _set_cell_width(cell, sum(widths[column : column + n]))
    for style in table.iter(_w("pStyle")):
        if style.get(_w("val")) == "Compact":
            style.set(_w("val"), TABLE_TEXT)


def _set_table_width(table: ET.Element, text_width: int) -> None:
    """``w:tblW`` the text width, the border at the margin, ``w:tblLayout`` fixed (after the table's style)."""
    tbl_pr = table.find(_w("tblPr"))
    if tbl_pr is None:
        tbl_pr = ET.Element(_w("tblPr"))
        table.insert(0, tbl_pr)
    for tag in ("tblW", "tblLayout", "tblInd"):
        for old in tbl_pr.findall(_w(tag)):
            tbl_pr.remove(old)
    at = 1 if len(tbl_pr) and tbl_pr[0].tag == _w("tblStyle") else 0
    tbl_pr.insert(at, ET.Element(_w("tblW"), {_w("type"): "dxa", _w("w"): str(text_width)}))
    # Word and LibreOffice set a table's text, not its border, at the margin: indent by the cell margin
    tbl_pr.insert(at + 1, ET.Element(_w("tblInd"), {_w("type"): "dxa", _w("w"): str(_CELL_MARGIN)}))
    tbl_pr.insert(at + 2, ET.Element(_w("tblLayout"), {_w("type"): "fixed"}))


def _set_cell_width(cell: ET.Element, width: int) -> None:
    tc_pr = cell.find(_w("tcPr"))
    if tc_pr is None:
        tc_pr = ET.Element(_w("tcPr"))
        cell.insert(0, tc_pr)
    for old in tc_pr.findall(_w("tcW")):
        tc_pr.remove(old)
    tc_pr.insert(0, ET.Element(_w("tcW"), {_w("w"): str(width), _w("type"): "dxa"}))


# ---- figures -----------------------------------------------------------------------------


def _size_figures(body: ET.Element, page: _Page) -> None:
    """Each picture as wide as the text, its height in proportion (at most FIGURE_MAX_HEIGHT of the page's text)."""
    width_emu = page.text_width * _EMU_PER_TWIP
    max_height_emu = int(page.text_height * FIGURE_MAX_HEIGHT) * _EMU_PER_TWIP
    for inline in body.iter(f"{{{_WP}}}inline"):
        extent = inline.find(f"{{{_WP}}}extent")
        if extent is None or int(extent.get("cx", "0")) <= 0:
            continue
        cx, cy = int(extent.get("cx", "0")), int(extent.get("cy", "0"))
        scale = min(width_emu / cx, max_height_emu / cy if cy else 1.0)
        new_cx, new_cy = str(int(cx * scale)), str(int(cy * scale))
        extent.set("cx", new_cx)
        extent.set("cy", new_cy)
        for ext in inline.iter(f"{{{_A}}}ext"):
            if ext.get("cx") is not None:
                ext.set("cx", new_cx)
                ext.set("cy", new_cy)


# ---- contents ----------------------------------------------------------------------------


def _headings(body: ET.Element) -> Iterator[tuple[int, str, str, str]]:
    """Each heading down to TOC_LEVELS: level, number, text, the bookmark before it."""
    bookmark = ""
    for child in body:
        if child.tag == _w("bookmarkStart"):
            bookmark = child.get(_w("name"), "")
            continue
        style = child.find(f"{_w('pPr')}/{_w('pStyle')}") if child.tag == _w("p") else None
        found = re.fullmatch(r"Heading(\d)", style.get(_w("val"), "")) if style is not None else None
        if found and int(found.group(1)) <= TOC_LEVELS:
            number, _, text = _text_and_tabs(child).partition("\t")
            yield int(found.group(1)), number if text else "", text or number, bookmark
        bookmark = ""


def _contents_field(body: ET.Element) -> tuple[ET.Element, ET.Element] | None:
    """pandoc's paragraph holding the TOC field, and the element holding that paragraph."""
    for container in [*body.iter(_w("sdtContent")), body]:
        for paragraph in container.findall(_w("p")):
            if any((i.text or "").strip().startswith("TOC ") for i in paragraph.iter(_w("instrText"))):
                return paragraph, container
    return None


def _fill_contents(body: ET.Element) -> None:
    """Put the headings into the TOC field's result, each linked to its heading.

    pandoc writes the field empty (begin, instruction, separate, end in one
    paragraph); the entries go between "separate" and "end", one paragraph
    each, as Word writes a contents itself.
    """
    found = _contents_field(body)
    entries = [_entry(*heading) for heading in _headings(body)]
    if found is None or not entries:
        return
    field, container = found
    parts = [part for run in field.iter(_w("r")) for part in run]
    end = [p for p in parts if p.tag == _w("fldChar") and p.get(_w("fldCharType")) == "end"]
    opening = ET.Element(_w("r"))
    opening.extend(p for p in parts if p not in end)
    entries[0].insert(1, opening)
    ET.SubElement(entries[-1], _w("r")).extend(end)
    at = list(container).index(field)
    container.remove(field)
    for offset, entry in enumerate(entries):
        container.insert(at + offset, entry)


def _entry(level: int, number: str, text: str, bookmark: str) -> ET.Element:
    paragraph = ET.Element(_w("p"))
    p_pr = _sub(paragraph, "pPr")
    _sub(p_pr, "pStyle", val=f"TOC{level}")
    link = _sub(paragraph, "hyperlink", anchor=bookmark, history="1") if bookmark else paragraph
    if number:
        _sub(_sub(link, "r"), "t").text = number
        _sub(_sub(link, "r"), "tab")
    run = _sub(link, "r")
    t = _sub(run, "t")
    t.text = text
    t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return paragraph
