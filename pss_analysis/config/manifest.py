"""The run manifest: what went in, what ran it, and how long each stage took.

``manifest.json`` in every run folder records the sha256 of every input file,
the versions of Python and the key packages, the platform, the project's git
commit (when the project is a git checkout), the command line, the start and
end times and the duration of every stage. The pipeline writes a provisional
manifest before the notebooks run (so the report's reproducibility appendix
can show it) and completes it once the report is rendered.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pss_analysis import __version__
from pss_analysis.config.database import database_record

if TYPE_CHECKING:
    from pss_analysis.config.params import Params

__all__ = [
    "KEY_PACKAGES",
    "provisional_manifest",
    "sha256_file",
    "environment_info",
    "git_commit",
    "input_record",
    "input_records",
    "read_manifest",
    "write_manifest",
]

#: Packages whose versions every manifest records.
KEY_PACKAGES = (
    "pss-analysis",
    "pandas",
    "numpy",
    "scipy",
    "statsmodels",
    "matplotlib",
    "seaborn",
    "papermill",
    "nbconvert",
    "nbformat",
    "nbclient",
    "ipykernel",
    "pydantic",
    "PyYAML",
)

_CHUNK = 1 << 20
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def sha256_file(path: str | Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def git_commit(root: Path = PROJECT_ROOT) -> dict[str, Any] | None:
    """The project's git commit and whether the work tree had changes, or None outside git."""
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10)
        if head.returncode != 0:
            return None
        status = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": head.stdout.strip(), "uncommitted_changes": bool(status.stdout.strip())}


def environment_info() -> dict[str, Any]:
    """Python, platform and key package versions."""
    versions: dict[str, str | None] = {}
    for name in KEY_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    versions["pss-analysis"] = __version__
    return {
        "python": sys.version.split()[0],
        "python_implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "packages": versions,
        "git": git_commit(),
    }


def input_record(role: str, path: str | Path) -> dict[str, Any]:
    """One entry of the manifest's ``inputs`` list."""
    path = Path(path)
    return {"role": role, "path": str(path), "bytes": path.stat().st_size, "sha256": sha256_file(path)}


def input_records(
    params: Params, *, params_file: str | Path, notebooks: list[Path] | tuple[Path, ...] = ()
) -> list[dict[str, Any]]:
    """The manifest's ``inputs``: the parameter file, every data input, every template notebook.

    A file is recorded with its path, size and sha256; a database source with its URL without the
    password, the table or query, the number of rows read and the sha256 of those rows
    (:func:`pss_analysis.config.database.database_record`)."""
    inputs = [input_record("parameters", params_file)]
    inputs += [
        input_record(f"data.{k}", v) if isinstance(v, Path) else database_record(f"data.{k}", v)
        for k, v in params.data.named_sources().items()
    ]
    inputs += [input_record("notebook", nb) for nb in notebooks]
    return inputs


def write_manifest(path: str | Path, manifest: dict[str, Any]) -> None:
    """Write a manifest as indented, key-sorted JSON."""
    Path(path).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def read_manifest(path: str | Path) -> dict[str, Any]:
    """Read a manifest written by :func:`write_manifest`."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def provisional_manifest(
    params: Params,
    *,
    params_file: str | Path,
    run_id: str,
    command: list[str],
    notebooks: list[Path] | tuple[Path, ...] = (),
) -> dict[str, Any]:
    """The manifest as known before the notebooks run (inputs, versions, command, start)."""
    inputs = input_records(params, params_file=params_file, notebooks=notebooks)
    return {
        "manifest_version": 1,
        "pss_analysis_version": __version__,
        "run_id": run_id,
        "report_name": params.report.name,
        "command": list(command),
        "started_utc": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "inputs": inputs,
        "environment": environment_info(),
        "stages": [],
    }
