"""Demo run time against the floor of any papermill report, measured in one invocation.

The floor: papermill executing one notebook that imports pandas, statsmodels and seaborn and
draws one figure, plus one nbconvert HTML export of it. The demo run is the whole
`pss run params/demo.yaml` pipeline (built-in renderer, the default parameters: every section on).
Target: demo <= 1.5 x floor. Floor and demo are run in interleaved pairs (both see the same load on
a shared machine) and the ratio is that of the medians.

Then the same for `--to html,pdf,docx` against the floor plus one pandoc conversion (the floor's
HTML to Word), and the peak resident memory of a demo run: this process and every process under
it (the notebook kernel, pandoc, Typst), sampled every 50 ms with psutil; target <= 1.5 GB.
It also prints the processor time a demo run uses (this process and its child processes, the sampling
thread left out) and what that allows: spread perfectly over every core, no run could take less than
that time divided by the cores, which bounds the ratio any scheduling of the same work can reach.
The `timings` of the last demo run's manifest say where its time went (`pss run --profile`).

    python benchmarks/bench_demo.py [--repeat 3] [--only html|all]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import nbformat
import papermill as pm
import psutil
from nbconvert import HTMLExporter

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pss_analysis.run.kernel import papermill_kernel  # noqa: E402
from pss_analysis.run.pipeline import run  # noqa: E402
from pss_analysis.run.profiling import profile_lines  # noqa: E402

TARGET_RATIO = 1.5
TARGET_PEAK_GB = 1.5
ALL_FORMATS = ["html", "pdf", "docx"]
FLOOR_CELLS = [
    "import pandas as pd\nimport statsmodels.api as sm\nimport seaborn as sns\nimport matplotlib.pyplot as plt",
    "df = pd.DataFrame({'x': range(60), 'y': [i % 12 for i in range(60)]})\n"
    "ax = sns.lineplot(data=df, x='x', y='y')\nplt.show()",
]


class PeakMemory:
    """The peak resident memory of this process and all its descendants, sampled on a thread."""

    def __init__(self, interval: float = 0.05) -> None:
        self.interval = interval
        self.peak = 0
        self.cpu = 0.0  # processor seconds the sampling thread itself used
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for proc in [me, *me.children(recursive=True)]:
                try:
                    total += proc.memory_info().rss
                except psutil.Error:  # a process that ended while we looked
                    continue
            self.peak = max(self.peak, total)
            self._stop.wait(self.interval)
        self.cpu = time.thread_time()

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def floor(work: Path, pandoc: bool) -> float:
    """Seconds for the floor: papermill + nbconvert HTML (+ one pandoc conversion of that HTML to Word)."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in FLOOR_CELLS])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    src, out = work / "floor.ipynb", work / "floor-out.ipynb"
    nbformat.write(nb, src)
    t0 = time.perf_counter()
    pm.execute_notebook(str(src), str(out), progress_bar=False, cwd=str(work), **papermill_kernel())
    body, _ = HTMLExporter(embed_images=True).from_notebook_node(nbformat.read(out, as_version=4))
    (work / "floor.html").write_text(body)
    if pandoc:
        import pypandoc

        subprocess.run(
            [pypandoc.get_pandoc_path(), "floor.html", "-o", "floor.docx"], cwd=work, check=True, capture_output=True
        )
    return time.perf_counter() - t0


def processor_seconds() -> float:
    """Processor seconds (user and system) used so far by this process and its ended child processes."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def demo(work: Path, formats: list[str], last: dict[str, object]) -> float:
    """Seconds for one demo run to ``formats``; its manifest, processor seconds and the peak memory so
    far go into ``last``."""
    cpu0 = processor_seconds()
    t0 = time.perf_counter()
    with PeakMemory() as memory:
        result = run(
            ROOT / "params" / "demo.yaml",
            to=formats,
            reports_root=work / "reports",
            renderer="builtin",
            say=lambda m: None,
            progress=False,
        )
    seconds = time.perf_counter() - t0
    last["cpu"] = processor_seconds() - cpu0 - memory.cpu
    last["manifest"] = json.loads((result.run_dir / "manifest.json").read_text(encoding="utf-8"))
    last["peak"] = max(float(str(last.get("peak", 0))), memory.peak / 1e9)
    return seconds


def compare(
    label: str, repeat: int, run_floor: Callable[[], float], run_demo: Callable[[], float], last: dict[str, object]
) -> float:
    """Interleaved pairs; prints and returns the ratio of the medians, then the least processor time of
    a demo run and the ratio it allows on this machine's cores."""
    floors, demos, cpus = [], [], []
    for _ in range(repeat):  # interleaved, so both see the same machine load
        floors.append(run_floor())
        demos.append(run_demo())
        cpus.append(float(str(last["cpu"])))
    f, d = statistics.median(floors), statistics.median(demos)
    ratio = d / f
    print(
        f"{label}: floor {f:.2f} s, demo run {d:.2f} s (medians of {repeat} pairs; demo runs "
        f"{', '.join(f'{x:.1f}' for x in demos)} s), ratio {ratio:.2f} (target <= {TARGET_RATIO:.1f})",
        flush=True,
    )
    cores = len(os.sched_getaffinity(0))
    cpu = min(cpus)
    print(
        f"  processor time of a demo run {cpu:.1f} s (least of {repeat}); on {cores} cores no run doing this "
        f"work takes less than {cpu / cores:.1f} s: ratio at least {cpu / cores / f:.2f}",
        flush=True,
    )
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="interleaved floor/demo pairs (at least 3)")
    parser.add_argument("--only", choices=("html", "all"), help="measure only the HTML or only the three formats")
    args = parser.parse_args()
    repeat = max(3, args.repeat)
    last: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if args.only != "all":
            compare("demo (html)", repeat, lambda: floor(work, False), lambda: demo(work, ["html"], last), last)
        if args.only != "html":
            compare(
                "demo (html, pdf, docx) against floor + one pandoc conversion",
                repeat,
                lambda: floor(work, True),
                lambda: demo(work, ALL_FORMATS, last),
                last,
            )
    peak = float(str(last["peak"]))
    print(f"demo: peak resident memory {peak:.2f} GB, pipeline and kernel together (target <= {TARGET_PEAK_GB:.1f} GB)")
    manifest = last["manifest"]
    assert isinstance(manifest, dict)
    print("demo: the most expensive steps of the last run (manifest.json 'timings'):")
    for line in profile_lines(manifest.get("timings", [])):
        print(f"  {line}")


if __name__ == "__main__":
    main()
