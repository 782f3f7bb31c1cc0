"""What the renderers share: the templates folder, and reading an executed notebook (title page, figure files, text)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "TEMPLATES",
    "REFERENCE_DOCX",
    "TitlePage",
    "report_metadata",
    "title_of",
    "figure_files",
    "cell_text",
    "fence",
]

#: The package's render templates (``publish/templates``).
TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
#: Word styles, A4, footer with page numbers (used by pandoc and by Quarto).
REFERENCE_DOCX = TEMPLATES / "docx" / "reference.docx"


@dataclass
class TitlePage:
    """The title page, from the title display of :meth:`Report.title_block` (or the run's title)."""

    title: str = ""
    subtitle: str = ""
    author: str = ""
    date: str = ""


def report_metadata(output: Mapping[str, Any]) -> dict[str, Any]:
    """What the report says a display is (``metadata["pss"]``), or {}."""
    meta = output.get("metadata") or {}
    return dict(meta.get("pss") or {})


def title_of(nb: Any) -> TitlePage:
    """The title page of the notebook's title display (empty when it has none)."""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            pss = report_metadata(output)
            if pss.get("kind") == "title":
                return TitlePage(*(str(pss.get(key) or "") for key in ("title", "subtitle", "author", "date")))
    return TitlePage()


def figure_files(output: Mapping[str, Any], run_dir: Path) -> tuple[Path | None, Path | None]:
    """(screen PNG, print SVG) of a report figure display, each if it is a file in the run folder."""
    pss = report_metadata(output)
    found: list[Path | None] = []
    for key in ("file", "print"):
        path = (run_dir / str(pss.get(key) or "")).resolve()
        found.append(path if pss.get(key) and path.is_relative_to(run_dir) and path.is_file() else None)
    return found[0], found[1]


def cell_text(value: Any) -> str:
    """A notebook text field (a string or a list of lines) as one string."""
    return "".join(value) if isinstance(value, list) else str(value)


def fence(text: str, info: str = "") -> str:
    """A fenced block holding ``text`` verbatim (the fence is longer than any backtick run in it)."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    marks = "`" * max(3, longest + 1)
    return f"{marks}{info}\n{text.rstrip()}\n{marks}"
