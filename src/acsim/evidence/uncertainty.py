"""Parameter uncertainty: the fitted effects' joint covariance, the placeholders' priors, draws.

Two sources of uncertainty sit under every result besides simulation noise:

* the **fitted** effect sizes (the calibration plan's effects stages) are estimates. Their joint
  covariance comes from the Jacobian of all their targets at once, at the calibrated values
  (:func:`joint_jacobian`): a Laplace approximation ``(J' W J + P)^-1`` on the optimiser's
  scale (log hazard ratios), where ``W`` weighs each target by its published precision and the
  simulation noise of its simulated value, and ``P`` is a weak prior from the stage's bounds (a
  uniform over them, as a normal of the same variance), which keeps a direction no target
  reaches at its prior width instead of an infinite one. Written to
  ``acsim/data/effects_uncertainty.toml`` by ``acsim calibrate --uncertainty``;
* the **placeholders** have prior ranges with their reasons (``acsim/data/priors.toml``, and
  the ranges a policy family declares).

:class:`ParameterUncertainty` draws parameter sets from both (:meth:`~ParameterUncertainty.draw`):
the fitted ones from the normal on the optimiser's scale, truncated to the stage's bounds by
clipping, the priors uniformly (log-uniformly for a hazard ratio). Draw ``k`` depends only on
the seed and ``k``, so the first draws are the same for any number of draws.

The municipal claims M04-M07 never enter the covariance: a claim is assessed, not fitted to.
The city levels are not drawn: they stay at their values fitted under the calibrated effects
(a draw of a meeting lift moves a city's durations with it).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import Field, model_validator

from acsim.exceptions import ScenarioError
from acsim.spec.base import Spec, read_toml, validate

if TYPE_CHECKING:
    from acsim.spec.scenario import Effects, Scenario

__all__ = [
    "PRIORS_FILE",
    "UNCERTAINTY_FILE",
    "FittedParameter",
    "JointJacobian",
    "ParameterUncertainty",
    "Prior",
    "apply_draw",
    "default_uncertainty",
    "identification_report",
    "joint_jacobian",
    "load_priors",
    "load_uncertainty",
    "scenario_uncertainty",
    "write_uncertainty",
]

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
PRIORS_FILE = DATA_DIR / "priors.toml"
UNCERTAINTY_FILE = DATA_DIR / "effects_uncertainty.toml"

#: Records that are claims (assessed, never fitted to): kept out of the covariance.
CLAIMS = ("M04", "M05", "M06", "M07")

#: A posterior standard deviation below this share of the prior's: the targets pin it down.
PINNED = 0.5
#: ... below this share: the targets bound it; at or above: it is left to its prior.
BOUNDED = 0.9


class Prior(Spec):
    """A placeholder's prior range.

    Attributes:
        path: Dotted path into the effects (``course.post_weeks``, ``lift_hr[edu_high]``).
        low: Lower end of the range.
        high: Upper end.
        log: Uniform on the log scale (a hazard ratio) rather than the value's.
        integer: Draws are rounded to whole numbers (a count).
        kind: ``not identified``, ``constrained`` or ``assumption`` (``priors.toml``).
        reason: Why the range is what it is.

    """

    path: str = Field(min_length=1)
    low: float = Field(allow_inf_nan=False)
    high: float = Field(allow_inf_nan=False)
    log: bool = True
    integer: bool = False
    kind: Literal["not identified", "constrained", "assumption", "placeholder"]
    reason: str = Field(min_length=1)

    @model_validator(mode="after")
    def _range(self) -> Prior:
        if not self.low < self.high:
            raise ValueError("low must be below high")
        if self.log and self.low <= 0:
            raise ValueError("a range on a log scale needs low > 0")
        return self

    def sample(self, u: float) -> float:
        """The value at quantile ``u`` of the uniform prior."""
        if self.log:
            v = math.exp(math.log(self.low) + u * (math.log(self.high) - math.log(self.low)))
        else:
            v = self.low + u * (self.high - self.low)
        return float(round(v)) if self.integer else v


class FittedParameter(Spec):
    """A fitted effect size with its standard error on the optimiser's scale.

    Attributes:
        path: Dotted path into the effects.
        value: The calibrated value.
        log: The optimiser's scale is the logarithm.
        se: Standard error on that scale (0.05 on a log scale: about 5 % of a hazard ratio).
        prior_se: The stage bounds' prior standard deviation on that scale.
        lower: Lower bound of the stage.
        upper: Upper bound.
        identification: ``pinned`` (``se`` below half the prior's), ``bounded`` (below 0.9 of
            it) or ``prior`` (the targets leave it to the bounds).
        records: The records of its stage.

    """

    path: str = Field(min_length=1)
    value: float = Field(allow_inf_nan=False)
    log: bool = True
    se: float = Field(ge=0, allow_inf_nan=False)
    prior_se: float = Field(gt=0, allow_inf_nan=False)
    lower: float = Field(allow_inf_nan=False)
    upper: float = Field(allow_inf_nan=False)
    identification: Literal["pinned", "bounded", "prior"]
    records: tuple[str, ...] = ()

    def to_x(self, value: float) -> float:
        """Optimiser coordinate of a value."""
        return math.log(value) if self.log else value

    def from_x(self, x: float) -> float:
        """Value at an optimiser coordinate, clipped to the bounds."""
        v = math.exp(x) if self.log else x
        return min(max(v, self.lower), self.upper)


class UncertaintyFile(Spec):
    """The contents of ``effects_uncertainty.toml``."""

    source: str = Field(min_length=1)
    scale: float = Field(gt=0)
    evaluations: int = Field(ge=0)
    targets: int = Field(ge=0)
    parameter: tuple[FittedParameter, ...] = ()
    correlation: tuple[tuple[float, ...], ...] = ()

    @model_validator(mode="after")
    def _shape(self) -> UncertaintyFile:
        n = len(self.parameter)
        if len(self.correlation) != n or any(len(row) != n for row in self.correlation):
            raise ValueError(f"correlation must be {n} x {n}, one row per [[parameter]]")
        return self


@dataclass(frozen=True)
class ParameterUncertainty:
    """The fitted parameters' joint normal and the placeholders' priors.

    Attributes:
        fitted: The fitted parameters, in the covariance's order.
        covariance: Their joint covariance on the optimiser's scale.
        priors: The placeholders' priors.
        source: Where the covariance came from.

    """

    fitted: tuple[FittedParameter, ...]
    covariance: np.ndarray
    priors: tuple[Prior, ...]
    source: str = ""

    def draw(self, k: int, seed: int) -> dict[str, float]:
        """Parameter set ``k`` (0, 1, ...) of seed ``seed``: effects path -> value.

        Reproducible: the same ``(seed, k)`` gives the same set, whatever the number of draws.
        """
        if k < 0:
            raise ValueError("draw index must be >= 0")
        rng = np.random.default_rng(np.random.SeedSequence([int(seed), 0x9A7A, int(k)]))
        out: dict[str, float] = {}
        if self.fitted:
            mean = np.array([p.to_x(p.value) for p in self.fitted])
            x = rng.multivariate_normal(mean, self.covariance, method="eigh")
            out.update({p.path: p.from_x(float(xi)) for p, xi in zip(self.fitted, x,
                                                                       strict=True)})
        u = rng.random(len(self.priors))
        out.update({p.path: p.sample(float(ui)) for p, ui in zip(self.priors, u, strict=True)})
        return out

    def table(self) -> list[dict[str, Any]]:
        """One row per parameter: path, value, kind, standard error or range, why."""
        rows: list[dict[str, Any]] = []
        for p in self.fitted:
            rows.append({"parameter": f"effects.{p.path}", "value": p.value,
                         "kind": f"fitted ({p.identification})", "se": p.se,
                         "low": p.from_x(p.to_x(p.value) - 1.96 * p.se),
                         "high": p.from_x(p.to_x(p.value) + 1.96 * p.se),
                         "why": f"records {', '.join(p.records)}; se on the "
                                f"{'log' if p.log else 'value'} scale"})
        for q in self.priors:
            rows.append({"parameter": f"effects.{q.path}", "value": None, "kind": q.kind,
                         "se": math.nan, "low": q.low, "high": q.high, "why": q.reason})
        return rows


def load_priors(path: str | Path = PRIORS_FILE) -> tuple[Prior, ...]:
    """Read and validate the priors file.

    Raises:
        ScenarioError: Not TOML, an unknown key, a value out of range, a path that is no
            numeric effect parameter, or a path listed twice; the error names the file and key.

    """
    from acsim.evidence.validation import parameter_value
    from acsim.spec.scenario import Effects

    source = str(path)
    data = read_toml(path)
    extra = sorted(set(data) - {"prior"})
    if extra:
        raise ScenarioError(source, extra[0], "unknown key (allowed here: prior)")
    raw = data.get("prior", [])
    if not isinstance(raw, list):
        raise ScenarioError(source, "prior", "expected an array of [[prior]] tables")
    priors = tuple(validate(Prior, item, source, prefix=f"prior[{i}]")
                   for i, item in enumerate(raw))
    seen: set[str] = set()
    for i, p in enumerate(priors):
        if p.path in seen:
            raise ScenarioError(source, f"prior[{i}].path", f"{p.path!r} appears twice")
        seen.add(p.path)
        try:
            parameter_value(Effects(), p.path)
        except (AttributeError, KeyError, IndexError, TypeError, ValueError):
            raise ScenarioError(source, f"prior[{i}].path",
                                f"{p.path!r} is not a numeric effect parameter") from None
    return priors


def load_uncertainty(path: str | Path = UNCERTAINTY_FILE,
                     priors: Sequence[Prior] | None = None) -> ParameterUncertainty:
    """Read the covariance file (and the priors); without the file, only the priors.

    A parameter both fitted and in the priors is taken as fitted.
    """
    priors = tuple(load_priors() if priors is None else priors)
    path = Path(path)
    if not path.is_file():
        return ParameterUncertainty((), np.zeros((0, 0)), priors,
                                    source="no covariance: acsim calibrate --uncertainty")
    f = validate(UncertaintyFile, read_toml(path), str(path))
    se = np.array([p.se for p in f.parameter])
    cov = np.asarray(f.correlation, dtype=float).reshape(len(se), len(se)) * np.outer(se, se)
    fitted = {p.path for p in f.parameter}
    return ParameterUncertainty(f.parameter, cov, tuple(p for p in priors if p.path not in fitted),
                                source=f.source)


@cache
def default_uncertainty() -> ParameterUncertainty:
    """The shipped covariance and priors (read once)."""
    return load_uncertainty()


def _family_priors(scenario: Scenario) -> list[Prior]:
    """The ranges the scenario's policy families declare for their placeholders (scalars)."""
    from acsim.evidence.placeholders import families_in_use
    from acsim.spec import paths

    out = []
    for f in families_in_use(scenario):
        for path, (low, high) in f.placeholders.items():
            sub = path.removeprefix("effects.")
            try:
                node = paths.get(scenario.effects, paths.parse(sub))
            except (AttributeError, KeyError, IndexError, TypeError, ValueError):
                continue
            if isinstance(node, tuple) and len(node) == 1 and node[0][0] == "default":
                sub += "[default]"  # a group value with one value for all
            elif not isinstance(node, (int, float)):
                continue  # a group value by group (the borrowed ranges of benefit groups)
            out.append(Prior(path=sub, low=low, high=high, log=low > 0, kind="placeholder",
                             reason=f"{f.name}: no published number identifies it"))
    return out


def apply_draw(scenario: Scenario, draw: Mapping[str, float]) -> Scenario:
    """The scenario with a draw's values where it keeps the shipped effects.

    A parameter the scenario sets itself (a value other than the shipped effects') is the
    scenario's assumption and keeps its value.
    """
    from acsim.evidence.validation import parameter_value
    from acsim.spec import paths
    from acsim.spec.scenario import default_effects

    shipped = default_effects()
    effects = scenario.effects
    for path, value in draw.items():
        try:
            mine, base = parameter_value(effects, path), parameter_value(shipped, path)
        except (AttributeError, KeyError, IndexError, TypeError, ValueError):
            continue
        if math.isclose(mine, base, rel_tol=1e-12, abs_tol=0.0):
            node = paths.get(effects, paths.parse(path)) if "[" not in path else None
            effects = paths.with_value(effects, path,
                                       int(value) if isinstance(node, int) else value)
    return scenario.model_copy(update={"effects": effects})


def scenario_uncertainty(scenario: Scenario,
                         base: ParameterUncertainty | None = None) -> ParameterUncertainty:
    """The shipped uncertainty plus the ranges of the scenario's own policy families."""
    base = base or default_uncertainty()
    known = {p.path for p in base.fitted} | {p.path for p in base.priors}
    extra = tuple(p for p in _family_priors(scenario) if p.path not in known)
    return ParameterUncertainty(base.fitted, base.covariance, base.priors + extra, base.source)


# -- the joint Jacobian at the calibrated values ---------------------------------------------


@dataclass
class JointJacobian:
    """All fitted effect parameters against all their targets at once.

    Attributes:
        parameters: The plan's parameters (paths and bounds), in column order.
        stages: Each parameter's stage name.
        labels: Each target row's label (record and check).
        jacobian: ``d residual / d x`` (rows: targets; columns: parameters).
        noise: Each row's simulation noise in residual units (its simulated value's standard
            error, weighted as the residual).
        residuals: The residuals at the calibrated values.
        quantitative: Whether each row pulls towards a published value (not a sign check).
        evaluations: Simulations run.
        scale: Trial size used.

    """

    parameters: list
    stages: list[str]
    records: list[tuple[str, ...]]
    labels: list[str]
    jacobian: np.ndarray
    noise: np.ndarray
    residuals: np.ndarray
    quantitative: np.ndarray
    evaluations: int
    scale: float
    values: list[float] = field(default_factory=list)

    def covariance(self) -> tuple[np.ndarray, np.ndarray]:
        """``(covariance, prior sd)`` on the optimiser's scale (Laplace, weak bounds prior)."""
        prior_sd = np.array([(p.to_x(p.upper) - p.to_x(p.lower)) / math.sqrt(12.0)
                             for p in self.parameters])
        w = 1.0 / (1.0 + self.noise ** 2)
        precision = self.jacobian.T @ (w[:, None] * self.jacobian) + np.diag(prior_sd ** -2.0)
        cov = np.linalg.inv(precision)
        return (cov + cov.T) / 2.0, prior_sd

    def degrees_of_freedom(self) -> int:
        """Quantitative targets less fitted parameters."""
        return int(self.quantitative.sum()) - len(self.parameters)


def joint_jacobian(
    effects: Effects | None = None, scale: float = 0.5, seed: int | None = None,
    workers: int = 1, exclude: Sequence[str] = (), log: Callable[[str], None] = print,
) -> JointJacobian:
    """Forward differences of every effects stage's targets in every stage's parameters.

    Args:
        effects: The calibrated effects (default: the shipped ones).
        scale: Trial size (the calibration's: 0.5).
        seed: Trial seed (default: each file's).
        workers: Processes.
        exclude: Parameter paths not to include (the constrained ones, drawn from priors).
        log: Progress messages.

    """
    from acsim.evidence.calibration import forward_jacobian, set_parameter
    from acsim.evidence.checks import comparison_of, residual, sigma
    from acsim.evidence.plan import default_plan
    from acsim.evidence.records import load_evidence
    from acsim.evidence.validation import check_label, evaluate_checks, parameter_value
    from acsim.spec.scenario import default_effects

    effects = effects or default_effects()
    records = load_evidence()
    params, stages, stage_records = [], [], []
    ids: list[str] = []
    for st in default_plan().effect_stages:
        for p in st.parameters:
            if p.path in exclude:
                continue
            params.append(p)
            stages.append(st.name)
            stage_records.append(tuple(r for r in st.records if r not in CLAIMS))
        ids += [r for r in st.records if r not in CLAIMS and r not in ids]
    pairs = [(r, c) for r in records if r.id in ids for c in r.checks if c.kind == "trial"]
    count = 0
    last_ci: list = []

    def at(x: np.ndarray) -> Effects:
        e = effects
        for p, xi in zip(params, x, strict=True):
            e = set_parameter(e, p.path, p.from_x(float(xi)))
        return e

    def residuals(x: np.ndarray) -> np.ndarray:
        nonlocal count
        count += 1
        log(f"  joint Jacobian: evaluation {count} of {len(params) + 1}")
        res = evaluate_checks([c for _, c in pairs], at(x), scale, seed, workers=workers)
        last_ci[:] = [res[id(c)] for _, c in pairs]
        return np.array([residual(r, c, res[id(c)].simulated) for r, c in pairs])

    x0 = np.array([p.to_x(parameter_value(effects, p.path)) for p in params])
    f0 = residuals(x0)
    base = list(last_ci)
    noise = np.array([math.sqrt(r.weight) * (b.ci_high - b.ci_low) / 3.92 / sigma(c)
                      if math.isfinite(b.ci_high - b.ci_low) else 0.0
                      for (r, c), b in zip(pairs, base, strict=True)])
    steps = np.array([p.step for p in params])
    upper = np.array([p.to_x(p.upper) for p in params])
    jac = forward_jacobian(residuals, x0, f0, steps, upper)
    quantitative = np.array([comparison_of(c) == "value" for _, c in pairs])
    noise = np.where(quantitative | (f0 != 0), noise, 0.0)
    labels = [f"{r.id} {check_label(c)}" for r, c in pairs]
    return JointJacobian(params, stages, stage_records, labels, jac, noise, f0, quantitative,
                         count, scale, [float(p.from_x(x)) for p, x in zip(params, x0,
                                                                           strict=True)])


def _identification(se: float, prior_sd: float) -> str:
    ratio = se / prior_sd
    return "pinned" if ratio < PINNED else "bounded" if ratio < BOUNDED else "prior"


def write_uncertainty(jj: JointJacobian, path: str | Path = UNCERTAINTY_FILE) -> Path:
    """Write the covariance file from a joint Jacobian; return its path."""
    cov, prior_sd = jj.covariance()
    se = np.sqrt(np.diag(cov))
    corr = cov / np.outer(se, se)
    lines = [
        "# Joint uncertainty of the fitted effect sizes, written by `acsim calibrate "
        "--uncertainty`.",
        "# Do not edit by hand: rerun it. `se` is the standard error on the optimiser's scale",
        "# (the logarithm where log = true): the Laplace approximation (J' W J + P)^-1 of all",
        "# effects stages' targets at once at the calibrated values, W the published precision",
        "# and the simulation noise of each target, P a weak prior from the stage's bounds",
        "# (prior_se; acsim.evidence.uncertainty). identification: pinned (se < 0.5 prior_se),",
        "# bounded (< 0.9), prior (the targets leave it to the bounds).",
        f'source = "acsim calibrate --uncertainty on {date.today().isoformat()}: forward '
        f'differences at the calibrated values, trials at scale {jj.scale:g}, their files\' '
        f'seeds"',
        f"scale = {jj.scale:g}",
        f"evaluations = {jj.evaluations}",
        f"targets = {int(jj.quantitative.sum())}",
        "# correlations, in the order of the [[parameter]] tables below",
        "correlation = [",
        *("  [" + ", ".join(f"{c:.4f}" for c in row) + "]," for row in corr),
        "]",
        "",
    ]
    for p, v, s, psd, st, recs in zip(jj.parameters, jj.values, se, prior_sd, jj.stages,
                                      jj.records, strict=True):
        lines += [
            "[[parameter]]",
            f"# {st}",
            f'path = "{p.path}"',
            f"value = {v:.6g}",
            f"log = {'true' if p.log else 'false'}",
            f"se = {s:.6g}",
            f"prior_se = {psd:.6g}",
            f"lower = {p.lower:g}",
            f"upper = {p.upper:g}",
            f'identification = "{_identification(float(s), float(psd))}"',
            "records = [" + ", ".join(f'"{r}"' for r in recs) + "]",
            "",
        ]
    path = Path(path)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    default_uncertainty.cache_clear()
    return path


def identification_report(unc: ParameterUncertainty, targets: int | None = None) -> list[str]:
    """Lines of the identification report: each parameter, how it is held, the counts.

    Args:
        unc: The fitted parameters' covariance and the priors.
        targets: Quantitative published numbers the fitted parameters were fitted to (default:
            the covariance file's count).

    """
    if targets is None:
        targets = _file_targets()
    lines = [f"{'parameter':<44} {'value':>8} {'se':>7} {'95 % range':>17}  held by"]
    for p in unc.fitted:
        x = p.to_x(p.value)
        lo, hi = p.from_x(x - 1.96 * p.se), p.from_x(x + 1.96 * p.se)
        how = {"pinned": "the targets pin it down",
               "bounded": "the targets bound it (se at least half its prior's)",
               "prior": "its prior: the targets leave it to the stage's bounds"}
        lines.append(f"{p.path:<44} {p.value:>8.4g} {p.se:>7.3f} {f'{lo:.3g}-{hi:.3g}':>17}  "
                     f"{how[p.identification]} ({', '.join(p.records)})")
    for q in unc.priors:
        lines.append(f"{q.path:<44} {'':>8} {'':>7} {f'{q.low:g}-{q.high:g}':>17}  "
                     f"prior range ({q.kind})")
    counts = {k: sum(p.identification == k for p in unc.fitted)
              for k in ("pinned", "bounded", "prior")}
    lines.append(
        f"{len(unc.fitted)} fitted parameters ({counts['pinned']} pinned down, "
        f"{counts['bounded']} bounded, {counts['prior']} left to their prior) for {targets} "
        f"published numbers: {targets - len(unc.fitted)} degrees of freedom; "
        f"{len(unc.priors)} placeholders drawn from prior ranges")
    return lines


def _file_targets() -> int:
    if not UNCERTAINTY_FILE.is_file():
        return 0
    return int(read_toml(UNCERTAINTY_FILE).get("targets", 0))
