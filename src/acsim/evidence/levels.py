"""Calibration of municipal baseline levels to published mean durations.

The municipal ``hazard.level`` absorbs the local labour market: it is set so that the mean
duration of spells completed in a year matches jobindsats' figure for the municipality
(evidence record M01, seed 003 table 5.2), with the policies left as the report describes them.
The fit is a root search on ``log(level)`` with common random numbers: every evaluation uses the
same seed, so the simulated mean is a smooth, decreasing function of the level. The targets are
read from the evidence records (:mod:`acsim.evidence.targets`), the bounds and steps from the
calibration plan's level stages (:mod:`acsim.evidence.plan`). Trials of a city's claims take
its level by reference (``level_of`` in a trial's ``[base.hazard]``), so a fitted level is
written into the city's file only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import optimize

from acsim.evidence.plan import LATENT_RISK, LEVEL, LevelStage
from acsim.evidence.targets import level_target
from acsim.evidence.toml_edit import set_calibrated_value
from acsim.model.engine import JobCentre
from acsim.spec.scenario import Scenario

__all__ = [
    "LevelFit",
    "StockFit",
    "calibrate_level",
    "calibrate_level_and_inflow",
    "fit_latent_risk",
    "fit_level_stage",
    "default_replications",
    "simulated_mean_duration",
    "simulated_stock",
    "write_stock_fit",
    "write_level",
]

#: Weeks simulated before the stock is counted: every band, 12+ months included, is complete
#: once the run is older than the 104-week benefit period.
STOCK_WARMUP = 104.0


def simulated_stock(scenario: Scenario, seed: int, replications: int = 1) -> dict[str, float]:
    """Average stock by elapsed duration over a year, after a warm-up of 104 weeks."""
    from acsim.analysis.outcomes import spell_table, stock_by_elapsed

    sc = scenario.with_changes({"scenario.warmup_weeks": STOCK_WARMUP,
                                "scenario.horizon_weeks": 52.0})
    end = sc.scenario.end_week
    acc: dict[str, float] = {}
    for r in range(replications):
        centre = JobCentre(sc, seed, r)
        centre.run()
        for k, v in stock_by_elapsed(spell_table(centre), end - 52.0, end).items():
            acc[k] = acc.get(k, 0.0) + v / replications
    return acc


#: Inflow-years simulated per evaluation: the mean of ~20,000 a year of spells completed in a
#: year has a standard error of about 0.15 weeks, well inside the 0.5-week tolerance of M01.
INFLOW_YEARS = 20_000.0


def default_replications(scenario: Scenario) -> int:
    """Replications giving about :data:`INFLOW_YEARS` a year of spells (small cities need more)."""
    return max(1, math.ceil(INFLOW_YEARS / max(scenario.population.annual_inflow, 1.0)))


def simulated_mean_duration(scenario: Scenario, seed: int, replications: int = 1) -> float:
    """Mean duration of spells completed in the last 52 weeks of the run, over replications."""
    total, n = 0.0, 0
    for r in range(replications):
        centre = JobCentre(scenario, seed, r)
        centre.run()
        end = centre.end
        for rec in centre.records:
            # (.., entry_week, exit_week, exit_reason, ..): see acsim.model.recorder.SPELL_CORE
            if rec[4] != "censored" and rec[3] >= end - 52.0:
                total += rec[3] - rec[2]
                n += 1
    return total / n if n else math.nan


@dataclass(frozen=True)
class LevelFit:
    """Result of a level calibration."""

    level: float
    target: float
    simulated: float
    evaluations: int
    seed: int
    replications: int

    @property
    def residual(self) -> float:
        """Simulated minus target, in weeks."""
        return self.simulated - self.target


def calibrate_level(
    scenario: Scenario,
    target: float,
    seed: int = 2019,
    replications: int = 1,
    tolerance: float = 0.05,
    bracket: tuple[float, float] = (0.2, 5.0),
    step: float = 0.1,
) -> LevelFit:
    """Find ``hazard.level`` so that the simulated mean completed duration equals ``target``.

    Args:
        scenario: The municipality's scenario (its current level is ignored).
        target: Published mean duration of completed spells, weeks.
        seed: Common seed of every evaluation.
        replications: Replications per evaluation.
        tolerance: Stop when within this many weeks of the target.
        bracket: Levels between which the root is searched.
        step: First secant step on ``log(level)``, away from the current level.

    """
    cache: dict[float, float] = {}

    def f(log_level: float) -> float:
        if log_level not in cache:
            sc = scenario.with_changes({"hazard.level": float(math.exp(log_level))})
            cache[log_level] = simulated_mean_duration(sc, seed, replications) - target
        return cache[log_level]

    lo, hi = math.log(bracket[0]), math.log(bracket[1])
    # Secant steps from the current level first; fall back to Brent within the bracket.
    x0 = math.log(scenario.hazard.level)
    x1 = x0 + (step if f(x0) > 0 else -step)
    x = x1
    for _ in range(6):
        f0, f1 = f(x0), f(x1)
        if abs(f1) <= tolerance:
            x = x1
            break
        if f1 == f0:
            break
        x2 = min(max(x1 - f1 * (x1 - x0) / (f1 - f0), lo), hi)
        x0, x1 = x1, x2
        x = x1
    if abs(f(x)) > tolerance:
        x = optimize.brentq(f, lo, hi, xtol=1e-3)
    best = min(cache, key=lambda k: abs(cache[k]))
    return LevelFit(level=round(float(np.exp(best)), 4), target=target,
                    simulated=cache[best] + target, evaluations=len(cache), seed=seed,
                    replications=replications)


def write_level(path: str | Path, fit: LevelFit) -> None:
    """Write the fitted ``hazard.level`` into a scenario file, with a note of the fit.

    The trials of the city's claims read it from there (``level_of``), so only this file changes.
    """
    note = (f"mean completed duration {fit.simulated:.2f} vs {fit.target} weeks (seed 003 tab. "
            f"5.2); acsim calibrate-levels, seed {fit.seed}, {fit.replications} replication(s)")
    set_calibrated_value(path, "hazard", "level", f"{fit.level}", note)


@dataclass(frozen=True)
class StockFit:
    """Result of the joint fit of level, inflow and heterogeneity to a mean duration and a stock.

    Attributes:
        level: The level fit (M01).
        annual_inflow: Fitted inflow (the stock's size).
        latent_risk: Fitted log hazard ratio per SD of the latent risk (the stock's shape).
        stock_target: Published stock by band.
        stock_simulated: Simulated stock by band at the fitted values.

    """

    level: LevelFit
    annual_inflow: float
    latent_risk: float
    stock_target: dict[str, float]
    stock_simulated: dict[str, float]

    def stock_residuals(self) -> dict[str, float]:
        """Relative residual of each band, simulated / published - 1."""
        return {k: self.stock_simulated[k] / v - 1 for k, v in self.stock_target.items()}

    def report(self) -> list[str]:
        """One line per band (published, simulated, residual), then the fitted values."""
        res = self.stock_residuals()
        lines = [f"  stock {band:<12} published {pub:>6.0f} simulated "
                 f"{self.stock_simulated[band]:>6.0f} ({res[band]:+.1%})"
                 for band, pub in self.stock_target.items()]
        return [*lines, f"  annual inflow {self.annual_inflow:g}, latent_risk {self.latent_risk:g}"]


def _long_to_short(stock: dict[str, float]) -> float:
    bands = list(stock)
    return stock[bands[-1]] / stock[bands[0]]


def fit_latent_risk(
    scenario: Scenario, stock: dict[str, float], seed: int = 2019, replications: int = 1,
    tolerance: float = 0.03, bounds: tuple[float, float] = (-2.0, 0.0), step: float = 0.2,
) -> float:
    """Fit ``hazard.covariates.latent_risk`` to the stock's ratio of its longest to shortest band.

    Unobserved heterogeneity sets the shape of the stock by elapsed duration: the more job
    chances differ, the more of those left at 12 months are the slow ones. The mean completed
    duration hardly moves with it (the level absorbs what does), so it is fitted on its own,
    by secant steps on the log ratio (the first ``step`` away from the current value, within
    ``bounds``), to a relative ``tolerance``.
    """
    target = math.log(_long_to_short(stock))
    cache: dict[float, float] = {}

    def f(beta: float) -> float:
        if beta not in cache:
            sc = scenario.with_changes({"hazard.covariates.latent_risk": beta})
            cache[beta] = math.log(_long_to_short(simulated_stock(sc, seed, replications))) - target
        return cache[beta]

    b0 = scenario.hazard.covariates.latent_risk
    b1 = min(max(b0 + (-step if f(b0) < 0 else step), bounds[0]), bounds[1])
    for _ in range(6):
        f0, f1 = f(b0), f(b1)
        if abs(f1) <= tolerance or f1 == f0:
            break
        b0, b1 = b1, min(max(b1 - f1 * (b1 - b0) / (f1 - f0), bounds[0]), bounds[1])
    return round(min(cache, key=lambda b: abs(cache[b])), 3)


def calibrate_level_and_inflow(
    scenario: Scenario, target: float, stock: dict[str, float], seed: int = 2019,
    replications: int = 1, rounds: int = 2, level_options: dict[str, Any] | None = None,
    latent_options: dict[str, Any] | None = None,
) -> StockFit:
    """Fit the level to the mean duration, and the inflow and heterogeneity to the stock.

    The stock by elapsed duration scales with the inflow, and its shape (long spells against
    short ones) follows the heterogeneity (:func:`fit_latent_risk`), fitted first; then the
    inflow is scaled to the total of the published bands and the level refitted, ``rounds``
    times. ``level_options`` and ``latent_options`` go to :func:`calibrate_level` and
    :func:`fit_latent_risk` (bounds and steps).
    """
    lo = level_options or {}
    sc = scenario
    fit = calibrate_level(sc, target, seed=seed, replications=replications, **lo)
    sc = sc.with_changes({"hazard.level": fit.level})
    beta = fit_latent_risk(sc, stock, seed, replications, **(latent_options or {}))
    sc = sc.with_changes({"hazard.covariates.latent_risk": beta})
    fit = calibrate_level(sc, target, seed=seed, replications=replications, **lo)
    for _ in range(rounds):
        sc = sc.with_changes({"hazard.level": fit.level})
        sim = simulated_stock(sc, seed, replications)
        scale = sum(stock.values()) / sum(sim.values())
        inflow = round(sc.population.annual_inflow * scale, -1)
        sc = sc.with_changes({"population.annual_inflow": inflow})
        fit = calibrate_level(sc, target, seed=seed, replications=replications, **lo)
    sc = sc.with_changes({"hazard.level": fit.level})
    return StockFit(level=fit, annual_inflow=sc.population.annual_inflow, latent_risk=beta,
                    stock_target=stock, stock_simulated=simulated_stock(sc, seed, replications))


def write_stock_fit(path: str | Path, fit: StockFit) -> None:
    """Write the fitted inflow and heterogeneity into a scenario file, with notes of the fit.

    The file needs ``population.annual_inflow`` and ``hazard.covariates.latent_risk`` lines.
    """
    sim = ", ".join(f"{v:.0f}" for v in fit.stock_simulated.values())
    pub = ", ".join(f"{v:.0f}" for v in fit.stock_target.values())
    note = (f"fitted to the 2019 stock by elapsed duration 3-5/6-11/12+ months (seed 000, M03): "
            f"simulated {sim} vs published {pub}")
    set_calibrated_value(path, "population", "annual_inflow", f"{fit.annual_inflow:g}", note)
    set_calibrated_value(path, "hazard.covariates", "latent_risk", f"{fit.latent_risk:g}",
                         f"{note}; the ratio of 12+ to 3-5 months sets it")


def fit_level_stage(
    stage: LevelStage, scenario: Scenario, seed: int = 2019, replications: int | None = None,
    stock: bool | None = None, target: float | None = None,
) -> LevelFit | StockFit:
    """Fit a calibration plan's level stage to the targets of its records.

    Args:
        stage: The city's level stage (bounds and steps of its parameters).
        scenario: The city's scenario.
        seed: Common seed of every evaluation.
        replications: Replications per evaluation (default: :func:`default_replications`).
        stock: Whether to fit the inflow and heterogeneity to the published stock too
            (default: when the stage fits them).
        target: Mean completed duration to fit instead of the published one.

    Raises:
        ValueError: The stock is asked for but the stage does not fit it, or the stage's
            records publish no mean completed duration (or no stock) for the city.

    """
    published = level_target(stage.city, stage.records)
    mean = published.mean_completed_duration if target is None else target
    reps = replications or default_replications(scenario)
    level = stage.parameter(LEVEL)
    level_options = {"bracket": (level.lower, level.upper), "step": level.step}
    if stock is None:
        stock = stage.fits_stock
    if not stock:
        return calibrate_level(scenario, mean, seed=seed, replications=reps, **level_options)
    if not stage.fits_stock or published.stock is None:
        raise ValueError(f"stage {stage.name!r} fits no stock by elapsed duration for "
                         f"{stage.city!r} (records {', '.join(stage.records)})")
    latent = stage.parameter(LATENT_RISK)
    return calibrate_level_and_inflow(
        scenario, mean, published.stock, seed=seed, replications=reps,
        level_options=level_options,
        latent_options={"bounds": (latent.lower, latent.upper), "step": latent.step})
