"""A trial's effects under parameter draws: their intervals with parameter uncertainty.

``acsim trial FILE --parameter-draws K`` (:func:`trial_with_draws`) runs the trial again under
K parameter sets (:class:`acsim.evidence.uncertainty.ParameterUncertainty`, drawn from the
trial's seed), on the same population and seeds, and adds to each effect of ``trial.csv`` a
total interval: the estimator's own interval (simulation noise) widened by the spread of the
effect over the draws. A hazard ratio is combined on the log scale.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from acsim.evidence.trials import Trial, TrialResult, run_trial
from acsim.experiments.backends import completed
from acsim.experiments.draws import check_draws

__all__ = ["combined_interval", "draw_effects", "total_intervals", "trial_with_draws"]

#: The normal quantile of a 95 % interval (the estimators' intervals are normal-based).
Z = 1.959963984540054


def _is_ratio(metric: str) -> bool:
    return metric.startswith(("hr_", "window_hr_"))


def _run_one(trial: Trial, n: int | None, seed: int | None, allocation: str | None,
             draw: dict[str, float], engine: str | None) -> pd.DataFrame:
    """One draw's effect table (a module-level task for the backends)."""
    from acsim.evidence.uncertainty import apply_draw
    from acsim.spec.scenario import Scenario

    effects = apply_draw(Scenario(), draw).effects
    return run_trial(trial, n=n, seed=seed, allocation=allocation, effects=effects,
                     engine=engine).table[["metric", "arm", "effect"]]


def draw_effects(trial: Trial, draws: int, n: int | None = None, seed: int | None = None,
                 allocation: str | None = None, engine: str | None = None,
                 workers: int = 1) -> pd.DataFrame:
    """The trial's effects under parameter draws ``0 .. draws-1`` of its seed.

    Returns:
        One row per draw, metric and arm: ``draw``, ``metric``, ``arm``, ``effect``.

    """
    from acsim.evidence.uncertainty import default_uncertainty

    check_draws(draws)
    unc = default_uncertainty()
    base_seed = trial.spec.seed if seed is None else seed
    tasks = [(trial, n, seed, allocation, unc.draw(k, base_seed), engine) for k in range(draws)]
    out: dict[int, pd.DataFrame] = {}
    done = completed(_run_one, tasks, workers)
    try:
        for i, table in done:
            out[i] = table.assign(draw=i)
    finally:
        done.close()
    return pd.concat([out[i] for i in sorted(out)], ignore_index=True)[
        ["draw", "metric", "arm", "effect"]]


def combined_interval(effect: float, ci_low: float, ci_high: float, draws: np.ndarray,
                      log: bool = False) -> tuple[float, float, float]:
    """An estimate's 95 % interval widened by its spread over parameter draws.

    The estimator's interval gives the simulation variance (its larger half-width over 1.96,
    squared); the draws' variance the parameters' part; the result is the estimate plus or
    minus 1.96 times the root of their sum, never inside the estimator's interval. With
    ``log`` (a hazard ratio) on the log scale.

    Returns:
        ``(low, high, parameter share)``; NaN with fewer than two finite draws or a
        non-finite estimate or interval.

    """
    d = np.asarray(draws, dtype=float)
    d = d[np.isfinite(d)]
    nan = (math.nan, math.nan, math.nan)
    if len(d) < 2 or not all(map(math.isfinite, (effect, ci_low, ci_high))):
        return nan
    if log and min(effect, ci_low, *d) <= 0:
        return nan
    f = np.log if log else (lambda x: x)
    centre = float(f(effect))
    lo_sim, hi_sim = float(f(ci_low)), float(f(ci_high))
    vs = (max(centre - lo_sim, hi_sim - centre) / Z) ** 2
    vp = float(np.var(f(d), ddof=1))
    half = Z * math.sqrt(vs + vp)
    lo, hi = min(centre - half, lo_sim), max(centre + half, hi_sim)
    share = vp / (vs + vp) if vs + vp > 0 else 0.0
    return (math.exp(lo), math.exp(hi), share) if log else (lo, hi, share)


def total_intervals(table: pd.DataFrame, draws: pd.DataFrame) -> pd.DataFrame:
    """The effect table with ``total_ci_low``, ``total_ci_high``, ``parameter_share``, ``draws``.

    Each effect's :func:`combined_interval` with its values over the draws (on the log scale
    for a hazard ratio).
    """
    out = table.copy()
    rows = []
    for row in out.itertuples():
        d = draws[(draws["metric"] == row.metric) & (draws["arm"] == row.arm)]["effect"]
        rows.append(combined_interval(row.effect, row.ci_low, row.ci_high, d.to_numpy(),
                                      log=_is_ratio(row.metric)))
    out["total_ci_low"] = [r[0] for r in rows]
    out["total_ci_high"] = [r[1] for r in rows]
    out["parameter_share"] = [r[2] for r in rows]
    out["draws"] = draws["draw"].nunique()
    return out


def trial_with_draws(result: TrialResult, draws: int, engine: str | None = None,
                     workers: int = 1) -> TrialResult:
    """The result with the total intervals of :func:`total_intervals` in its table."""
    d = draw_effects(result.trial, draws, n=result.n, seed=result.seed,
                     allocation=result.allocation, engine=engine, workers=workers)
    result.table = total_intervals(result.table, d)
    return result
