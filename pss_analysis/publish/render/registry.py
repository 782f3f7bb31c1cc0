"""Renderers by name, and :func:`render`, which runs the one asked for.

A renderer is a function ``(notebook, fmt, out_dir, stem, title, footer) -> output file``.
``quarto`` needs the Quarto CLI; ``builtin`` needs none (HTML through nbconvert,
Word and PDF through pandoc). ``auto`` picks ``quarto`` when a ``quarto``
executable is on PATH, else ``builtin``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pss_analysis.errors import ParameterError
from pss_analysis.publish.render import quarto
from pss_analysis.publish.render.html import render_html
from pss_analysis.publish.render.pandoc import render_pandoc

__all__ = ["Renderer", "RenderInfo", "BUILTIN_FORMATS", "RENDERERS", "renderer_named", "choose_renderer", "render"]

#: ``(notebook, fmt, out_dir, stem, title, footer) -> the file written``.
Renderer = Callable[[Path, str, Path, str, str, str], Path]


@dataclass(frozen=True)
class RenderInfo:
    """What the renderer produced: which renderer, which format, the output file."""

    renderer: str
    format: str
    output: Path


#: The built-in renderer's writer for each format.
BUILTIN_FORMATS: dict[str, Renderer] = {"html": render_html, "docx": render_pandoc, "pdf": render_pandoc}


def _render_builtin(notebook: Path, fmt: str, out_dir: Path, stem: str, title: str, footer: str) -> Path:
    if fmt not in BUILTIN_FORMATS:
        raise ParameterError(
            "the built-in renderer cannot produce this format",
            key="report.to",
            expected="one of " + ", ".join(BUILTIN_FORMATS),
            found=fmt,
        )
    return BUILTIN_FORMATS[fmt](notebook, fmt, out_dir, stem, title, footer)


#: Renderers by name.
RENDERERS: dict[str, Renderer] = {"quarto": quarto.render_quarto, "builtin": _render_builtin}


def renderer_named(name: str) -> Renderer:
    """The renderer called ``name``; an unknown name is a ParameterError listing the known ones."""
    if name not in RENDERERS:
        raise ParameterError(
            "unknown renderer", key="renderer", expected="one of auto, " + ", ".join(RENDERERS), found=name
        )
    return RENDERERS[name]


def choose_renderer(requested: str) -> str:
    """Resolve ``auto`` and check that the requested renderer is available."""
    if requested == "auto":
        return "quarto" if quarto.quarto_executable() else "builtin"
    renderer_named(requested)
    if requested == "quarto" and not quarto.quarto_executable():
        raise ParameterError(
            "the Quarto renderer was asked for but no 'quarto' executable is on PATH "
            "(install Quarto from quarto.org or conda-forge, or use --renderer builtin)",
            key="renderer",
            found="quarto",
        )
    return requested


def render(
    notebook: Path, *, renderer: str, fmt: str, out_dir: Path, stem: str, title: str = "", footer: str = ""
) -> RenderInfo:
    """Render one executed notebook to ``out_dir/<stem>.<fmt>`` with the named renderer."""
    name = choose_renderer(renderer)
    quarto.check_format(fmt)
    output = renderer_named(name)(Path(notebook), fmt, Path(out_dir), stem, title, footer)
    return RenderInfo(renderer=name, format=fmt, output=output)
