"""Write ``reference.docx``: the page set-up and styles of the Word report.

pandoc copies a reference document's styles, page size, margins, headers and
footers into the Word file it writes (``--reference-doc``). This script makes
ours from pandoc's own reference document, so every style pandoc uses exists,
and changes:

- page: A4, 2 cm margins;
- ``Table`` (the style pandoc gives every table): thin grey borders, 8.5 pt
  text, a shaded bold header row;
- ``Image Caption``, ``Table Caption``: 9 pt, dark grey;
- ``TOC Heading``: starts a new page (title page, then contents);
- footer: ``PSS-FOOTER`` (replaced, by the renderer, with the package version,
  run id and parameters digest) and "Page N of M" (Word fields).

Run it after editing, from the repository root (python-docx is a test dependency)::

    .venv/bin/python pss_analysis/templates/docx/make_reference_docx.py
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import pypandoc
from docx import Document
from docx.enum.text import WD_TAB_ALIGNMENT
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt, RGBColor

HERE = Path(__file__).resolve().parent
TARGET = HERE / "reference.docx"
FOOTER_PLACEHOLDER = "PSS-FOOTER"  # the renderer replaces it (render.DOCX_FOOTER_PLACEHOLDER)
GREY = "BFBFBF"
HEADER_FILL = "E8EEF1"


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

    doc.styles["Normal"].font.size = Pt(10.5)
    _table_style(doc)
    for name in ("Image Caption", "Table Caption"):
        doc.styles[name].font.size = Pt(9)
        doc.styles[name].font.color.rgb = RGBColor(0x40, 0x40, 0x40)
    doc.styles["TOC Heading"].paragraph_format.page_break_before = True

    footer = section.footer
    footer.is_linked_to_previous = False
    paragraph = footer.paragraphs[0]
    paragraph.paragraph_format.tab_stops.add_tab_stop(
        section.page_width - section.left_margin - section.right_margin, WD_TAB_ALIGNMENT.RIGHT
    )
    paragraph.add_run(FOOTER_PLACEHOLDER)
    paragraph.add_run("\tPage ")
    _field(paragraph, "PAGE")
    paragraph.add_run(" of ")
    _field(paragraph, "NUMPAGES")
    for run in paragraph.runs:
        run.font.size = Pt(8)
        run.font.color.rgb = RGBColor(0x55, 0x55, 0x55)

    doc.core_properties.title = ""
    doc.core_properties.author = "pss-analysis"
    doc.save(str(TARGET))
    return TARGET


if __name__ == "__main__":
    print(main())
