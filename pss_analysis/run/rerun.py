"""Whether a run would repeat the last one: ``pss run --if-changed`` and ``pss watch``.

A run is unchanged since the published run ``latest`` points to when three things are equal:

- the resolved parameters (the sha256 of the ``params.yaml`` the run would write: comments and
  layout of the parameter file do not count, a changed value does);
- the sha256 of every input: each data file (or the rows a database query returns) and each
  template notebook, by role; an input added or dropped is a change;
- the version of pss-analysis.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import yaml

from pss_analysis import __version__
from pss_analysis.config.manifest import input_records, read_manifest
from pss_analysis.config.params import Params, params_to_dict

__all__ = ["resolved_parameters_text", "fingerprint", "unchanged_since"]


def resolved_parameters_text(params: Params) -> str:
    """The text of a run's ``params.yaml``: the parameters after ``--set``, with resolved paths."""
    return yaml.safe_dump(params_to_dict(params), sort_keys=False, allow_unicode=True)


def _inputs_by_role(inputs: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Input checksums by role (the parameter file itself left out: its resolved content counts instead)."""
    roles: dict[str, list[str]] = {}
    for item in inputs:
        if item.get("role") != "parameters":
            roles.setdefault(str(item.get("role")), []).append(str(item.get("sha256")))
    return {role: sorted(sums) for role, sums in roles.items()}


def fingerprint(params: Params, params_file: Path, notebooks: list[Path]) -> dict[str, Any]:
    """What a run of these parameters would be made from: parameters, inputs and version."""
    text = resolved_parameters_text(params)
    return {
        "parameters_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        "inputs": _inputs_by_role(input_records(params, params_file=params_file, notebooks=notebooks)),
        "pss_analysis_version": __version__,
    }


def unchanged_since(previous: Path | None, params: Params, params_file: Path, notebooks: list[Path]) -> str | None:
    """The run id of ``previous`` (a published run folder) when a run now would be made from the same
    parameters, inputs and version; None when anything differs or there is no previous run."""
    if previous is None or not (previous / "manifest.json").is_file():
        return None
    manifest = read_manifest(previous / "manifest.json")
    before = {
        "parameters_sha256": manifest.get("parameters_sha256"),
        "inputs": _inputs_by_role(manifest.get("inputs", [])),
        "pss_analysis_version": manifest.get("pss_analysis_version"),
    }
    return str(manifest.get("run_id", previous.name)) if before == fingerprint(params, params_file, notebooks) else None
