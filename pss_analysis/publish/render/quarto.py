"""The Quarto renderer: the Quarto CLI run as a subprocess on the already executed notebook.

::

    quarto render report.ipynb --no-execute --to html|docx|typst --output report.<ext>
           -M echo:false -M warning:false [-M embed-resources:true] -M title:...

The command is an argument list, never a shell. PDF is Quarto's ``typst``
format (Typst makes the PDF; no LaTeX). Each render happens in its own
temporary folder (Quarto writes supporting folders beside its input, which
would clash between renders) holding a copy of the notebook prepared for the
format (:func:`quarto_notebook`), the package's format options
``templates/quarto/_quarto.yml`` (title, contents, numbered sections) and
``reference.docx``; only the finished file is moved into the run folder.
Quarto's stderr is shown when it fails.
"""

from __future__ import annotations

import copy
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pss_analysis.config.params import FORMATS
from pss_analysis.errors import ParameterError, RenderError
from pss_analysis.publish.render.interactive import plotly_loader
from pss_analysis.publish.render.notebook import (
    REFERENCE_DOCX,
    TEMPLATES,
    TitlePage,
    figure_files,
    report_metadata,
    title_of,
)
from pss_analysis.reporting.document import escape_text

__all__ = [
    "QUARTO_FORMATS",
    "QUARTO_TEMPLATE",
    "QUARTO_TIMEOUT_S",
    "check_format",
    "quarto_executable",
    "quarto_command",
    "quarto_notebook",
    "render_quarto",
]

QUARTO_TEMPLATE = TEMPLATES / "quarto" / "_quarto.yml"
QUARTO_TIMEOUT_S = 600  # a render taking longer than 10 minutes is treated as hung
#: Our format name -> Quarto's ``--to`` (Quarto's ``typst`` format writes a PDF).
QUARTO_FORMATS = {"html": "html", "docx": "docx", "pdf": "typst"}


def quarto_executable() -> str | None:
    """Path of the ``quarto`` executable on PATH, or None."""
    return shutil.which("quarto")


def check_format(fmt: str) -> None:
    """Raise :class:`~pss_analysis.errors.ParameterError` (listing the formats) for an unknown format."""
    if fmt not in FORMATS:
        raise ParameterError(
            "unknown output format", key="report.to", expected="one of " + ", ".join(FORMATS), found=fmt
        )


def quarto_command(
    notebook: Path, fmt: str, output_name: str, title: str, metadata: Mapping[str, str] | None = None
) -> list[str]:
    """The argument list for rendering an executed notebook with the Quarto CLI.

    ``fmt`` is ours (``html``, ``docx``, ``pdf``); Quarto's ``--to`` is
    :data:`QUARTO_FORMATS` (``pdf`` -> ``typst``). ``metadata`` adds ``-M key:value``.
    """
    check_format(fmt)
    command = [
        quarto_executable() or "quarto",
        "render",
        notebook.name,
        "--no-execute",
        "--to",
        QUARTO_FORMATS[fmt],
        "--output",
        output_name,
        "-M",
        "echo:false",
        "-M",
        "warning:false",
    ]
    if fmt == "html":
        command += ["-M", "embed-resources:true"]
    if title:
        command += ["-M", f"title:{title}"]
    for key, value in (metadata or {}).items():
        if value:
            command += ["-M", f"{key}:{value}"]
    return command


def _attribute(text: str) -> str:
    """A pandoc attribute value in double quotes."""
    return '"' + " ".join(text.split()).replace("\\", "\\\\").replace('"', '\\"') + '"'


def quarto_notebook(notebook: Path, fmt: str, work: Path, footer: str) -> tuple[Any, TitlePage]:
    """A copy of the executed notebook prepared for Quarto, and its title page.

    The title display is dropped (Quarto shows the title from ``-M``); for
    Word and PDF each report figure becomes Markdown ``![caption](file){fig-alt="..."}``
    with its file (PDF: the print SVG; Word: the PNG) copied beside the
    notebook, because for those formats Quarto prefers the display's PNG to
    its HTML and would drop the caption and alt text; for HTML with interactive
    charts a cell holds plotly.js and the script that draws them
    (:func:`~.interactive.plotly_loader`); and a last Markdown cell states the run's ``footer``.
    """
    import nbformat

    nb = copy.deepcopy(nbformat.read(notebook, as_version=4))
    run_dir = Path(notebook).resolve().parent
    title = title_of(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [
                _for_quarto(output, fmt, run_dir, work)
                for output in cell.get("outputs", [])
                if report_metadata(output).get("kind") != "title"
            ]
    if fmt == "html" and any(report_metadata(o).get("interactive") for c in nb.cells for o in c.get("outputs", [])):
        nb.cells.append(_plotly_cell())
    if footer:
        nb.cells.append(nbformat.v4.new_markdown_cell(f"---\n\n*{escape_text(footer)}*"))
    return nb, title


def _plotly_cell() -> Any:
    """A last cell whose output is plotly.js and the script drawing the interactive charts (once per report,
    as in the built-in HTML; Quarto passes HTML outputs through)."""
    import nbformat

    cell = nbformat.v4.new_code_cell("")
    cell.outputs = [
        nbformat.from_dict(
            {"output_type": "display_data", "metadata": {}, "data": {"text/html": plotly_loader(), "text/plain": ""}}
        )
    ]
    return cell


def _for_quarto(output: Any, fmt: str, run_dir: Path, work: Path) -> Any:
    """The output as Quarto should see it: for Word and PDF a report figure becomes Markdown with its file."""
    import nbformat

    pss = report_metadata(output)
    if pss.get("kind") != "figure" or fmt == "html":
        return output
    png, svg = figure_files(output, run_dir)
    source = svg if fmt == "pdf" and svg is not None else png
    if source is None:
        return output
    rel = source.relative_to(run_dir)
    (work / rel).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, work / rel)
    text = f"![{escape_text(pss.get('label', ''))}]({rel.as_posix()}){{fig-alt={_attribute(str(pss.get('alt', '')))}}}"
    return nbformat.from_dict(
        {"output_type": "display_data", "metadata": {}, "data": {"text/markdown": text, "text/plain": text}}
    )


def render_quarto(notebook: Path, fmt: str, out_dir: Path, stem: str, title: str, footer: str) -> Path:
    """Write ``out_dir/<stem>.<fmt>`` with the Quarto CLI, in a folder of its own."""
    check_format(fmt)
    output_name = f"{stem}.{fmt}"
    with tempfile.TemporaryDirectory(prefix="pss-quarto-") as tmp:
        work = Path(tmp)
        title_page = _prepare_folder(notebook, fmt, work, footer)
        extra = {"subtitle": title_page.subtitle, "author": title_page.author, "date": title_page.date}
        command = quarto_command(work / notebook.name, fmt, output_name, title or title_page.title, extra)
        produced = _run_quarto(command, work, work / output_name, notebook)
        target = out_dir / output_name
        shutil.move(str(produced), target)
    return target


def _prepare_folder(notebook: Path, fmt: str, work: Path, footer: str) -> TitlePage:
    """Put the prepared notebook, ``_quarto.yml`` and ``reference.docx`` into ``work``."""
    import nbformat

    nb, title_page = quarto_notebook(notebook, fmt, work, footer)
    nbformat.write(nb, work / notebook.name)
    shutil.copyfile(QUARTO_TEMPLATE, work / "_quarto.yml")
    shutil.copyfile(REFERENCE_DOCX, work / "reference.docx")
    return title_page


def _run_quarto(command: list[str], work: Path, produced: Path, notebook: Path) -> Path:
    try:
        done = subprocess.run(command, cwd=work, capture_output=True, text=True, timeout=QUARTO_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise RenderError(f"Quarto did not finish within {QUARTO_TIMEOUT_S} s", file=str(notebook)) from None
    if done.returncode != 0 or not produced.is_file():
        detail = (done.stderr or done.stdout).strip()
        raise RenderError(f"Quarto failed (exit {done.returncode}):\n{detail}", file=str(notebook))
    return produced
