"""Validation: every evidence record's checks simulated and compared with their tolerances.

A check is simulated by its kind:

- ``trial``: the trial file is run with every jobseeker under every arm (``crossed``: the
  model's effect on the same people, with common random numbers, rather than one noisy draw
  of a study-sized sample), and the effect of ``arm`` on ``metric`` against the control is
  read off (minus that of ``than_arm`` for an ordering check);
- ``municipal``: the city's scenario is run and its mean completed duration (M01), stock by
  elapsed duration (M03) or stock at the end of the run (M02 ordering) computed;
- ``accounting``: the cost model's reading of a published business case (M07), from the
  inputs in the record;
- ``parameter``: a qualitative claim checked on the calibrated parameter (T13).

Each kind is an entry of :data:`SOURCES` (its label and how it is simulated). A check passes
when the simulated value lies within ``(tolerance_low, tolerance_high)``, as its comparison
says (:mod:`acsim.evidence.checks`).

**Seeds.** :func:`validate` runs every check at the files' seeds and at ``seeds`` other fixed
seeds (:func:`seed_offsets`): seed set ``k`` runs each trial at its file's seed plus
``1000 k`` (or ``--seed`` plus ``1000 k``) and the city runs at 7 plus ``1000 k``. :data:`RULE`:
a check passes only if it holds at every seed set.

**Roles** (:mod:`acsim.evidence.roles`): every row carries its record's role, ``fitted``,
``check`` or ``claim``. A claim is assessed, never passed or failed: its ``passed`` and
``seeds_passed`` are empty, and ``break_even`` gives the effect its business case would need
(:mod:`acsim.evidence.claims`).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from acsim.analysis.metrics import metric_unit
from acsim.data import SCENARIOS_DIR
from acsim.evidence.checks import check_passes
from acsim.evidence.records import (
    BusinessCaseInputs,
    Check,
    EvidenceRecord,
    load_evidence,
    record,
    trials_dir,
)
from acsim.evidence.targets import STOCK_BANDS
from acsim.exceptions import ScenarioWarning, UncalibratedWarning
from acsim.experiments.backends import map_ordered
from acsim.spec import paths
from acsim.spec.scenario import Effects, Scenario, default_effects, load_scenario

__all__ = [
    "RULE",
    "SEED_STEP",
    "SOURCES",
    "VALIDATION_COLUMNS",
    "CheckResult",
    "Source",
    "business_case_figures",
    "city_statistics",
    "claim_totals",
    "evaluate_checks",
    "odense_business_case",
    "parameter_value",
    "seed_offsets",
    "table_rows",
    "validate",
]

#: The engine the trials of validation and calibration run on: the vectorised engine for an
#: arm it accepts (the same spells as SimPy's, tested on every shipped trial; docs/engines.md),
#: SimPy for the others.
TRIAL_ENGINE = "auto"
#: Columns of ``validation.csv``.
VALIDATION_COLUMNS = ["id", "role", "metric", "unit", "published", "simulated", "ci_low",
                      "ci_high", "seed_min", "seed_max", "interval_low", "interval_high",
                      "tolerance_low", "tolerance_high", "seeds", "seeds_passed", "passed",
                      "break_even", "participant_share", "total_ci_low", "total_ci_high",
                      "used_by"]
#: The step between the seeds of successive seed sets (seed set k: the file's seed + k * step).
SEED_STEP = 1000
#: The pass rule, stated once in the output and the docs.
RULE = ("a check passes only if it holds at every seed set (the files' seeds, and each file's "
        f"seed + {SEED_STEP} k for k = 1..N; the city runs at 7 + {SEED_STEP} k)")


def seed_offsets(seeds: int) -> tuple[int, ...]:
    """The seed offsets of the files' seeds and ``seeds`` other seed sets: 0, 1000, 2000, ..."""
    if seeds < 0:
        raise ValueError(f"seeds must be >= 0, got {seeds}")
    return tuple(SEED_STEP * k for k in range(seeds + 1))


@dataclass(frozen=True)
class CheckResult:
    """A check's simulated value with its 95 % interval."""

    simulated: float
    ci_low: float
    ci_high: float


def _trial_label(check: Check) -> str:
    arm = f"{check.arm} - {check.than_arm}" if check.than_arm else check.arm
    return f"{check.trial}/{arm}: {check.metric}"


def _municipal_label(check: Check) -> str:
    where = check.scenario
    if check.than_scenario:
        where = f"{check.scenario} - {check.than_scenario}"
    return f"{where}: {check.metric}"


def _kind_label(check: Check) -> str:
    return f"{check.kind}: {check.metric}"


def _trial_unit(check: Check) -> str:
    return metric_unit(check.metric, "trial")


def _municipal_unit(check: Check) -> str:
    return metric_unit(check.metric, "municipal")




def check_label(check: Check) -> str:
    """Readable name of what a check measures (the ``metric`` column of validation.csv)."""
    return SOURCES[check.kind].label(check)


def parameter_value(effects: Effects, path: str) -> float:
    """A numeric effect parameter by key path (:func:`acsim.spec.paths.value_at`).

    Paths look like ``caseworkers.effectiveness_sd``, ``meetings.lift_hr[female+under30]`` (a
    group value; the default where the group has none) or ``caseworkers.similarity_hr[2]``.
    """
    return paths.value_at(effects, path)


# -- trial checks -------------------------------------------------------------------------------
TrialJob = tuple[str, float, "int | None", Effects, tuple[str, ...], tuple[str, ...]]


def run_trial_job(job: TrialJob, seed_offset: int = 0) -> pd.DataFrame:
    """Run one trial file crossed, for the given metrics and arms; returns its effect table.

    The seed is ``job``'s (``None``: the file's) plus ``seed_offset``.
    """
    from acsim.evidence.trials import load_trial, run_trial

    path, scale, seed, effects, metrics, arms = job
    trial = load_trial(path)
    if seed_offset:
        seed = (trial.spec.seed if seed is None else seed) + seed_offset
    n = max(2, round(trial.spec.n * scale))
    with warnings.catch_warnings():  # the caller says once whether the effects are calibrated
        warnings.simplefilter("ignore", UncalibratedWarning)
        warnings.filterwarnings("ignore", message='engine = "auto"', category=ScenarioWarning)
        return run_trial(trial, n=n, seed=seed, allocation="crossed", effects=effects,
                         metrics=metrics, arms=arms, engine=TRIAL_ENGINE).table


def _trial_values(checks: list[Check], effects: Effects, scale: float, seed: int | None,
                  workers: int, progress: str | None = None,
                  seed_offset: int = 0) -> dict[int, CheckResult]:
    by_trial: dict[str, tuple[set[str], set[str]]] = {}
    for c in checks:
        metrics, arms = by_trial.setdefault(c.trial, (set(), set()))
        metrics.add(c.metric)
        arms.update(a for a in (c.arm, c.than_arm) if a)
    names = sorted(by_trial)
    jobs = [(str(trials_dir() / f"{t}.toml"), scale, seed, effects,
             tuple(sorted(by_trial[t][0])), tuple(sorted(by_trial[t][1]))) for t in names]
    tables = dict(zip(names, map_ordered(run_trial_job, [(j, seed_offset) for j in jobs],
                                         workers, progress=progress), strict=True))
    out = {}
    for c in checks:
        table = tables[c.trial]

        def row(arm: str, c: Check = c, table: pd.DataFrame = table) -> pd.Series:
            hit = table[(table["metric"] == c.metric) & (table["arm"] == arm)]
            if hit.empty:
                raise KeyError(f"trial {c.trial} has no arm {arm!r} with metric {c.metric!r}")
            return hit.iloc[0]

        r = row(c.arm)
        if c.than_arm:
            o = row(c.than_arm)
            half = math.hypot(r.ci_high - r.effect, o.ci_high - o.effect)
            value = r.effect - o.effect
            out[id(c)] = CheckResult(value, value - half, value + half)
        else:
            out[id(c)] = CheckResult(r.effect, r.ci_low, r.ci_high)
    return out


# -- municipal checks ---------------------------------------------------------------------------
def city_statistics(scenario: Scenario, seed: int, replications: int) -> dict[str, float]:
    """Mean duration of spells completed in the run's last 52 weeks, and the stock at its end.

    The stock at the end is the number of spells still open (censored) when the run ends,
    averaged over replications.
    """
    from acsim.model.engine import JobCentre

    total, n, stock = 0.0, 0, 0
    for r in range(replications):
        centre = JobCentre(scenario, seed, r)
        centre.run()
        end = centre.end
        for rec in centre.records:  # (.., entry_week, exit_week, exit_reason, ..)
            if rec[4] == "censored":
                stock += 1
            elif rec[3] >= end - 52.0:
                total += rec[3] - rec[2]
                n += 1
    return {"mean_completed_duration": total / n if n else math.nan,
            "stock_total": stock / replications}


def _city_job(job: tuple[str, Effects, int, bool]) -> dict[str, float]:
    from acsim.evidence.levels import default_replications, simulated_stock

    city, effects, seed, bands = job
    sc = load_scenario(SCENARIOS_DIR / f"{city}.toml")
    if effects is not None:
        sc = sc.model_copy(update={"effects": effects})
    stats = city_statistics(sc, seed, default_replications(sc))
    if bands:
        stock = simulated_stock(sc, seed, replications=1)
        stats.update({metric: stock[band] for metric, band in STOCK_BANDS.items()})
    return stats


def _municipal_values(checks: list[Check], effects: Effects, seed: int,
                      workers: int, progress: str | None = None) -> dict[int, CheckResult]:
    cities: dict[str, bool] = {}
    for c in checks:
        for city in (c.scenario, c.than_scenario):
            if city:
                cities[city] = cities.get(city, False) or c.metric in STOCK_BANDS
    names = sorted(cities)
    jobs = [(city, effects, seed, cities[city]) for city in names]
    stats = dict(zip(names, map_ordered(_city_job, [(j,) for j in jobs], workers,
                                        progress=progress), strict=True))
    out = {}
    for c in checks:
        v = stats[c.scenario][c.metric]
        if c.than_scenario:
            v -= stats[c.than_scenario][c.metric]
        out[id(c)] = CheckResult(v, math.nan, math.nan)
    return out


def business_case_figures(inputs: BusinessCaseInputs) -> dict[str, float]:
    """The yearly savings and net gain (million DKK) the cost model computes from the inputs.

    The saving is ``full_year_persons_saved_per_year`` at the benefit rate of a full year, of
    which the municipality pays ``municipal_share``, against the investment spread over its
    years.
    """
    from acsim.costs.business import business_case
    from acsim.costs.rates import default_rates

    rates = default_rates()
    year = 52 * rates.value("dagpenge_max_week", inputs.rates_on)
    benefit = {"graduate": rates.value("graduate_rate_share", inputs.rates_on) * year}
    bc = business_case(
        extra_spending_per_year=inputs.investment_dkk / inputs.investment_years,
        full_year_persons_saved_per_year=inputs.full_year_persons_saved_per_year,
        benefit_per_full_year_person=benefit[inputs.benefit],
        municipal_share=inputs.municipal_share, horizon_years=inputs.investment_years)
    return {"savings_mdkk": bc.savings_municipality_per_year / 1e6,
            "net_mdkk": bc.net_municipality_per_year / 1e6}


def odense_business_case() -> dict[str, float]:
    """M07 as the cost model reads it, from the record's published inputs.

    See ``[records.business_case]`` of M07 in acsim/data/evidence.toml for the inputs and their
    reading, and tests/test_costs.py for the readings rejected. Values in million DKK a year.
    """
    inputs = record("M07").business_case
    assert inputs is not None  # the record validates it: M07 has accounting checks
    return {f"odense_{k}": v for k, v in business_case_figures(inputs).items()}


# -- the registry of check kinds ----------------------------------------------------------------
@dataclass(frozen=True)
class _Context:
    """What every kind of check is simulated with."""

    effects: Effects
    scale: float
    seed: int | None
    municipal_seed: int
    workers: int
    progress: bool = False
    seed_offset: int = 0

    def bar(self, what: str) -> str | None:
        """The progress label of one kind's runs, or None without progress."""
        if not self.progress:
            return None
        return f"validate: {what}" + (f" (seeds +{self.seed_offset})" if self.seed_offset
                                      else "")


def _eval_trials(checks: list[Check], ctx: _Context) -> dict[int, CheckResult]:
    return _trial_values(checks, ctx.effects, ctx.scale, ctx.seed, ctx.workers,
                         ctx.bar("trials"), ctx.seed_offset)


def _eval_municipal(checks: list[Check], ctx: _Context) -> dict[int, CheckResult]:
    return _municipal_values(checks, ctx.effects, ctx.municipal_seed + ctx.seed_offset,
                             ctx.workers, ctx.bar("city runs"))


def _eval_accounting(checks: list[Check], ctx: _Context) -> dict[int, CheckResult]:
    values = odense_business_case()
    return {id(c): CheckResult(values[c.metric], math.nan, math.nan) for c in checks}


def _eval_parameters(checks: list[Check], ctx: _Context) -> dict[int, CheckResult]:
    return {id(c): CheckResult(parameter_value(ctx.effects, c.metric), math.nan, math.nan)
            for c in checks}


@dataclass(frozen=True)
class Source:
    """How one kind of check (:attr:`Check.kind`) is named and simulated.

    Attributes:
        label: The check's name in validation.csv.
        unit: The unit of its published and simulated values (validation.csv's ``unit``).
        evaluate: Simulates all checks of the kind at once; results keyed by ``id(check)``.

    """

    label: Callable[[Check], str]
    unit: Callable[[Check], str]
    evaluate: Callable[[list[Check], _Context], dict[int, CheckResult]]


#: The kinds of check, keyed on :attr:`Check.kind`.
SOURCES: dict[str, Source] = {
    "trial": Source(_trial_label, _trial_unit, _eval_trials),
    "municipal": Source(_municipal_label, _municipal_unit, _eval_municipal),
    "accounting": Source(_kind_label, lambda c: "million DKK a year", _eval_accounting),
    "parameter": Source(_kind_label, lambda c: "the parameter's (effects.toml)",
                        _eval_parameters),
}


# -- all checks ---------------------------------------------------------------------------------
def evaluate_checks(
    checks: Iterable[Check],
    effects: Effects | None = None,
    scale: float = 1.0,
    seed: int | None = None,
    municipal_seed: int = 7,
    workers: int = 1,
    progress: bool = False,
    seed_offset: int = 0,
) -> dict[int, CheckResult]:
    """Simulate checks; returns results keyed by ``id(check)``.

    Args:
        checks: The checks.
        effects: Effect sizes (default: the calibrated ones).
        scale: Fraction of each trial file's size to simulate.
        seed: Trial seed (default: each trial file's).
        municipal_seed: Seed of the municipal runs (the levels were fitted on 2019).
        workers: Processes for the trials and city runs.
        progress: Show progress bars of the trials and city runs on stderr.
        seed_offset: Added to every trial's seed (its file's, or ``seed``) and to
            ``municipal_seed`` (:func:`seed_offsets`).

    """
    effects = effects or default_effects()
    context = _Context(effects, scale, seed, municipal_seed, workers, progress, seed_offset)
    by_kind: dict[str, list[Check]] = {}
    for c in checks:
        by_kind.setdefault(c.kind, []).append(c)
    out: dict[int, CheckResult] = {}
    for kind, group in by_kind.items():
        out.update(SOURCES[kind].evaluate(group, context))
    return out


def _envelope(values: list[float], low: bool) -> float:
    finite = [v for v in values if not math.isnan(v)]
    if not finite:
        return math.nan
    return min(finite) if low else max(finite)


def table_rows(
    pairs: list[tuple[EvidenceRecord, Check]],
    per_seed: list[dict[int, CheckResult]],
    roles: dict[str, str] | None = None,
    used: dict[tuple, list[str]] | None = None,
    shares: dict[int, float] | None = None,
    totals: dict[int, tuple[float, float]] | None = None,
) -> pd.DataFrame:
    """The validation table from each seed set's results (:data:`VALIDATION_COLUMNS`).

    ``simulated``, ``ci_low`` and ``ci_high`` are the first seed set's (the files' seeds);
    ``seed_min`` and ``seed_max`` the range of the simulated value over the seed sets;
    ``interval_low`` and ``interval_high`` the envelope of their 95 % intervals. A check or
    fitted row passes only if it passes at every seed set (:data:`RULE`); a claim row has no
    ``passed``, a ``break_even`` where its business case gives one and a
    ``participant_share`` where it is measured.

    Args:
        pairs: ``(record, check)`` in table order.
        per_seed: Results keyed by ``id(check)``, one mapping per seed set, the files' first.
        roles: Record id -> role (default: :func:`acsim.evidence.roles.record_roles`).
        used: Quantity -> stages fitting it (default: :func:`acsim.evidence.roles.used_by`).
        shares: ``id(check)`` -> a claim's participant share
            (:func:`acsim.evidence.claims.participant_share`; NaN where not given).
        totals: ``id(check)`` -> a claim's 95 % interval with parameter uncertainty at the
            files' seeds (``validate(parameter_draws=K)``; NaN where not given).

    """
    from acsim.evidence.claims import break_even
    from acsim.evidence.roles import quantity, record_roles, used_by

    records = list({r.id: r for r, _ in pairs}.values())
    roles = roles if roles is not None else record_roles(records)
    used = used if used is not None else used_by(records)
    rows = []
    for r, c in pairs:
        results = [p[id(c)] for p in per_seed]
        values = [res.simulated for res in results]
        first = results[0]
        role = roles[r.id]
        ok = [check_passes(c, v) for v in values]
        claim = role == "claim"
        rows.append({
            "id": r.id, "role": role, "metric": check_label(c), "unit": SOURCES[c.kind].unit(c),
            "published": c.published if c.published is not None else math.nan,
            "simulated": first.simulated, "ci_low": first.ci_low, "ci_high": first.ci_high,
            "seed_min": _envelope(values, True), "seed_max": _envelope(values, False),
            "interval_low": _envelope([x.ci_low for x in results], True),
            "interval_high": _envelope([x.ci_high for x in results], False),
            "tolerance_low": c.tolerance_low, "tolerance_high": c.tolerance_high,
            "seeds": len(results), "seeds_passed": None if claim else sum(ok),
            "passed": None if claim else all(ok),
            "break_even": break_even(r, c) if claim else math.nan,
            "participant_share": (shares or {}).get(id(c), math.nan),
            "total_ci_low": (totals or {}).get(id(c), (math.nan, math.nan))[0],
            "total_ci_high": (totals or {}).get(id(c), (math.nan, math.nan))[1],
            "used_by": "; ".join(used.get(quantity(c), [])),
        })
    table = pd.DataFrame(rows, columns=VALIDATION_COLUMNS)
    return table.astype({"seeds_passed": "Int64", "passed": "boolean"})


def validate(
    records: Iterable[EvidenceRecord] | None = None,
    effects: Effects | None = None,
    scale: float = 1.0,
    seed: int | None = None,
    municipal: bool = True,
    workers: int = 1,
    progress: bool = False,
    seeds: int = 0,
    parameter_draws: int = 0,
) -> pd.DataFrame:
    """Run every check of every record at each seed set; one row per check.

    Args:
        records: Evidence records (default: all of acsim's).
        effects: Effect sizes (default: the calibrated ones).
        scale: Fraction of each trial's size to simulate (smaller for quick CI runs).
        seed: Trial seed of the first seed set (default: each trial file's own).
        municipal: Whether to run the municipal checks (full city runs: minutes).
        workers: Processes.
        progress: Show progress bars (trials, then city runs, per seed set) on stderr.
        seeds: Seed sets beyond the files' seeds (:func:`seed_offsets`); a check passes only
            if it holds at every one (:data:`RULE`).
        parameter_draws: Run the claims' trials again under this many parameter sets at the
            files' seeds: their rows gain ``total_ci_low`` and ``total_ci_high``, the effect
            the evidence implies with parameter uncertainty (:func:`claim_totals`).

    Returns:
        The table of :func:`table_rows`.

    """
    from acsim.evidence.claims import break_even, participant_share
    from acsim.evidence.roles import record_roles, used_by

    records = list(records) if records is not None else list(load_evidence())
    if not (effects or default_effects()).calibrated:
        warnings.warn("effect sizes are uncalibrated placeholders; run `acsim calibrate`",
                      UncalibratedWarning, stacklevel=2)
    pairs = [(r, c) for r in records for c in r.checks if municipal or c.kind != "municipal"]
    checks = [c for _, c in pairs]
    # everything but the seed sets first: an input that fails, fails before the long runs
    offsets = seed_offsets(seeds)
    roles = record_roles(records)
    used = used_by(records)
    for r, c in pairs:
        if roles[r.id] == "claim":
            break_even(r, c)  # reads the decision scenarios and rates now (then cached)
    shares = {id(c): participant_share(c, scale, seed, effects) for r, c in pairs
              if roles[r.id] == "claim"}
    per_seed = [evaluate_checks(checks, effects, scale, seed, workers=workers,
                                progress=progress, seed_offset=offset)
                for offset in offsets]
    claims = [c for r, c in pairs if roles[r.id] == "claim" and c.kind == "trial"]
    totals = (claim_totals(claims, per_seed[0], parameter_draws, effects, scale, seed,
                           workers) if parameter_draws and claims else None)
    return table_rows(pairs, per_seed, roles, used, shares, totals)


def claim_totals(checks: list[Check], point: dict[int, CheckResult], draws: int,
                 effects: Effects | None, scale: float, seed: int | None,
                 workers: int = 1) -> dict[int, tuple[float, float]]:
    """The claims' trial effects with parameter uncertainty, at the files' seeds.

    Each check is evaluated again under ``draws`` parameter sets
    (:class:`acsim.evidence.uncertainty.ParameterUncertainty`, drawn from seed 0: the same
    sets for every claim); its interval at the files' seeds is widened by the spread over the
    draws (:func:`acsim.evidence.trial_draws.combined_interval`).

    Returns:
        ``id(check)`` -> ``(low, high)``.

    """
    from acsim.evidence.trial_draws import combined_interval
    from acsim.evidence.uncertainty import apply_draw, default_uncertainty
    from acsim.experiments.draws import check_draws
    from acsim.spec.scenario import Scenario

    check_draws(draws)
    base = Scenario() if effects is None else Scenario().model_copy(update={"effects": effects})
    unc = default_uncertainty()
    values: dict[int, list[float]] = {id(c): [] for c in checks}
    for k in range(draws):
        drawn = apply_draw(base, unc.draw(k, 0)).effects
        res = evaluate_checks(checks, drawn, scale, seed, workers=workers)
        for c in checks:
            values[id(c)].append(res[id(c)].simulated)
    out = {}
    for c in checks:
        p = point[id(c)]
        lo, hi, _ = combined_interval(p.simulated, p.ci_low, p.ci_high,
                                      np.asarray(values[id(c)]))
        out[id(c)] = (lo, hi)
    return out


def format_table(table: pd.DataFrame,
                 records: list[EvidenceRecord] | None = None) -> str:
    """The validation table as text, with the pass rule and the counts per role.

    ``records``: the evidence validated (default: the shipped file), for the fit count.
    """
    from acsim.evidence.claims import headline

    def num(x: float) -> str:
        return "" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.3g}"

    many = bool(len(table)) and int(table["seeds"].max()) > 1
    lines = [f"{'id':<4} {'role':<6} {'metric':<48} {'published':>9} {'simulated':>9} "
             f"{'95% CI':>17} " + (f"{'over seeds':>17} " if many else "")
             + f"{'tolerance':>17} pass unit"]
    for r in table.itertuples():
        ci = f"[{num(r.ci_low)}, {num(r.ci_high)}]" if not math.isnan(r.ci_low) else ""
        spread = f"[{num(r.seed_min)}, {num(r.seed_max)}]"
        tol = f"[{num(r.tolerance_low)}, {num(r.tolerance_high)}]"
        verdict = "-   " if pd.isna(r.passed) else "yes " if r.passed else "NO  "
        if many and verdict != "-   ":
            verdict = f"{verdict.strip()} {int(r.seeds_passed)}/{int(r.seeds)}"
        lines.append(f"{r.id:<4} {r.role:<6} {r.metric[:48]:<48} {num(r.published):>9} "
                     f"{num(r.simulated):>9} {ci:>17} " + (f"{spread:>17} " if many else "")
                     + f"{tol:>17} {verdict:<4} {r.unit}")
    lines += headline(table, records)
    return "\n".join(lines)
