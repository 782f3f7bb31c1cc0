"""``--set key=value`` overrides: parsing them and applying them to a parameter file's contents.

The value is read as YAML (``--set report.to=[html,pdf]``), except for text
keys such as ``title``, which keep the text as typed. Paths are relative to
the current working directory (the caller passes it as ``cwd``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from pss_analysis.config.keys import PATH_KEYS, TEXT_KEYS, generic_key, is_valid_key, suggest_key
from pss_analysis.config.yamlfile import load_yaml
from pss_analysis.errors import ParameterError

__all__ = ["parse_override", "apply_overrides", "parse_grid"]


def parse_override(text: str) -> tuple[str, Any]:
    """Parse one ``--set key=value`` into (dotted key, value); the value is read as YAML."""
    if "=" not in text:
        raise ParameterError("a --set override must look like key=value", key=text, found=text)
    key, _, raw = text.partition("=")
    key = key.strip()
    if not key:
        raise ParameterError("a --set override has an empty key", found=text)
    if generic_key(key)[0] in TEXT_KEYS:
        return key, raw  # text as typed: "--set title=2020" is a title, not a number
    try:
        value = load_yaml(raw) if raw.strip() else ""
    except yaml.YAMLError:
        value = raw
    return key, value


def parse_grid(text: str) -> tuple[str, list[Any]]:
    """Parse one ``--grid key=v1,v2`` into (dotted key, values), each value read as ``--set`` reads it.

    Commas inside brackets belong to one value (``--grid report.to=[html,pdf],[docx]``).
    """
    key, _, raw = text.partition("=")
    if "=" not in text or not key.strip() or not raw.strip():
        raise ParameterError("a --grid option must look like key=value1,value2", file="--grid", found=text)
    key = key.strip()
    if not is_valid_key(key):
        raise ParameterError(f"unknown key{suggest_key(key)}", file="--grid", key=key)
    values = [parse_override(f"{key}={part}")[1] for part in _split_top_level(raw)]
    if len(set(map(repr, values))) != len(values):
        raise ParameterError("a --grid key lists the same value twice", file="--grid", key=key, found=raw)
    return key, values


def _split_top_level(raw: str) -> list[str]:
    """``a,[b,c],d`` -> ``["a", "[b,c]", "d"]``: commas outside brackets separate values."""
    parts, depth, current = [], 0, ""
    for char in raw:
        depth += {"[": 1, "{": 1, "]": -1, "}": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    parts.append(current.strip())
    return [p for p in parts if p]


def apply_overrides(raw: dict[str, Any], overrides: list[tuple[str, Any]], *, cwd: Path) -> dict[str, Any]:
    """Return a copy of ``raw`` with dotted-key overrides set (paths made absolute from ``cwd``)."""
    result = _deepcopy(raw)
    for key, value in overrides:
        if not is_valid_key(key):
            raise ParameterError(f"unknown key{suggest_key(key)}", file="--set", key=key)
        if generic_key(key)[0] in PATH_KEYS and isinstance(value, str):
            value = str((cwd / value).resolve())
        _set(result, key.split("."), value)
    return result


def _set(tree: dict[str, Any], parts: list[str], value: Any) -> None:
    """Set ``tree[parts[0]][parts[1]]...`` to ``value``, making (or replacing non-mapping) parents."""
    node = tree
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child
    node[parts[-1]] = value


def _deepcopy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _deepcopy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deepcopy(v) for v in value]
    return value
