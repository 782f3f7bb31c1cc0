"""Checking one value of an entry: text, ids, choices, numbers, flags, lists, options, months, signs.

Each function takes the entry's location and the column, returns the value in
its tidy form, and raises a :class:`~pss_analysis.errors.DataValidationError`
naming the place, what was expected and what was found.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
import yaml
from pydantic import BaseModel, ValidationError

from pss_analysis.config.loading import describe_error as _describe
from pss_analysis.config.params import ItsOptions, SpcOptions
from pss_analysis.config.yamlfile import YamlLoader as _Loader
from pss_analysis.inputs.scorecard.schema import _FALSE, _TRUE, SIGNS, _did_you_mean, _Loc, _one_of

__all__: list[str] = []

_OPTION_MODELS: dict[str, type[BaseModel]] = {"its": ItsOptions, "spc": SpcOptions}


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(loc: _Loc, column: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, _dt.datetime):
        return value.date().isoformat() if value.time() == _dt.time() else value.isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return value.strip()
    raise loc.error("wrong type", column, expected="text", found=value)


def _required(loc: _Loc, column: str, text: str, expected: str) -> str:
    if not text:
        raise loc.error("a value is required", column, expected=expected, found="")
    return text


def _id(loc: _Loc, column: str, value: Any, *, required: bool) -> str:
    text = _text(loc, column, value)
    if required:
        _required(loc, column, text, "an id")
    if "," in text:
        raise loc.error("an id cannot contain a comma (commas separate ids in lists)", column, found=text)
    return text


def _choice(loc: _Loc, column: str, value: Any, choices: Iterable[str], *, required: bool) -> str:
    choices = list(choices)
    text = _text(loc, column, value)
    if not text and not required:
        return ""
    if text not in choices:
        message = "a value is required" if not text else f"unknown value{_did_you_mean(text, choices)}"
        raise loc.error(message, column, expected=_one_of(choices), found=text)
    return text


def _number(loc: _Loc, column: str, value: Any) -> float:
    if isinstance(value, bool):
        raise loc.error("not a number", column, expected="a number", found=value)
    if isinstance(value, (int, float)):
        return float(value)
    text = _text(loc, column, value)
    if not text:
        return math.nan
    try:
        number = float(text.replace(",", ""))
    except ValueError:
        raise loc.error("not a number", column, expected="a number", found=text) from None
    if math.isinf(number):
        raise loc.error("not a finite number", column, expected="a number", found=text)
    return number


def _integer(
    loc: _Loc, column: str, value: Any, *, low: int | None = None, high: int | None = None, required: bool
) -> int | None:
    number = _number(loc, column, value)
    if math.isnan(number):
        if required:
            raise loc.error("a value is required", column, expected="a whole number", found="")
        return None
    if not number.is_integer():
        raise loc.error("not a whole number", column, expected="a whole number", found=value)
    if (low is not None and number < low) or (high is not None and number > high):
        raise loc.error(
            "value out of range", column, expected=f"a whole number from {low} to {high}", found=int(number)
        )
    return int(number)


def _bool(loc: _Loc, column: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    text = _text(loc, column, value).lower()
    if not text or text in _FALSE:
        return False
    if text in _TRUE:
        return True
    raise loc.error("not true or false", column, expected="true or false", found=value)


def _ids(loc: _Loc, column: str, value: Any) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else _text(loc, column, value).split(",")
    out: list[str] = []
    for item in items:
        if isinstance(item, (list, dict)):
            raise loc.error("wrong type", column, expected="a list of ids", found=item)
        text = _text(loc, column, item)
        if "," in text:
            out.extend(t.strip() for t in text.split(",") if t.strip())
        elif text:
            out.append(text)
    return list(dict.fromkeys(out))


def _mapping(loc: _Loc, column: str, value: Any) -> dict[str, Any] | None:
    if _blank(value):
        return None
    if isinstance(value, str):  # a workbook cell: YAML or JSON text
        try:
            value = yaml.load(value, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
        except yaml.YAMLError as exc:
            problem = getattr(exc, "problem", None) or str(exc)
            raise loc.error(
                f"cannot read the YAML/JSON text: {problem}",
                column,
                expected="a mapping such as {family: negbin}",
                found=value,
            ) from None
        if value is None:
            return None
    if not isinstance(value, Mapping):
        raise loc.error("wrong type", column, expected="a mapping of keys to values (e.g. {key: value})", found=value)
    return dict(value)


def _options(loc: _Loc, column: str, value: Any, measure_id: str) -> dict[str, Any]:
    raw = _mapping(loc, column, value)
    if not raw:
        return {}
    model = _OPTION_MODELS[column]
    try:
        options = model.model_validate(raw)
    except ValidationError as exc:
        errors = exc.errors()
        first = errors[0]
        key = ".".join([column, *(str(p) for p in first["loc"] if not isinstance(p, int))])
        more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
        if first["type"] == "extra_forbidden":
            valid = [f"{column}.{name}" for name in model.model_fields]
            raise loc.error(
                f"measure '{measure_id}': unknown key '{key}'{_did_you_mean(key, valid)}{more}",
                column,
                expected=_one_of(valid),
            ) from None
        message, expected, found = _describe(dict(first))
        raise loc.error(
            f"measure '{measure_id}', key '{key}': {message}{more}", column, expected=expected, found=found
        ) from None
    return options.model_dump(mode="json", exclude_unset=True)


def _month(loc: _Loc, column: str, value: Any) -> tuple[str, pd.Period]:
    if isinstance(value, (_dt.date, _dt.datetime)):
        day = value.date() if isinstance(value, _dt.datetime) else value
        return day.isoformat(), pd.Period(day, freq="M")
    text = _required(loc, column, _text(loc, column, value), "a date as YYYY-MM or YYYY-MM-DD")
    for fmt, width in (("%Y-%m-%d", "day"), ("%Y-%m", "month")):
        try:
            parsed = _dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
        given = parsed.date().isoformat() if width == "day" else f"{parsed.year:04d}-{parsed.month:02d}"
        return given, pd.Period(parsed, freq="M")
    raise loc.error("unparseable date", column, expected="a date as YYYY-MM or YYYY-MM-DD", found=text)


def _sign(loc: _Loc, column: str, value: Any) -> str:
    text = _text(loc, column, value)
    if text not in SIGNS:
        message = "a value is required" if not text else "unknown sign"
        raise loc.error(message, column, expected="+ or - (quoted in YAML: '+', '-')", found=text)
    return SIGNS[text]
