"""Render executed notebooks into the report: Quarto when installed, else built in.

Renderers are looked up by name in :data:`RENDERERS`:

- ``quarto`` runs the Quarto CLI as a subprocess (an argument list, never a
  shell), as Quarto documents for notebooks that are already executed::

      quarto render report.ipynb --no-execute --to html --output report.html
             -M echo:false -M embed-resources:true -M title:...

  Each render happens in its own temporary folder (Quarto writes supporting
  folders beside its input, which would clash between renders); only the
  finished file is moved into the run folder. Quarto's stderr is shown when it
  fails.
- ``builtin`` uses nbconvert with the package's ``pss_report`` template: one
  self-contained HTML file, figures inlined as data URIs, code cells hidden,
  no links to CDNs or other hosts.

``auto`` picks ``quarto`` when a ``quarto`` executable is on PATH, else
``builtin``.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .errors import ParameterError, RenderError

__all__ = ["RENDERERS", "choose_renderer", "quarto_command", "render", "RenderInfo"]

TEMPLATES = Path(__file__).resolve().parent / "templates"
QUARTO_TIMEOUT_S = 600  # a render taking longer than 10 minutes is treated as hung


@dataclass(frozen=True)
class RenderInfo:
    """What the renderer produced: which renderer, which format, the output file."""

    renderer: str
    format: str
    output: Path


def quarto_executable() -> str | None:
    """Path of the ``quarto`` executable on PATH, or None."""
    return shutil.which("quarto")


def choose_renderer(requested: str) -> str:
    """Resolve ``auto`` and check that the requested renderer is available."""
    if requested not in ("auto", *RENDERERS):
        raise ParameterError("unknown renderer", key="renderer",
                             expected="one of auto, " + ", ".join(RENDERERS), found=requested)
    if requested == "auto":
        return "quarto" if quarto_executable() else "builtin"
    if requested == "quarto" and not quarto_executable():
        raise ParameterError(
            "the Quarto renderer was asked for but no 'quarto' executable is on PATH "
            "(install Quarto from quarto.org or conda-forge, or use --renderer builtin)",
            key="renderer", found="quarto")
    return requested


def quarto_command(notebook: Path, fmt: str, output_name: str, title: str) -> list[str]:
    """The argument list for rendering an executed notebook with the Quarto CLI."""
    command = [quarto_executable() or "quarto", "render", notebook.name, "--no-execute",
               "--to", fmt, "--output", output_name, "-M", "echo:false", "-M", "warning:false"]
    if fmt == "html":
        command += ["-M", "embed-resources:true"]
    if title:
        command += ["-M", f"title:{title}"]
    return command


def _render_quarto(notebook: Path, fmt: str, out_dir: Path, stem: str, title: str, footer: str) -> Path:
    output_name = f"{stem}.{fmt}"
    with tempfile.TemporaryDirectory(prefix="pss-quarto-") as tmp:
        work = Path(tmp)
        shutil.copy2(notebook, work / notebook.name)
        command = quarto_command(work / notebook.name, fmt, output_name, title)
        try:
            done = subprocess.run(command, cwd=work, capture_output=True, text=True, timeout=QUARTO_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise RenderError(f"Quarto did not finish within {QUARTO_TIMEOUT_S} s",
                              file=str(notebook)) from None
        produced = work / output_name
        if done.returncode != 0 or not produced.is_file():
            detail = (done.stderr or done.stdout).strip()
            raise RenderError(f"Quarto failed (exit {done.returncode}):\n{detail}", file=str(notebook))
        target = out_dir / output_name
        shutil.move(str(produced), target)
    return target


def _render_builtin(notebook: Path, fmt: str, out_dir: Path, stem: str, title: str, footer: str) -> Path:
    import nbformat
    from nbconvert import HTMLExporter

    if fmt != "html":
        raise ParameterError("the built-in renderer cannot produce this format",
                             key="report.to", expected="html", found=fmt)
    nb = nbformat.read(notebook, as_version=4)
    if title:
        nb.metadata["title"] = title
    exporter = HTMLExporter(
        template_name="pss_report",
        extra_template_basedirs=[str(TEMPLATES / "html")],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
        anchor_link_text="",
    )
    try:
        body, _ = exporter.from_notebook_node(nb, resources={"pss_footer": footer})
    except Exception as exc:  # nbconvert raises many kinds; report them as one
        raise RenderError(f"nbconvert could not render the notebook: {exc}", file=str(notebook)) from exc
    target = out_dir / f"{stem}.html"
    target.write_text(body, encoding="utf-8")
    return target


#: Renderers by name.
RENDERERS: dict[str, Callable[..., Path]] = {"quarto": _render_quarto, "builtin": _render_builtin}


def render(notebook: Path, *, renderer: str, fmt: str, out_dir: Path, stem: str,
           title: str = "", footer: str = "") -> RenderInfo:
    """Render one executed notebook to ``out_dir/<stem>.<fmt>`` with the named renderer."""
    name = choose_renderer(renderer)
    output = RENDERERS[name](Path(notebook), fmt, Path(out_dir), stem, title, footer)
    return RenderInfo(renderer=name, format=fmt, output=output)
