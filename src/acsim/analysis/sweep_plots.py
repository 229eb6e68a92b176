"""The figure of a sweep: a metric against one swept value, with its intervals."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from acsim.analysis.metrics import metric_unit

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_sweep"]


def plot_sweep(table: pd.DataFrame, key: str, metric: str, ax: Axes | None = None,
               difference: bool = False) -> Axes:
    """One metric of :func:`acsim.sweep` against the values of ``key``, with its intervals.

    The mean with its 95 % interval over replications (simulation noise) as error bars and,
    where the sweep ran parameter draws, the total interval (simulation and parameter
    uncertainty) as a lighter band. With more than one swept key, one line per combination of
    the others. With ``difference``, the paired difference against the first grid point
    instead: on common random numbers its interval is far narrower than the levels'.

    Args:
        table: The table :func:`acsim.sweep` returns.
        key: The swept key path on the x axis (a column of ``table``).
        metric: The metric on the y axis.
        ax: Axes to draw on (default: a new figure).
        difference: Plot the paired difference against the first grid point.

    Returns:
        The Axes.

    Raises:
        KeyError: ``key`` is not a swept column or ``metric`` is not in the table.

    """
    import matplotlib.pyplot as plt

    if key not in table:
        raise KeyError(f"{key!r} is not a swept key of this table")
    rows = table[table["metric"] == metric]
    if rows.empty:
        raise KeyError(f"metric {metric!r} is not in this sweep")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.6))
    others = [c for c in table.columns if c not in _RESULT_COLUMNS and c not in (key, "metric")]
    groups = rows.groupby(others, sort=False) if others else [((), rows)]
    pre = "diff_" if difference else ""
    mean = "diff_vs_first" if difference else "mean"
    for label, g in groups:
        g = g.sort_values(key).fillna({mean: 0.0, f"{pre}ci_low": 0.0, f"{pre}ci_high": 0.0})
        x = g[key].to_numpy(dtype=float)
        name = ", ".join(f"{o}={v}" for o, v in zip(others, label if isinstance(label, tuple)
                                                    else (label,), strict=True)) or None
        if f"{pre}total_ci_low" in g:
            band = g.fillna({f"{pre}total_ci_low": 0.0, f"{pre}total_ci_high": 0.0})
            ax.fill_between(x, band[f"{pre}total_ci_low"], band[f"{pre}total_ci_high"],
                            alpha=0.15, label="95 % interval with parameter uncertainty"
                            if name is None else None)
        ax.errorbar(x, g[mean], yerr=[g[mean] - g[f"{pre}ci_low"],
                                      g[f"{pre}ci_high"] - g[mean]],
                    marker="o", capsize=3,
                    label=name or ("paired difference, 95 % interval" if difference
                                   else "mean, 95 % interval over replications"))
    unit = metric_unit(metric, "run")
    ax.set_xlabel(key)
    what = "paired difference" if difference else metric
    ax.set_ylabel(f"{what} ({unit})" if unit else what)
    if difference:
        ax.axhline(0.0, color="grey", lw=0.8)
        ax.set_title(f"{metric}: difference against {rows[key].iloc[0]}", fontsize=10)
    else:
        ax.set_title(f"{metric} by {key}", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    return ax


#: The columns of a sweep table that are results, not swept keys.
_RESULT_COLUMNS = pd.Index([
    "mean", "ci_low", "ci_high", "diff_vs_first", "diff_ci_low", "diff_ci_high",
    "total_ci_low", "total_ci_high", "parameter_share", "diff_total_ci_low",
    "diff_total_ci_high",
])
