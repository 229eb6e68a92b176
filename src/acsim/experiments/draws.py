"""Parameter draws: a result's uncertainty from its effect sizes beside its simulation noise.

``parameter_draws=K`` (``--parameter-draws K``) runs a scenario again under K parameter sets
drawn from the calibration's covariance and the placeholders' priors
(:class:`acsim.evidence.uncertainty.ParameterUncertainty`), each on the same replications and
seeds as the point run: common random numbers, so a draw's result differs from the point run's
by its parameters and not by new noise. Draw ``k`` is the same parameter set in every scenario
of a comparison and depends only on the run's root seed and ``k``.

The tasks (draw, replication) go to the same backends and workers as replications
(:func:`acsim.experiments.backends.completed`). Only metrics are kept of a draw.

:func:`acsim.analysis.intervals.total_interval` turns the point run's replications and the
draws' into the ``total_ci_low`` and ``total_ci_high`` of a summary.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from acsim.exceptions import ScenarioError
from acsim.experiments.backends import completed
from acsim.spec.scenario import Scenario

__all__ = ["MAX_DRAWS", "check_draws", "draw_scenarios", "paired_draws", "run_draws",
           "with_total_intervals"]

#: Upper bound of ``parameter_draws``.
MAX_DRAWS = 200


def check_draws(draws: int) -> None:
    """``parameter_draws`` is 0 (none) or between 2 and :data:`MAX_DRAWS`.

    Raises:
        ScenarioError: It is not (one draw gives no variance).

    """
    if draws != 0 and not 2 <= draws <= MAX_DRAWS:
        raise ScenarioError("--parameter-draws", "", f"must be 0 (none) or between 2 and "
                            f"{MAX_DRAWS}; got {draws}")


def draw_scenarios(scenario: Scenario, draws: int, seed: int) -> list[Scenario]:
    """The scenario under parameter sets ``0 .. draws-1`` of ``seed``."""
    from acsim.evidence.uncertainty import apply_draw, scenario_uncertainty

    unc = scenario_uncertainty(scenario)
    return [apply_draw(scenario, unc.draw(k, seed)) for k in range(draws)]


def draw_replication(scenario: Scenario, root: int, replication: int, engine: str) -> dict:
    """One replication of a drawn scenario: its metrics only (no spells, no record)."""
    from acsim.experiments.run import run_replication

    _, m = run_replication(scenario, root, replication, engine)
    return {k: v for k, v in m.items() if not k.startswith("_")}


def run_draws(
    scenario: Scenario, draws: int, replications: Sequence[int], seed: int, workers: int = 1,
    backend: str = "process", scheduler: str | None = None, engine: str = "simpy",
    progress: bool | None = None,
) -> pd.DataFrame:
    """Run the scenario's replications under each parameter draw.

    Args:
        scenario: The scenario (its own settings are kept; only the shipped effects are drawn).
        draws: Number of parameter sets.
        replications: The replication indices of the point run.
        seed: The root seed (of the point run: common random numbers).
        workers: Processes.
        backend: ``process`` or ``dask``.
        scheduler: A Dask scheduler's address.
        engine: ``simpy``, ``vectorised`` or ``auto``.
        progress: Progress bar (``None``: once it takes over a second).

    Returns:
        One row per draw and replication: ``draw``, ``replication`` and the metrics.

    """
    from tqdm.auto import tqdm

    check_draws(draws)
    if draws == 0:
        return pd.DataFrame(columns=["draw", "replication"])
    scenarios = draw_scenarios(scenario, draws, seed)
    tasks = [(s, seed, r, engine) for s in scenarios for r in replications]
    keys = [(k, r) for k in range(draws) for r in replications]
    rows: dict[int, dict] = {}
    bar = tqdm(total=len(tasks), desc=f"{scenario.name}: parameter draws", unit="run",
               delay=0.0 if progress else 1.0, disable=progress is False, leave=False)
    done = completed(draw_replication, tasks, workers, backend, scheduler)
    try:
        for i, m in done:
            k, r = keys[i]
            rows[i] = {"draw": k, **m, "replication": r}
            bar.update(1)
    finally:
        done.close()
        bar.close()
    return pd.DataFrame([rows[i] for i in sorted(rows)]).reset_index(drop=True)


def with_total_intervals(table: pd.DataFrame, point: pd.DataFrame,
                         draws: pd.DataFrame) -> pd.DataFrame:
    """A summary table with ``total_ci_low``, ``total_ci_high``, ``parameter_share``, ``draws``.

    Args:
        table: A summary (index ``metric``).
        point: The point run's replication metrics.
        draws: The draws' metrics (``draw``, ``replication`` and the metrics).

    """
    from acsim.analysis.intervals import total_interval

    out = table.copy()
    cols = {"total_ci_low": [], "total_ci_high": [], "parameter_share": []}
    for metric in out.index:
        if metric in draws:
            d = draws[["draw", metric]].rename(columns={metric: "value"})
            lo, hi, share = total_interval(point[metric].to_numpy(dtype=float), d)
        else:
            lo = hi = share = float("nan")
        cols["total_ci_low"].append(lo)
        cols["total_ci_high"].append(hi)
        cols["parameter_share"].append(share)
    for k, v in cols.items():
        out[k] = v
    out["draws"] = draws["draw"].nunique()
    return out


def paired_draws(point_a: pd.DataFrame, point_b: pd.DataFrame, draws_a: pd.DataFrame | None,
                 draws_b: pd.DataFrame | None, metric: str) -> tuple[float, float, float]:
    """The total interval of a paired difference ``b - a`` (same replications, same draws)."""
    from acsim.analysis.intervals import total_interval

    nan = (float("nan"),) * 3
    if draws_a is None or draws_b is None or metric not in draws_a or metric not in draws_b:
        return nan
    a = point_a.set_index("replication")[metric]
    b = point_b.set_index("replication")[metric]
    common = a.index.intersection(b.index)
    merged = draws_a[["draw", "replication", metric]].merge(
        draws_b[["draw", "replication", metric]], on=["draw", "replication"])
    d = pd.DataFrame({"draw": merged["draw"],
                      "value": merged[f"{metric}_y"] - merged[f"{metric}_x"]})
    return total_interval((b.loc[common] - a.loc[common]).to_numpy(dtype=float), d)
