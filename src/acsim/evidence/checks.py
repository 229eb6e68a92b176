"""How a check compares a simulated value with its record: a registry keyed on the comparison.

Every check passes when ``tolerance_low < value < tolerance_high``; what differs between
comparisons is how the calibration pulls a simulated value towards the check (:func:`residual`):

- ``value``: a published value the calibration fits to (role ``"fit"``): pulled towards it;
- ``ordering``: the difference of two arms or two cities, signed: a penalty past its bound;
- ``sign``: a one-sided band, such as ``(-inf, 0)`` or ``(1, inf)``: a penalty past its bound;
- ``range``: a two-sided band (validated only): a penalty outside it.

Example:
    >>> from acsim.evidence.records import record
    >>> [comparison_of(c) for c in record("T03").checks]
    ['value', 'sign']

"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from acsim.evidence.records import Check, EvidenceRecord

__all__ = ["COMPARISONS", "Comparison", "check_passes", "comparison_of", "residual", "sigma"]


def sigma(check: Check) -> float:
    """The scale of a check's residual.

    The published standard error; else a quarter of a two-sided tolerance; else a tenth of the
    one-sided bound (at least 0.1).
    """
    if check.se:
        return float(check.se)
    if math.isfinite(check.tolerance_low) and math.isfinite(check.tolerance_high):
        return (check.tolerance_high - check.tolerance_low) / 4.0
    bound = check.tolerance_low if math.isfinite(check.tolerance_low) else check.tolerance_high
    return 0.1 * max(abs(bound), 1.0)


def _band_penalty(check: Check, simulated: float, w: float) -> float:
    """Zero inside the tolerance less a margin of half a sigma, linear outside."""
    s = sigma(check)
    margin = 0.5 * s
    below = max(0.0, check.tolerance_low + margin - simulated)
    above = max(0.0, simulated - (check.tolerance_high - margin))
    return w * (below + above) / s


def _pull(check: Check, simulated: float, w: float) -> float:
    """Towards the published value, in sigmas."""
    return w * (simulated - check.published) / sigma(check)


def _within(check: Check, value: float) -> bool:
    return check.tolerance_low < value < check.tolerance_high


@dataclass(frozen=True)
class Comparison:
    """What a kind of comparison does with a simulated value.

    Attributes:
        residual: Residual of a simulated value, ``(check, simulated, w)``, with ``w`` the
            square root of the record's design weight.
        passes: Whether a simulated value passes.

    """

    residual: Callable[[Check, float, float], float]
    passes: Callable[[Check, float], bool] = _within


#: The comparisons, keyed by :func:`comparison_of`.
COMPARISONS: dict[str, Comparison] = {
    "value": Comparison(_pull),
    "range": Comparison(_band_penalty),
    "sign": Comparison(_band_penalty),
    "ordering": Comparison(_band_penalty),
}


def comparison_of(check: Check) -> str:
    """The kind of comparison a check makes (a key of :data:`COMPARISONS`)."""
    if check.role == "fit" and check.published is not None:
        return "value"
    if check.than_arm is not None or check.than_scenario is not None:
        return "ordering"
    if math.isinf(check.tolerance_low) or math.isinf(check.tolerance_high):
        return "sign"
    return "range"


def residual(record: EvidenceRecord, check: Check, simulated: float) -> float:
    """A check's residual, weighted by the square root of its record's design weight.

    A fitted value pulls towards the published one: ``sqrt(weight) * (simulated - published) /
    sigma``. Any other check (a sign, an ordering, a band) is a one-sided penalty, zero inside
    its tolerance (less a margin of half a sigma) and growing linearly outside.
    """
    w = math.sqrt(record.weight)
    return COMPARISONS[comparison_of(check)].residual(check, simulated, w)


def check_passes(check: Check, value: float) -> bool:
    """Whether a simulated value passes its check (by the check's comparison)."""
    return COMPARISONS[comparison_of(check)].passes(check, value)
