"""Loading a parameter file: read the YAML, apply ``--set``, validate, resolve and check the data files.

Every problem becomes a :class:`~pss_analysis.errors.ParameterError` whose
message names the file and the key, says what was expected and what was
found, and suggests the nearest valid key for a misspelt one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NoReturn

from pydantic import ValidationError

from pss_analysis.config.database import read_rows, rows_sha256
from pss_analysis.config.keys import suggest_key
from pss_analysis.config.manifest import sha256_file
from pss_analysis.config.overrides import apply_overrides, parse_override
from pss_analysis.config.params import DatabaseSource, DataFiles, Params
from pss_analysis.config.yamlfile import read_yaml
from pss_analysis.errors import ParameterError

__all__ = ["load_params", "describe_error"]

_BOUNDS = {
    "less_than_equal": ("at most", "le"),
    "greater_than_equal": ("at least", "ge"),
    "less_than": ("below", "lt"),
    "greater_than": ("above", "gt"),
}
_EXPECTED_TYPES = {
    "string_type": "text",
    "int_parsing": "a whole number",
    "int_type": "a whole number",
    "float_parsing": "a number",
    "float_type": "a number",
    "bool_parsing": "true or false",
    "bool_type": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping of keys to values",
    "model_type": "a mapping of keys to values",
    "model_attributes_type": "a mapping of keys to values",
    "path_type": "a file path",
}


def load_params(
    path: str | Path,
    overrides: list[str] | list[tuple[str, Any]] | None = None,
    *,
    cwd: str | Path | None = None,
) -> Params:
    """Read, override and validate a parameter file.

    ``overrides`` are ``"key=value"`` strings (as given to ``--set``) or
    already-parsed pairs; their relative paths are relative to ``cwd`` (default:
    the current working directory). Relative paths in the file are relative to
    its folder. Data files must exist. Raises
    :class:`~pss_analysis.errors.ParameterError` on the first problem.
    """
    path = Path(path)
    pairs = [parse_override(o) if isinstance(o, str) else o for o in (overrides or [])]
    merged = apply_overrides(read_yaml(path), pairs, cwd=Path(cwd) if cwd is not None else Path.cwd())
    params = _validate(merged, path, {k for k, _ in pairs})
    data = _resolve_paths(params.data, path.resolve().parent)
    _check_data_given(data, path)
    _check_files(data, path)
    report = params.report if params.report.name else params.report.model_copy(update={"name": path.stem})
    return params.model_copy(update={"data": data, "report": report})


def _validate(merged: dict[str, Any], path: Path, overridden: set[str]) -> Params:
    try:
        return Params.model_validate(merged)
    except ValidationError as exc:
        _raise_validation(exc, str(path), overridden)


def _resolve_paths(data: DataFiles, base: Path) -> DataFiles:
    """The data files with relative paths made absolute from ``base`` (the parameter file's folder)."""

    def resolve(value: Any) -> Any:
        if isinstance(value, DatabaseSource):
            return _resolve_sqlite(value, base)
        return (value if value.is_absolute() else (base / value)).resolve()

    return data.model_copy(
        update={
            **{
                k: resolve(getattr(data, k))
                for k in ("measures", "indicators", "scorecard")
                if getattr(data, k) is not None
            },
            "files": {k: resolve(v) for k, v in data.files.items()},
        }
    )


def _resolve_sqlite(source: DatabaseSource, base: Path) -> DatabaseSource:
    """A SQLite file named by a relative path is relative to the parameter file's folder, like every path."""
    from sqlalchemy.engine import make_url

    url = make_url(source.database)
    if not url.drivername.startswith("sqlite") or not url.database or url.database == ":memory:":
        return source
    if url.database.startswith("file:") or Path(url.database).is_absolute():
        return source
    resolved = url.set(database=str((base / url.database).resolve()))
    return source.model_copy(update={"database": resolved.render_as_string(hide_password=False)})


def _check_data_given(data: DataFiles, path: Path) -> None:
    if data.indicators is None and not data.files:
        raise ParameterError(
            "no data given: name an indicator table (data.indicators)", file=str(path), key="data.indicators"
        )
    if data.indicators is not None and data.measures is None and data.scorecard is None:
        raise ParameterError(
            "no measures given: name a measure catalogue (data.measures) or a scorecard (data.scorecard)",
            file=str(path),
            key="data.measures",
        )


def _check_files(data: DataFiles, path: Path) -> None:
    """Every named file exists, and every pinned checksum names an input and matches it."""
    for key, value in data.named_paths().items():
        if not value.is_file():
            raise ParameterError("data file not found", file=str(path), key=f"data.{key}", found=str(value))
    named = data.named_sources()
    for key, expected in data.sha256.items():
        target = key if key in named else f"files.{key}"
        if target not in named:
            raise ParameterError(
                "checksum given for an input that is not listed",
                file=str(path),
                key=f"data.sha256.{key}",
                expected="one of " + ", ".join(k.removeprefix("files.") for k in named),
                found=key,
            )
        source = named[target]
        actual = sha256_file(source) if isinstance(source, Path) else rows_sha256(read_rows(source, key=target))
        if actual != expected.lower():
            raise ParameterError(
                "the file's sha256 differs from the expected one (wrong or changed file)"
                if isinstance(source, Path)
                else "the sha256 of the rows read differs from the expected one (changed data)",
                file=str(path),
                key=f"data.sha256.{key}",
                expected=expected,
                found=actual,
            )


def describe_error(err: Any) -> tuple[str, Any, Any]:
    """(message, expected, found) for one pydantic error (an item of ``ValidationError.errors()``)."""
    kind = err["type"]
    found = _without_password(err.get("input"))
    if kind == "missing":
        return "required key is missing", None, None
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        return "invalid value", f"one of {expected}", found
    if kind in _BOUNDS:
        words, ctx_key = _BOUNDS[kind]
        return "value out of range", f"a number {words} {err.get('ctx', {}).get(ctx_key)}", found
    if kind == "value_error":
        msg = str(err.get("ctx", {}).get("error", err["msg"]))
        return "invalid value", msg, found
    return "wrong type", _EXPECTED_TYPES.get(kind, err["msg"]), found


def _without_password(found: Any) -> Any:
    """A database source as found, its URL's password (if any) hidden: a message never repeats a password."""
    if isinstance(found, dict) and isinstance(found.get("database"), str):
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            shown = make_url(found["database"]).render_as_string(hide_password=True)
        except (ArgumentError, ValueError):
            shown = "(not a database URL)"
        return {**found, "database": shown}
    return found


def _raise_validation(exc: ValidationError, file: str, overridden: set[str]) -> NoReturn:
    errors = exc.errors()
    # One message for the first problem; the rest are counted so nothing is hidden.
    first = errors[0]
    key = ".".join(str(p) for p in first["loc"] if not isinstance(p, int))
    if key in overridden:
        file = "--set"
    more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
    if first["type"] == "extra_forbidden":
        raise ParameterError(f"unknown key{suggest_key(key)}{more}", file=file, key=key) from None
    message, expected, found = describe_error(first)
    raise ParameterError(message + more, file=file, key=key, expected=expected, found=found) from None
