"""The dotted keys of a parameter file (``report.to``, ``analysis.measures.<id>.its.family``, ...).

Used to check ``--set`` keys and to suggest the nearest valid key for a
misspelt one. A ``*`` in a key stands for a name the user chooses (a measure
id, a file name).
"""

from __future__ import annotations

import difflib
from typing import get_args, get_origin

from pydantic import BaseModel

from pss_analysis.config.params import Params

__all__ = ["ANY", "VALID_KEYS", "PATH_KEYS", "TEXT_KEYS", "generic_key", "is_valid_key", "suggest_key"]

ANY = "*"  # stands for a user-chosen name (a measure id) in a dotted key
#: Keys whose values are file paths.
PATH_KEYS = frozenset({"data.measures", "data.indicators", "data.scorecard", f"data.files.{ANY}"})
#: Keys whose values are text as typed (``--set title=2020`` is a title, not a number).
TEXT_KEYS = frozenset(
    {
        "title",
        "subtitle",
        "author",
        "programme.name",
        "programme.description",
        "programme.organisation",
        "report.name",
        "report.suppression.marker",
        f"data.sha256.{ANY}",
    }
)


def _all_keys(model: type[BaseModel], prefix: str = "") -> list[str]:
    keys = []
    for name, field in model.model_fields.items():
        dotted = prefix + name
        keys.append(dotted)
        ann = field.annotation
        optional = [a for a in get_args(ann) if isinstance(a, type) and issubclass(a, BaseModel)]
        if get_origin(ann) is not dict and len(optional) == 1:  # Model | None, as programme.cost
            ann = optional[0]
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            keys.extend(_all_keys(ann, dotted + "."))
        elif get_origin(ann) is dict:
            value = get_args(ann)[1]
            if isinstance(value, type) and issubclass(value, BaseModel):
                keys.extend(_all_keys(value, f"{dotted}.{ANY}."))
            else:
                keys.append(f"{dotted}.{ANY}")
    return keys


#: Every valid dotted key of :class:`~pss_analysis.config.params.Params`.
VALID_KEYS = tuple(_all_keys(Params))
_DYNAMIC = tuple(sorted({k.split(f".{ANY}")[0] + "." for k in VALID_KEYS if f".{ANY}" in k}))


def generic_key(key: str) -> tuple[str, str | None]:
    """(key with a user-chosen name replaced by ``*``, that name) so dynamic keys can be checked."""
    for prefix in _DYNAMIC:
        if key.startswith(prefix) and key[len(prefix) :]:
            name, _, rest = key[len(prefix) :].partition(".")
            return prefix + ANY + ("." + rest if rest else ""), name
    return key, None


def is_valid_key(key: str) -> bool:
    """Whether ``key`` names a parameter."""
    return key in VALID_KEYS or generic_key(key)[0] in VALID_KEYS


def suggest_key(key: str) -> str:
    """``"; did you mean '<nearest key>'?"`` for a misspelt key, or "" when nothing is close."""
    generic, name = generic_key(key)
    close = difflib.get_close_matches(generic, VALID_KEYS, n=1, cutoff=0.6)
    if not close:
        leaf = key.rsplit(".", 1)[-1]
        close = [k for k in VALID_KEYS if difflib.get_close_matches(leaf, [k.rsplit(".", 1)[-1]], cutoff=0.75)]
    if not close:
        return ""
    best = close[0].replace(ANY, name) if name is not None else close[0]
    return f"; did you mean '{best}'?"
