"""Figures. Every function takes an optional Axes and returns the Axes it drew on."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from .experiment import RunResult

__all__ = ["plot_survival"]


def plot_survival(
    results: Sequence[RunResult], ax: Axes | None = None, at_risk: bool = True
) -> Axes:
    """Survival in unemployment by week, one curve per result, with 95 % bands.

    Args:
        results: Run results to draw.
        ax: Axes to draw on (a new figure if ``None``).
        at_risk: Add the numbers at risk under the axis.

    """
    import matplotlib.pyplot as plt
    from lifelines.plotting import add_at_risk_counts

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 5))
    fits = []
    for res in results:
        kmf = res.survival()
        kmf.plot_survival_function(ax=ax, ci_show=True)
        fits.append(kmf)
    ax.set_xlim(0, 104)
    ax.set_ylim(0, 1)
    ax.set_xlabel("weeks since entry")
    ax.set_ylabel("share still unemployed")
    ax.set_xticks(range(0, 105, 13))
    ax.grid(alpha=0.3)
    if at_risk:
        add_at_risk_counts(*fits, ax=ax, rows_to_show=["At risk"], xticks=list(range(0, 105, 26)))
    return ax
