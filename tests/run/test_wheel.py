"""The built wheel is complete and works on its own: installed into a fresh virtualenv, from another folder,
``pss init`` + ``pss run`` and the demo publish their reports.

The wheel is built (``python -m build --wheel --no-isolation``) from a copy of the checkout's package
sources in a temporary folder, so no ``build/`` or ``*.egg-info`` is left in the checkout. The fresh
virtualenv sees this environment's installed dependencies through a ``.pth`` file (no network), after its
own site-packages, so the wheel's ``pss_analysis`` is the one imported (and their data files, such as
nbconvert's templates, through JUPYTER_PATH). Select or skip these tests with
``-m slow`` / ``-m "not slow"``; they run in the normal suite (a few minutes).
"""

from __future__ import annotations

import fnmatch
import importlib.util
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from conftest import DEMO_PARAMS, ROOT

from pss_analysis.run.init import STARTER_FILES

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        importlib.util.find_spec("build") is None,
        reason="the 'build' package is not installed (pip install build) to build the wheel",
    ),
]

#: What the wheel must hold besides the modules (package data), as zip-member patterns.
PACKAGE_DATA = [
    "pss_analysis/py.typed",
    "pss_analysis/notebooks/*.ipynb",
    "pss_analysis/publish/templates/**",
    "pss_analysis/inputs/scorecard/scorecard_template.xlsx",
    *(f"pss_analysis/run/starter/{name}" for name in STARTER_FILES),
]


def _env() -> dict[str, str]:
    """This environment without PYTHONPATH, so that a subprocess imports only what its interpreter installs.

    The dependencies' data files (nbconvert's templates, ...) are found under this environment's
    ``share/jupyter``, which the fresh virtualenv borrows with its packages.
    """
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    shared = str(Path(sys.prefix) / "share" / "jupyter")
    env["JUPYTER_PATH"] = os.pathsep.join(filter(None, [env.get("JUPYTER_PATH"), shared]))
    return env


def _call(args: list[str | Path], cwd: Path, timeout: int = 900) -> subprocess.CompletedProcess:
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=_env(), capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(map(str, args))} exited {done.returncode}:\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel built from a copy of the checkout (pyproject.toml, README.md and pss_analysis/)."""
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "pss_analysis",
        source / "pss_analysis",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints"),
    )
    _call([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", tmp / "dist", source], cwd=tmp)
    (built,) = (tmp / "dist").glob("pss_analysis-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    """A fresh virtualenv with the wheel installed; it borrows this environment's dependencies."""
    home = tmp_path_factory.mktemp("venv") / "venv"
    _call([sys.executable, "-m", "venv", home], cwd=home.parent)
    python = home / "bin" / "python"
    site = _call([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=home).stdout
    ours = dict.fromkeys(sysconfig.get_paths()[key] for key in ("purelib", "platlib"))
    (Path(site.strip()) / "borrowed_dependencies.pth").write_text("\n".join(ours) + "\n", encoding="utf-8")
    _call(
        [python, "-m", "pip", "install", "--no-deps", "--no-index", "--disable-pip-version-check", wheel],
        cwd=home.parent,
    )
    return home


def test_no_build_leftovers_in_the_checkout(wheel):
    assert not (ROOT / "build").exists()
    assert not list(ROOT.glob("*.egg-info")) and not list((ROOT / "pss_analysis").glob("*.egg-info"))


def test_wheel_holds_the_package_data(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    for pattern in PACKAGE_DATA:  # fnmatch's * also matches "/"
        assert fnmatch.filter(names, pattern), f"{pattern} is missing from {wheel.name}"
    templates = {n for n in names if n.startswith("pss_analysis/publish/templates/")}
    expected = {
        "pss_analysis/" + p.relative_to(ROOT / "pss_analysis").as_posix()
        for p in (ROOT / "pss_analysis" / "publish" / "templates").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert expected <= templates, sorted(expected - templates)
    notebooks = {Path(n).name for n in names if n.startswith("pss_analysis/notebooks/") and n.endswith(".ipynb")}
    assert notebooks == {p.name for p in (ROOT / "pss_analysis" / "notebooks").glob("*.ipynb")}


def test_fresh_venv_imports_the_installed_wheel(venv):
    done = _call([venv / "bin" / "python", "-c", "import pss_analysis; print(pss_analysis.__file__)"], cwd=venv)
    assert Path(done.stdout.strip()).resolve().is_relative_to(venv.resolve())


def test_installed_pss_init_and_run_publish_reports(venv, tmp_path):
    pss = venv / "bin" / "pss"
    _call([pss, "init", "proj"], cwd=tmp_path)
    assert (tmp_path / "proj" / "params.yaml").is_file()
    _call([pss, "run", "proj/params.yaml", "--renderer", "builtin"], cwd=tmp_path)
    assert (tmp_path / "reports" / "example" / "latest" / "report.html").is_file()
    _call([pss, "run", DEMO_PARAMS, "--renderer", "builtin", "--reports-dir", tmp_path / "demo-reports"], cwd=tmp_path)
    assert (tmp_path / "demo-reports" / "demo" / "latest" / "report.html").is_file()
