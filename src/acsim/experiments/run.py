"""Running a scenario: replications with spawned seeds, results with summaries and plots."""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from acsim.analysis.intervals import summary_table, t_interval
from acsim.analysis.metrics import check_run_metric
from acsim.analysis.outcomes import analysis_window, compact, kaplan_meier, metrics, spell_table
from acsim.analysis.steady import drift_warning, window_drift
from acsim.costs.model import (
    CostSummary,
    cost_summary,
    costed_until,
    note_rates_coverage,
    spell_costs,
)
from acsim.exceptions import ScenarioError, UncalibratedWarning
from acsim.experiments.backends import BACKENDS, completed, default_workers
from acsim.experiments.store import EPISODE_TABLES, ResultStore
from acsim.model.rng import root_entropy
from acsim.model.vectorised import ENGINES, check_supported, run_centre
from acsim.spec.scenario import Scenario

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["RunResult", "default_workers", "run", "run_replication"]


def run_replication(scenario: Scenario, root: int, replication: int,
                    engine: str = "simpy") -> tuple[pd.DataFrame, dict]:
    """Simulate one replication; return its spell table and its per-replication metrics.

    The metrics carry the weekly caseworker series under the key ``"_weekly"`` (a DataFrame
    with week, meetings held, capacity and mean delay) and the record's episode tables under
    ``"_episodes"``, which :func:`run` moves into :attr:`RunResult.weekly` and
    :attr:`RunResult.episodes`. ``engine`` is ``"simpy"``, ``"vectorised"`` or ``"auto"``
    (:func:`acsim.model.vectorised.run_centre`: the same spells either way).
    """
    centre = run_centre(scenario, root, replication, engine, source="--engine")
    spells = spell_table(centre)
    warmup = scenario.scenario.warmup_weeks
    util = centre.calendar.utilisation(int(math.ceil(warmup)), int(centre.end))
    record = centre.record.tables()
    for table in record.values():
        table.insert(0, "replication", replication)
    # The rates note is said once by run(), not once per replication and worker.
    spells = compact(spell_costs(spells, scenario, meetings=record["meetings"],
                                 programmes=record["programmes"], start_week=warmup,
                                 end_week=centre.end, note_rates=False))
    m = metrics(analysis_window(spells, warmup), spells, warmup, centre.end, util,
                record["programmes"])
    costs = cost_summary(spells)
    m["cost_per_year"] = costs.per_year("total")
    m["cost_per_year_state"] = costs.per_year("total", "state")
    m["cost_per_year_municipality"] = costs.per_year("total", "municipality")
    m["cost_per_full_year_person"] = float(costs.table.loc["total", "per_full_year_person"])
    m["benefit_per_full_year_person"] = costs.benefit_per_full_year_person
    m["replication"] = replication
    m["events_per_jobseeker"] = centre.events / max(len(centre.population.inflow), 1)
    n = len(centre.weekly_meetings)
    held = np.asarray(centre.weekly_meetings, dtype=float)
    m["_weekly"] = pd.DataFrame({
        "replication": replication,
        "week": np.arange(n),
        "meetings_held": held,
        "capacity": float(centre.calendar.capacity.sum()),
        "mean_delay_weeks": np.divide(np.asarray(centre.weekly_delay), held,
                                      out=np.full(n, np.nan), where=held > 0),
    })
    m["_episodes"] = {k: compact(record[k]) for k in EPISODE_TABLES}
    return spells, m


@dataclass
class RunResult:
    """The outcome of :func:`run`.

    Attributes:
        scenario: The scenario that was run.
        seed: Root seed.
        spells: One row per spell, every replication.
        replication_metrics: One row of metrics per replication.
        wall_time: Seconds.
        interrupted: True if the run stopped early (completed replications are kept).
        weekly: Meetings held, capacity and mean delay by week and replication.
        episodes: The engine's record beside the spells, every replication: ``meetings``
            held, ``programmes`` episodes and ``jobs`` (:mod:`acsim.model.recorder`).
        draw_metrics: With parameter draws, the metrics of every (``draw``, ``replication``)
            on the point run's seeds (:mod:`acsim.experiments.draws`); else ``None``.

    """

    scenario: Scenario
    seed: int
    spells: pd.DataFrame
    replication_metrics: pd.DataFrame
    wall_time: float
    interrupted: bool = False
    weekly: pd.DataFrame | None = None
    simulated_replications: int = 0
    episodes: dict[str, pd.DataFrame] = field(default_factory=dict)
    draw_metrics: pd.DataFrame | None = None
    _km: object = field(default=None, repr=False)

    @property
    def replications(self) -> int:
        """Completed replications."""
        return len(self.replication_metrics)

    @property
    def summary(self) -> pd.DataFrame:
        """Each metric's mean over replications with its 95 % t-interval.

        One row per metric (index ``metric``; names and definitions in
        :mod:`acsim.analysis.metrics`), columns ``mean``, ``ci_low``, ``ci_high`` and
        ``replications``; a replication where a metric is NaN does not enter its interval.
        With parameter draws, also ``total_ci_low`` and ``total_ci_high`` (simulation noise
        and parameter uncertainty, :func:`~acsim.analysis.intervals.total_interval`),
        ``parameter_share`` (the share of that variance from the parameters) and ``draws``.
        """
        table = summary_table(self.replication_metrics.drop(columns=["replication"]))
        if self.draw_metrics is None:
            return table
        from acsim.experiments.draws import with_total_intervals

        return with_total_intervals(table, self.replication_metrics, self.draw_metrics)

    def cost_summary(self) -> CostSummary:
        """Costs per year, per spell and per full-year person, by category and payer."""
        sc = self.scenario.scenario
        return cost_summary(self.spells, start_week=sc.warmup_weeks, end_week=sc.end_week)

    def analysed_spells(self) -> pd.DataFrame:
        """The spells in the analysis window (:func:`acsim.analysis.outcomes.analysis_window`)."""
        return analysis_window(self.spells, self.scenario.scenario.warmup_weeks)

    def survival(self):
        """Kaplan-Meier fit (lifelines) of staying unemployed over all replications."""
        if self.spells.empty and self.replications:
            raise ValueError("this run kept no spells (keep_spells=False): read them from its "
                             "result store to fit survival curves")
        if self._km is None:
            self._km = kaplan_meier(self.analysed_spells(), label=self.scenario.name)
        return self._km

    def survival_table(self) -> pd.DataFrame:
        """Survival with its 95 % confidence band and numbers at risk, by week."""
        kmf = self.survival()
        weeks = np.arange(0, 105)
        sf = kmf.survival_function_at_times(weeks).to_numpy()
        ci = kmf.confidence_interval_survival_function_
        lo = np.interp(weeks, ci.index.to_numpy(), ci.iloc[:, 0].to_numpy())
        hi = np.interp(weeks, ci.index.to_numpy(), ci.iloc[:, 1].to_numpy())
        table = kmf.event_table
        at_risk = np.array([table.loc[table.index >= w, "at_risk"].iloc[0]
                            if (table.index >= w).any() else 0 for w in weeks])
        return pd.DataFrame({"week": weeks, "survival": sf, "ci_low": lo, "ci_high": hi,
                             "at_risk": at_risk})

    def steady_state(self) -> pd.DataFrame:
        """Drift of the stock and the utilisation over the reporting window.

        One row per series with its mean, its relative drift (the rise of a least-squares
        line over the window, relative to the mean) and the drift's 95 % interval over
        replications (:func:`acsim.analysis.steady.window_drift`). A steady state drifts by
        at most :data:`~acsim.analysis.steady.DRIFT_THRESHOLD`.
        """
        sc = self.scenario.scenario
        return window_drift(self.spells, self.weekly, sc.warmup_weeks, sc.end_week)

    def plot_survival(self, ax: Axes | None = None, at_risk: bool = True) -> Axes:
        """Plot the survival curve with its confidence band (and numbers at risk)."""
        from acsim.analysis.plotting import plot_survival

        return plot_survival([self], ax=ax, at_risk=at_risk)


def _replications(
    scenario: Scenario, root: int, indices: list[int], workers: int,
    backend: str = "process", scheduler: str | None = None, engine: str = "simpy",
) -> Iterator[tuple[int, pd.DataFrame, dict]]:
    """Yield ``(index, spells, metrics)`` as replications complete (any order).

    Every backend (:mod:`acsim.experiments.backends`) runs the same function on the same
    ``(seed, replication)``, so results are identical. Closing this generator early stops the
    backend's work at once (pending replications are cancelled, running ones terminated).
    """
    tasks = [(scenario, root, r, engine) for r in indices]
    done = completed(run_replication, tasks, workers, backend, scheduler)
    try:
        for i, (spells, m) in done:
            yield indices[i], spells, m
    finally:
        done.close()


def _precise(rows: list[dict], metric: str, precision: float) -> bool:
    """Whether the 95 % interval of ``metric`` is narrower than ``precision`` of its mean."""
    v = np.array([r[metric] for r in rows], dtype=float)
    if np.count_nonzero(~np.isnan(v)) < 3:
        return False
    mean, lo, hi = t_interval(v)
    return bool(hi - lo <= precision * abs(mean))


def run(
    scenario: Scenario,
    replications: int = 1,
    seed: int | None = None,
    progress: bool | None = None,
    on_replication: Callable[[int, pd.DataFrame, dict], None] | None = None,
    workers: int | None = None,
    store: ResultStore | str | Path | None = None,
    use_cache: bool = True,
    precision: float | None = None,
    metric: str = "rmst_104",
    max_replications: int = 200,
    backend: str = "process",
    scheduler: str | None = None,
    keep_spells: bool = True,
    engine: str = "simpy",
    parameter_draws: int = 0,
) -> RunResult:
    """Run a scenario.

    A KeyboardInterrupt (Ctrl-C) stops the run at once: replications not yet started are
    cancelled and running ones terminated, the completed ones are kept (each was written to
    ``store`` as it completed) and the result has ``interrupted`` set. With none completed the
    KeyboardInterrupt propagates.

    Args:
        scenario: The scenario.
        replications: Number of replications (with ``precision``: the minimum); replication
            ``r`` uses streams spawned from ``(seed, r)``, so results do not depend on how
            replications are scheduled.
        seed: Root seed (``None``: fresh entropy, recorded in the result).
        progress: Show a progress bar on stderr (``None``: only once a run takes over a second).
        on_replication: Called with ``(index, spells, metrics)`` as each replication completes;
            a KeyboardInterrupt keeps the completed replications.
        workers: Worker processes (``None``: all cores). Results are bit-identical for any
            number of workers: every stream derives from ``(seed, replication)``.
        store: A :class:`~acsim.experiments.store.ResultStore` (or its directory): each completed
            replication is written to it atomically, and replications already there are read
            instead of simulated (unless ``use_cache`` is false), so an interrupted run resumes.
        use_cache: Serve replications found in ``store``.
        precision: Keep adding replications until the 95 % interval of ``metric`` is narrower
            than this fraction of its mean (at most ``max_replications``).
        metric: The metric ``precision`` applies to.
        max_replications: Upper bound with ``precision``.
        backend: ``"process"`` (local process pool) or ``"dask"`` (Dask distributed).
        scheduler: Address of an existing Dask scheduler, e.g. ``"tcp://10.0.0.5:8786"``;
            with ``backend="dask"`` and no scheduler a local cluster is started.
        keep_spells: Keep every spell in memory. With ``False`` each replication's spells are
            dropped once its metrics are taken (and written to ``store``, if given): summaries
            and costs per replication stay available in constant memory.
        engine: ``"simpy"`` (the reference), ``"vectorised"`` (exact where capacity cannot
            bind; refuses what it cannot run, naming the key) or ``"auto"`` (vectorised where
            it can, else SimPy): :mod:`acsim.model.vectorised`.
        parameter_draws: After the replications, run them again under this many parameter
            sets drawn from the calibration's covariance and the placeholders' priors, on the
            same seeds (:mod:`acsim.experiments.draws`): the summary gains total intervals.
            0 (the default): none; else 2 to :data:`~acsim.experiments.draws.MAX_DRAWS`.

    Returns:
        The result, with spells, per-replication metrics and summaries.

    """
    from tqdm.auto import tqdm

    if replications < 1:
        raise ValueError("replications must be at least 1")
    if backend not in BACKENDS:
        raise ScenarioError("--backend", "", f"expected one of {list(BACKENDS)}, got {backend!r}")
    if precision is not None and not precision > 0:
        raise ValueError("precision must be a positive fraction, e.g. 0.02")
    if precision is not None:
        check_run_metric(metric)  # before any simulation, not after it
    if engine not in ENGINES:
        raise ScenarioError("--engine", "", f"expected one of {list(ENGINES)}, got {engine!r}")
    if engine == "vectorised":
        check_supported(scenario, source="--engine")  # before any simulation
    from acsim.experiments.draws import check_draws, run_draws

    check_draws(parameter_draws)
    root = root_entropy(seed)
    if isinstance(store, (str, Path)):
        store = ResultStore(store)
    if not scenario.effects.calibrated:
        warnings.warn(
            "effect sizes are uncalibrated placeholders; treat effects as illustrative",
            UncalibratedWarning,
            stacklevel=2,
        )
    sc = scenario.scenario
    t0 = time.perf_counter()
    n_workers = default_workers() if workers is None else max(1, int(workers))
    cached = set(store.completed(scenario, root)) if store is not None and use_cache else set()
    frames: dict[int, pd.DataFrame] = {}
    rows: dict[int, dict] = {}
    weeklies: dict[int, pd.DataFrame | None] = {}
    episodes: dict[int, dict[str, pd.DataFrame]] = {}
    costed: list[date] = []  # when each replication's last costed week ends
    simulated = 0
    interrupted = False
    total = replications if precision is None else max_replications
    bar = tqdm(
        total=total, desc=scenario.name, unit="rep", delay=0.0 if progress else 1.0,
        disable=progress is False, leave=False,
    )

    def take(r: int, spells: pd.DataFrame, m: dict, weekly: pd.DataFrame | None,
             eps: dict[str, pd.DataFrame] | None = None) -> None:
        frames[r], rows[r], weeklies[r] = (spells if keep_spells else spells.iloc[:0]), m, weekly
        until = costed_until(spells, scenario, sc.warmup_weeks, sc.end_week)
        if until is not None:
            costed.append(until)
        if keep_spells and eps:
            episodes[r] = eps
        if on_replication is not None:
            on_replication(r, spells, m)
        bar.update(1)

    target = replications
    try:
        while True:
            batch = [r for r in range(target) if r not in rows]
            for r in [r for r in batch if r in cached]:
                take(r, *store.load(scenario, root, r))  # type: ignore[union-attr]
            todo = [r for r in batch if r not in cached]
            reps = _replications(scenario, root, todo, n_workers, backend, scheduler, engine)
            try:
                for r, spells, m in reps:
                    weekly = m.pop("_weekly", None)
                    eps = m.pop("_episodes", None)
                    if store is not None:  # as each completes: an interruption keeps it
                        store.save(scenario, root, r, spells, m, weekly, eps)
                    simulated += 1
                    take(r, spells, m, weekly, eps)
            finally:  # on an interruption: stop the workers now, not after their replications
                reps.close()
            if precision is None or target >= max_replications:
                break
            if _precise(list(rows.values()), metric, precision):
                break
            target = min(max_replications, target + max(n_workers, 2))
    except KeyboardInterrupt:
        interrupted = True
        if not rows:
            raise
    finally:
        bar.close()
    # Only when a costed week really lies after the rates' coverage, once per process.
    note_rates_coverage(max(costed, default=None), stacklevel=2)
    order = sorted(rows)
    weekly_frames = [weeklies[r] for r in order if weeklies[r] is not None]
    result = RunResult(
        scenario=scenario,
        seed=root,
        spells=compact(pd.concat([frames[r] for r in order], ignore_index=True)),
        replication_metrics=pd.DataFrame([rows[r] for r in order]).reset_index(drop=True),
        wall_time=time.perf_counter() - t0,
        interrupted=interrupted,
        weekly=pd.concat(weekly_frames, ignore_index=True) if weekly_frames else None,
        simulated_replications=simulated,
        episodes={k: compact(pd.concat([episodes[r][k] for r in order if r in episodes],
                                       ignore_index=True))
                  for k in EPISODE_TABLES if any(r in episodes for r in order)},
    )
    if parameter_draws and not interrupted:
        try:
            result.draw_metrics = run_draws(scenario, parameter_draws, order, root, n_workers,
                                            backend, scheduler, engine, progress)
        except KeyboardInterrupt:  # the point run is kept; its draws are not complete
            result.interrupted = interrupted = True
        result.wall_time = time.perf_counter() - t0
    if store is not None:
        store.write_manifest(scenario, root, replications=len(order), workers=n_workers,
                             backend=backend if backend == "dask" or n_workers > 1
                             else "serial", scheduler=scheduler,
                             wall_time_seconds=round(result.wall_time, 3),
                             interrupted=interrupted)
    if not result.spells.empty:  # say so when the window is not in a steady state
        sc = scenario.scenario
        drift_warning(scenario.name, result.steady_state(), result.spells, sc.warmup_weeks,
                      sc.end_week, stacklevel=2)
    return result
