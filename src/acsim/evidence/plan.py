"""The calibration plan: stages, their parameters and records, read from a data file.

``acsim/data/calibration_plan.toml`` lists the stages of ``acsim calibrate`` in order. An
``effects`` stage (:class:`Stage`) fits effect sizes to the trial checks of its records; a
``level`` stage (:class:`LevelStage`) fits a city's baseline (its ``hazard.level``, and where
the records publish a stock by elapsed duration, its inflow and heterogeneity too). The file's
``[unidentified]`` table says why each parameter no target reaches keeps its placeholder; its
``[[derived]]`` tables name the scenario values derived by hand from a record's published numbers
(:class:`Derived`), which make that record as in-sample as a stage's. Unknown keys are errors
naming the file and the key.

Example:
    >>> plan = load_plan()
    >>> plan.effect_stages[0].parameters[0].path
    'meetings.lift_hr[default]'
    >>> [s.city for s in plan.level_stages][:2]
    ['aalborg', 'aarhus']

"""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from acsim.data import DATA_DIR
from acsim.exceptions import ScenarioError
from acsim.spec.base import Spec, read_toml, validate

__all__ = [
    "LEVEL",
    "LATENT_RISK",
    "INFLOW",
    "PLAN_FILE",
    "CalibrationPlan",
    "Derived",
    "LevelStage",
    "Parameter",
    "Stage",
    "default_plan",
    "load_plan",
]

#: The shipped plan.
PLAN_FILE = DATA_DIR / "calibration_plan.toml"
#: Scenario paths a level stage may fit: the level, and with a published stock the
#: heterogeneity (the stock's shape) and the inflow (its size).
LEVEL = "hazard.level"
LATENT_RISK = "hazard.covariates.latent_risk"
INFLOW = "population.annual_inflow"


class Parameter(Spec):
    """A fitted parameter: dotted path (``[group]`` or ``[index]`` allowed) and bounds.

    Attributes:
        path: Dotted path into the effects (an effects stage) or the scenario (a level stage).
        lower: Lower bound (``None``: unbounded, only for a level stage's inflow).
        upper: Upper bound.
        log: Whether the optimiser works on the logarithm of the value.
        start: Starting value (default: the current one).
        step: Step in optimiser coordinates: the finite-difference step of an effects stage
            (absolute: 0.05 on a log scale is a 5 % change of a hazard ratio; simulated targets
            are step functions of the parameters on a finite population, so the step must move
            outcomes by whole jobseekers), or the first secant step of a level stage.

    """

    path: str = Field(min_length=1)
    lower: float | None = Field(None, allow_inf_nan=False)
    upper: float | None = Field(None, allow_inf_nan=False)
    log: bool = True
    start: float | None = Field(None, allow_inf_nan=False)
    step: float = Field(0.05, gt=0, allow_inf_nan=False)

    @model_validator(mode="after")
    def _bounds(self) -> Parameter:
        if (self.lower is None) != (self.upper is None):
            raise ValueError("give both lower and upper, or neither")
        if self.lower is not None and not self.lower < self.upper:
            raise ValueError("lower must be below upper")
        if self.log and self.lower is not None and self.lower <= 0:
            raise ValueError("a parameter fitted on a log scale needs lower > 0")
        return self

    def to_x(self, value: float) -> float:
        """Optimiser coordinate of a value."""
        return math.log(value) if self.log else value

    def from_x(self, x: float) -> float:
        """Value of an optimiser coordinate."""
        return math.exp(x) if self.log else x

    @property
    def bounds(self) -> tuple[float, float]:
        """Bounds in optimiser coordinates."""
        if self.lower is None or self.upper is None:
            raise ValueError(f"{self.path} has no bounds")
        return self.to_x(self.lower), self.to_x(self.upper)


class Stage(Spec):
    """An effects stage: parameters fitted together to the trial checks of its records."""

    name: str = Field(min_length=1)
    parameters: tuple[Parameter, ...] = Field(min_length=1)
    records: tuple[str, ...] = Field(min_length=1)
    kind: Literal["effects"] = Field("effects", repr=False)

    @model_validator(mode="after")
    def _effect_paths(self) -> Stage:
        from acsim.evidence.validation import parameter_value
        from acsim.spec.scenario import Effects

        for p in self.parameters:
            if p.lower is None:
                raise ValueError(f"{p.path}: an effects stage needs lower and upper bounds")
            try:
                parameter_value(Effects(), p.path)
            except (AttributeError, KeyError, IndexError, TypeError, ValueError):
                raise ValueError(f"{p.path!r} is not a numeric effect parameter") from None
        return self


class LevelStage(Spec):
    """A city's baseline fitted to the municipal checks of its records.

    ``parameters`` holds ``hazard.level`` and, to fit a published stock as well,
    ``hazard.covariates.latent_risk`` and ``population.annual_inflow``.
    """

    name: str = Field(min_length=1)
    city: str = Field(pattern=r"^[a-z0-9_-]+$")
    parameters: tuple[Parameter, ...] = Field(min_length=1)
    records: tuple[str, ...] = Field(min_length=1)
    kind: Literal["level"] = Field("level", repr=False)

    @model_validator(mode="after")
    def _level_paths(self) -> LevelStage:
        paths = [p.path for p in self.parameters]
        if sorted(paths) not in ([LEVEL], sorted([LEVEL, LATENT_RISK, INFLOW])):
            raise ValueError(f"a level stage fits [{LEVEL}], or [{LEVEL}, {LATENT_RISK}, "
                             f"{INFLOW}]; got {paths}")
        want = {LEVEL: (True, True), LATENT_RISK: (False, True), INFLOW: (None, False)}
        for p in self.parameters:
            log, bounded = want[p.path]
            if bounded != (p.lower is not None):
                raise ValueError(f"{p.path}: " + ("needs lower and upper bounds" if bounded
                                                  else "is scaled to the stock: no bounds"))
            if log is not None and p.log != log:
                raise ValueError(f"{p.path}: log must be {str(log).lower()}")
        return self

    def parameter(self, path: str) -> Parameter | None:
        """The stage's parameter at ``path``, if it fits one."""
        return next((p for p in self.parameters if p.path == path), None)

    @property
    def fits_stock(self) -> bool:
        """Whether the inflow and heterogeneity are fitted too (to a published stock)."""
        return self.parameter(INFLOW) is not None


class Derived(Spec):
    """A scenario value derived by hand from a record's published number (not by a stage).

    Attributes:
        record: The evidence record whose number it was derived from.
        scenario: City scenario stem (``scenarios/<scenario>.toml``).
        path: Key path of the value in the scenario (e.g. ``population.annual_inflow``).
        published: What it was derived from, as the scenario file's comment says.

    """

    record: str = Field(pattern=r"^[TM]\d\d$")
    scenario: str = Field(pattern=r"^[a-z0-9_-]+$")
    path: str = Field(min_length=1)
    published: str = Field(min_length=1)


class CalibrationPlan(Spec):
    """The stages, why unreached parameters are not fitted, and values derived by hand."""

    stages: tuple[Stage | LevelStage, ...]
    unidentified: dict[str, str] = {}
    derived: tuple[Derived, ...] = ()

    @property
    def effect_stages(self) -> tuple[Stage, ...]:
        """The effects stages, in order."""
        return tuple(s for s in self.stages if isinstance(s, Stage))

    @property
    def level_stages(self) -> tuple[LevelStage, ...]:
        """The level stages, in order."""
        return tuple(s for s in self.stages if isinstance(s, LevelStage))

    def level_stage(self, city: str) -> LevelStage | None:
        """The level stage of a city, if the plan has one."""
        return next((s for s in self.level_stages if s.city == city), None)


_STAGE_KINDS: dict[str, type[Stage] | type[LevelStage]] = {"effects": Stage, "level": LevelStage}


def load_plan(path: str | Path | None = None) -> CalibrationPlan:
    """Read and validate a calibration plan (the shipped one by default).

    Raises:
        ScenarioError: The file is missing or not TOML, a key is unknown or missing, a value
            does not validate, a stage name repeats or two level stages fit one city. The
            error names the file and the key (``stages[2].parameters[0].lower``).

    """
    source = str(path) if path is not None else "acsim/data/calibration_plan.toml"
    data = read_toml(path if path is not None else PLAN_FILE)
    extra = sorted(set(data) - {"stages", "unidentified", "derived"})
    if extra:
        raise ScenarioError(source, extra[0],
                            "unknown key (allowed here: stages, unidentified, derived)")
    raw = data.get("stages")
    if not isinstance(raw, list) or not raw:
        raise ScenarioError(source, "stages", "expected a non-empty array of [[stages]] tables")
    stages: list[Stage | LevelStage] = []
    for i, item in enumerate(raw):
        where = f"stages[{i}]"
        kind = item.get("kind") if isinstance(item, dict) else None
        if kind not in _STAGE_KINDS:
            raise ScenarioError(source, f"{where}.kind",
                                f"expected one of {', '.join(_STAGE_KINDS)}; got {kind!r}")
        stages.append(validate(_STAGE_KINDS[kind], item, source, prefix=where))
    names = [s.name for s in stages]
    for i, name in enumerate(names):
        if name in names[:i]:
            raise ScenarioError(source, f"stages[{i}].name", f"stage {name!r} appears twice")
    cities = [s.city for s in stages if isinstance(s, LevelStage)]
    for city in cities:
        if cities.count(city) > 1:
            i = max(j for j, s in enumerate(stages) if getattr(s, "city", None) == city)
            raise ScenarioError(source, f"stages[{i}].city", f"{city!r} has two level stages")
    unidentified = data.get("unidentified", {})
    if not isinstance(unidentified, dict) or not all(
            isinstance(v, str) and v for v in unidentified.values()):
        raise ScenarioError(source, "unidentified", "expected a table of parameter = reason")
    raw_derived = data.get("derived", [])
    if not isinstance(raw_derived, list):
        raise ScenarioError(source, "derived", "expected an array of [[derived]] tables")
    derived = tuple(validate(Derived, item, source, prefix=f"derived[{i}]")
                    for i, item in enumerate(raw_derived))
    return CalibrationPlan(stages=tuple(stages), unidentified=unidentified, derived=derived)


@cache
def default_plan() -> CalibrationPlan:
    """The shipped plan (read once)."""
    return load_plan()
