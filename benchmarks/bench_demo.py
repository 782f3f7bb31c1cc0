"""Demo run time against the floor of any papermill report, measured in one invocation.

The floor: papermill executing one notebook that imports pandas, statsmodels and
seaborn and draws one figure, plus one nbconvert HTML export of it. The demo
run is the whole `pss run params/demo.yaml` pipeline (built-in renderer).
Target: demo <= 2 x floor. Prints the ratio; the best of --repeat runs is used
for each, so a noisy neighbour on the machine does not decide the figure.

    python benchmarks/bench_demo.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import papermill as pm
from nbconvert import HTMLExporter

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pss_analysis.run.kernel import papermill_kernel  # noqa: E402
from pss_analysis.run.pipeline import run  # noqa: E402

TARGET_RATIO = 2.0
FLOOR_CELLS = [
    "import pandas as pd\nimport statsmodels.api as sm\nimport seaborn as sns\nimport matplotlib.pyplot as plt",
    "df = pd.DataFrame({'x': range(60), 'y': [i % 12 for i in range(60)]})\n"
    "ax = sns.lineplot(data=df, x='x', y='y')\nplt.show()",
]


def floor(work: Path) -> float:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in FLOOR_CELLS])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    src, out = work / "floor.ipynb", work / "floor-out.ipynb"
    nbformat.write(nb, src)
    t0 = time.perf_counter()
    pm.execute_notebook(str(src), str(out), progress_bar=False, cwd=str(work), **papermill_kernel())
    body, _ = HTMLExporter(embed_images=True).from_notebook_node(nbformat.read(out, as_version=4))
    (work / "floor.html").write_text(body)
    return time.perf_counter() - t0


def demo(work: Path) -> float:
    t0 = time.perf_counter()
    run(ROOT / "params" / "demo.yaml", reports_root=work / "reports", renderer="builtin", say=lambda m: None)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    repeat = parser.parse_args().repeat
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        floors, demos = [], []
        for _ in range(repeat):  # interleaved, so both see the same machine load
            floors.append(floor(work))
            demos.append(demo(work))
    f, d = min(floors), min(demos)
    print(f"demo: floor {f:.2f} s, demo run {d:.2f} s, ratio {d / f:.2f} (target <= {TARGET_RATIO:.1f})")


if __name__ == "__main__":
    main()
