"""The script that draws a report's interactive charts: plotly.js, embedded once per report.

A report figure made with a plotly spec (:meth:`~pss_analysis.reporting.Report.figure` with
``interactive=``) is, in its HTML, a hidden ``div.pss-plotly``, the spec in a
``<script type="application/json" class="pss-plotly-spec">`` and the static picture. The
:func:`plotly_loader` block, put once at the end of the page by the HTML renderers, holds the
installed plotly package's own ``plotly.min.js`` (gzip-compressed and base64-encoded: 1.9 MB instead
of 4.8 MB, which keeps the demo's report under its 8 MB budget; the browser inflates it with its
built-in ``DecompressionStream``, with no request to any host) and a short script that draws each
chart as it comes near the screen, then hides the static picture it replaces. plotly.js itself is
inflated and run only when the first chart comes near: the report is readable and responsive as soon
as it has loaded, as the static report is (running plotly.js takes ~0.5 s of the page's time). A browser without scripts
or without ``DecompressionStream`` keeps the static pictures; print always uses them.
"""

from __future__ import annotations

import base64
import gzip
from functools import lru_cache
from importlib import resources

from pss_analysis.errors import RenderError

__all__ = ["plotly_loader", "has_interactive", "PLOTLY_MARK", "PLOTLY_CONFIG"]

PLOTLY_MARK = 'class="pss-plotly-spec"'
"""What an interactive figure's HTML contains (the renderers add the loader only where it appears)."""

PLOTLY_CONFIG = '{"responsive": true, "displaylogo": false, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}'
"""plotly.js options for every chart: resize with the page, no plotly logo link, no selection tools."""

_DRAW = """
(function () {
  "use strict";
  var packed = document.getElementById("pss-plotly-js");
  if (!packed || !window.DecompressionStream || !window.IntersectionObserver) { return; }
  var config = %(config)s;
  function draw(spec) {
    var figure = spec.parentNode;
    var div = figure.querySelector("div.pss-plotly");
    var img = figure.querySelector("img.pss-static");
    var fig = JSON.parse(spec.textContent);
    div.hidden = false;
    window.Plotly.newPlot(div, fig.data, fig.layout, config).then(function () {
      if (img) { img.classList.add("pss-replaced"); }
      div.classList.add("pss-drawn");
      performance.mark("pss-chart-drawn");
    }, function (error) {
      div.hidden = true;
      console.warn("pss-analysis: chart not drawn, the picture stays", error);
    });
  }
  var loading = null;
  function plotly() {  /* inflate and run plotly.js once, when the first chart comes near the screen */
    if (loading === null) {
      var text = atob(packed.textContent.trim());
      var bytes = new Uint8Array(text.length);
      for (var i = 0; i < text.length; i++) { bytes[i] = text.charCodeAt(i); }
      var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
      loading = new Response(stream).text().then(function (code) {
        var script = document.createElement("script");
        script.textContent = code;
        document.head.appendChild(script);
        performance.mark("pss-plotly-ready");
      });
    }
    return loading;
  }
  var seen = new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      if (!entry.isIntersecting) { return; }
      seen.unobserve(entry.target);
      plotly().then(function () {
        if (window.Plotly) { draw(entry.target.querySelector("script.pss-plotly-spec")); }
      });
    });
  }, {rootMargin: "800px 0px"});
  document.querySelectorAll("script.pss-plotly-spec").forEach(function (spec) { seen.observe(spec.parentNode); });
})();
"""


@lru_cache(maxsize=1)
def _packed_plotly() -> str:
    """The installed plotly package's ``plotly.min.js``, gzip-compressed (deterministic) and base64-encoded."""
    try:
        source = resources.files("plotly") / "package_data" / "plotly.min.js"
        code = source.read_bytes()
    except (ModuleNotFoundError, FileNotFoundError) as exc:
        raise RenderError(
            "interactive charts need the plotly package (its plotly.min.js); install plotly or set "
            "report.interactive: false",
            file="plotly/package_data/plotly.min.js",
        ) from exc
    return base64.b64encode(gzip.compress(code, compresslevel=6, mtime=0)).decode("ascii")


def plotly_loader() -> str:
    """The HTML to put once at the end of a report with interactive charts: plotly.js and the drawing script."""
    draw = _DRAW.replace("%(config)s", PLOTLY_CONFIG)
    return (
        f'<script type="application/octet-stream" id="pss-plotly-js">{_packed_plotly()}</script>\n'
        f"<script>{draw}</script>\n"
    )


def has_interactive(html_text: str) -> bool:
    """Whether the HTML holds an interactive chart (and so needs :func:`plotly_loader`)."""
    return PLOTLY_MARK in html_text
