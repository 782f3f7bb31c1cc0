"""The interactive HTML report against the static one, measured in one invocation.

Runs the demo (built-in renderer) with ``report.interactive`` true and false, interleaved, the best of
--repeat runs each, and prints: the interactive report's size (target <= 8 MB), the run time ratio
interactive / static (target <= 1.10), and, when Chromium and chromedriver are installed, how long
the interactive page takes in headless Chromium to be usable (loaded and answering, at its top, where
the board summary is; target <= 3 s), beside the static page, and how long the first chart takes to
be drawn once scrolled to (plotly.js is run then).

    python benchmarks/bench_interactive.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "publish"))

from pss_analysis.run.pipeline import run  # noqa: E402

TARGET_MB = 8.0
TARGET_RATIO = 1.10
TARGET_USABLE_S = 3.0


def demo(work: Path, interactive: bool) -> tuple[float, Path]:
    """Seconds for one demo run, and its report."""
    t0 = time.perf_counter()
    result = run(
        ROOT / "params" / "demo.yaml",
        reports_root=work / ("interactive" if interactive else "static"),
        renderer="builtin",
        overrides=[f"report.interactive={'true' if interactive else 'false'}"],
        say=lambda m: None,
    )
    return time.perf_counter() - t0, result.run_dir / "report.html"


def usable_seconds(report: Path) -> tuple[float, float] | None:
    """(seconds from navigation until the page has loaded and answers, at its top; seconds from scrolling
    to the first interactive chart until it is drawn, 0 for a static report), in headless Chromium
    (None without a browser)."""
    from browser import browser_missing, open_browser

    if browser_missing():
        return None
    with open_browser(1280) as driver:
        t0 = time.perf_counter()
        driver.get(report.as_uri())  # returns once the document has loaded
        driver.execute_async_script("requestAnimationFrame(() => arguments[arguments.length - 1]())")  # answers
        usable = time.perf_counter() - t0
        first = "document.querySelector('script.pss-plotly-spec')"
        if not driver.execute_script(f"return !!{first}"):
            return usable, 0.0
        t1 = time.perf_counter()
        driver.execute_script(f"{first}.parentNode.scrollIntoView()")
        while not driver.execute_script(f"return {first}.parentNode.querySelector('.pss-drawn') !== null"):
            if time.perf_counter() - t1 > 60:
                return usable, float("inf")
            time.sleep(0.02)
        return usable, time.perf_counter() - t1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    repeat = parser.parse_args().repeat
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        statics, interactives = [], []
        for _ in range(repeat):  # interleaved, so both see the same machine load
            seconds, static_report = demo(work, False)
            statics.append(seconds)
            seconds, report = demo(work, True)
            interactives.append(seconds)
        size = report.stat().st_size / 1e6
        s, i = min(statics), min(interactives)
        print(f"interactive HTML: {size:.2f} MB (target <= {TARGET_MB:.0f} MB)")
        print(f"run time: static {s:.2f} s, interactive {i:.2f} s, ratio {i / s:.3f} (target <= {TARGET_RATIO:.2f})")
        usable = usable_seconds(report)
        static = usable_seconds(static_report)
        if usable is None or static is None:
            print("usable in Chromium: not measured (chromium or chromedriver not installed)")
        else:
            print(
                f"usable in headless Chromium: {usable[0]:.2f} s (target <= {TARGET_USABLE_S:.0f} s; the static "
                f"report {static[0]:.2f} s); first chart drawn {usable[1]:.2f} s after scrolling to it"
            )


if __name__ == "__main__":
    main()
