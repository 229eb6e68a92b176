"""Comparisons of scenarios on common random numbers, and sweeps over grids of variants."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from acsim.analysis.intervals import t_interval
from acsim.analysis.metrics import COMPARISON_METRICS, check_run_metric, metric_unit
from acsim.exceptions import ScenarioError
from acsim.experiments.backends import default_workers
from acsim.experiments.run import RunResult, run
from acsim.model.rng import root_entropy
from acsim.spec.scenario import Scenario

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from acsim.costs.business import PairedBusinessCase

__all__ = ["COMPARISON_METRICS", "Comparison", "compare", "sweep"]


@dataclass
class Comparison:
    """Scenarios run on the same seeds, with paired differences against the first.

    Attributes:
        results: Run results in the order given; the first is the reference.
        seed: The common root seed.

    """

    results: list[RunResult]
    seed: int

    @property
    def names(self) -> list[str]:
        """Scenario names, in order."""
        return [r.scenario.name for r in self.results]

    def table(self, metrics: Sequence[str] = COMPARISON_METRICS) -> pd.DataFrame:
        """One row per scenario and metric, with intervals.

        Each row has the metric's unit (:func:`~acsim.analysis.metrics.metric_unit`), the mean
        and 95 % interval over replications, and the paired difference against the first
        scenario with its 95 % interval (all in that unit). With parameter draws
        (``compare(..., parameter_draws=K)``), each interval has a total one beside it:
        ``total_ci_low``, ``total_ci_high``, ``diff_total_ci_low``, ``diff_total_ci_high``
        (simulation noise and parameter uncertainty), with ``parameter_share`` and
        ``diff_parameter_share``, the share of the variance from the parameters.
        """
        from acsim.experiments.draws import paired_draws, with_total_intervals

        first = self.results[0]
        ref = first.replication_metrics.set_index("replication")
        drawn = all(r.draw_metrics is not None for r in self.results)
        rows = []
        for res in self.results:
            rm = res.replication_metrics.set_index("replication")
            totals = (with_total_intervals(res.summary[["mean"]], res.replication_metrics,
                                           res.draw_metrics) if drawn else None)
            for metric in metrics:
                if metric not in rm:
                    continue
                mean, lo, hi = t_interval(rm[metric].to_numpy())
                if res is self.results[0]:
                    d = (math.nan, math.nan, math.nan)
                else:
                    common = rm.index.intersection(ref.index)
                    d = t_interval((rm.loc[common, metric] - ref.loc[common, metric]).to_numpy())
                row = {
                    "scenario": res.scenario.name, "metric": metric,
                    "unit": metric_unit(metric, "run"), "mean": mean,
                    "ci_low": lo, "ci_high": hi, "diff_vs_first": d[0], "diff_ci_low": d[1],
                    "diff_ci_high": d[2], "replications": len(rm),
                }
                if totals is not None:
                    t = totals.loc[metric] if metric in totals.index else None
                    dt = ((math.nan,) * 3 if res is first else
                          paired_draws(first.replication_metrics, res.replication_metrics,
                                       first.draw_metrics, res.draw_metrics, metric))
                    row.update({
                        "total_ci_low": math.nan if t is None else t["total_ci_low"],
                        "total_ci_high": math.nan if t is None else t["total_ci_high"],
                        "parameter_share": math.nan if t is None else t["parameter_share"],
                        "diff_total_ci_low": dt[0], "diff_total_ci_high": dt[1],
                        "diff_parameter_share": dt[2],
                        "draws": int(res.draw_metrics["draw"].nunique()),
                    })
                rows.append(row)
        return pd.DataFrame(rows)

    @property
    def summary(self) -> pd.DataFrame:
        """Every metric of every scenario with its interval and the paired difference.

        The rows of :meth:`table` indexed by ``(metric, scenario)``, metrics in
        :data:`~acsim.analysis.metrics.COMPARISON_METRICS` order and scenarios in the order
        given: ``mean``, ``ci_low``, ``ci_high`` and ``replications`` as in
        :attr:`RunResult.summary <acsim.experiments.run.RunResult.summary>`, and
        ``diff_vs_first``, ``diff_ci_low``, ``diff_ci_high`` (NaN for the first scenario).
        :meth:`means` puts the means side by side.
        """
        t = self.table()
        metric_order = {m: i for i, m in enumerate(COMPARISON_METRICS)}
        scenario_order = {n: i for i, n in enumerate(self.names)}
        t = t.sort_values(["metric", "scenario"], kind="stable",
                          key=lambda c: c.map(metric_order if c.name == "metric"
                                              else scenario_order))
        cols = ["mean", "ci_low", "ci_high", "replications", "diff_vs_first", "diff_ci_low",
                "diff_ci_high"]
        cols += [c for c in ("total_ci_low", "total_ci_high", "parameter_share",
                             "diff_total_ci_low", "diff_total_ci_high",
                             "diff_parameter_share", "draws") if c in t]
        return t.set_index(["metric", "scenario"])[cols]

    def means(self) -> pd.DataFrame:
        """Means side by side: one row per metric, one column per scenario."""
        means = self.summary["mean"].unstack("scenario")
        return means.loc[[m for m in COMPARISON_METRICS if m in means.index], self.names]

    def plot_survival(self, ax: Axes | None = None) -> Axes:
        """Survival curves with 95 % bands and numbers at risk."""
        from acsim.analysis.plotting import plot_survival

        return plot_survival(self.results, ax=ax)

    def plot_hazard(self, ax: Axes | None = None) -> Axes:
        """Weekly exit hazard with policy markers."""
        from acsim.analysis.plotting import plot_hazard

        return plot_hazard(self.results, ax=ax)

    def plot_utilisation(self, ax: Axes | None = None) -> Axes:
        """Caseworker utilisation over the calendar year."""
        from acsim.analysis.plotting import plot_utilisation

        return plot_utilisation(self.results, ax=ax)

    def plot_meeting_delays(self, ax: Axes | None = None) -> Axes:
        """Mean meeting delay over the calendar year."""
        from acsim.analysis.plotting import plot_meeting_delays

        return plot_meeting_delays(self.results, ax=ax)

    def plot_costs(self, ax: Axes | None = None) -> Axes:
        """Cost per spell by category."""
        from acsim.analysis.plotting import plot_costs

        return plot_costs(self.results, ax=ax)

    def plot_difference(self, ax: Axes | None = None, variant: int = 1) -> Axes:
        """Paired difference in survival, scenario ``variant`` minus the first, with its band."""
        from acsim.analysis.plotting import plot_difference

        return plot_difference(self, ax=ax, variant=variant)

    def business_case(self, variant: int = 1, horizon_years: float = 2.0,
                      normalise: bool = False) -> PairedBusinessCase:
        """Business case of scenario ``variant`` against the first, over paired replications.

        In total a year, per entrant and per full-year person
        (:func:`~acsim.costs.business.paired_business_case`).

        Args:
            variant: Index of the variant among the scenarios (the first is the baseline).
            horizon_years: Years over which the case is made.
            normalise: Between populations of different size, a case per entrant instead of
                an error.

        Raises:
            ScenarioError: The two populations differ in size (e.g. two cities) and
                ``normalise`` is False; the message says why and what to do (a transplant,
                :meth:`Scenario.transplant <acsim.spec.scenario.Scenario.transplant>`).

        """
        from acsim.costs.business import paired_business_case

        return paired_business_case(self.results[0], self.results[variant],
                                    horizon_years=horizon_years, normalise=normalise)

    def save(self, out: str | Path, business_case: bool = False,
             normalise: bool = False) -> list[Path]:
        """Write ``comparison.csv`` and the figures as PNG; return the paths written.

        With ``business_case``, each variant's case against the first goes to
        ``business_case_<i>.csv`` and ``.png``, its note (what the case is) to
        ``business_case_<i>.txt``, its programme spending by provider and duration band to
        ``providers_<i>.csv``; a case refused (populations of different size, see
        :meth:`business_case`) writes only the ``.txt`` with the reason.
        """
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        written = [out / "comparison.csv"]
        self.table().to_csv(written[0], index=False)
        for name, method in (("survival", self.plot_survival), ("hazard", self.plot_hazard),
                             ("utilisation", self.plot_utilisation),
                             ("meeting_delays", self.plot_meeting_delays),
                             ("costs", self.plot_costs)):
            ax = method()
            path = out / f"{name}.png"
            ax.figure.savefig(path, dpi=120, bbox_inches="tight")
            plt.close(ax.figure)
            written.append(path)
        for i in range(1, len(self.results)):
            ax = self.plot_difference(variant=i)
            path = out / ("difference.png" if len(self.results) == 2 else f"difference_{i}.png")
            ax.figure.savefig(path, dpi=120, bbox_inches="tight")
            plt.close(ax.figure)
            written.append(path)
        if business_case:
            for i in range(1, len(self.results)):
                stem = f"business_case_{i}"
                try:
                    case = self.business_case(i, normalise=normalise)
                except ScenarioError as exc:
                    (out / f"{stem}.txt").write_text(f"refused: {exc}\n")
                    written.append(out / f"{stem}.txt")
                    continue
                (out / f"{stem}.txt").write_text(case.note + "\n")
                written.append(out / f"{stem}.txt")
                case.summary.to_csv(out / f"{stem}.csv")
                if case.providers is not None:
                    case.providers.to_csv(out / f"providers_{i}.csv")
                    written.append(out / f"providers_{i}.csv")
                ax = case.plot()
                ax.figure.savefig(out / f"{stem}.png", dpi=120, bbox_inches="tight")
                plt.close(ax.figure)
                written += [out / f"{stem}.csv", out / f"{stem}.png"]
        return written

    def report(self, path: str | Path, business_case: bool = True, normalise: bool = False,
               directory: str | Path | None = None) -> Path:
        """Write one self-contained HTML report of the comparison; return its path.

        The scenarios side by side, the headline table, the figures, the business cases,
        the placeholders the result rests on and the provenance
        (:func:`acsim.experiments.report.report_comparison`).

        Args:
            path: The HTML file, or an existing directory to write ``report.html`` into.
            business_case: Include each variant's business case against the first.
            normalise: Between populations of different size, a case per entrant.
            directory: Also keep the comparison's files (:meth:`save` and
                ``manifest.json``) there; by default they go to a temporary directory.

        """
        from acsim.experiments.report import report_comparison

        return report_comparison(self, path, business_case=business_case, normalise=normalise,
                                 directory=directory)


def _unique_names(scenarios: Sequence[Scenario]) -> list[Scenario]:
    seen: dict[str, int] = {}
    out = []
    for s in scenarios:
        n = seen.get(s.name, 0)
        seen[s.name] = n + 1
        out.append(s if n == 0 else s.with_changes({"scenario.name": f"{s.name} ({n + 1})"}))
    return out


def compare(
    scenarios: Sequence[Scenario],
    replications: int = 4,
    seed: int | None = None,
    workers: int | None = None,
    progress: bool | None = None,
    backend: str = "process",
    scheduler: str | None = None,
    precision: float | None = None,
    metric: str = "rmst_104",
    max_replications: int = 200,
    parameter_draws: int = 0,
) -> Comparison:
    """Run scenarios on common random numbers and compare them with the first.

    Every scenario runs replications ``0 .. replications-1`` from the same root seed, so the
    same jobseekers get the same draws: differences are paired.

    With ``precision``, replications are added (to every scenario alike) until the 95 %
    interval of each paired difference in ``metric`` is narrower than ``precision`` times the
    first scenario's mean, or ``max_replications`` is reached. Replications already run are
    kept in a temporary result store, so each round only simulates the new ones.

    With ``parameter_draws`` K, every scenario is run again under the same K parameter sets
    (draw ``k`` is the same set in each scenario) on the same seeds, and the table gains total
    intervals (:meth:`Comparison.table`).
    """
    from acsim.experiments.draws import check_draws, run_draws

    if len(scenarios) < 1:
        raise ValueError("compare needs at least one scenario")
    check_draws(parameter_draws)
    root = root_entropy(seed)
    named = _unique_names(scenarios)
    if precision is None:
        results = [run(s, replications=replications, seed=root, workers=workers,
                       progress=progress, backend=backend, scheduler=scheduler,
                       parameter_draws=parameter_draws)
                   for s in named]
        return Comparison(results=results, seed=root)
    if not precision > 0:
        raise ValueError("precision must be a positive fraction, e.g. 0.02")
    check_run_metric(metric)  # before any simulation, not after it
    import tempfile

    with tempfile.TemporaryDirectory(prefix="acsim-compare-") as tmp:
        reps = replications
        while True:
            results = [run(s, replications=reps, seed=root, workers=workers, progress=progress,
                           backend=backend, scheduler=scheduler, store=tmp) for s in named]
            cmp = Comparison(results=results, seed=root)
            if reps >= max_replications or (len(named) > 1 and reps >= 3
                                             and _paired_precise(cmp, metric, precision)):
                for res in cmp.results if parameter_draws else ():
                    res.draw_metrics = run_draws(
                        res.scenario, parameter_draws, res.replication_metrics["replication"]
                        .tolist(), root, default_workers() if workers is None else workers, backend,
                        scheduler, progress=progress)
                return cmp
            step = max(2, workers or 2)
            reps = min(max_replications, reps + step)


def _paired_precise(cmp: Comparison, metric: str, precision: float) -> bool:
    t = cmp.table(metrics=[metric])
    base = abs(t["mean"].iloc[0])
    diffs = t.iloc[1:]
    return bool(((diffs["diff_ci_high"] - diffs["diff_ci_low"]) <= precision * base).all())


def sweep(
    scenario: Scenario,
    grid: Mapping[str, Sequence[Any]],
    replications: int = 2,
    seed: int | None = None,
    workers: int | None = None,
    metrics: Sequence[str] = COMPARISON_METRICS,
    progress: bool | None = None,
    backend: str = "process",
    scheduler: str | None = None,
    parameter_draws: int = 0,
) -> pd.DataFrame:
    """Run every combination of ``grid`` (dotted key path -> values) on common random numbers.

    With ``parameter_draws`` K, every grid point also runs under the same K parameter sets
    (:mod:`acsim.experiments.draws`).

    Returns:
        A tidy table: one row per grid point and metric, with the grid values as columns,
        ``mean``, ``ci_low`` and ``ci_high``, and the paired difference against the first grid
        point, ``diff_vs_first``, ``diff_ci_low`` and ``diff_ci_high`` (NaN at the first); with
        draws also ``total_ci_low``, ``total_ci_high``, ``parameter_share``,
        ``diff_total_ci_low`` and ``diff_total_ci_high``.

    """
    from acsim.experiments.draws import paired_draws
    root = root_entropy(seed)
    keys = list(grid)
    rows = []
    first: RunResult | None = None
    for values in itertools.product(*(grid[k] for k in keys)):
        changes = dict(zip(keys, values, strict=True))
        variant = scenario.with_changes(changes, source="sweep")
        res = run(variant, replications=replications, seed=root, workers=workers,
                  progress=progress, backend=backend, scheduler=scheduler,
                  parameter_draws=parameter_draws)
        first = first or res
        rm = res.replication_metrics
        ref = first.replication_metrics.set_index("replication")
        summary = res.summary
        for metric in metrics:
            if metric in rm:
                mean, lo, hi = t_interval(rm[metric].to_numpy())
                d = (math.nan,) * 3
                if res is not first:
                    mine = rm.set_index("replication")[metric]
                    d = t_interval((mine - ref[metric].loc[mine.index]).to_numpy())
                row = {**changes, "metric": metric, "mean": mean, "ci_low": lo, "ci_high": hi,
                       "diff_vs_first": d[0], "diff_ci_low": d[1], "diff_ci_high": d[2]}
                if res.draw_metrics is not None:
                    row.update(summary.loc[metric, ["total_ci_low", "total_ci_high",
                                                    "parameter_share"]].to_dict())
                    dt = ((math.nan,) * 3 if res is first else
                          paired_draws(first.replication_metrics, rm, first.draw_metrics,
                                       res.draw_metrics, metric))
                    row.update({"diff_total_ci_low": dt[0], "diff_total_ci_high": dt[1]})
                rows.append(row)
    return pd.DataFrame(rows)
