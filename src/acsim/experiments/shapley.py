"""The gap between two scenarios split by Shapley values over their parts.

The chain of :func:`acsim.experiments.decompose.decompose` moves one part at a time in one
order, and a part's contribution depends on the order. :func:`shapley` runs every combination
of parts moved (``2^n`` scenarios for ``n`` parts: population and labour market, staffing,
meetings, screening, programmes, provider) on common random numbers and gives each part its
average contribution over all orders (its Shapley value):

``phi_i = sum over S not holding i of |S|! (n - |S| - 1)! / n! * (v(S + i) - v(S))``

replication by replication, so the parts add up exactly to ``other`` minus ``base`` in every
replication (the Shapley values' efficiency), and each part has a paired interval over
replications. A combination whose scenario is the same as another's (a section the two
scenarios share) is run once.

:func:`parameter_sensitivity` ranks the effect parameters (fitted and placeholder) by how much
each moves the gap across its range (:mod:`acsim.evidence.uncertainty`): the gap with the
parameter at the low end and at the high end of its range, the others at their values.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from acsim.analysis.intervals import t_interval
from acsim.analysis.metrics import check_run_metric, metric_unit
from acsim.experiments.decompose import (
    DECOMPOSITION_METRICS,
    POPULATION_STEP,
    _chain_order,
    _scenario_after,
    chosen_metric,
)
from acsim.experiments.run import run
from acsim.model.rng import root_entropy
from acsim.spec.scenario import POLICY_SECTIONS, Scenario

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["ShapleyDecomposition", "parameter_sensitivity", "plot_sensitivity", "shapley"]


@dataclass
class ShapleyDecomposition:
    """A gap ``other`` minus ``base`` split by Shapley values over its parts.

    Attributes:
        base: Name of the base scenario.
        other: Name of the other scenario.
        steps: The parts (labels), in the order given.
        metrics: The metrics decomposed.
        values: Replication metrics of each combination of parts moved (a frozenset of
            step indices); the empty set is ``base``, the full set ``other``.
        seed: The common root seed.
        runs: Distinct scenarios run (combinations that give the same scenario run once).

    """

    base: str
    other: str
    steps: list[str]
    metrics: tuple[str, ...]
    values: dict[frozenset[int], pd.DataFrame]
    seed: int
    runs: int

    def _matrix(self, metric: str) -> tuple[np.ndarray, dict[frozenset[int], np.ndarray]]:
        frames = {s: f.set_index("replication")[metric] for s, f in self.values.items()}
        common = None
        for f in frames.values():
            common = f.index if common is None else common.intersection(f.index)
        common = common.sort_values()
        return common.to_numpy(), {s: f.loc[common].to_numpy(dtype=float)
                                   for s, f in frames.items()}

    def _phi(self, metric: str) -> tuple[np.ndarray, np.ndarray]:
        """Replications, and the Shapley value of each step by (step, replication)."""
        reps, v = self._matrix(metric)
        n = len(self.steps)
        phi = np.zeros((n, len(reps)))
        for i in range(n):
            others = [j for j in range(n) if j != i]
            for size in range(n):
                w = math.factorial(size) * math.factorial(n - size - 1) / math.factorial(n)
                for sub in itertools.combinations(others, size):
                    s = frozenset(sub)
                    phi[i] += w * (v[s | {i}] - v[s])
        return reps, phi

    @property
    def contributions(self) -> pd.DataFrame:
        """Each part's Shapley value in each replication.

        Columns ``metric``, ``step``, ``replication`` and ``contribution``; a replication's
        parts add up to its gap.
        """
        rows = []
        for metric in self.metrics:
            reps, phi = self._phi(metric)
            for i, step in enumerate(self.steps):
                rows += [{"metric": metric, "step": step, "replication": int(r),
                          "contribution": float(phi[i, j])} for j, r in enumerate(reps)]
        return pd.DataFrame(rows)

    @property
    def summary(self) -> pd.DataFrame:
        """Each part's Shapley value with its paired 95 % interval over replications.

        Indexed by ``(metric, step)``: ``unit``, ``contribution``, ``ci_low``, ``ci_high``,
        ``share_of_total`` and ``replications``.
        """
        rows = []
        for metric in self.metrics:
            reps, phi = self._phi(metric)
            total = float(phi.sum(axis=0).mean())
            for i, step in enumerate(self.steps):
                mean, lo, hi = t_interval(phi[i])
                rows.append({"metric": metric, "step": step, "unit": metric_unit(metric, "run"),
                             "contribution": mean, "ci_low": lo, "ci_high": hi,
                             "share_of_total": mean / total if total else math.nan,
                             "replications": len(reps)})
        return pd.DataFrame(rows).set_index(["metric", "step"])

    @property
    def total(self) -> pd.DataFrame:
        """The gap itself, one row per metric.

        ``unit``, ``base`` and ``other`` (means), ``difference`` (paired) with ``ci_low`` and
        ``ci_high``, and ``replications``.
        """
        full = frozenset(range(len(self.steps)))
        rows = []
        for metric in self.metrics:
            reps, v = self._matrix(metric)
            d, lo, hi = t_interval(v[full] - v[frozenset()])
            rows.append({"metric": metric, "unit": metric_unit(metric, "run"),
                         "base": float(v[frozenset()].mean()), "other": float(v[full].mean()),
                         "difference": d, "ci_low": lo, "ci_high": hi,
                         "replications": len(reps)})
        return pd.DataFrame(rows).set_index("metric")

    def plot(self, ax: Axes | None = None, metric: str | None = None) -> Axes:
        """Each part's Shapley value and the total gap as bars with paired 95 % intervals.

        Args:
            ax: Axes to draw on (a new figure if ``None``).
            metric: The metric (default: the first decomposed).

        Returns:
            The Axes drawn on.

        """
        metric = chosen_metric(self.metrics, metric)
        if ax is None:
            import matplotlib.pyplot as plt

            _, ax = plt.subplots(figsize=(7, 0.6 * (len(self.steps) + 1) + 1.5))
        s = self.summary.loc[metric]
        t = self.total.loc[metric]
        labels = [*self.steps, "total"]
        means = np.array([*s["contribution"], t["difference"]])
        lows = np.array([*s["ci_low"], t["ci_low"]])
        highs = np.array([*s["ci_high"], t["ci_high"]])
        y = np.arange(len(labels))[::-1]
        colours = ["tab:green" if m < 0 else "tab:red" for m in means[:-1]] + ["tab:blue"]
        ax.barh(y, means, color=colours, alpha=0.75, height=0.6)
        ax.errorbar(means, y, xerr=[means - lows, highs - means], fmt="none", ecolor="black",
                    capsize=4, lw=1)
        for yi, m in zip(y, means, strict=True):
            ax.annotate(f"{m:+.2f}", (m, yi), xytext=(4 if m >= 0 else -4, 6),
                        textcoords="offset points", ha="left" if m >= 0 else "right",
                        fontsize=8)
        ax.axvline(0.0, color="grey", lw=1)
        ax.set_yticks(y, labels, fontsize=8)
        ax.set_xlabel(f"{metric}: difference ({metric_unit(metric, 'run')})")
        ax.set_title(f"{metric}: {self.other} minus {self.base}, by Shapley value\n(each "
                     "part averaged over every order; paired 95 % intervals)", fontsize=10)
        ax.grid(axis="x", alpha=0.3)
        return ax


def _key(scenario: Scenario) -> str:
    data = scenario.to_dict()
    data.get("scenario", {}).pop("name", None)
    data.get("scenario", {}).pop("description", None)
    return json.dumps(data, sort_keys=True, default=str)


def shapley(
    base: Scenario,
    other: Scenario,
    sections: Sequence[str] | str = POLICY_SECTIONS,
    metrics: Sequence[str] | str = DECOMPOSITION_METRICS,
    replications: int = 4,
    seed: int | None = None,
    staffing: str = "caseload",
    workers: int | None = None,
    progress: bool | None = None,
) -> ShapleyDecomposition:
    """Split ``other`` minus ``base`` into Shapley values over the parts moved.

    The parts are the policy ``sections`` and the population step (population, labour market
    and municipal level, run window and the sections not named), as in
    :func:`~acsim.experiments.decompose.decompose`; a combination of parts moved is the
    scenario that chain reaches with exactly those moved. All ``2^n`` combinations run on the
    same seeds, each distinct scenario once.

    Args:
        base: The scenario the gap is measured from.
        other: The scenario it is measured to.
        sections: The policy sections that are parts of their own.
        metrics: Run metrics to decompose.
        replications: Replications of every scenario.
        seed: The common root seed.
        staffing: How a moved ``staffing`` is scaled (``"caseload"`` or ``"as_is"``).
        workers: Worker processes.
        progress: Show progress bars.

    Returns:
        The :class:`ShapleyDecomposition`.

    """
    metric_names = (metrics,) if isinstance(metrics, str) else tuple(metrics)
    if not metric_names:
        raise ValueError("name at least one metric to decompose")
    for m in metric_names:
        check_run_metric(m)
    steps = _chain_order(sections, None)
    root = root_entropy(seed)
    n = len(steps)
    scenarios: dict[frozenset[int], Scenario] = {}
    for size in range(n + 1):
        for sub in itertools.combinations(range(n), size):
            moved = [steps[i] for i in sub]
            pending = [s for s in steps if s not in moved]
            scenarios[frozenset(sub)] = (base if not moved else other if not pending else
                                         _scenario_after(base, other, moved, pending, staffing))
    results: dict[str, pd.DataFrame] = {}
    values: dict[frozenset[int], pd.DataFrame] = {}
    for s, sc in scenarios.items():
        key = _key(sc)
        if key not in results:
            res = run(sc, replications=replications, seed=root, workers=workers,
                      progress=progress, keep_spells=False)
            results[key] = res.replication_metrics
        values[s] = results[key]
    also = [s for s in POLICY_SECTIONS if s not in steps]
    label = "population and labour market" + (f" (and {', '.join(also)})" if also else "")
    return ShapleyDecomposition(base=base.name, other=other.name,
                                steps=[label if s == POPULATION_STEP else s for s in steps],
                                metrics=metric_names, values=values, seed=root,
                                runs=len(results))


def parameter_sensitivity(
    base: Scenario, other: Scenario, metric: str = "rmst_104", replications: int = 2,
    seed: int | None = None, workers: int | None = None, progress: bool | None = None,
) -> pd.DataFrame:
    """The effect parameters ranked by how much each moves the gap across its range.

    Each parameter the two scenarios' policies use (:func:`acsim.evidence.uncertainty.
    scenario_uncertainty`: fitted ones over their 95 % range, placeholders over their prior
    range) is set to the low and to the high end of its range in both scenarios, the others
    kept; the gap ``other`` minus ``base`` is measured on the same seeds at each end.

    Returns:
        One row per parameter, largest ``swing`` first: ``parameter``, ``kind``, ``low``,
        ``high``, ``gap_at_low``, ``gap_at_high``, ``swing`` (high minus low) with its paired
        ``ci_low`` and ``ci_high``, ``gap`` (at the scenarios' own values), ``unit``.

    """
    from acsim.evidence.placeholders import _families_used
    from acsim.evidence.uncertainty import apply_draw, scenario_uncertainty

    check_run_metric(metric)
    root = root_entropy(seed)
    used = {k for sc in (base, other) for k, v in _families_used(sc).items() if v}
    unc_b, unc_o = scenario_uncertainty(base), scenario_uncertainty(other)
    ranges: dict[str, tuple[str, float, float]] = {}
    for p in unc_b.fitted:
        x = p.to_x(p.value)
        ranges[p.path] = (f"fitted ({p.identification})", p.from_x(x - 1.96 * p.se),
                          p.from_x(x + 1.96 * p.se))
    for q in (*unc_b.priors, *unc_o.priors):
        ranges.setdefault(q.path, (q.kind, q.sample(0.0), q.sample(1.0)))

    def gap(path: str, value: float) -> np.ndarray:
        """The gap with ``path`` at ``value`` (an empty path: the scenarios as they are)."""
        vals = []
        for sc in (base, other):
            res = run(apply_draw(sc, {path: value}) if path else sc, replications=replications,
                      seed=root, workers=workers, progress=progress, keep_spells=False)
            vals.append(res.replication_metrics.set_index("replication")[metric])
        return (vals[1] - vals[0]).to_numpy(dtype=float)

    point = float(gap("", math.nan).mean())
    rows = []
    for path, (kind, low, high) in ranges.items():
        if path.split(".")[0] not in used:
            continue
        g_low, g_high = gap(path, low), gap(path, high)
        swing, lo, hi = t_interval(g_high - g_low)
        rows.append({"parameter": f"effects.{path}", "kind": kind, "low": low, "high": high,
                     "gap_at_low": float(g_low.mean()), "gap_at_high": float(g_high.mean()),
                     "swing": swing, "ci_low": lo, "ci_high": hi, "gap": point,
                     "unit": metric_unit(metric, "run")})
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    return out.reindex(out["swing"].abs().sort_values(ascending=False).index).reset_index(
        drop=True)


def plot_sensitivity(table: pd.DataFrame, ax: Axes | None = None, top: int = 15,
                     title: str = "") -> Axes:
    """Tornado of :func:`parameter_sensitivity`: the gap at each end of each range.

    Args:
        table: The sensitivity table.
        ax: Axes to draw on (a new figure if ``None``).
        top: Parameters shown (the largest swings).
        title: The figure's title (the metric and the two scenarios).

    Returns:
        The Axes drawn on.

    """
    import matplotlib.pyplot as plt

    t = table.head(top).iloc[::-1]
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.35 * len(t) + 1.8))
    y = np.arange(len(t))
    centre = float(t["gap"].iloc[0]) if len(t) else 0.0
    for yi, (_, r) in zip(y, t.iterrows(), strict=True):
        colour = "tab:orange" if str(r["kind"]).startswith("fitted") else "tab:grey"
        ax.plot([r["gap_at_low"], r["gap_at_high"]], [yi, yi], color=colour, lw=6, alpha=0.7,
                solid_capstyle="butt")
        ax.plot([r["gap_at_low"]], [yi], "o", color="black", ms=3)
    ax.axvline(centre, color="grey", lw=0.8, ls=":")
    ax.set_yticks(y, [f"{p.removeprefix('effects.')} ({k})" for p, k in
                      zip(t["parameter"], t["kind"], strict=True)], fontsize=7)
    unit = t["unit"].iloc[0] if len(t) else ""
    ax.set_xlabel(f"gap ({unit}); dot: parameter at the low end of its range; dotted: the "
                  "gap at the scenarios' values")
    ax.set_title((title + "\n" if title else "") + "gap across each parameter's range "
                 "(orange: fitted, 95 % range; grey: placeholder, prior range)", fontsize=9)
    ax.grid(axis="x", alpha=0.3)
    return ax
