"""Reading YAML: dates kept as text (so they are checked where they are used), errors naming file and line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from pss_analysis.errors import ParameterError

__all__ = ["YamlLoader", "load_yaml", "read_yaml"]


class YamlLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc] # libyaml's, where built
    """YAML loader that keeps dates as text, so that they are checked (and reported) by the schema (PyYAML's
    safe loader, on libyaml where PyYAML has it: a batch reads a parameter file once per unit)."""


def _timestamp_as_text(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    return str(loader.construct_scalar(node))  # type: ignore[arg-type] # a timestamp is a scalar node


YamlLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)


def load_yaml(text: str) -> Any:
    """Parse YAML text with :class:`YamlLoader`."""
    return yaml.load(text, Loader=YamlLoader)  # noqa: S506 - a SafeLoader subclass


def read_yaml(path: Path) -> dict[str, Any]:
    """Read a YAML mapping, with errors that name the file and line."""
    if not path.is_file():
        raise ParameterError("parameter file not found", file=str(path))
    try:
        raw = load_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "it is not valid YAML"
        raise ParameterError(f"cannot read the YAML{where}: {problem}", file=str(path)) from None
    except UnicodeDecodeError:
        raise ParameterError("the file is not UTF-8 text", file=str(path)) from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ParameterError(
            "expected a mapping of keys to values at the top level", file=str(path), found=type(raw).__name__
        )
    return raw
