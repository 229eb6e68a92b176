"""Programme spending by provider and by band of elapsed duration.

The cost model (:mod:`acsim.costs.model`) prices every programme episode into one category,
``programmes``. A decision about *who* delivers the offers (seed 000: partly insourcing the
activation of academics from the external providers to the job centre) needs that spending
split by the programme's ``provider`` and by the elapsed duration at which the offer starts
(seed 000 gives its 2019 spending as 11.9 m DKK for 0-11 months and 6.3 m DKK for 12+).

:func:`programme_spending` prices each programme's episodes of each band with the same cost
rules as the cost model (a programme's own ``price``, or its family's rate), so the rows of a
replication add up to its ``cost_programmes`` over the same window.
:func:`spending_by_provider` sets a baseline's and a variant's spending side by side, over
paired replications, for the business case.

Example:
    >>> DURATION_BANDS[0]
    ('0-11 months', 0.0, 52.0)

"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from acsim.analysis.intervals import t_interval
from acsim.costs.inputs import CostInputs, link_episodes
from acsim.costs.model import WEEKS_PER_YEAR
from acsim.costs.rates import Rates, default_rates
from acsim.model.recorder import MEETING_COLUMNS, PROGRAMME_COLUMNS

__all__ = ["DURATION_BANDS", "programme_spending", "spending_by_provider"]

#: Bands of elapsed duration at an offer's start, as seed 000 reports its 2019 spending:
#: ``(label, from week, to week)``, half-open; 12 months = 52 weeks, the reading of M03.
DURATION_BANDS = (("0-11 months", 0.0, 52.0), ("12+ months", 52.0, math.inf))

_COLUMNS = ["replication", "provider", "band", "programme", "participants_per_year",
            "spending_per_year"]


#: Spell weeks within this of a band's edge fall on it (start and entry are recorded apart).
_EDGE_WEEKS = 1e-6


def _band(elapsed: np.ndarray) -> np.ndarray:
    out = np.full(len(elapsed), DURATION_BANDS[0][0], dtype=object)
    for label, lo, _ in DURATION_BANDS[1:]:
        out[elapsed >= lo - _EDGE_WEEKS] = label
    return out


def _programme_cost(inputs: CostInputs) -> float:
    """What every cost rule charges to ``programmes`` for the episodes in ``inputs``."""
    from acsim.policies.registry import cost_rules

    total = 0.0
    for _, rule in cost_rules():
        got = rule(inputs).get("programmes")
        if got is not None:
            total += float(np.sum(got))
    return total


def programme_spending(result, start_week: float | None = None, end_week: float | None = None,
                       rates: Rates | None = None) -> pd.DataFrame:
    """Programme spending a year of one run, by replication, provider, band and programme.

    Args:
        result: A :class:`~acsim.RunResult` whose programme episodes were kept.
        start_week: Start of the window (absolute weeks; default the end of the warm-up).
        end_week: End of the window (default the end of the run).
        rates: Dated rates (default the shipped ones).

    Returns:
        One row per replication, provider, band (:data:`DURATION_BANDS`, by the spell week
        at the episode's start) and programme that has an episode: ``participants_per_year``
        (episodes begun in the window, a year) and ``spending_per_year`` (DKK a year, priced
        as the cost model prices it). Summed over a replication's rows, the spending is that
        replication's ``cost_programmes`` in the window, a year.

    Raises:
        ValueError: The run kept no programme episodes (nothing to split).

    """
    sc = result.scenario
    lo = sc.scenario.warmup_weeks if start_week is None else float(start_week)
    hi = sc.scenario.end_week if end_week is None else float(end_week)
    years = (hi - lo) / WEEKS_PER_YEAR
    episodes = result.episodes.get("programmes")
    if episodes is None:
        raise ValueError(f"{sc.name}: the run kept no programme episodes")
    rates = rates or default_rates()
    provider_of = {p.name: p.provider for p in sc.programmes}
    rows = []
    for rep, spells in result.spells.groupby("replication", sort=True):
        spells = spells.reset_index(drop=True)
        eps = episodes[episodes["replication"] == rep] if "replication" in episodes else episodes
        linked = link_episodes(spells, eps, PROGRAMME_COLUMNS[2:])
        entry = spells["entry_week"].to_numpy(dtype=float)
        exit_ = spells["exit_week"].to_numpy(dtype=float)
        elapsed = linked["start"].to_numpy(dtype=float) - entry[linked["row"].to_numpy()]
        linked = linked.assign(_band=_band(elapsed), _name=linked["name"].astype(str))
        no_meetings = link_episodes(spells, None, MEETING_COLUMNS[2:])
        for (name, band), part in linked.groupby(["_name", "_band"], sort=True):
            inputs = CostInputs(spells=spells, meetings=no_meetings, programmes=part,
                                scenario=sc, rates=rates, lo=lo, hi=hi, entry=entry,
                                exit=exit_)
            start = part["start"].to_numpy(dtype=float)
            begun = int(((start >= lo) & (start < hi)).sum())
            rows.append({"replication": rep, "provider": provider_of.get(name, "job centre"),
                         "band": band, "programme": name, "participants_per_year": begun / years,
                         "spending_per_year": _programme_cost(inputs) / years})
    return pd.DataFrame(rows, columns=_COLUMNS)


def _by_group(spending: pd.DataFrame, replications: list[int]) -> dict[tuple[str, str], tuple]:
    """``(provider, band) -> (spending, participants)`` arrays over ``replications``."""
    out: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
    sums = spending.groupby(["provider", "band", "replication"])[
        ["spending_per_year", "participants_per_year"]].sum()
    for (prov, band), part in sums.groupby(level=[0, 1]):
        part = part.droplevel([0, 1])
        out[(prov, band)] = (part["spending_per_year"].reindex(replications, fill_value=0.0)
                             .to_numpy(dtype=float),
                             part["participants_per_year"].reindex(replications, fill_value=0.0)
                             .to_numpy(dtype=float))
    return out


def spending_by_provider(baseline, variant) -> pd.DataFrame:
    """Programme spending a year by provider and band: baseline, variant and the difference.

    Args:
        baseline: The baseline :class:`~acsim.RunResult`.
        variant: The variant's run on the same seed (replication ``r`` of each paired).

    Returns:
        One row per ``(provider, band)`` either run spends on, then one per band over all
        providers (provider ``"all providers"``) and the overall total (``"all"``, ``"all"``):
        ``baseline`` and ``variant`` spending a year (DKK, mean over replications), the
        paired ``difference`` with its 95 % t-interval (``diff_ci_low``, ``diff_ci_high``;
        NaN with one replication), participants a year in each run and the spending per
        participant. What moves from an external provider to the job centre shows as a fall
        in one provider's row and a rise in the other's.

    """
    common = sorted(set(baseline.spells["replication"]) & set(variant.spells["replication"]))
    b = _by_group(programme_spending(baseline), common)
    v = _by_group(programme_spending(variant), common)
    zero = (np.zeros(len(common)), np.zeros(len(common)))
    groups = sorted(set(b) | set(v))
    for label, _, _ in DURATION_BANDS:  # the band totals, over providers
        inside = [g for g in groups if g[1] == label]
        if inside:
            for side in (b, v):
                side[("all providers", label)] = tuple(
                    sum((side.get(g, zero)[k] for g in inside), np.zeros(len(common)))
                    for k in (0, 1))
    for side in (b, v):
        side[("all", "all")] = tuple(
            sum((side.get(g, zero)[k] for g in groups), np.zeros(len(common))) for k in (0, 1))
    rows = []
    keys = groups + [g for g in b if g[0] == "all providers"] + [("all", "all")]
    for key in dict.fromkeys(keys):
        (sb, pb), (sv, pv) = b.get(key, zero), v.get(key, zero)
        diff = sv - sb
        mean, low, high = t_interval(diff) if len(diff) > 1 else (float(diff[0]), math.nan,
                                                                   math.nan)
        rows.append({"provider": key[0], "band": key[1],
                     "baseline": float(sb.mean()), "variant": float(sv.mean()),
                     "difference": mean, "diff_ci_low": low, "diff_ci_high": high,
                     "participants_baseline": float(pb.mean()),
                     "participants_variant": float(pv.mean()),
                     "per_participant_baseline": _per(sb.sum(), pb.sum()),
                     "per_participant_variant": _per(sv.sum(), pv.sum())})
    return pd.DataFrame(rows).set_index(["provider", "band"])


def _per(amount: float, count: float) -> float:
    return float(amount / count) if count > 0 else math.nan
