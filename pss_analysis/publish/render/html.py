"""The built-in HTML renderer: nbconvert with the package's ``pss_report`` template.

One self-contained file: figures inlined as data URIs, code cells hidden, no
links to CDNs or other hosts.
"""

from __future__ import annotations

from pathlib import Path

from pss_analysis.errors import RenderError
from pss_analysis.publish.render.notebook import TEMPLATES

__all__ = ["render_html"]


def render_html(notebook: Path, fmt: str, out_dir: Path, stem: str, title: str, footer: str) -> Path:
    """Write ``out_dir/<stem>.html`` from the executed notebook (``fmt`` is ``html``)."""
    import nbformat
    from nbconvert import HTMLExporter

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
