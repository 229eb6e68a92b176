"""What a cost rule prices: the spells, their recorded episodes, the rates and the window.

Each policy family's cost rule (see :mod:`acsim.policies.registry`) receives a
:class:`CostInputs` and returns per-spell cost arrays by category. Episodes come from the
engine's record (:mod:`acsim.model.recorder`), each linked to its spell's row.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from acsim.costs.rates import Rates

if TYPE_CHECKING:
    from acsim.spec.scenario import Scenario

__all__ = ["CostInputs", "RateStep", "link_episodes", "overlap"]


def week_of(start: date, d: date) -> float:
    """Absolute simulation week of date ``d`` in a run that starts on ``start``."""
    return (d - start).days / 7.0


def date_of(start: date, week: float) -> date:
    """Calendar date of absolute simulation week ``week``."""
    return start + timedelta(days=math.floor(7.0 * week))


def overlap(a, b, lo, hi):
    """Length of ``[a, b)`` inside ``[lo, hi)``, elementwise."""
    return np.maximum(0.0, np.minimum(b, hi) - np.maximum(a, lo))


class RateStep:
    """A dated parameter as a step function of the absolute simulation week."""

    def __init__(self, rates: Rates, name: str, start: date) -> None:
        self.name, self.rates, self.start = name, rates, start
        entries = rates.parameter(name).values
        self.breaks = np.array([week_of(start, v.valid_from) for v in entries])
        self.entries = entries

    def index(self, weeks: np.ndarray) -> np.ndarray:
        """Index of the entry valid at each week."""
        weeks = np.asarray(weeks, dtype=float)
        if weeks.size and np.nanmin(weeks) < self.breaks[0]:
            first = date_of(self.start, float(np.nanmin(weeks)))
            self.rates.entry(self.name, first)  # raises ScenarioError naming file and key
        return np.searchsorted(self.breaks, weeks, side="right") - 1

    def __call__(self, weeks: np.ndarray) -> np.ndarray:
        """The values at ``weeks``."""
        vals = np.array([v.value for v in self.entries])  # type: ignore[union-attr]
        return vals[self.index(weeks)]


def _keys(spells: pd.DataFrame, episodes: pd.DataFrame) -> list[str]:
    keys = ["jobseeker_id", "spell"]
    if "replication" in spells.columns and "replication" in episodes.columns:
        keys.insert(0, "replication")
    return keys


def link_episodes(spells: pd.DataFrame, episodes: pd.DataFrame | None,
                  columns: Sequence[str]) -> pd.DataFrame:
    """Episodes with a ``row`` column: the position of their spell in ``spells``.

    Episodes of spells that are not in ``spells`` are dropped (so a subset of spells is
    costed with its own episodes only).
    """
    if episodes is None:
        episodes = pd.DataFrame(columns=["jobseeker_id", "spell", *columns])
    missing = [c for c in ("jobseeker_id", "spell", *columns) if c not in episodes.columns]
    if missing:
        raise ValueError(f"the episode table lacks column(s) {missing}")
    keys = _keys(spells, episodes)
    if (len(episodes) and "replication" in spells.columns and "replication" not in keys
            and spells["replication"].nunique() > 1):
        raise ValueError("the spell table has several replications but the episode table has "
                         "no 'replication' column to tell them apart")
    rows = spells[keys].copy()
    rows["row"] = np.arange(len(spells))
    out = episodes.merge(rows, on=keys, how="inner", sort=False)
    return out.reset_index(drop=True)


@dataclass
class CostInputs:
    """The inputs of every cost rule.

    Attributes:
        spells: The spell table being costed.
        meetings: Meetings held (the record's ``meetings`` table) with their spell's ``row``.
        programmes: Programme episodes with their spell's ``row``.
        scenario: The scenario the spells were simulated with.
        rates: The dated rates.
        lo: Start of the costing window (absolute weeks).
        hi: End of the window.
        entry: Entry week of each spell.
        exit: Exit week of each spell.

    """

    spells: pd.DataFrame
    meetings: pd.DataFrame
    programmes: pd.DataFrame
    scenario: Scenario
    rates: Rates
    lo: float
    hi: float
    entry: np.ndarray
    exit: np.ndarray

    @property
    def n(self) -> int:
        """Number of spells."""
        return len(self.spells)

    def rate(self, name: str, weeks: np.ndarray) -> np.ndarray:
        """The value of rate ``name`` at absolute ``weeks``."""
        return RateStep(self.rates, name, self.scenario.scenario.start_date)(weeks)

    def per_spell(self, rows: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Sum ``values`` into the spells at positions ``rows``."""
        rows = np.asarray(rows, dtype=np.int64)
        return np.bincount(rows, weights=np.asarray(values, dtype=float), minlength=self.n)

    @property
    def prices(self) -> dict[str, str]:
        """Programmes priced by name (``price`` set): name -> price in the rates file."""
        return {p.name: p.price for p in self.scenario.programmes if p.price}

    def episodes_of(self, kind: str) -> pd.DataFrame:
        """The programme episodes of one kind that its family's rate prices.

        Episodes of a programme with its own ``price`` are left out: the programmes family
        prices them (:meth:`priced_episodes`).
        """
        p = self.programmes
        keep = p["kind"] == kind
        if self.prices:
            keep &= ~p["name"].isin(list(self.prices))
        return p[keep]

    def priced_episodes(self, name: str) -> pd.DataFrame:
        """The episodes of the programme called ``name``."""
        p = self.programmes
        return p[p["name"] == name]

    def meetings_in_window(self, kinds: Sequence[str]) -> pd.DataFrame:
        """The meetings of these kinds held inside the window ``[lo, hi)``."""
        m = self.meetings
        t = m["time"].to_numpy(dtype=float)
        return m[m["kind"].isin(list(kinds)) & (t >= self.lo) & (t < self.hi)]

    def attended_weeks(self, episodes: pd.DataFrame) -> np.ndarray:
        """Weeks of each episode inside the window."""
        return overlap(episodes["start"].to_numpy(float), episodes["end"].to_numpy(float),
                       self.lo, self.hi)
