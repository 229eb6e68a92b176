"""Calibration of municipal baseline levels to published mean durations.

The municipal ``hazard.level`` absorbs the local labour market: it is set so that the mean
duration of spells completed in a year matches jobindsats' figure for the municipality
(seed 003 table 5.2), with the policies left as the report describes them. The fit is a
root search on ``log(level)`` with common random numbers: every evaluation uses the same seed,
so the simulated mean is a smooth, decreasing function of the level.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import optimize

from acsim.model.engine import JobCentre
from acsim.spec.scenario import Scenario

__all__ = [
    "COPENHAGEN_STOCK_2019",
    "MEAN_COMPLETED_DURATION",
    "MUNICIPAL_TRIALS",
    "PUBLISHED_STOCK",
    "LevelFit",
    "StockFit",
    "calibrate_level",
    "calibrate_level_and_inflow",
    "fit_latent_risk",
    "default_replications",
    "simulated_mean_duration",
    "simulated_stock",
    "write_stock_fit",
    "write_level",
]

#: M01: weighted mean duration (weeks) of completed contact courses, academic a-kasser, 2019.
#: Source: seed 003 (003_4466e4a38bcd236b.txt) table 5.2 (jobindsats); TARGETS.md M01.
MEAN_COMPLETED_DURATION = {
    "copenhagen": 24.5,
    "aarhus": 25.0,
    "aalborg": 25.3,
    "odense": 25.9,
    "frederiksberg": 24.0,
}


#: Trials of a municipality's own claims (evidence records M04-M06), run at that municipality's
#: level: :func:`write_level` copies a city's level into them.
MUNICIPAL_TRIALS: dict[str, str] = {"M04": "frederiksberg", "M05": "copenhagen", "M06": "aarhus"}

#: M03: Copenhagen academics by elapsed duration, 2019 (seed 000, "Ad 3"; TARGETS.md M03).
COPENHAGEN_STOCK_2019 = {"3-5 months": 1687.0, "6-11 months": 1665.0, "12+ months": 1220.0}

#: Published stocks by elapsed duration, by city (file stem): the cities whose inflow and
#: heterogeneity are fitted with their level. Only Copenhagen publishes one.
PUBLISHED_STOCK: dict[str, dict[str, float]] = {"copenhagen": COPENHAGEN_STOCK_2019}

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
            # (.., entry_week, exit_week, exit_reason, ..): see engine.SPELL_FIELDS
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
) -> LevelFit:
    """Find ``hazard.level`` so that the simulated mean completed duration equals ``target``.

    Args:
        scenario: The municipality's scenario (its current level is ignored).
        target: Published mean duration of completed spells, weeks.
        seed: Common seed of every evaluation.
        replications: Replications per evaluation.
        tolerance: Stop when within this many weeks of the target.
        bracket: Levels between which the root is searched.

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
    x1 = x0 + (0.1 if f(x0) > 0 else -0.1)
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


def write_toml_value(path: Path, table: str | None, key: str, value: str, note: str) -> None:
    """Set ``key = value`` in a TOML file's ``[table]`` (or top part), with a note above it.

    A previous ``# CALIBRATED`` note directly above the line is replaced; the rest of the file,
    comments included, is kept as it is.
    """
    lines = path.read_text(encoding="utf-8").splitlines()
    current = None
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("["):
            current = stripped.strip("[]").strip()
            continue
        if current == table and re.match(rf"{re.escape(key)}\s*=", stripped):
            j = i
            while j > 0 and lines[j - 1].lstrip().startswith("# CALIBRATED"):
                j -= 1
            lines[j:i + 1] = [f"# CALIBRATED: {note}", f"{key} = {value}"]
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
            return
    raise ValueError(f"{path}: no '{key} = ...' line in [{table}]")


def write_level(path: str | Path, fit: LevelFit) -> None:
    """Write the fitted ``hazard.level`` into a scenario file, with a note of the fit.

    A city file's level (the file named after the city) also goes into the trials of that
    city's claims (:data:`MUNICIPAL_TRIALS`), so that they run at the city's level.
    """
    from acsim.evidence.records import trials_dir

    path = Path(path)
    note = (f"mean completed duration {fit.simulated:.2f} vs {fit.target} weeks (seed 003 tab. "
            f"5.2); acsim calibrate-levels, seed {fit.seed}, {fit.replications} replication(s)")
    write_toml_value(path, "hazard", "level", f"{fit.level}", note)
    city = path.stem.lower()
    for trial in (t for t, c in MUNICIPAL_TRIALS.items() if c == city):
        write_toml_value(trials_dir() / f"{trial}.toml", "base.hazard", "level", f"{fit.level}",
                         f"{city}'s level, copied from scenarios/{city}.toml when it was fitted")


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
    tolerance: float = 0.03, bounds: tuple[float, float] = (-2.0, 0.0),
) -> float:
    """Fit ``hazard.covariates.latent_risk`` to the stock's ratio of its longest to shortest band.

    Unobserved heterogeneity sets the shape of the stock by elapsed duration: the more job
    chances differ, the more of those left at 12 months are the slow ones. The mean completed
    duration hardly moves with it (the level absorbs what does), so it is fitted on its own,
    by secant steps on the log ratio, to a relative ``tolerance``.
    """
    target = math.log(_long_to_short(stock))
    cache: dict[float, float] = {}

    def f(beta: float) -> float:
        if beta not in cache:
            sc = scenario.with_changes({"hazard.covariates.latent_risk": beta})
            cache[beta] = math.log(_long_to_short(simulated_stock(sc, seed, replications))) - target
        return cache[beta]

    b0 = scenario.hazard.covariates.latent_risk
    b1 = min(max(b0 + (-0.2 if f(b0) < 0 else 0.2), bounds[0]), bounds[1])
    for _ in range(6):
        f0, f1 = f(b0), f(b1)
        if abs(f1) <= tolerance or f1 == f0:
            break
        b0, b1 = b1, min(max(b1 - f1 * (b1 - b0) / (f1 - f0), bounds[0]), bounds[1])
    return round(min(cache, key=lambda b: abs(cache[b])), 3)


def calibrate_level_and_inflow(
    scenario: Scenario, target: float, stock: dict[str, float], seed: int = 2019,
    replications: int = 1, rounds: int = 2,
) -> StockFit:
    """Fit the level to the mean duration, and the inflow and heterogeneity to the stock.

    The stock by elapsed duration scales with the inflow, and its shape (long spells against
    short ones) follows the heterogeneity (:func:`fit_latent_risk`), fitted first; then the
    inflow is scaled to the total of the published bands and the level refitted, ``rounds``
    times.
    """
    sc = scenario
    fit = calibrate_level(sc, target, seed=seed, replications=replications)
    sc = sc.with_changes({"hazard.level": fit.level})
    beta = fit_latent_risk(sc, stock, seed, replications)
    sc = sc.with_changes({"hazard.covariates.latent_risk": beta})
    fit = calibrate_level(sc, target, seed=seed, replications=replications)
    for _ in range(rounds):
        sc = sc.with_changes({"hazard.level": fit.level})
        sim = simulated_stock(sc, seed, replications)
        scale = sum(stock.values()) / sum(sim.values())
        inflow = round(sc.population.annual_inflow * scale, -1)
        sc = sc.with_changes({"population.annual_inflow": inflow})
        fit = calibrate_level(sc, target, seed=seed, replications=replications)
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
    write_toml_value(Path(path), "population", "annual_inflow", f"{fit.annual_inflow:g}", note)
    write_toml_value(Path(path), "hazard.covariates", "latent_risk", f"{fit.latent_risk:g}",
                     f"{note}; the ratio of 12+ to 3-5 months sets it")
