"""What a report notebook uses to show tables, figures and text.

A template notebook opens a :class:`Report` from its parameters and calls
:meth:`Report.table` and :meth:`Report.figure`; each writes the tidy data
(``tables/<name>.csv``) or the image (``figures/<name>.png``) into the run
folder *and* displays it, numbered and captioned, so that what the report
shows and what the folder holds are always the same thing.

Tables are written to CSV at full precision; rounding happens only in the
displayed copy. Text taken from user files (names, descriptions, labels) goes
through :func:`escape_text` before it is put into Markdown, so that it shows
as typed in every format (HTML, Word, PDF), and through :func:`html.escape`
before it is put into HTML (tables, captions, alt text).

Each figure is also written as SVG for print (``figures/print/<name>.svg``)
when the run asks for PDF or Word output, and every display carries
``metadata["pss"]`` saying what it is (the title, a figure and its files), so
the renderer can lay out the same numbered figures and captions in every
format.
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import json
import os
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from pss_analysis import __version__
from pss_analysis.config.loading import load_params
from pss_analysis.config.manifest import provisional_manifest, read_manifest, write_manifest
from pss_analysis.config.params import Params, params_to_dict, published_url
from pss_analysis.evaluation.study import INPUTS_FILE, adopt_saved_inputs
from pss_analysis.reporting.figure_pool import FigureJob, FigurePool, write_figure
from pss_analysis.reporting.formatting import escape_text, format_table
from pss_analysis.reporting.glossary import COLUMN_DESCRIPTIONS
from pss_analysis.reporting.suppression import SuppressionResult, suppress_table, suppression_rule
from pss_analysis.reporting.workbook import WORKBOOK_MAX_ROWS, read_csv_tables, write_results_workbook
from pss_analysis.timings import KERNEL_TIMINGS_FILE, TIMINGS

#: ``format_table`` and ``escape_text`` live in :mod:`pss_analysis.reporting.formatting` (re-exported here).
__all__ = [
    "Report",
    "format_table",
    "escape_text",
    "PRINT_FORMATS",
    "IDENTIFIER_COLUMNS",
    "publishable_path",
    "html_table",
    "column_classes",
    "figure_html",
    "FigureLink",
]

FIGURE_DPI = 100  # screen resolution for the HTML report
PNG_COMPRESS_LEVEL = 3  # zlib level: 3 writes ~3x faster than the default 6 for ~10% larger files
#: Formats that print: each figure is also saved as SVG (``figures/print/<name>.svg``), which
#: they use: vector, so sharp at any size. Measured on the demo: an SVG takes about two thirds
#: of the time of the 100 dpi PNG (39 figures: ~4 s against ~6.5 s), a 200 dpi PNG twice as
#: long as the SVG, and Typst writes a PDF of SVGs in ~0.5 s against ~4 s with 200 dpi PNGs.
PRINT_FORMATS = ("pdf", "docx")
#: Identifier columns kept in the CSV files and the workbook but not shown in the report's tables.
IDENTIFIER_COLUMNS = ("measure_id", "perspective_id")


def publishable_path(path: str | Path, base: str | Path) -> str:
    """A path as the report may publish it: relative to the folder ``base`` (that of the parameter file),
    never absolute; a file that shares no folder with ``base`` but the root (or is on another drive)
    is shown as '…/<name>'."""
    path, base = Path(path), Path(base)
    try:
        shared = Path(os.path.commonpath([path, base]))
    except ValueError:  # another drive, or one path relative
        shared = Path(path.anchor)
    if shared == Path(path.anchor):
        return f"…/{path.name}"
    return Path(os.path.relpath(path, base)).as_posix()


def _command_shown(command: Sequence[str]) -> str:
    """The command line with every absolute path shortened to '…/<name>' (no local path is published)."""

    def shown(arg: str) -> str:
        option, eq, value = arg.partition("=") if arg.startswith("--") else ("", "", arg)
        if Path(value).is_absolute():
            value = f"…/{Path(value).name}"
        return f"{option}{eq}{value}"

    return " ".join(shown(str(a)) for a in command)


#: A shown value that is a number (with its sign, currency and unit after it): "+9.35 pts", "£3.06 million",
#: "85.8%", "3.43 per 1,000", "(1.2)"; not a month ("2018-04") or an id ("C1").
_NUMBER_TEXT = re.compile(r"^[(+\-\u2212~<>]?\s?[£$€]?\d[\d,]*(\.\d+)?(%|\)|\s|$)")
#: A column is shown as numbers (right-aligned) when at least this share of its non-empty values are numbers.
NUMERIC_SHARE = 0.75
#: A value without spaces at least this long (a checksum, a path) may break anywhere, so it cannot widen its table.
LONG_TOKEN = 24


def column_classes(frame: pd.DataFrame, shown: pd.DataFrame) -> dict[str, str]:
    """The HTML class of each shown column that needs one: ``num`` for numbers (right-aligned: numeric
    in ``frame``, or text that is mostly numbers with their units), ``token`` for long unbroken values
    (checksums, paths: they may wrap anywhere). Other columns are text, left-aligned."""
    classes = {}
    for column in shown.columns:
        values = [str(v).strip() for v in shown[column] if str(v).strip()]
        if column in frame and pd.api.types.is_numeric_dtype(frame[column]):
            if not pd.api.types.is_bool_dtype(frame[column]):
                classes[column] = "num"
        elif values and sum(bool(_NUMBER_TEXT.match(v)) for v in values) >= NUMERIC_SHARE * len(values):
            classes[column] = "num"
        elif any(len(v) >= LONG_TOKEN and " " not in v for v in values):
            classes[column] = "token"
    return classes


def _breakable(text: str) -> str:
    """Escaped cell text with a line-break opportunity after each underscore inside a word, so that a
    column name in a table (``admission_method``) can wrap instead of widening it."""
    return re.sub(r"(?<=\w_)(?=\w)", "<wbr>", text)


def html_table(shown: pd.DataFrame, label: str, classes: Mapping[Any, str], *, explorable: bool = False) -> str:
    """The report's HTML table: caption, header and cells escaped, each column's cells with its class from
    ``classes`` (:func:`column_classes`: ``num`` right-aligned; text left-aligned, the stylesheet's default)."""

    def cell(tag: str, column: Any, text: Any) -> str:
        attrs = f' class="{classes[column]}"' if column in classes else ""
        return f"<{tag}{attrs}>{_breakable(html.escape(str(text)))}</{tag}>"

    head = "".join(cell("th", c, c) for c in shown.columns)
    rows = "\n".join(
        "    <tr>" + "".join(cell("td", c, v) for c, v in zip(shown.columns, row, strict=True)) + "</tr>"
        for row in shown.itertuples(index=False, name=None)
    )
    kind = "dataframe pss-table pss-explorable" if explorable else "dataframe pss-table"
    return (
        f'<table class="{kind}">\n  <caption>{html.escape(label)}</caption>\n'
        f"  <thead>\n    <tr>{head}</tr>\n  </thead>\n  <tbody>\n{rows}\n  </tbody>\n</table>"
    )


FigureLink = tuple[tuple[float, float, float, float], str, str]
"""A region of a figure that links to a section: ``((left, top, width, height) as fractions of the picture
from its top-left corner, the section's heading, what the link says)``."""


def _region_link(link: FigureLink) -> str:
    """A link laid over a region of a picture (the renderer points it at the section named; a reader's
    keyboard reaches it, a screen reader reads its label)."""
    (left, top, width, height), section, label = link
    box = f"left:{100 * left:.2f}%;top:{100 * top:.2f}%;width:{100 * width:.2f}%;height:{100 * height:.2f}%"
    words = html.escape(label, quote=True)
    return (
        f'<a class="pss-region" data-pss-section="{html.escape(section, quote=True)}" style="{box}" '
        f'aria-label="{words}" title="{words}"></a>'
    )


def figure_html(
    name: str,
    label: str,
    alt: str,
    png: str,
    *,
    spec: Mapping[str, Any] | None = None,
    data: pd.DataFrame | None = None,
    links: Sequence[FigureLink] = (),
) -> str:
    """A report figure in HTML: the picture (``png``, base64) with its alt text and numbered caption; with
    ``spec`` (a plotly figure) also an interactive chart, drawn by the report's script, that replaces the
    picture on screen (the picture stays for readers without scripts and for print); with ``data`` the
    data behind the chart in a table under a "Data behind the chart" switch."""
    safe_alt = html.escape(alt, quote=True)
    parts = [f'<figure class="pss-figure" id="figure-{html.escape(name, quote=True)}">']
    if spec is not None:
        # "<" as \\u003c: nothing in the spec can end or open an element inside its script element
        payload = json.dumps(spec, separators=(",", ":"), allow_nan=False).replace("<", "\\u003c")
        parts.append(
            f'<div class="pss-plotly" role="img" tabindex="0" aria-label="{safe_alt}" hidden></div>'
            f'<script type="application/json" class="pss-plotly-spec">{payload}</script>'
        )
    image = f'<img class="pss-static" src="data:image/png;base64,{png}" alt="{safe_alt}"/>'
    if links:
        regions = "".join(_region_link(link) for link in links)
        image = f'<div class="pss-linked-figure">{image}{regions}</div>'
    parts.append(image)
    parts.append(f"<figcaption>{html.escape(label)}</figcaption>")
    if data is not None and not data.empty:
        shown = format_table(data)
        number = label.partition(":")[0]
        table = html_table(shown, f"Data behind {number}", column_classes(data, shown))
        parts.append(
            f'<details class="pss-chart-data"><summary>Data behind {html.escape(number)}</summary>{table}</details>'
        )
    parts.append("</figure>")
    return "".join(parts)


class _SavedPath(type(Path())):  # type: ignore[misc]
    """The path of a written table or figure; not echoed when it is a notebook cell's last value
    (the report shows the table, not where its CSV went)."""

    def _ipython_display_(self) -> None:
        return None


class Report:
    """The open report of one run: parameters, output folder and numbering.

    Use :meth:`open` in a notebook. ``output_dir`` is the run folder made by
    ``pss run``; a template opened by hand in JupyterLab writes to the
    folder its ``output_dir`` parameter names (``reports/notebook/`` of the checkout).
    """

    def __init__(self, params: Params, output_dir: Path, manifest: dict[str, Any]) -> None:
        self.params = params
        self.output_dir = output_dir
        self.manifest = manifest
        self._tables = 0
        self._figures = 0
        self._descriptions: dict[str, str] = {}
        self._frames: dict[str, pd.DataFrame] = {}  # what was published, for the workbook
        #: Worker processes writing the figures in a notebook kernel (None: written at once).
        self._pool: FigurePool | None = None
        (output_dir / "tables").mkdir(parents=True, exist_ok=True)
        (output_dir / "figures").mkdir(parents=True, exist_ok=True)

    @classmethod
    def open(cls, params_file: str | Path, output_dir: str | Path) -> Report:
        """Load the parameters and the run's manifest (made here if the notebook runs by hand)."""
        params_file = Path(params_file).resolve()
        params = load_params(params_file)
        out = Path(output_dir)
        out.mkdir(parents=True, exist_ok=True)
        manifest_path = out / "manifest.json"
        if manifest_path.is_file():
            manifest = read_manifest(manifest_path)
            TIMINGS.write_to(out / KERNEL_TIMINGS_FILE)  # a run of `pss run`: its pipeline reads them back
            adopt_saved_inputs(params, out / INPUTS_FILE)  # and has loaded and checked the inputs already
        else:
            manifest = provisional_manifest(
                params, params_file=params_file, run_id="interactive", command=["jupyter", "(interactive)"]
            )
            write_manifest(manifest_path, manifest)
        report = cls(params, out, manifest)
        report._pool = FigurePool.for_notebook()
        return report

    def flush(self) -> None:
        """Show every display still waiting for its figure to be written (done at the end of each notebook cell)."""
        if self._pool is not None:
            self._pool.flush()

    # -- display helpers -------------------------------------------------
    def _show(self, bundle: dict[str, Any], metadata: dict[str, Any] | None = None) -> None:
        """Display now, or after the figures still being written (:mod:`~pss_analysis.reporting.figure_pool`)."""
        from IPython.display import display

        if self._pool is None:
            display(bundle, raw=True, metadata=metadata or {})
        else:
            self._pool.later(lambda _png: display(bundle, raw=True, metadata=metadata or {}))

    def markdown(self, text: str) -> None:
        """Show Markdown text. Put user-supplied parts (names, descriptions) through
        :func:`escape_text` first."""
        self._show({"text/markdown": text, "text/plain": text})

    @property
    def suppression_rule(self) -> str:
        """The small-number suppression rule in force, as a sentence for the methods section."""
        options = self.params.report.suppression
        if not options.enabled:
            return "Small numbers are not suppressed in this report (report.suppression.enabled is false)."
        return suppression_rule(options.threshold, options.marker, suppress_zero=False)

    def _disclosure_safe(
        self,
        frame: pd.DataFrame,
        counts: Sequence[str],
        derived: Mapping[str, Sequence[str]] | None,
        helpers: Sequence[str],
    ) -> pd.DataFrame:
        result = self._suppression(frame, counts, derived)
        return (frame if result is None else result.table).drop(columns=list(helpers))

    def _suppression(
        self, frame: pd.DataFrame, counts: Sequence[str], derived: Mapping[str, Sequence[str]] | None
    ) -> SuppressionResult | None:
        """The run's small-number suppression of ``frame`` (None when it is off or there are no counts)."""
        options = self.params.report.suppression
        if not (options.enabled and counts):
            return None
        return suppress_table(
            frame,
            count_columns=list(counts),
            derived=dict(derived or {}),
            threshold=options.threshold,
            marker=options.marker,
        )

    def hidden_cells(
        self,
        frame: pd.DataFrame,
        counts: Sequence[str] = (),
        derived: Mapping[str, Sequence[str]] | None = None,
        helpers: Sequence[str] = (),
    ) -> pd.DataFrame:
        """Where the published ``frame`` shows the suppression marker: True/False with its index and
        columns (``helpers`` left out), for the same arguments as :meth:`save_table`. A chart drawn from
        the same numbers leaves those values out, so that it never shows what the tables hide."""
        result = self._suppression(frame, counts, derived)
        mask = pd.DataFrame(False, index=frame.index, columns=frame.columns) if result is None else result.mask
        return mask.drop(columns=list(helpers))

    def write_workbook(self) -> Path:
        """Gather every table of the run folder into ``tables/results.xlsx`` (a README sheet first)."""
        marker = self.params.report.suppression.marker
        on_disk = {p.stem for p in (self.output_dir / "tables").glob("*.csv")}
        # the tables this notebook wrote are in memory; read back only those written by earlier notebooks
        earlier = on_disk - set(self._frames)
        tables = read_csv_tables(self.output_dir, markers=(marker,), max_rows=WORKBOOK_MAX_ROWS) if earlier else {}
        tables.update({name: self._frames[name] for name in sorted(self._frames)})
        tables = dict(sorted(tables.items()))
        started = self.manifest.get("started_utc")
        created = _dt.datetime.fromisoformat(started) if started else None
        path = self.output_dir / "tables" / "results.xlsx"
        write_results_workbook(
            tables,
            path,
            descriptions=self._descriptions,
            column_descriptions=COLUMN_DESCRIPTIONS,
            title=self.params.title,
            run_id=str(self.manifest.get("run_id", "")),
            notes=[self.suppression_rule],
            created=created,
        )
        return _SavedPath(path)

    def save_table(
        self,
        frame: pd.DataFrame,
        name: str,
        *,
        description: str = "",
        counts: Sequence[str] = (),
        derived: Mapping[str, Sequence[str]] | None = None,
        helpers: Sequence[str] = (),
    ) -> Path:
        """Write ``tables/<name>.csv`` (tidy, full precision) without showing it in the report.

        Small-number suppression: ``counts`` names the columns holding counts of people or
        events; values from 1 to the threshold are replaced by the marker, and so are the
        ``derived`` columns computed from them on the same row (``{"value": ["numerator"]}``).
        ``helpers`` are columns added only to decide suppression; they are not published.
        """
        frame = self._disclosure_safe(frame, counts, derived, helpers)
        path = self.output_dir / "tables" / f"{name}.csv"
        frame.to_csv(path, index=False, lineterminator="\n")
        self._descriptions[name] = description
        self._frames[name] = frame
        return _SavedPath(path)

    def table(
        self,
        frame: pd.DataFrame,
        name: str,
        *,
        caption: str,
        formats: Mapping[str, str | Callable[[Any], str]] | None = None,
        columns: Mapping[str, str] | None = None,
        hide: Sequence[str] = IDENTIFIER_COLUMNS,
        counts: Sequence[str] = (),
        derived: Mapping[str, Sequence[str]] | None = None,
        helpers: Sequence[str] = (),
        explorable: bool = False,
    ) -> Path:
        """Write ``tables/<name>.csv`` (full precision) and show the table, numbered and captioned.

        ``columns`` renames columns for display only (plain-English headers); ``formats`` gives a
        column's format spec, or a function that words its values for the board (``yes_no``); ``hide``
        names columns written to the CSV but not shown (by default the identifiers
        :data:`IDENTIFIER_COLUMNS`: the board reads names). ``counts``, ``derived`` and ``helpers`` as
        in :meth:`save_table` (the shown table is suppressed too). ``explorable``: in the HTML report the
        reader can sort and filter the table, and each row's first cell links to the section of that name.
        """
        frame = self._disclosure_safe(frame, counts, derived, helpers)
        path = self.save_table(frame, name, description=caption)
        self._tables += 1
        label = f"Table {self._tables}: {caption}"
        shown = format_table(frame.drop(columns=[c for c in hide if c in frame.columns]), formats)
        classes = {dict(columns or {}).get(c, c): k for c, k in column_classes(frame, shown).items()}
        if columns:
            shown = shown.rename(columns=dict(columns))
        body = html_table(shown, label, classes, explorable=explorable)
        self._show(
            {"text/html": body, "text/plain": label}, metadata={"pss": {"kind": "table", "name": name, "label": label}}
        )
        return path

    def figure(
        self,
        fig: Any,
        name: str,
        *,
        caption: str,
        alt: str,
        interactive: Mapping[str, Any] | None = None,
        data: pd.DataFrame | Mapping[str, Any] | None = None,
        links: Sequence[FigureLink] = (),
    ) -> Path:
        """Save ``figures/<name>.png`` and show it with a numbered caption and alt text.

        ``fig`` is a matplotlib Figure (made by :mod:`pss_analysis.reporting.figures`).
        When the run asks for PDF or Word (``report.to``), the figure is also
        saved as ``figures/print/<name>.svg``, which those formats use.

        ``interactive`` is the chart as a plotly spec (:mod:`pss_analysis.reporting.figures.interactive`):
        with ``report.interactive`` (the default) the HTML shows it, drawn by plotly.js, with the
        static picture as the fallback for readers without scripts and for print; Word and PDF use the
        static picture. ``data`` is the data behind the chart, shown (formatted) in a table one click
        away under the caption: a DataFrame, or the keyword arguments of :meth:`save_table`'s small-number
        suppression (``frame``, ``counts``, ``derived``, ``helpers``), so that it hides what the published
        tables hide. ``links``: regions of the picture that link, in the HTML, to the section
        whose heading reads as given (the strategy map's boxes to their objective's measures).
        """
        path = self.output_dir / "figures" / f"{name}.png"
        files = {"file": f"figures/{name}.png"}
        svg = None
        if set(PRINT_FORMATS) & set(self.params.report.to):
            svg = self.output_dir / "figures" / "print" / f"{name}.svg"
            files["print"] = f"figures/print/{name}.svg"
        job = FigureJob(path, svg, FIGURE_DPI, PNG_COMPRESS_LEVEL)
        self._figures += 1
        label = f"Figure {self._figures}: {caption}"
        spec = interactive if interactive is not None and self.params.report.interactive else None
        if isinstance(data, Mapping):
            data = self._disclosure_safe(data["frame"], data["counts"], data.get("derived"), data["helpers"])

        def shown(png: bytes | None) -> tuple[dict[str, Any], dict[str, Any]]:
            assert png is not None
            encoded = base64.b64encode(png).decode("ascii")
            bundle = {
                "text/html": figure_html(name, label, alt, encoded, spec=spec, data=data, links=links),
                "image/png": encoded,
                "text/plain": f"{label}. {alt}",
            }
            metadata = {
                "image/png": {"alt": alt},
                "pss": {"kind": "figure", "name": name, "label": label, "alt": alt, **files}
                | ({"interactive": True} if spec is not None else {}),
            }
            return bundle, metadata

        def show_later(png: bytes | None) -> None:  # called by the pool, in order, at the end of the cell
            from IPython.display import display

            bundle, metadata = shown(png)
            display(bundle, raw=True, metadata=metadata)

        if self._pool is not None:
            self._pool.submit(fig, job, name, show_later)
        else:
            png, seconds = write_figure(fig, job)
            TIMINGS.add("figure", seconds, name=name, written="kernel")
            self._show(*shown(png))
        return _SavedPath(path)

    # -- standard sections ---------------------------------------------------
    def title_block(self) -> None:
        """Title, programme, and who made the report.

        Two displays: the title (and subtitle), whose ``metadata["pss"]`` gives
        the renderer the title page of Word and PDF (where it is not repeated
        in the text); then the facts about the programme and the run.
        """
        p = self.params
        started = self.manifest.get("started_utc", "")
        lines = [f"# {escape_text(p.title)}"]
        if p.subtitle:
            lines.append(f"*{escape_text(p.subtitle)}*")
        title = "\n\n".join(lines)
        self._show(
            {"text/markdown": title, "text/plain": title},
            metadata={
                "pss": {
                    "kind": "title",
                    "title": p.title,
                    "subtitle": p.subtitle,
                    "author": p.author,
                    "date": started[:10],
                }
            },
        )
        facts = [
            f"**Programme:** {escape_text(p.programme.name)}",
            f"**Programme start:** {escape_text(p.programme.start)}",
        ]
        if p.programme.organisation:
            facts.append(f"**Organisation:** {escape_text(p.programme.organisation)}")
        if p.author:
            facts.append(f"**Prepared by:** {escape_text(p.author)}")
        facts.append(f"**Run:** {self.manifest.get('run_id', '')} ({started}), pss-analysis {__version__}")
        lines = ["  \n".join(facts)]
        if p.programme.description:
            lines.append(escape_text(p.programme.description))
        self.markdown("\n\n".join(lines))

    @property
    def _params_folder(self) -> Path:
        """The folder of the run's parameter file as given (published paths are relative to it)."""
        for item in self.manifest.get("inputs", []):
            if item.get("role") == "parameters" and item.get("path"):
                return Path(str(item["path"])).parent
        return self.output_dir

    def parameters_table(self) -> pd.DataFrame:
        """The run's parameters, one row per key (dotted), as a table."""
        flat: list[tuple[str, str]] = []

        def walk(prefix: str, value: Any) -> None:
            if isinstance(value, dict):
                for k, v in value.items():
                    walk(f"{prefix}.{k}" if prefix else k, v)
            else:
                text = json.dumps(value) if isinstance(value, list) else str(value)
                if isinstance(value, str) and Path(value).is_absolute():
                    text = publishable_path(value, self._params_folder)
                elif prefix.endswith(".database") and isinstance(value, str):
                    text = published_url(value)  # a database URL: no password, no local path
                flat.append((prefix, text))

        walk("", params_to_dict(self.params))
        return pd.DataFrame(flat, columns=["parameter", "value"])

    def manifest_tables(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(inputs with checksums, software versions) from the manifest."""
        records = self.manifest.get("inputs", [])
        inputs = pd.DataFrame(records, columns=["role", "path", "bytes", "sha256"])
        from_database = [bool(r.get("database")) for r in records]  # path: the table or query, no password
        inputs.insert(
            1,
            "file",
            [
                r.get("table", "") if db else Path(str(p)).name
                for r, db, p in zip(records, from_database, inputs["path"], strict=True)
            ],
        )
        inputs["path"] = [
            str(p) if db else publishable_path(str(p), self._params_folder)
            for p, db in zip(inputs["path"], from_database, strict=True)
        ]
        env = self.manifest.get("environment", {})
        rows = [("python", env.get("python")), ("platform", env.get("platform"))]
        rows += sorted((k, v) for k, v in env.get("packages", {}).items())
        git = env.get("git") or {}
        if git:
            rows.append(
                (
                    "project git commit",
                    git.get("commit", "") + (" (with uncommitted changes)" if git.get("uncommitted_changes") else ""),
                )
            )
        rows.append(("command", _command_shown(self.manifest.get("command", []))))
        return inputs, pd.DataFrame(rows, columns=["item", "value"])
