"""Words every stage shares: the directions in which a measure improves, and which parts of a measure
are counts.

A measure's ``improvement_direction`` is one of :data:`IMPROVEMENT_DIRECTIONS`;
:func:`improvement_sign` turns it into the sign of a change that is an
improvement (+1 up, -1 down, 0 for a measure where neither direction is better).
:data:`COUNT_PARTS` says, by a measure's ``kind``, which of its numerator and denominator count people
or events (what small-number suppression protects).
"""

from __future__ import annotations

from pss_analysis.errors import ParameterError

__all__ = ["IMPROVEMENT_DIRECTIONS", "improvement_sign", "COUNT_PARTS"]

#: Which parts of a measure are counts of people or events, by kind (what suppression protects).
COUNT_PARTS: dict[str, tuple[str, ...]] = {
    "rate": ("numerator", "denominator"),
    "count": ("numerator",),
    "proportion": ("numerator", "denominator"),
    "mean": ("denominator",),
    "amount": (),
}

#: The sign of an improving change, by ``improvement_direction``.
_SIGNS = {"increase": 1, "decrease": -1, "neither": 0}
#: The values ``improvement_direction`` may take.
IMPROVEMENT_DIRECTIONS: tuple[str, ...] = tuple(_SIGNS)


def improvement_sign(direction: str, *, key: str = "improvement_direction") -> int:
    """+1 when higher is better, -1 when lower is better, 0 when neither is.

    Raises :class:`~pss_analysis.errors.ParameterError` naming ``key`` for any other value.
    """
    try:
        return _SIGNS[direction]
    except (KeyError, TypeError):
        raise ParameterError(
            "unknown improvement direction", key=key, expected=" | ".join(IMPROVEMENT_DIRECTIONS), found=repr(direction)
        ) from None
