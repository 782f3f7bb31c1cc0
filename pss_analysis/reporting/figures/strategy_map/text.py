"""Text of the strategy map: measured widths, word wrap, and the one font size for every box."""

from __future__ import annotations

from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextToPath

from pss_analysis.reporting.figures.strategy_map.style import (
    BOX_HEIGHT_IN,
    BOX_TEXT_PAD_IN,
    FONT_MIN_PT,
    FONT_STEP_PT,
    GLYPH_COLUMN_IN,
    LINE_SPACING,
    MAX_LINES,
    TEXT_WIDTH_MARGIN,
)

__all__: list[str] = []

_TEXT_TO_PATH = TextToPath()


def _text_width_pt(text: str, size: float) -> float:
    """Width of ``text`` in points, with a margin for hinting at screen resolutions."""
    width, _, _ = _TEXT_TO_PATH.get_text_width_height_descent(text, FontProperties(size=size), ismath=False)
    return float(width) * TEXT_WIDTH_MARGIN


def _wrap(text: str, size: float, width_pt: float) -> list[str]:
    """Greedy word wrap by measured width; words longer than a line are broken."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        while _text_width_pt(word, size) > width_pt and len(word) > 1:  # break an over-long word
            cut = len(word) - 1
            while cut > 1 and _text_width_pt(word[:cut] + "-", size) > width_pt:
                cut -= 1
            if current:
                lines.append(current)
                current = ""
            lines.append(word[:cut] + "-")
            word = word[cut:]
        trial = f"{current} {word}".strip()
        if current and _text_width_pt(trial, size) > width_pt:
            lines.append(current)
            current = word
        else:
            current = trial
    if current:
        lines.append(current)
    return lines or [""]


def _fit_lines(size: float) -> int:
    usable = BOX_HEIGHT_IN * 72 - 2 * BOX_TEXT_PAD_IN * 72
    return max(1, min(MAX_LINES, int(usable // (size * LINE_SPACING))))


def _labels(names: list[str], box_width_in: float, font_max: float) -> tuple[list[str], float]:
    """Wrapped labels and the one font size (largest that fits every name, else the smallest, cut)."""
    width_pt = (box_width_in - GLYPH_COLUMN_IN - 2 * BOX_TEXT_PAD_IN) * 72
    size = font_max
    while True:
        wrapped = [_wrap(n, size, width_pt) for n in names]
        if all(len(w) <= _fit_lines(size) for w in wrapped) or size <= FONT_MIN_PT:
            break
        size = max(FONT_MIN_PT, size - FONT_STEP_PT)
    keep = _fit_lines(size)
    labels = []
    for lines in wrapped:
        if len(lines) > keep:
            lines = lines[:keep]
            last = lines[-1]
            while last and _text_width_pt(last + "…", size) > width_pt:
                last = last[:-1]
            lines[-1] = last.rstrip() + "…"
        labels.append("\n".join(lines))
    return labels, size
