"""Finishing the Word document pandoc wrote: laid out like the PDF, the run's footer, figures' SVGs beside PNGs."""

from __future__ import annotations

import hashlib
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

from pss_analysis.publish.render.docx_layout import lay_out

__all__ = ["DOCX_FOOTER_PLACEHOLDER", "Picture", "finish_docx"]

#: Text in the reference document's footer that the run's footer replaces.
DOCX_FOOTER_PLACEHOLDER = "PSS-FOOTER"
_RELS = "word/_rels/document.xml.rels"
_DOCUMENT = "word/document.xml"
_CONTENT_TYPES = "[Content_Types].xml"
_SVG_EXTENSION = (
    '<a:extLst><a:ext uri="{{96DAC541-7B7A-43D3-8B79-37D633B846F1}}">'
    '<asvg:svgBlip xmlns:asvg="http://schemas.microsoft.com/office/drawing/2016/SVG/main" '
    'r:embed="{rid}"/></a:ext></a:extLst>'
)
_RELATIONSHIP = '<Relationship Type="{type}" Id="{rid}" Target="{target}"/>'
_IMAGE_RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"


@dataclass(frozen=True)
class Picture:
    """An image copied into the render folder for pandoc, and the figure's SVG for print (if any)."""

    image: Path
    svg: Path | None


def finish_docx(path: Path, footer: str, pictures: list[Picture]) -> None:
    """Lay the document out like the PDF; put the run's footer in, and each figure's SVG beside its PNG.

    The layout (:func:`~pss_analysis.publish.render.docx_layout.lay_out`):
    tables at the text width with columns from their texts, wide tables on
    landscape pages, figures at the text width, the contents filled in.

    The footer replaces ``PSS-FOOTER`` in the reference document's footer.
    A picture becomes an SVG with the PNG as its fallback, as Word itself
    stores one (``a14``-era ``asvg:svgBlip`` extension of the ``a:blip``):
    Word 2016 and later show and print the vector drawing; other readers
    show the PNG.
    """
    with zipfile.ZipFile(path) as source:
        parts = {info.filename: source.read(info.filename) for info in source.infolist()}
        infos = source.infolist()
    parts[_DOCUMENT] = lay_out(parts[_DOCUMENT])
    added = _add_svgs(parts, pictures)
    _replace_footer(parts, footer)
    rewritten = path.with_suffix(".tmp")
    with zipfile.ZipFile(rewritten, "w", zipfile.ZIP_DEFLATED) as target:
        for info in infos:
            target.writestr(info, parts[info.filename])
        for name, data in added.items():
            target.writestr(name, data)
    rewritten.replace(path)


def _add_svgs(parts: dict[str, bytes], pictures: list[Picture]) -> dict[str, bytes]:
    """Give each PNG that has a print SVG an ``svgBlip`` to it (``parts`` updated); the SVG parts to add."""
    svg_of = {hashlib.sha256(p.image.read_bytes()).hexdigest(): p.svg for p in pictures if p.svg is not None}
    rels = parts[_RELS].decode("utf-8")
    document = parts[_DOCUMENT].decode("utf-8")
    added: dict[str, bytes] = {}
    for rid, target in re.findall(r'<Relationship [^>]*?Id="([^"]+)"[^>]*?Target="(media/[^"]+\.png)"', rels):
        svg = svg_of.get(hashlib.sha256(parts.get(f"word/{target}", b"")).hexdigest())
        blip = f'<a:blip r:embed="{rid}" />'
        if svg is None or blip not in document:
            continue
        svg_rid, svg_target = f"pssSvg{len(added) + 1}", f"media/pss-figure-{len(added) + 1}.svg"
        added[f"word/{svg_target}"] = svg.read_bytes()
        document = document.replace(blip, f'<a:blip r:embed="{rid}">{_SVG_EXTENSION.format(rid=svg_rid)}</a:blip>')
        rels = rels.replace(
            "</Relationships>",
            _RELATIONSHIP.format(type=_IMAGE_RELATIONSHIP, rid=svg_rid, target=svg_target) + "</Relationships>",
        )
    parts[_RELS], parts[_DOCUMENT] = rels.encode("utf-8"), document.encode("utf-8")
    if added and b'Extension="svg"' not in parts[_CONTENT_TYPES]:
        parts[_CONTENT_TYPES] = parts[_CONTENT_TYPES].replace(
            b"</Types>", b'<Default Extension="svg" ContentType="image/svg+xml"/></Types>'
        )
    return added


def _replace_footer(parts: dict[str, bytes], footer: str) -> None:
    text = xml_escape(footer).encode("utf-8")
    for name in parts:
        if name.startswith("word/footer"):
            parts[name] = parts[name].replace(DOCX_FOOTER_PLACEHOLDER.encode("ascii"), text)
