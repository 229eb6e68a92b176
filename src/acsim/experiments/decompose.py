"""Which differences drive a gap: a step-by-step decomposition of ``other`` minus ``base``.

"Aarhus's spells are shorter than Copenhagen's: how much of that is staffing, meetings,
screening, programmes, the provider, and how much is Aarhus's population and labour market?"
:func:`decompose` answers with a chain of scenarios from ``base`` to ``other`` that moves one
part at a time and runs the whole chain on common random numbers (one
:func:`~acsim.experiments.compare.compare` call). Each step's contribution is the paired
difference between consecutive scenarios of the chain, so the contributions add up exactly
(they telescope) to ``other`` minus ``base``, replication by replication.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from acsim.analysis.intervals import t_interval
from acsim.analysis.metrics import check_run_metric, metric_unit
from acsim.exceptions import ScenarioError
from acsim.experiments.compare import Comparison, compare
from acsim.spec.scenario import POLICY_SECTIONS, Scenario

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["DECOMPOSITION_METRICS", "POPULATION_STEP", "Decomposition", "decompose"]

#: The name of the step that moves the population, the hazard (labour market and municipal
#: level) and the run window (with the policy sections not named in ``sections``) from
#: ``base`` to ``other``. It is the last step unless ``order`` puts it elsewhere.
POPULATION_STEP = "population"
#: Metrics decomposed by default.
DECOMPOSITION_METRICS: tuple[str, ...] = ("mean_completed_duration", "rmst_104")


@dataclass
class Decomposition:
    """A gap ``other`` minus ``base`` split into the contributions of a chain of steps.

    Attributes:
        comparison: The chain run on common random numbers: ``base``, then the scenario
            after each step (the last is ``other``'s own).
        steps: The label of each step, in the order moved.
        metrics: The metrics decomposed.

    """

    comparison: Comparison
    steps: list[str]
    metrics: tuple[str, ...]

    @property
    def base(self) -> str:
        """Name of the scenario the chain starts from."""
        return self.comparison.names[0]

    @property
    def other(self) -> str:
        """Name of the scenario the chain ends at."""
        return self.comparison.names[-1]

    @property
    def seed(self) -> int:
        """The common root seed."""
        return self.comparison.seed

    def _values(self, metric: str) -> tuple[np.ndarray, np.ndarray]:
        """Replications, and the metric by (chain position, replication)."""
        frames = [r.replication_metrics.set_index("replication") for r in
                  self.comparison.results]
        common = frames[0].index
        for f in frames[1:]:
            common = common.intersection(f.index)
        common = common.sort_values()
        values = np.array([f.loc[common, metric].to_numpy(dtype=float) for f in frames])
        return common.to_numpy(), values

    @property
    def contributions(self) -> pd.DataFrame:
        """Each step's contribution in each replication.

        One row per metric, step and replication: ``contribution`` (the metric after the
        step minus before it, on the same random numbers) and ``cumulative`` (after the step
        minus ``base``). Over a replication's steps the contributions sum to its ``other``
        minus ``base`` (to rounding).
        """
        rows = []
        for metric in self.metrics:
            reps, v = self._values(metric)
            for k, step in enumerate(self.steps, start=1):
                for j, rep in enumerate(reps):
                    rows.append({"metric": metric, "step": step, "replication": int(rep),
                                 "contribution": v[k, j] - v[k - 1, j],
                                 "cumulative": v[k, j] - v[0, j]})
        return pd.DataFrame(rows)

    @property
    def summary(self) -> pd.DataFrame:
        """Each step's contribution with its 95 % interval over paired replications.

        Indexed by ``(metric, step)``, steps in the order moved: ``unit``, ``contribution``,
        ``ci_low``, ``ci_high`` (t-interval over replications of the paired step
        difference), ``cumulative``, ``cumulative_ci_low``, ``cumulative_ci_high`` (after the
        step minus ``base``; the last step's is ``other`` minus ``base``),
        ``share_of_total`` (contribution over the total gap) and ``replications``. The
        contributions of a metric add up to its total gap (:attr:`total`).
        """
        rows = []
        c = self.contributions
        for metric in self.metrics:
            total = t_interval(self._total_per_replication(metric))[0]
            for step in self.steps:
                g = c[(c["metric"] == metric) & (c["step"] == step)]
                mean, lo, hi = t_interval(g["contribution"].to_numpy())
                cum, clo, chi = t_interval(g["cumulative"].to_numpy())
                rows.append({
                    "metric": metric, "step": step, "unit": metric_unit(metric, "run"),
                    "contribution": mean, "ci_low": lo, "ci_high": hi, "cumulative": cum,
                    "cumulative_ci_low": clo, "cumulative_ci_high": chi,
                    "share_of_total": mean / total if total else math.nan,
                    "replications": int(np.isfinite(g["contribution"].to_numpy()).sum()),
                })
        return pd.DataFrame(rows).set_index(["metric", "step"])

    def _total_per_replication(self, metric: str) -> np.ndarray:
        _, v = self._values(metric)
        return v[-1] - v[0]

    @property
    def total(self) -> pd.DataFrame:
        """The gap itself: one row per metric.

        ``unit``, ``base`` and ``other`` (means over replications), ``difference`` (``other``
        minus ``base``, paired) with ``ci_low`` and ``ci_high``, and ``replications``.
        """
        rows = []
        for metric in self.metrics:
            _, v = self._values(metric)
            d, lo, hi = t_interval(v[-1] - v[0])
            rows.append({"metric": metric, "unit": metric_unit(metric, "run"),
                         "base": t_interval(v[0])[0], "other": t_interval(v[-1])[0],
                         "difference": d, "ci_low": lo, "ci_high": hi,
                         "replications": v.shape[1]})
        return pd.DataFrame(rows).set_index("metric")

    def plot(self, ax: Axes | None = None, metric: str | None = None) -> Axes:
        """Waterfall of the steps' contributions to the gap, with paired 95 % intervals.

        Each bar goes from the cumulative difference before the step to the one after it;
        its error bar is the interval of the step's contribution. The last bar is the total
        gap ``other`` minus ``base`` with its interval.

        Args:
            ax: Axes to draw on (a new figure if ``None``).
            metric: The metric to draw (default: the first decomposed).

        Returns:
            The Axes drawn on.

        """
        metric = chosen_metric(self.metrics, metric)
        if ax is None:
            import matplotlib.pyplot as plt

            _, ax = plt.subplots(figsize=(max(6.0, 1.3 * (len(self.steps) + 1)), 4.5))
        s = self.summary.loc[metric]
        tot = self.total.loc[metric]
        unit = metric_unit(metric, "run")
        x = np.arange(len(self.steps) + 1)
        before = np.concatenate([[0.0], s["cumulative"].to_numpy()[:-1]])
        heights = s["contribution"].to_numpy()
        colours = ["tab:green" if h < 0 else "tab:red" for h in heights]
        ax.bar(x[:-1], heights, bottom=before, color=colours, alpha=0.75, width=0.6)
        ends = before + heights
        ax.errorbar(x[:-1], ends, yerr=[heights - s["ci_low"].to_numpy(),
                                        s["ci_high"].to_numpy() - heights],
                    fmt="none", ecolor="black", capsize=4, lw=1)
        for k in range(len(self.steps) - 1):
            ax.plot([x[k] - 0.3, x[k + 1] + 0.3], [ends[k], ends[k]], color="0.5", lw=0.8,
                    ls=":")
        ax.bar(x[-1], tot["difference"], color="tab:blue", alpha=0.75, width=0.6)
        d = tot["difference"]
        ax.errorbar([x[-1]], [d], yerr=[[d - tot["ci_low"]], [tot["ci_high"] - d]],
                    fmt="none", ecolor="black", capsize=4, lw=1)
        for xi, top, h in zip(x, [*ends, tot["difference"]], [*heights, tot["difference"]],
                              strict=True):
            ax.annotate(f"{h:+.2f}", (xi, top), xytext=(0, 4 if h >= 0 else -11),
                        textcoords="offset points", ha="center", fontsize=8)
        ax.axhline(0.0, color="grey", lw=1)
        labels = [_label(st) for st in self.steps] + ["total"]
        ax.set_xticks(x, labels, fontsize=8)
        ax.set_ylabel(f"{metric}: difference ({unit})")
        ax.set_title(f"{metric}: {self.other} minus {self.base}, step by step\n(paired 95 % "
                     "intervals; the parts depend on the order)", fontsize=10)
        ax.grid(axis="y", alpha=0.3)
        return ax


def chosen_metric(metrics: tuple[str, ...], metric: str | None) -> str:
    """The metric a decomposition's plot draws: ``metric``, or the first decomposed.

    Raises:
        ValueError: ``metric`` was not decomposed.

    """
    metric = metrics[0] if metric is None else metric
    if metric not in metrics:
        raise ValueError(f"{metric!r} was not decomposed; choose from {', '.join(metrics)}")
    return metric


def _label(step: str) -> str:
    return step.replace(" and ", " and\n", 1) if len(step) > 14 else step


def _chain_order(sections: Sequence[str] | str, order: Sequence[str] | None) -> list[str]:
    names = ([p.strip() for p in sections.split(",")] if isinstance(sections, str)
             else [str(p).strip() for p in sections])
    names = list(dict.fromkeys(n for n in names if n))
    for n in names:
        if n not in POLICY_SECTIONS:
            raise ScenarioError("decompose", n, "not a policy section; choose from "
                                f"{', '.join(POLICY_SECTIONS)} (the population, hazard and "
                                "run window move in the step named "
                                f"{POPULATION_STEP!r})")
    if order is None:
        return [*names, POPULATION_STEP]
    given = [str(p).strip() for p in order]
    if POPULATION_STEP not in given:
        given.append(POPULATION_STEP)
    if len(set(given)) != len(given) or set(given) != {*names, POPULATION_STEP}:
        raise ScenarioError("decompose", "order", f"must name each of {', '.join(names)} once "
                            f"(and may place {POPULATION_STEP!r}); got {', '.join(given)}")
    return given


def decompose(
    base: Scenario,
    other: Scenario,
    sections: Sequence[str] | str = POLICY_SECTIONS,
    metrics: Sequence[str] | str = DECOMPOSITION_METRICS,
    replications: int = 4,
    seed: int | None = None,
    order: Sequence[str] | None = None,
    staffing: str = "caseload",
    workers: int | None = None,
    progress: bool | None = None,
    backend: str = "process",
    scheduler: str | None = None,
) -> Decomposition:
    """Split the gap ``other`` minus ``base`` into steps that move one part at a time.

    The chain starts at ``base``. Each policy step transplants one more of ``other``'s
    ``sections`` into it (:meth:`Scenario.transplant
    <acsim.spec.scenario.Scenario.transplant>`: ``base``'s population, hazard and run window
    under ``other``'s policy so far; a transplanted ``staffing`` is scaled to caseload unless
    ``staffing="as_is"``). The step named ``"population"`` moves the population, the hazard
    (labour market and municipal level), the run window, and any policy section not named in
    ``sections``: by default it comes last and goes from the fully transplanted ``base`` to
    ``other`` itself. Every scenario of the chain runs on the same seeds (one
    :func:`~acsim.experiments.compare.compare` call), so each contribution is a paired
    difference, and the contributions add up exactly to ``other`` minus ``base`` in every
    replication (they telescope).

    The parts depend on the order: a section's contribution is measured with the sections
    before it already moved, and policies interact (more meetings matter more with the staff
    to hold them). ``order`` sets it; compare a few orders before reading one part as "the"
    effect of a policy.

    Args:
        base: The scenario the chain starts from (e.g. Copenhagen).
        other: The scenario it ends at (e.g. Aarhus).
        sections: The policy sections moved one step each (names of
            :data:`~acsim.spec.scenario.POLICY_SECTIONS`, a sequence or comma-separated).
        metrics: Run metrics to decompose (:func:`~acsim.analysis.metrics.run_metric_names`).
        replications: Replications of every scenario of the chain.
        seed: The common root seed.
        order: The order of the steps: each of ``sections`` once, and optionally
            ``"population"`` (last if left out). Default: ``sections`` in the order given,
            then ``"population"``.
        staffing: How a transplanted ``staffing`` is scaled (``"caseload"`` or ``"as_is"``).
        workers: Worker processes (results do not depend on it).
        progress: Show a progress bar.
        backend: ``"process"`` or ``"dask"``.
        scheduler: A Dask scheduler address.

    Returns:
        The :class:`Decomposition`: ``summary`` (each step's contribution with its
        interval, and the cumulative difference), ``total``, ``contributions`` per
        replication, and ``plot()``.

    Raises:
        ScenarioError: An unknown section, an ``order`` that does not name each section
            once, or a transplant that does not validate.
        ValueError: A metric that is not a run metric.

    Example:
        >>> import acsim  # doctest: +SKIP
        >>> cph = acsim.load_scenario("scenarios/copenhagen.toml")  # doctest: +SKIP
        >>> aar = acsim.load_scenario("scenarios/aarhus.toml")  # doctest: +SKIP
        >>> d = acsim.decompose(cph, aar, replications=8, seed=1)  # doctest: +SKIP
        >>> d.summary  # doctest: +SKIP
        >>> d.plot(metric="rmst_104")  # doctest: +SKIP

    """
    metric_names = ((metrics,) if isinstance(metrics, str) else tuple(metrics))
    if not metric_names:
        raise ValueError("name at least one metric to decompose")
    for m in metric_names:
        check_run_metric(m)
    steps = _chain_order(sections, order)
    chain = [base]
    for k in range(1, len(steps) + 1):
        chain.append(_scenario_after(base, other, steps[:k], steps[k:], staffing))
    cmp = compare(chain, replications=replications, seed=seed, workers=workers,
                  progress=progress, backend=backend, scheduler=scheduler)
    also = [s for s in POLICY_SECTIONS if s not in steps]
    if base.to_dict()["effects"] != other.to_dict()["effects"]:
        also.append("effects")
    population = "population and labour market" + (f" (and {', '.join(also)})" if also else "")
    labels = [population if s == POPULATION_STEP else s for s in steps]
    return Decomposition(comparison=cmp, steps=labels, metrics=metric_names)


def _scenario_after(base: Scenario, other: Scenario, moved: Sequence[str],
                    pending: Sequence[str], staffing: str) -> Scenario:
    """The chain's scenario once the parts ``moved`` are ``other``'s.

    Before the population step: ``base`` with ``other``'s moved sections. After it:
    ``other`` with ``base``'s sections still ``pending`` (``other`` itself once none are).
    """
    if POPULATION_STEP not in moved:
        policy = list(moved)
        return base.transplant(other, policy, staffing=staffing,
                               name=f"{base.name} with {other.name} {', '.join(policy)}")
    rest = [s for s in pending if s != POPULATION_STEP]
    if not rest:
        return other
    return other.transplant(base, rest, staffing=staffing,
                            name=f"{other.name} with {base.name} {', '.join(rest)}")
