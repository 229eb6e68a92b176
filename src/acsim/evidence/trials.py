"""Virtual trials: a study's design reproduced inside the simulator.

A trial file names a study population, a horizon and two or more arms, each given as scenario
tables (the same vocabulary as a scenario file) merged over a common ``[base]``. One population
is drawn; jobseekers are randomised to arms (or, with ``allocation = "crossed"``, every jobseeker
is followed under every arm: the potential outcomes of the same people, with common random
numbers). All arms run in one SimPy environment, each arm's protocol in its own job centre, and
each person is followed for ``follow_up_weeks`` from entry. See
:mod:`acsim.analysis.trial_metrics` for the outcome metrics.
"""

from __future__ import annotations

import copy
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
import simpy
from pydantic import Field, field_validator, model_validator

from acsim.analysis.trial_metrics import Metric, estimate, parse_metric, person_outcomes
from acsim.data import SCENARIOS_DIR
from acsim.exceptions import ScenarioError, ScenarioWarning, UncalibratedWarning
from acsim.model.engine import JobCentre, run_paused_gc
from acsim.model.population import PopulationSpec, draw_population
from acsim.model.rng import Stream, StreamSet, root_entropy
from acsim.model.vectorised import (
    ENGINES,
    CapacityBinds,
    RoundingTie,
    VectorisedCentre,
    vectorisable,
)
from acsim.spec import paths
from acsim.spec.base import Spec, read_toml, validate
from acsim.spec.scenario import Effects, Scenario, load_scenario

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "Trial", "TrialResult", "TrialSpec", "check_trial_size", "load_trial",
    "resolve_level_reference", "run_trial",
]

#: Keys a trial sets itself, which its ``[base]`` and arms may not set.
_TRIAL_POPULATION_KEYS = ("annual_inflow", "graduate_profile", "experienced_profile", "stock")
_ARM_FORBIDDEN = ("scenario", "population", "hazard")
_DAYS_PER_YEAR_IN_WEEKS = 365.25 / 7.0
_TOP_KEYS = ("arms", "base", "trial")


def _upper_bound(model: type[Spec], name: str) -> float | None:
    """The ``le`` bound of a field (``None`` without one)."""
    for m in model.model_fields[name].metadata:
        le = getattr(m, "le", None)
        if le is not None:
            return float(le)
    return None


def check_trial_size(n: int | None, intake_weeks: float | None = None,
                     source: str = "<api>", key: str = "") -> None:
    """A trial size is within ``trial.n``'s bounds, and its intake within the inflow's.

    ``n`` entries over ``intake_weeks`` weeks are an inflow of ``n * 52.18 / intake_weeks`` a
    year, which must not exceed the bound of ``population.annual_inflow``.

    Args:
        n: Jobseekers (``None``: nothing to check).
        intake_weeks: The trial's intake (``None``: check ``n`` alone).
        source: The file or option, for errors (``"--n"``).
        key: Key path of the value, for errors (``"trial.n"``).

    Raises:
        ScenarioError: ``n`` or the intake is out of bounds.

    """
    if n is None:
        return
    field = TrialSpec.model_fields["n"]
    low = next(m.ge for m in field.metadata if getattr(m, "ge", None) is not None)
    high = _upper_bound(TrialSpec, "n")
    if n < low or (high is not None and n > high):
        raise ScenarioError(source, key, f"must be between {low:,} and {high:,.0f} "
                            f"jobseekers; got {n:,}")
    limit = _upper_bound(PopulationSpec, "annual_inflow")
    if intake_weeks is None or limit is None:
        return
    inflow = n * _DAYS_PER_YEAR_IN_WEEKS / intake_weeks
    if inflow > limit:
        max_n = int(limit * intake_weeks / _DAYS_PER_YEAR_IN_WEEKS)
        min_weeks = n * _DAYS_PER_YEAR_IN_WEEKS / limit
        raise ScenarioError(source, key, f"{n:,} entries over intake_weeks = {intake_weeks:g} "
                            f"are an inflow of {inflow:,.4g} a year, above the limit of "
                            f"{limit:,.0f} (population.annual_inflow); need intake_weeks >= "
                            f"{min_weeks:.4g}" + (f" or n <= {max_n:,}" if max_n >= low else ""))


def _kind(value: Any) -> str:
    """What a TOML value is, in words, for an error."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, list):
        return "an array" + (" of tables" if value and all(isinstance(v, Mapping)
                                                           for v in value) else "")
    return f"{value!r}"


def _check_tables(tables: Any, source: str, where: str, what: str) -> dict[str, Any]:
    """``tables`` is a table of scenario tables (the ``[base]`` or an arm).

    Every key must be a scenario table name, and a table where the scenario has one.

    Raises:
        ScenarioError: Naming the file and the key path (``arms.x``, ``base.meetings``).

    """
    if not isinstance(tables, Mapping):
        raise ScenarioError(source, where, f"expected {what} (a table of scenario tables); "
                            f"got {_kind(tables)}")
    fields = Scenario.model_fields
    for key, value in tables.items():
        at = paths.format_path((*paths.parse(where), key))
        if key not in fields:
            raise ScenarioError(source, at, "unknown key (allowed here: "
                                f"{', '.join(sorted(fields))})")
        ann = fields[key].annotation
        if isinstance(ann, type) and issubclass(ann, Spec) and not isinstance(value, Mapping):
            raise ScenarioError(source, at, f"expected a table; got {_kind(value)}")
        if key == "programmes" and not (isinstance(value, list)
                                        and all(isinstance(v, Mapping) for v in value)):
            raise ScenarioError(source, at, "expected an array of tables ([[programmes]]); "
                                f"got {_kind(value)}")
    return dict(tables)


def _check_structure(data: Any, source: str) -> None:
    """The shape of a trial file: ``[trial]``, ``[base]`` and ``[arms.<name>]`` tables.

    Raises:
        ScenarioError: A table of the wrong type, an unknown key, or a missing table, naming
            the file and the key path.

    """
    if not isinstance(data, Mapping):
        raise ScenarioError(source, "", f"expected the tables of a trial file; got {_kind(data)}")
    unknown = [k for k in data if k not in _TOP_KEYS]
    if unknown:
        raise ScenarioError(source, str(unknown[0]), "unknown key (allowed here: "
                            f"{', '.join(_TOP_KEYS)})")
    if "trial" not in data:
        raise ScenarioError(source, "trial", "required table is missing")
    if not isinstance(data["trial"], Mapping):
        raise ScenarioError(source, "trial", f"expected a table; got {_kind(data['trial'])}")
    if "base" in data:
        _check_tables(data["base"], source, "base", "the base")
    arms = data.get("arms")
    if arms is None:
        raise ScenarioError(source, "arms", "required table is missing: a trial needs at least "
                            "two arms")
    if not isinstance(arms, Mapping):
        raise ScenarioError(source, "arms", "expected a table of arms ([arms.<name>]); got "
                            f"{_kind(arms)}")
    for name, tables in arms.items():
        _check_tables(tables, source, paths.format_path(("arms", name)), "an arm")


class TrialSpec(Spec):
    """The ``[trial]`` table: identity, size, horizon, allocation and metrics.

    Attributes:
        id: Short name (the file stem).
        title: The study, in words.
        records: Evidence records (``T01``...) this trial serves.
        source: Where the design comes from.
        n: Jobseekers in the trial (expected; arrivals are Poisson), split over the arms.
        intake_weeks: Entries are spread evenly over these weeks.
        follow_up_weeks: Each person is followed this long from entry.
        seed: Default seed.
        allocation: ``"randomised"`` (each person in one arm, as in the study) or ``"crossed"``
            (each person under every arm; paired differences, far less simulation noise).
        control: The control arm.
        metrics: Outcome metrics to report (see :func:`acsim.analysis.trial_metrics.parse_metric`).
        engine: ``"simpy"`` (the reference), ``"vectorised"`` (exact where capacity cannot
            bind; refuses, naming the key, what it cannot run: :mod:`acsim.model.vectorised`)
            or ``"auto"`` (vectorised for each arm it supports, SimPy for the others).

    """

    id: str = Field(min_length=1)
    title: str = ""
    records: tuple[str, ...] = ()
    source: str = ""
    n: int = Field(4000, ge=2, le=5_000_000)
    intake_weeks: float = Field(13.0, gt=0, le=520)
    follow_up_weeks: float = Field(104.0, gt=0, le=520)
    seed: int = Field(0, ge=0)
    allocation: Literal["randomised", "crossed"] = "randomised"
    control: str = "control"
    metrics: tuple[str, ...] = Field(min_length=1)
    engine: Literal["simpy", "vectorised", "auto"] = "simpy"

    @field_validator("metrics")
    @classmethod
    def _known_metrics(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for m in v:
            parse_metric(m)
        return v

    @model_validator(mode="after")
    def _horizons(self) -> TrialSpec:
        for m in self.metrics:
            need = parse_metric(m).horizon
            if need > self.follow_up_weeks:
                raise ValueError(
                    f"metric {m!r} needs {need:g} weeks of follow-up; follow_up_weeks is "
                    f"{self.follow_up_weeks:g}"
                )
        return self


@dataclass(frozen=True)
class Trial:
    """A validated trial: its spec, the base tables and the arms' tables.

    Use :func:`load_trial` or :meth:`from_dict`; :meth:`scenarios` gives each arm's scenario.
    """

    spec: TrialSpec
    base: Mapping[str, Any]
    arms: Mapping[str, Mapping[str, Any]]
    source: str = "<api>"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str = "<api>",
                  scenarios_dir: str | Path | None = None) -> Trial:
        """Validate the tables of a trial file.

        Args:
            data: The tables.
            source: Name of the file, for errors.
            scenarios_dir: Where the city file of a ``level_of`` reference is (default: the
                repository's ``scenarios``; see :func:`resolve_level_reference`).

        """
        _check_structure(data, source)
        data = resolve_level_reference(data, source, scenarios_dir)
        spec = validate(TrialSpec, dict(data["trial"]), source, prefix="trial")
        check_trial_size(spec.n, spec.intake_weeks, source, "trial.intake_weeks")
        base = dict(data.get("base", {}))
        if "scenario" in base:
            raise ScenarioError(source, "base.scenario", "a trial sets its own run window; "
                                "use trial.intake_weeks and trial.follow_up_weeks")
        for key in _TRIAL_POPULATION_KEYS:
            if key in base.get("population", {}):
                raise ScenarioError(source, f"base.population.{key}", "a trial sets this "
                                    "itself; use trial.n and trial.intake_weeks")
        arms = data["arms"]
        if len(arms) < 2:
            raise ScenarioError(source, "arms", "a trial needs at least two arms")
        if spec.control not in arms:
            raise ScenarioError(source, "trial.control",
                                f"no arm named {spec.control!r}; arms are {sorted(arms)}")
        for name, tables in arms.items():
            for key in _ARM_FORBIDDEN:
                if key in tables:
                    raise ScenarioError(source, f"arms.{name}.{key}", "must be the same for "
                                        "every arm: set it in [base]")
        trial = cls(spec, base, {k: dict(v) for k, v in arms.items()}, source)
        trial.scenarios()  # validates every arm
        return trial

    @property
    def id(self) -> str:
        """The trial's id."""
        return self.spec.id

    @property
    def arm_names(self) -> list[str]:
        """Arms, control first."""
        return [self.spec.control, *[a for a in self.arms if a != self.spec.control]]

    def scenarios(
        self, n: int | None = None, effects: Effects | None = None
    ) -> dict[str, Scenario]:
        """Each arm as a scenario (control first).

        Args:
            n: Trial size (default: the file's).
            effects: Effect sizes to use (default: acsim's). An arm's own ``effects`` keys
                (such as caseworker attributes) are merged over them.

        """
        s = self.spec
        if n is None:
            n = s.n
        else:
            check_trial_size(n, s.intake_weeks, self.source, "n (the trial size asked for)")
        out = {}
        for name in self.arm_names:
            data = _merge(self.base, self.arms[name])
            if effects is not None:
                data["effects"] = _merge(effects.model_dump(mode="python"),
                                         data.get("effects", {}))
            # Trials are staffed for on-time meetings, not at the study's caseload: meeting
            # quality stays at the reference unless the trial is about caseloads (T09).
            data.setdefault("meetings", {}).setdefault("caseload_quality", False)
            data["scenario"] = {
                "name": f"{s.id}:{name}", "warmup_weeks": 0.0,
                "horizon_weeks": s.intake_weeks + s.follow_up_weeks,
            }
            pop = data.setdefault("population", {})
            pop["annual_inflow"] = n * _DAYS_PER_YEAR_IN_WEEKS / s.intake_weeks
            pop["graduate_profile"] = pop["experienced_profile"] = [1.0] * 12
            try:
                out[name] = Scenario.from_dict(data, source=self.source)
            except ScenarioError as exc:
                raise ScenarioError(self.source, self._file_key(name, exc.key),
                                    exc.problem if exc.key else
                                    f"{exc.problem} (arm {name!r} over the base)") from None
        return out

    def _file_key(self, arm: str, key: str) -> str:
        """Where in the trial file the value at scenario key path ``key`` of an arm is set.

        The arm's own tables win over ``[base]`` (tables merge key by key; any other value,
        an array included, replaces the base's); the run window and the inflow are the
        trial's own.
        """
        if not key:
            return ""
        try:
            parts = paths.parse(key)
        except ValueError:
            return key
        arm_path = ("arms", arm)
        if _sets(self.arms[arm], parts):
            return paths.format_path((*arm_path, *parts))
        if _sets(self.base, parts):
            return paths.format_path(("base", *parts))
        if parts[0] == "scenario":
            return "trial.follow_up_weeks"
        if parts[:2] == ("population", "annual_inflow"):
            return "trial.intake_weeks"
        owner = "base" if parts[0] in self.base or parts[0] not in self.arms[arm] else None
        return paths.format_path((*(arm_path if owner is None else ("base",)), *parts))


def _sets(tables: Mapping[str, Any], parts: tuple[paths.Part, ...]) -> bool:
    """Whether ``tables`` sets the value at ``parts`` (or a value replacing it wholesale)."""
    node: Any = tables
    for depth, part in enumerate(parts):
        if isinstance(node, Mapping):
            if part not in node:
                return False
            node = node[part]
        elif isinstance(node, list):
            return True  # an array replaces the base's whole array
        else:
            return depth > 0
    return True


def _merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(dict(base))
    for k, v in over.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), Mapping):
            out[k] = _merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def resolve_level_reference(
    data: Mapping[str, Any], source: str = "<api>", scenarios_dir: str | Path | None = None,
) -> dict[str, Any]:
    """The tables of a trial file with a city's level put in for its reference.

    ``level_of = "<city>"`` in ``[base.hazard]`` runs the trial at the ``hazard.level`` of
    ``scenarios/<city>.toml`` (as that scenario loads it), so that the trial of a city's claim
    follows the city's fitted level. The reference is replaced by ``level = <value>``; a
    ``[base.hazard]`` may not set both.

    Args:
        data: The trial file's tables.
        source: Name of the file, for errors.
        scenarios_dir: Where the city files are (default: the repository's ``scenarios``).

    Raises:
        ScenarioError: Both ``level`` and ``level_of`` are set, the name is not a file stem,
            or the city file is missing or does not validate.

    """
    hazard = data.get("base", {}).get("hazard", {})
    if not isinstance(hazard, Mapping) or "level_of" not in hazard:
        return dict(data)
    key = "base.hazard.level_of"
    city = hazard["level_of"]
    if "level" in hazard:
        raise ScenarioError(source, key, "set level or level_of, not both")
    if not isinstance(city, str) or re.fullmatch(r"[a-z0-9_-]+", city) is None:
        raise ScenarioError(source, key, f"expected a city scenario's file stem; got {city!r}")
    path = Path(scenarios_dir if scenarios_dir is not None else SCENARIOS_DIR) / f"{city}.toml"
    if not path.is_file():
        raise ScenarioError(source, key, f"no scenario file {path}")
    level = load_scenario(path).hazard.level
    out = dict(data)
    out["base"] = {**data["base"], "hazard": {("level" if k == "level_of" else k):
                                              (level if k == "level_of" else v)
                                              for k, v in hazard.items()}}
    return out


def load_trial(path: str | Path, scenarios_dir: str | Path | None = None) -> Trial:
    """Read and validate a trial TOML file (a city level reference resolved).

    Args:
        path: The trial file.
        scenarios_dir: Where the city files a ``level_of`` names are (default: the
            repository's ``scenarios``; see :func:`resolve_level_reference`).

    Raises:
        ScenarioError: The file is missing, not TOML, or a value does not validate.

    """
    return Trial.from_dict(read_toml(path), source=str(path), scenarios_dir=scenarios_dir)


@dataclass
class TrialResult:
    """Outcome of a trial run.

    Attributes:
        trial: The trial.
        table: One row per metric and treatment arm: ``metric, arm, control, treatment,
            effect, ci_low, ci_high, n_control, n_treatment``.
        persons: Per person and arm: entry, first-spell duration and exit, and the outcomes.
        n: Trial size used.
        seed: Seed used.
        allocation: Allocation used.

    """

    trial: Trial
    table: pd.DataFrame
    persons: pd.DataFrame = field(repr=False)
    n: int = 0
    seed: int = 0
    allocation: str = "randomised"

    @property
    def summary(self) -> pd.DataFrame:
        """The effect table indexed by ``(metric, arm)``.

        Columns ``control``, ``treatment``, ``effect``, ``ci_low``, ``ci_high`` (95 %
        interval of the effect), ``n_control`` and ``n_treatment``; metric names and
        definitions are in :mod:`acsim.analysis.metrics`.
        """
        return self.table.set_index(["metric", "arm"])

    def effect(self, metric: str, arm: str) -> pd.Series:
        """The row of one metric and treatment arm."""
        rows = self.table[(self.table["metric"] == metric) & (self.table["arm"] == arm)]
        if rows.empty:
            raise KeyError(f"trial {self.trial.id} has no result for {metric!r} in arm {arm!r}")
        return rows.iloc[0]

    def plot_survival(self, ax: Axes | None = None, group: str | None = None) -> Axes:
        """Kaplan-Meier curves of the first spell by arm (share still unemployed)."""
        import matplotlib.pyplot as plt
        from lifelines import KaplanMeierFitter

        from acsim.analysis.trial_metrics import group_mask

        if ax is None:
            _, ax = plt.subplots(figsize=(7, 4))
        df = self.persons
        if group:
            df = df[group_mask(df, group)]
        for arm in self.trial.arm_names:
            d = df[df["arm"] == arm]
            km = KaplanMeierFitter(label=f"{arm} (n={len(d):,})")
            km.fit(d["duration"], d["ended"])
            km.plot_survival_function(ax=ax, ci_show=True)
        title = f"{self.trial.id}: {self.trial.spec.title}"
        ax.set(xlabel="weeks since entry", ylabel="share still unemployed (first spell)",
               title=title + (f" [{group}]" if group else ""), ylim=(0, 1))
        return ax

    def save(self, out: str | Path) -> Path:
        """Write ``trial.csv`` and ``survival.png`` to ``out``; returns the CSV's path.

        ``trial.csv`` is :attr:`table` with each metric's units after ``arm``: ``unit`` (of
        ``effect``, ``ci_low``, ``ci_high``) and ``arm_unit`` (of ``control``, ``treatment``),
        from :mod:`acsim.analysis.metrics`.
        """
        import matplotlib.pyplot as plt

        from acsim.analysis.metrics import arm_unit, metric_unit

        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        path = out / "trial.csv"
        table = self.table.copy()
        table.insert(2, "unit", [metric_unit(m, "trial") for m in table["metric"]])
        table.insert(3, "arm_unit", [arm_unit(m) for m in table["metric"]])
        table.to_csv(path, index=False)
        ax = self.plot_survival()
        ax.figure.savefig(out / "survival.png", dpi=120, bbox_inches="tight")
        plt.close(ax.figure)
        return path


def _arm_centre(scenario: Scenario, root: int, env: simpy.Environment, members: list,
                ids: np.ndarray, engine: str, source: str):
    """The job centre of one arm under ``engine``, its jobseekers admitted (not yet run)."""
    if engine not in ENGINES:
        raise ScenarioError(source, "engine", f"expected one of {list(ENGINES)}, got {engine!r}")
    if engine == "vectorised" or (engine == "auto" and vectorisable(scenario, len(members))):
        centre = VectorisedCentre(scenario, root, 0, source)
        centre.admit(members)
        return centre
    centre = JobCentre(scenario, root, 0, env)
    centre.admit(members, keys=ids)
    return centre


def _simulate(env: simpy.Environment, weeks: float, label: str | None) -> None:
    """Run a trial's environment to the end, with a bar of simulated weeks under ``label``."""
    if label is None:
        run_paused_gc(env)
        return
    from tqdm.auto import tqdm

    with tqdm(total=round(weeks), desc=label, unit="week", delay=1.0, leave=False) as bar:
        def show(now: float) -> None:
            bar.update(min(round(now), bar.total) - bar.n)

        run_paused_gc(env, progress=show)


def run_trial(
    trial: Trial,
    n: int | None = None,
    seed: int | None = None,
    allocation: Literal["randomised", "crossed"] | None = None,
    effects: Effects | None = None,
    metrics: tuple[str, ...] | None = None,
    arms: tuple[str, ...] | None = None,
    progress: bool = False,
    engine: str | None = None,
) -> TrialResult:
    """Run a trial and estimate its effects.

    Args:
        trial: The trial.
        n: Number of jobseekers (default: the file's).
        seed: Seed (default: the file's).
        allocation: Override the file's allocation.
        effects: Effect sizes (default: acsim's calibrated ones).
        metrics: Metrics to report (default: the file's).
        arms: Treatment arms to simulate (default: all); the control always runs.
        progress: Show a progress bar of simulated weeks on stderr (after a second).
        engine: ``"simpy"``, ``"vectorised"`` or ``"auto"`` (default: the file's
            ``trial.engine``); the same spells either way (:mod:`acsim.model.vectorised`).

    Returns:
        The effects of every treatment arm against the control, per metric.

    """
    s = trial.spec
    n = s.n if n is None else n
    seed = s.seed if seed is None else seed
    allocation = allocation or s.allocation
    wanted: list[Metric] = [parse_metric(m) for m in (metrics or s.metrics)]
    scenarios = trial.scenarios(n=n, effects=effects)
    if not scenarios[s.control].effects.calibrated:
        warnings.warn("effect sizes are uncalibrated placeholders; treat effects as "
                      "illustrative", UncalibratedWarning, stacklevel=2)
    if arms is not None:
        unknown = [a for a in arms if a not in scenarios]
        if unknown:
            raise ScenarioError(trial.source, f"arms.{unknown[0]}", "no such arm")
        scenarios = {k: v for k, v in scenarios.items() if k == s.control or k in arms}
    names = list(scenarios)
    root = root_entropy(seed)
    control = scenarios[s.control]
    pop = draw_population(control.population, date(2019, 1, 1), s.intake_weeks,
                          control.hazard.covariates, root, 0)
    people = pop.inflow
    ids = np.array([js.id for js in people], dtype=np.int64)
    if allocation == "randomised" and len(ids):
        u = StreamSet(root, 0, Stream.ASSIGNMENT, ids, block=1).matrix()[:, 0]
        arm_of = np.minimum((u * len(names)).astype(int), len(names) - 1)
    else:
        arm_of = None
    env = simpy.Environment()
    centres = {}
    engine = engine or s.engine
    for a, name in enumerate(names):
        members = people if arm_of is None else [p for p, g in zip(people, arm_of, strict=True)
                                                 if g == a]
        centres[name] = (_arm_centre(scenarios[name], root, env, members, ids, engine,
                                     trial.source), members)
    # Every arm was checked before any is simulated; a vectorised arm whose run finds a
    # binding capacity or a rounding tie is run by SimPy under "auto".
    for name, (centre, members) in centres.items():
        if isinstance(centre, VectorisedCentre):
            try:
                centre.simulate()
            except (CapacityBinds, RoundingTie) as exc:
                if engine == "vectorised":
                    raise
                warnings.warn(f"engine = \"auto\": arm {name!r} runs on SimPy: {exc.key}: "
                              f"{exc.problem}", ScenarioWarning, stacklevel=2)
                centre = JobCentre(scenarios[name], root, 0, env)
                centre.admit(members, keys=ids)
                centres[name] = (centre, members)
    _simulate(env, s.intake_weeks + s.follow_up_weeks, trial.id if progress else None)
    persons = person_outcomes(centres, s.follow_up_weeks, wanted)
    table = estimate(persons, names, wanted, paired=arm_of is None, seed=seed)
    return TrialResult(trial, table, persons, n, seed, allocation)
