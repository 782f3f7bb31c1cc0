"""Compiling the Typst document that pandoc wrote into a tagged PDF (checked against PDF/UA-1)."""

from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path
from typing import Literal

from pss_analysis.errors import PssWarning, RenderError

__all__ = ["PDF_STANDARDS", "typst_pdf"]

#: The PDF is checked against PDF/UA-1 (ISO 14289-1, accessible PDF: tagged, alt text on
#: every figure, title and language set) by Typst as it writes it.
PDF_STANDARDS: tuple[Literal["ua-1"], ...] = ("ua-1",)


def _font_paths() -> list[str]:
    """Matplotlib's font folder (DejaVu Sans, the charts' font), found without importing matplotlib."""
    spec = importlib.util.find_spec("matplotlib")
    for location in (spec.submodule_search_locations or []) if spec else []:
        fonts = Path(location) / "mpl-data" / "fonts" / "ttf"
        if fonts.is_dir():
            return [str(fonts)]
    return []


def typst_pdf(source: Path, target: Path, notebook: Path) -> None:
    """Compile the Typst document to a tagged PDF, checked against PDF/UA-1 when it can be.

    Only our fonts and Typst's own are used (``ignore_system_fonts``): the same PDF on
    every machine. If Typst finds the document short of PDF/UA-1 (say, a notebook's own
    heading levels skip one), the PDF is still made, tagged, and a warning says why.
    """
    try:
        import typst
    except ImportError:
        raise RenderError(
            "the typst package is needed for PDF; install it (pip install typst)", file=str(notebook)
        ) from None
    output, root, fonts = str(target), str(source.parent), _font_paths()
    try:
        typst.compile(
            str(source),
            output=output,
            root=root,
            font_paths=fonts,
            ignore_system_fonts=True,
            pdf_standards=[*PDF_STANDARDS],
        )
        return
    except typst.TypstError as exc:
        shortfall = getattr(exc, "message", "") or str(exc)
    try:
        typst.compile(str(source), output=output, root=root, font_paths=fonts, ignore_system_fonts=True)
    except Exception as exc:  # typst.TypstError and file errors
        detail = getattr(exc, "diagnostic", "") or str(exc)
        raise RenderError(f"Typst could not make the PDF: {detail}", file=str(notebook)) from exc
    warnings.warn(PssWarning(f"the PDF of {notebook.name} is tagged but not PDF/UA-1: {shortfall}"), stacklevel=2)
