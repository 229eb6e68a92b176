"""Calibration of the effect sizes to the evidence records' fit checks.

The fit goes in stages, each a weighted least-squares problem solved by
:func:`scipy.optimize.least_squares` on common random numbers (every evaluation runs the same
trials, crossed, on the same seed, so the objective moves only with the parameters). A stage
fits a few parameters to the checks that pin them down, in an order where later stages take
the earlier ones as given (the meeting lift before the persistence that scales it, both before
the programmes whose trials include meetings). Each residual is
``sqrt(weight) * (simulated - published) / sigma``, with the record's design weight (trials
above matching studies) and ``sigma`` the published standard error, or a quarter of the
tolerance interval where none is published.

After each stage the Jacobian tells which parameters the targets identify: a parameter whose
column is (near) zero, or that is collinear with another, is reported, not invented.

The stages, their parameters (bounds, starting values, steps) and records are the calibration
plan, ``acsim/data/calibration_plan.toml`` (:mod:`acsim.evidence.plan`), which also lists the
parameters no quantitative target reaches, with the reason: they keep their placeholder values.
The plan's level stages fit the municipal baselines after the effects (:func:`refit_levels`).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
from scipy import optimize

from acsim.evidence.checks import check_passes, residual
from acsim.evidence.levels import LevelFit, StockFit
from acsim.evidence.plan import LevelStage, Parameter, Stage, default_plan
from acsim.evidence.records import EvidenceRecord, load_evidence
from acsim.evidence.validation import check_label, evaluate_checks, parameter_value
from acsim.experiments.backends import map_ordered
from acsim.spec import paths
from acsim.spec.scenario import EFFECTS_FILE, Effects

__all__ = [
    "EffectFit",
    "Parameter",
    "Stage",
    "StageFit",
    "calibrate_effects",
    "forward_jacobian",
    "joint_stage",
    "refit_levels",
    "residual",
    "set_parameter",
    "write_effects",
]


def set_parameter(effects: Effects, path: str, value: float) -> Effects:
    """A copy of ``effects`` with one parameter set (paths as :func:`acsim.spec.paths.value_at`)."""
    return paths.with_value(effects, path, value)


@dataclass
class StageFit:
    """Outcome of one stage."""

    stage: Stage
    values: dict[str, float]
    rows: list[dict[str, object]]
    identified: dict[str, str]
    evaluations: int


@dataclass
class EffectFit:
    """Outcome of the whole calibration."""

    effects: Effects
    stages: list[StageFit] = field(default_factory=list)
    #: Parameters no target identifies, with the reason (the plan's ``[unidentified]``).
    unidentified: dict[str, str] = field(default_factory=lambda: dict(default_plan().unidentified))

    def table(self) -> str:
        """Target, published, simulated and residual of every fitted check, and parameters."""
        lines = [f"{'stage / target':<60} {'published':>9} {'simulated':>9} {'residual':>9} "
                 f"{'tolerance':>17} in"]
        for sf in self.stages:
            lines.append(f"[{sf.stage.name}] ({sf.evaluations} evaluations)")
            for r in sf.rows:
                pub = "" if r["published"] is None else f"{r['published']:.3f}"
                res = "" if math.isnan(r["residual"]) else f"{r['residual']:+.3f}"
                lo, hi = r["tolerance"]
                lines.append(f"  {r['id']} {str(r['metric'])[:55]:<55} {pub:>9} "
                             f"{r['simulated']:>9.3f} {res:>9} {f'[{lo:.3g}, {hi:.3g}]':>17} "
                             f"{'yes' if r['passed'] else 'NO'}")
            for p, v in sf.values.items():
                lines.append(f"  -> {p} = {v:.4g} ({sf.identified[p]})")
        lines.append("not identified by any quantitative target (placeholders kept):")
        lines += [f"  {k}: {v}" for k, v in self.unidentified.items()]
        return "\n".join(lines)


def _stage_checks(records: list[EvidenceRecord], ids: tuple[str, ...]):
    return [(r, c) for r in records if r.id in ids for c in r.checks if c.kind == "trial"]


def fit_stage(
    stage: Stage, effects: Effects, records: list[EvidenceRecord], scale: float, seed: int | None,
    workers: int, max_evaluations: int = 40, log: Callable[[str], None] = print,
) -> tuple[Effects, StageFit]:
    """Fit one stage's parameters; returns the updated effects and the stage's report."""
    pairs = _stage_checks(records, stage.records)
    if not pairs:
        raise ValueError(f"stage {stage.name!r}: no trial checks in records {stage.records}")
    params = stage.parameters
    count = 0

    def effects_at(x: np.ndarray) -> Effects:
        e = effects
        for p, xi in zip(params, x, strict=True):
            e = set_parameter(e, p.path, p.from_x(float(xi)))
        return e

    def simulate(x: np.ndarray) -> list[float]:
        nonlocal count
        count += 1
        res = evaluate_checks([c for _, c in pairs], effects_at(x), scale, seed, workers=workers)
        return [res[id(c)].simulated for _, c in pairs]

    best: list = [math.inf, None]  # the best point evaluated: the fit reports that one
    last: list = [None, None]  # the last point and its residuals (the Jacobian starts there)

    def residuals(x: np.ndarray) -> np.ndarray:
        sim = simulate(x)
        r = np.asarray([residual(rec, c, s) for (rec, c), s in zip(pairs, sim, strict=True)])
        ssr = float(np.dot(r, r))
        if ssr < best[0]:
            best[0], best[1] = ssr, np.array(x, dtype=float)
        last[0], last[1] = np.array(x, dtype=float), r
        log(f"  [{stage.name}] " + ", ".join(f"{p.path}={p.from_x(v):.4g}"
                                             for p, v in zip(params, x, strict=True))
            + f" -> SSR {ssr:.4g}")
        return r

    x0 = []
    for p in params:
        v = p.start if p.start is not None else parameter_value(effects, p.path)
        v = min(max(v, p.lower), p.upper)
        x0.append(p.to_x(v))
    lo, hi = zip(*(p.bounds for p in params), strict=True)
    steps = np.array([p.step for p in params])

    def jacobian(x: np.ndarray) -> np.ndarray:
        f0 = last[1] if last[0] is not None and np.array_equal(last[0], x) else residuals(x)
        return forward_jacobian(residuals, x, f0, steps, np.asarray(hi))

    res = optimize.least_squares(residuals, np.asarray(x0), jac=jacobian, bounds=(lo, hi),
                                 max_nfev=max_evaluations, xtol=1e-3, ftol=1e-3)
    x_fit = best[1] if best[1] is not None else res.x
    fitted = effects_at(x_fit)
    sim = simulate(x_fit)
    rows = [{"id": rec.id, "metric": check_label(c), "published": c.published, "simulated": s,
             "tolerance": (c.tolerance_low, c.tolerance_high), "passed": check_passes(c, s),
             "residual": s - c.published if c.published is not None else math.nan}
            for (rec, c), s in zip(pairs, sim, strict=True)]
    only_signs = all(c.role != "fit" or c.published is None for _, c in pairs)
    identified = _identification(res.jac, params, only_signs)
    values = {p.path: p.from_x(float(x)) for p, x in zip(params, x_fit, strict=True)}
    return fitted, StageFit(stage, values, rows, identified, count)


def forward_jacobian(
    fun: Callable[[np.ndarray], np.ndarray], x: np.ndarray, f0: np.ndarray, steps: np.ndarray,
    upper: np.ndarray,
) -> np.ndarray:
    """Forward differences with absolute steps, taken backwards where a step would pass ``upper``.

    Args:
        fun: Residual function.
        x: Point.
        f0: ``fun(x)``.
        steps: Step per coordinate (absolute, in optimiser coordinates).
        upper: Upper bounds.

    """
    jac = np.empty((len(f0), len(x)))
    for j, h in enumerate(steps):
        if x[j] + h > upper[j]:
            h = -h
        xj = np.array(x, dtype=float)
        xj[j] += h
        jac[:, j] = (np.asarray(fun(xj)) - f0) / h
    return jac


def _identification(jac: np.ndarray, params: tuple[Parameter, ...],
                    only_signs: bool = False) -> dict[str, str]:
    """Whether each parameter moves the residuals, and independently of the others.

    ``only_signs``: the stage has no fitted value, only sign and ordering checks.

    Sign and ordering checks that are satisfied contribute zero rows, so a stage with fewer
    active quantitative targets than parameters has a rank-deficient Jacobian: its targets
    then pin down only some combinations of its parameters, the rest being held in place by
    the sign checks and the starting values.
    """
    out = {}
    norms = np.linalg.norm(jac, axis=0)
    rank = int(np.linalg.matrix_rank(jac, tol=0.05)) if jac.size else 0
    for p, nrm in zip(params, norms, strict=True):
        if nrm < 0.05 and only_signs:
            out[p.path] = ("CONSTRAINED, not identified: no quantitative target; every sign or "
                           "ordering check holds here, so the value is where the search first "
                           "met them")
        elif nrm < 0.05:  # a unit change of x (2.7 times the HR) moves residuals by < 0.05 sigma
            out[p.path] = f"NOT identified: |d residual / d x| = {nrm:.3g}"
        elif rank < len(params):
            out[p.path] = (f"partly identified: the targets fix {rank} combination(s) of the "
                           f"stage's {len(params)} parameters; sign checks bound the rest")
        else:
            out[p.path] = f"identified: |d residual / d x| = {nrm:.3g}"
    return out


def _stage_key(stage: Stage, effects: Effects, scale: float, seed: int | None,
               records: list[EvidenceRecord]) -> str:
    """Identity of a stage's fit: definition, starting effects, records and their trial files."""
    from acsim.evidence.records import trials_dir
    from acsim.evidence.trials import resolve_level_reference
    from acsim.spec.base import read_toml

    h = hashlib.sha256(repr((stage, scale, seed)).encode())
    h.update(json.dumps(effects.model_dump(mode="json"), sort_keys=True).encode())
    mine = [r for r in records if r.id in stage.records]
    h.update(json.dumps([r.model_dump(mode="json") for r in mine], sort_keys=True).encode())
    for name in sorted({c.trial for r in mine for c in r.checks if c.trial}):
        # the parsed tables, so that editing a comment does not invalidate a stage; a city's
        # level taken by reference is put in, so that refitting it does
        path = trials_dir() / f"{name}.toml"
        table = resolve_level_reference(read_toml(path), str(path))
        h.update(json.dumps(table, sort_keys=True, default=str).encode())
    return h.hexdigest()[:20]


#: The name of the joint stage :func:`joint_stage` builds.
JOINT = "joint fit of every effects stage"


def joint_stage(stages: tuple[Stage, ...] | None = None, exclude: tuple[str, ...] = ()
                ) -> Stage:
    """One stage with every effects stage's parameters and records, from the current values.

    The municipal claims (M04-M07) are left out of its records: a claim is assessed, never
    fitted to. ``exclude`` leaves out parameters (those held only by sign checks, drawn from
    their priors). Each parameter starts from the value the staged fit reached (no ``start``).
    """
    from acsim.evidence.uncertainty import CLAIMS

    stages = default_plan().effect_stages if stages is None else stages
    params: list[Parameter] = []
    records: list[str] = []
    for st in stages:
        params += [p.model_copy(update={"start": None}) for p in st.parameters
                   if p.path not in exclude]
        records += [r for r in st.records if r not in CLAIMS and r not in records]
    return Stage(name=JOINT, parameters=tuple(params), records=tuple(records))


def calibrate_effects(
    effects: Effects | None = None,
    stages: tuple[Stage, ...] | None = None,
    scale: float = 1.0,
    seed: int | None = None,
    workers: int = 1,
    log: Callable[[str], None] = print,
    checkpoint: str | Path | None = None,
    joint: bool = False,
) -> EffectFit:
    """Run the calibration stages in order from ``effects`` (default: the class placeholders).

    Args:
        effects: Starting values.
        stages: The stages, in order (default: the calibration plan's effects stages).
        scale: Fraction of each trial file's size per evaluation.
        seed: Trial seed (default: each file's).
        workers: Processes (trials of one evaluation run in parallel).
        log: Where progress lines go.
        checkpoint: Directory where each finished stage is kept. A rerun (after an interruption,
            or after changing a later stage) reuses every stage whose definition, starting
            values and input files are unchanged.
        joint: After the stages, refit all their parameters at once to all their records
            (:func:`joint_stage`; the values held only by sign checks stay where the stages
            left them), starting from the staged values.

    """
    records = list(load_evidence())
    if stages is None:
        stages = default_plan().effect_stages
    if joint:
        from acsim.evidence.uncertainty import load_priors

        held = tuple(p.path for p in load_priors() if p.kind == "constrained")
        stages = (*stages, joint_stage(stages, held))
    current = effects or Effects()
    fit = EffectFit(current)
    ckpt = Path(checkpoint) if checkpoint is not None else None
    if ckpt is not None:
        ckpt.mkdir(parents=True, exist_ok=True)
    for number, stage in enumerate(stages, 1):
        key = _stage_key(stage, current, scale, seed, records)
        label = f"stage {number}/{len(stages)}: {stage.name}"
        saved = ckpt / f"{key}.json" if ckpt is not None else None
        if saved is not None and saved.is_file():
            data = json.loads(saved.read_text())
            sf = StageFit(stage, data["values"], data["rows"], data["identified"],
                          data["evaluations"])
            current = Effects.model_validate(data["effects"])
            log(f"{label} (from the checkpoint {saved})")
        else:
            log(f"{label} ({len(stage.parameters)} parameter(s); one line per evaluation)")
            most = 5 * (len(stage.parameters) + 1) if stage.name == JOINT else 40
            current, sf = fit_stage(stage, current, records, scale, seed, workers,
                                    max_evaluations=most, log=log)
            if saved is not None:
                tmp = saved.with_suffix(".tmp")
                tmp.write_text(json.dumps({
                    "values": sf.values, "rows": sf.rows, "identified": sf.identified,
                    "evaluations": sf.evaluations, "effects": current.model_dump(mode="json"),
                }, default=float, indent=1))
                tmp.replace(saved)
        fit.stages.append(sf)
    fit.effects = current.model_copy(update={
        "calibrated": True,
        "source": f"acsim calibrate on {date.today().isoformat()}: fitted to the evidence "
                  "records in acsim/data/evidence.toml; see the notes on each value",
    })
    return fit


# -- municipal levels ----------------------------------------------------------------------------
def _fit_city(job: tuple[LevelStage, Effects, int]) -> LevelFit | StockFit:
    from acsim.evidence.levels import fit_level_stage
    from acsim.evidence.validation import SCENARIOS_DIR
    from acsim.spec.scenario import load_scenario

    stage, effects, seed = job
    path = SCENARIOS_DIR / f"{stage.city}.toml"
    sc = load_scenario(path).model_copy(update={"effects": effects})
    return fit_level_stage(stage, sc, seed=seed)


def refit_levels(effects: Effects, seed: int = 2019, workers: int = 1, write: bool = True,
                 stages: tuple[LevelStage, ...] | None = None, progress: bool = False,
                 ) -> dict[str, LevelFit | StockFit]:
    """Run the plan's level stages: each city's level fitted to its mean duration (M01).

    The fit is under ``effects``. A stage that also fits the stock (Copenhagen's, to its 2019
    stock by elapsed duration, M03) refits ``population.annual_inflow`` and
    ``hazard.covariates.latent_risk`` with the level. With ``write`` each value goes into its
    city's file with a ``# CALIBRATED`` note; the trials of a city's claims take the level from
    there (``level_of``).

    Args:
        effects: Effect sizes the levels are fitted under.
        seed: Common seed of every evaluation.
        workers: Processes (one city each).
        write: Whether to write the fitted values into the city files.
        stages: The level stages (default: the calibration plan's).
        progress: Show a progress bar of the cities fitted on stderr.

    """
    from acsim.evidence.levels import write_level, write_stock_fit
    from acsim.evidence.validation import SCENARIOS_DIR

    stages = default_plan().level_stages if stages is None else stages
    fits = map_ordered(_fit_city, [((st, effects, seed),) for st in stages], workers,
                       progress="calibrate: city levels" if progress else None)
    out = {st.city: fit for st, fit in zip(stages, fits, strict=True)}
    if write:
        for city, fit in out.items():
            path = SCENARIOS_DIR / f"{city}.toml"
            if isinstance(fit, StockFit):
                write_stock_fit(path, fit)
                fit = fit.level
            write_level(path, fit)
    return out


# -- writing the calibrated file --------------------------------------------------------------
def _toml_value(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        if isinstance(v, float) and math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(round(v, 6)) if isinstance(v, float) else str(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, tuple) and v and all(isinstance(x, tuple) and len(x) == 2 for x in v):
        inner = ", ".join(f'"{k}" = {_toml_value(x)}' if "+" in k else f"{k} = {_toml_value(x)}"
                          for k, x in v)
        return "{ " + inner + " }"
    if isinstance(v, (tuple, list)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {v!r} to TOML")


def _fit_word(identification: str) -> str:
    return "CONSTRAINED" if identification.startswith("CONSTRAINED") else "FITTED"


def write_effects(fit: EffectFit, path: str | Path = EFFECTS_FILE) -> Path:
    """Write the calibrated effects with each fitted value's targets and fit as comments."""
    notes: dict[str, list[str]] = {}
    for sf in fit.stages:
        fitted = "; ".join(
            f"{r['id']} {r['metric']}: "
            + (f"published {r['published']:.3g}, " if r["published"] is not None else
               f"within [{r['tolerance'][0]:.3g}, {r['tolerance'][1]:.3g}], ")
            + f"simulated {r['simulated']:.3g}" for r in sf.rows)
        for p, v in sf.values.items():
            base = p.split("[")[0]
            notes.setdefault(base, []).append(
                f"{p} = {v:.4g}: {_fit_word(sf.identified[p])} ({sf.stage.name}; "
                f"{sf.identified[p]}) to {fitted}")
    lines = [
        "# Calibrated effect sizes, written by `acsim calibrate`. Do not edit by hand: rerun it.",
        "# Values with a FITTED note were fitted to the evidence records (acsim/data/",
        "# evidence.toml) they name; a CONSTRAINED value is held only by those records' sign or",
        "# ordering checks. Every other value is a placeholder the quantitative targets do not",
        "# identify (see [unidentified] in acsim/data/calibration_plan.toml for why), checked by",
        "# sign or ordering in `acsim validate` where a record speaks to it.",
        f"calibrated = {_toml_value(fit.effects.calibrated)}",
        f"source = {_toml_value(fit.effects.source)}",
    ]
    data = fit.effects.model_dump(mode="python")
    for section, values in data.items():
        if not isinstance(values, dict):
            continue
        lines += ["", f"[{section}]"]
        for key, value in values.items():
            for note in notes.get(f"{section}.{key}", []):
                lines.append(f"# {note}")
            lines.append(f"{key} = {_toml_value(value)}")
    path = Path(path)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
