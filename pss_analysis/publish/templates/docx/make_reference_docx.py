"""Write ``reference.docx``: the page set-up and styles of the Word report.

pandoc copies a reference document's styles, page size, margins, headers and
footers into the Word file it writes (``--reference-doc``). This script makes
ours from pandoc's own reference document, so every style pandoc uses exists,
and changes:

- page: A4, 2 cm margins;
- font: Arial everywhere (LibreOffice shows it with the metric-compatible
  Liberation Sans, so a table's columns, sized by the renderer from their
  texts, fit the same in Word and LibreOffice); body text 10 pt, headings
  16/13/11 pt in the PDF's blue;
- headings: the section number, a tab, the text; the tab goes to a stop of its
  own (a hanging indent), so the number never runs into the text;
- ``Table Text`` (the renderer gives it to every paragraph in a table): 8.5 pt;
- ``TOC 1`` to ``TOC 3`` (the contents the renderer fills in): number, tab, text;
- ``Table`` (the style pandoc gives every table): thin grey borders, 8.5 pt
  text, a shaded bold header row;
- ``Image Caption``, ``Table Caption``: 9 pt, dark grey;
- ``TOC Heading``: starts a new page (title page, then contents);
- footer: ``PSS-FOOTER`` (replaced, by the renderer, with the package version,
  run id and parameters digest), and below it, at the right margin (so on
  landscape pages too), "Page N of M" (Word fields).

Run it after editing, from the repository root (python-docx is a test dependency)::

    .venv/bin/python pss_analysis/publish/templates/docx/make_reference_docx.py
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import pypandoc
from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt, RGBColor

HERE = Path(__file__).resolve().parent
TARGET = HERE / "reference.docx"
FOOTER_PLACEHOLDER = "PSS-FOOTER"  # the renderer replaces it (render.DOCX_FOOTER_PLACEHOLDER)
GREY = "BFBFBF"
HEADER_FILL = "E8EEF1"
FONT = "Arial"
BLUE = RGBColor(0x1F, 0x4E, 0x79)  # the PDF's headings
#: heading level: size (pt), where the text starts after the number (cm)
HEADINGS = {1: (16, 1.2), 2: (13, 1.6), 3: (11, 1.8), 4: (10, 1.8), 5: (10, 1.8), 6: (10, 1.8)}
#: contents level: where the number starts, where the text starts (cm)
TOC_LEVELS = {1: (0.0, 0.9), 2: (0.9, 2.0), 3: (2.0, 3.4)}


def _field(paragraph, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES) shown as 1 until Word updates it."""
    for xml in (
        f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="begin"/></w:r>',
        f'<w:r {nsdecls("w")}><w:instrText xml:space="preserve"> {instruction} </w:instrText></w:r>',
        f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="separate"/></w:r>',
        f"<w:r {nsdecls('w')}><w:t>1</w:t></w:r>",
        f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="end"/></w:r>',
    ):
        paragraph._p.append(parse_xml(xml))


def _table_style(doc) -> None:
    style = doc.styles["Table"]
    tbl_pr = style.element.find(qn("w:tblPr"))
    borders = "".join(
        f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="{GREY}"/>'
        for side in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    tbl_pr.append(parse_xml(f"<w:tblBorders {nsdecls('w')}>{borders}</w:tblBorders>"))
    style.font.size = Pt(8.5)
    style.paragraph_format.space_before = Pt(1)
    style.paragraph_format.space_after = Pt(1)
    first_row = style.element.find(qn("w:tblStylePr"))
    first_row.append(parse_xml(f"<w:rPr {nsdecls('w')}><w:b/></w:rPr>"))
    tc_pr = first_row.find(qn("w:tcPr"))
    tc_pr.append(parse_xml(f'<w:shd {nsdecls("w")} w:val="clear" w:color="auto" w:fill="{HEADER_FILL}"/>'))


def _fonts(doc) -> None:
    """Arial for every style (the theme's fonts left out), so Word and LibreOffice measure alike."""
    fonts = doc.styles.element.findall(".//" + qn("w:rFonts"))
    for r_fonts in fonts:
        for name in ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme", "w:eastAsiaTheme"):
            r_fonts.attrib.pop(qn(name), None)
        for name in ("w:ascii", "w:hAnsi", "w:cs"):
            r_fonts.set(qn(name), FONT)


def _hanging(style, text_at: float) -> None:
    """Number, tab, text: the tab stops where the text starts; later lines start there too."""
    style.paragraph_format.left_indent = Cm(text_at)
    style.paragraph_format.first_line_indent = Cm(-text_at)
    style.paragraph_format.tab_stops.add_tab_stop(Cm(text_at))


def _headings(doc) -> None:
    for level, (size, text_at) in HEADINGS.items():
        style = doc.styles[f"Heading {level}"]
        style.font.size = Pt(size)
        style.font.color.rgb = BLUE
        style.font.bold = level <= 3
        _hanging(style, text_at)


def _contents_styles(doc) -> None:
    for level, (number_at, text_at) in TOC_LEVELS.items():
        style = doc.styles.add_style(f"TOC {level}", WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = doc.styles["Normal"]
        style.paragraph_format.space_before = Pt(0)
        style.paragraph_format.space_after = Pt(3 if level == 1 else 1)
        style.paragraph_format.left_indent = Cm(text_at)
        style.paragraph_format.first_line_indent = Cm(number_at - text_at)
        style.paragraph_format.tab_stops.add_tab_stop(Cm(text_at))
        style.font.bold = level == 1
        style.element.set(qn("w:customStyle"), "0")  # Word's own "toc N", so Word keeps it when it updates
        style.element.find(qn("w:name")).set(qn("w:val"), f"toc {level}")
        style.element.append(parse_xml(f'<w:uiPriority {nsdecls("w")} w:val="39"/>'))


def _table_text(doc) -> None:
    style = doc.styles.add_style("Table Text", WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = doc.styles["Normal"]
    style.font.size = Pt(8.5)
    style.paragraph_format.space_before = Pt(1)
    style.paragraph_format.space_after = Pt(1)
    style.paragraph_format.line_spacing = 1.0


def main() -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "pandoc-reference.docx"
        subprocess.run(
            [pypandoc.get_pandoc_path(), "-o", str(base), "--print-default-data-file", "reference.docx"], check=True
        )
        doc = Document(str(base))

    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.0)
    section.top_margin, section.bottom_margin = Cm(2.2), Cm(2.2)

    doc.styles["Normal"].font.size = Pt(10)
    _fonts(doc)
    _headings(doc)
    _contents_styles(doc)
    _table_text(doc)
    _table_style(doc)
    for name in ("Image Caption", "Table Caption"):
        doc.styles[name].font.size = Pt(9)
        doc.styles[name].font.color.rgb = RGBColor(0x40, 0x40, 0x40)
    doc.styles["TOC Heading"].paragraph_format.page_break_before = True

    footer = section.footer
    footer.is_linked_to_previous = False
    paragraph = footer.paragraphs[0]
    paragraph.add_run(FOOTER_PLACEHOLDER)
    # the page number on a line of its own, at the right margin of any page, portrait or landscape
    # (a tab stop would sit at the portrait width; LibreOffice does not show Word's positional tab)
    numbers = footer.add_paragraph()
    numbers.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    numbers.add_run("Page ")
    _field(numbers, "PAGE")
    numbers.add_run(" of ")
    _field(numbers, "NUMPAGES")
    for line in (paragraph, numbers):
        line.paragraph_format.space_after = Pt(0)
        for run in line.runs:
            run.font.size = Pt(8)
            run.font.color.rgb = RGBColor(0x55, 0x55, 0x55)

    doc.core_properties.title = ""
    doc.core_properties.author = "pss-analysis"
    doc.save(str(TARGET))
    return TARGET


if __name__ == "__main__":
    print(main())
