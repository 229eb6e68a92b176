"""The placeholder values a scenario's results rest on: effect sizes no published number fixes.

A result is only as good as the effect sizes under it. :func:`placeholders` lists, for one
scenario, every effect parameter its policies use whose value is not an estimate:

* ``uncalibrated``: the scenario's effects are the placeholders shipped with acsim (no
  ``acsim calibrate`` result): every effect size is one;
* ``not identified``: no quantitative target of the calibration reaches the parameter, so it
  keeps its placeholder (the calibration plan's ``[unidentified]`` table says why;
  ``docs/calibration.md``);
* ``constrained``: the calibration held the value only by sign or ordering checks
  (``CONSTRAINED`` in ``acsim/data/effects.toml``): a placeholder that passes its checks;
* ``placeholder``: a policy family declares the parameter a placeholder, with its plausible
  range (:attr:`acsim.policies.registry.Family.placeholders`, e.g. the personal job broker).

Only parameters of the families the scenario uses are listed: a course's effects matter only
to a scenario with a ``course`` programme.

Example:
    >>> from acsim.spec.scenario import Scenario
    >>> [p["parameter"] for p in placeholders(Scenario())][:2]  # doctest: +SKIP
    ['effects.meetings.growth', 'effects.meetings.persist_weeks']

"""

from __future__ import annotations

import math
import re
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from acsim.spec.scenario import Scenario

__all__ = ["STATUSES", "families_in_use", "placeholders"]

#: The kinds of placeholder, in the order they are listed.
STATUSES = ("uncalibrated", "placeholder", "not identified", "constrained")

#: A CONSTRAINED note of the effects file: ``# course.post_hr[default] = 1.209: CONSTRAINED (
#: courses by start week; ...``.
_CONSTRAINED = re.compile(r"^#\s*(?P<path>[\w.\[\]+]+) = [^:]+: CONSTRAINED \((?P<stage>[^;]+);")


@cache
def _constrained() -> tuple[tuple[str, str], ...]:
    """``(effects path, calibration stage)`` of every CONSTRAINED value of the effects file."""
    from acsim.spec.scenario import EFFECTS_FILE

    if not EFFECTS_FILE.is_file():
        return ()
    out = []
    for line in EFFECTS_FILE.read_text(encoding="utf-8").splitlines():
        m = _CONSTRAINED.match(line.strip())
        if m:
            out.append((m["path"], m["stage"].strip()))
    return tuple(out)


def _families_used(scenario: Scenario) -> dict[str, bool]:
    """Each effects table's name, and whether the scenario uses the family that owns it."""
    from acsim.policies.registry import families

    kinds = {p.kind for p in scenario.programmes}
    return {e.name: (not f.is_programme or f.name in kinds)
            for f in families() for e in f.effects}


def _relevant(key: str, used: dict[str, bool]) -> bool:
    """A parameter (or a group of them, ``internship (default) / lock-ins``) is in use."""
    tables = [t for t in re.findall(r"[a-z_]+", key) if t in used]
    return not tables or any(used[t] for t in tables)


def _value(spec: Any, path: str) -> float | str | None:
    """The value at ``path`` in ``spec``: a number, a group value as text, or ``None``.

    A group value (``activation.threat_hr``) is written ``default 1, male+edu_low 1.3``; a
    path that names no one value (``course.late_post_hr / late_separation_hr``) gives ``None``.
    """
    from acsim.spec import paths

    try:
        node = paths.get(spec, paths.parse(path))
    except (KeyError, IndexError, AttributeError, TypeError, ValueError):
        node = None  # a selector of a group value (lift_hr[default]): value_at reads it
    if isinstance(node, tuple) and all(isinstance(g, tuple) and len(g) == 2 for g in node):
        return ", ".join(f"{k} {v:g}" for k, v in node)
    try:
        return paths.value_at(spec, path)
    except (KeyError, IndexError, AttributeError, TypeError, ValueError):
        return None


def families_in_use(scenario: Scenario) -> list:
    """The policy families a scenario uses: its programmes' kinds and the services it has."""
    from acsim.policies.registry import families

    kinds = {p.kind for p in scenario.programmes}
    return [f for f in families()
            if not (f.is_programme and f.name not in kinds)
            and (f.uses is None or f.uses(scenario))]


def placeholders(scenario: Scenario) -> list[dict[str, Any]]:
    """The placeholder effect parameters a scenario's results rest on.

    Args:
        scenario: The scenario (its effects and the families its policies use).

    Returns:
        One dict per parameter, in the order of :data:`STATUSES`: ``parameter`` (a key path
        from the scenario, ``effects.meetings.growth``), ``value`` (the scenario's value, or
        ``None`` where the entry names several parameters), ``status`` (one of
        :data:`STATUSES`) and ``why`` (in words). JSON-serialisable.

    """
    from acsim.evidence.plan import default_plan
    from acsim.spec.scenario import default_effects

    effects = scenario.effects
    used = _families_used(scenario)
    out: list[dict[str, Any]] = []
    if not effects.calibrated:
        out.append({"parameter": "effects", "value": None, "status": "uncalibrated",
                    "why": f"every effect size is a placeholder ({effects.source}); run "
                           "`acsim calibrate`"})
    for f in families_in_use(scenario):
        for path, (low, high) in f.placeholders.items():
            out.append({"parameter": path, "value": _value(scenario, path),
                        "status": "placeholder",
                        "why": f"no published number identifies it ({f.name}); plausible "
                               f"range {low:g} to {high:g}"})
    if not effects.calibrated:
        return out
    for key, why in default_plan().unidentified.items():
        if _relevant(key, used):
            out.append({"parameter": f"effects.{key}", "value": _value(effects, key),
                        "status": "not identified", "why": why})
    shipped = default_effects()
    for path, stage in _constrained():
        value, file_value = _value(effects, path), _value(shipped, path)
        if (_relevant(path, used) and isinstance(value, float)
                and isinstance(file_value, float)
                and math.isclose(value, file_value, rel_tol=1e-9)):
            out.append({"parameter": f"effects.{path}", "value": value,
                        "status": "constrained",
                        "why": f"held only by sign and ordering checks ({stage}): where the "
                               "calibration first met them, not an estimate"})
    return out
