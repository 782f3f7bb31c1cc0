"""Text of the strategy map: measured widths, word wrap, and the one font size and box height for every box."""

from __future__ import annotations

import re

from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextToPath

from pss_analysis.reporting.figures.strategy_map.style import (
    BOX_TEXT_PAD_IN,
    FONT_MAX_PT,
    FONT_MIN_PT,
    FONT_STEP_PT,
    GLYPH_COLUMN_IN,
    LINE_SPACING,
    MAX_LINES,
    MIN_BOX_LINES,
    TEXT_WIDTH_MARGIN,
)

__all__: list[str] = []

_TEXT_TO_PATH = TextToPath()


def _text_width_pt(text: str, size: float, bold: bool = False) -> float:
    """Width of ``text`` in points (bold or not), with a margin for hinting at screen resolutions."""
    font = FontProperties(size=size, weight="bold" if bold else "normal")
    width, _, _ = _TEXT_TO_PATH.get_text_width_height_descent(text, font, ismath=False)
    return float(width) * TEXT_WIDTH_MARGIN


def _pieces(text: str, size: float, width_pt: float, bold: bool) -> list[tuple[str, bool]]:
    """The words of ``text``, a word too long for a line split after its own hyphens ("well-", "supported").

    Each piece comes with whether it joins the one before it without a space.
    """
    out: list[tuple[str, bool]] = []
    for word in text.split():
        if "-" not in word.strip("-") or _text_width_pt(word, size, bold) <= width_pt:
            out.append((word, False))
            continue
        parts = re.split(r"(?<=-)(?=[^-])", word)
        out += [(part, i > 0) for i, part in enumerate(parts)]
    return out


def _wrap(text: str, size: float, width_pt: float, bold: bool = False) -> list[str]:
    """Greedy word wrap by measured width; a word longer than a line breaks at its hyphens, else anywhere (with one)."""
    lines: list[str] = []
    current = ""
    for word, glued in _pieces(text, size, width_pt, bold):
        while _text_width_pt(word, size, bold) > width_pt and len(word) > 1:  # break an over-long word
            cut = len(word) - 1
            while cut > 1 and _text_width_pt(word[:cut] + "-", size, bold) > width_pt:
                cut -= 1
            if current:
                lines.append(current)
                current = ""
            lines.append(word[:cut] + "-")
            word, glued = word[cut:], False
        trial = current + word if glued else f"{current} {word}".strip()
        if current and _text_width_pt(trial, size, bold) > width_pt:
            lines.append(current)
            current = word
        else:
            current = trial
    if current:
        lines.append(current)
    return lines or [""]


def _lines_height_in(lines: int, size: float) -> float:
    """Height in inches of ``lines`` lines of text at ``size`` points."""
    return lines * size * LINE_SPACING / 72


def _breaks_a_word(lines: list[str], name: str) -> bool:
    """Whether wrapping ``name`` into ``lines`` broke a word other than at its own hyphen."""
    return " ".join(lines).replace("- ", "-") != " ".join(str(name).split())


def _labels(names: list[str], box_width_in: float) -> tuple[list[str], float, float]:
    """Wrapped labels, the one font size and the box height that holds them all, never cutting a name.

    The font is the largest from :data:`FONT_MAX_PT` down to :data:`FONT_MIN_PT` at which every name
    fits in :data:`MAX_LINES` lines without breaking a word; failing that, the smallest, and the boxes
    grow to hold the longest name.
    """
    width_pt = (box_width_in - GLYPH_COLUMN_IN - 2 * BOX_TEXT_PAD_IN) * 72
    size = FONT_MAX_PT
    while True:
        wrapped = [_wrap(n, size, width_pt) for n in names]
        whole = not any(_breaks_a_word(w, n) for w, n in zip(wrapped, names, strict=True))
        if (whole and all(len(w) <= MAX_LINES for w in wrapped)) or size <= FONT_MIN_PT:
            break
        size = max(FONT_MIN_PT, size - FONT_STEP_PT)
    lines = max([MIN_BOX_LINES, *(len(w) for w in wrapped)])
    height = _lines_height_in(lines, size) + 2 * BOX_TEXT_PAD_IN + 0.04
    return ["\n".join(w) for w in wrapped], size, height
