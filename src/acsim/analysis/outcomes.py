"""Result tables: the per-spell table, per-replication metrics, survival curves.

The spell table is in the form survival libraries read: ``duration`` (from the spell's start,
so for a spell of the initial stock it includes the weeks elapsed before time 0), an ``event``
flag (left unemployment for any reason: ``exit_reason`` is not ``censored``), an ``event_job``
flag (left it for a job or a hire: ``exit_reason`` is ``job`` or ``hired``) and
``entry_truncation`` (elapsed weeks at time 0 for spells of the initial stock, which are
left-truncated: observed from that duration on). ``warmup`` marks the spells outside the
analysis window (:func:`analysis_window`): they began before the end of the warm-up. Every
column, with its unit, is listed in ``docs/outputs.md``.

The metric names and their definitions are in :mod:`acsim.analysis.metrics`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from lifelines import KaplanMeierFitter
from lifelines.utils import restricted_mean_survival_time

from acsim.analysis.metrics import SURVIVAL_WEEKS, survival_metric
from acsim.costs.model import full_year_persons

if TYPE_CHECKING:
    from acsim.model.engine import JobCentre

__all__ = [
    "CATEGORICAL_COLUMNS",
    "analysis_window",
    "compact",
    "in_analysis_window",
    "completed_in_last_year",
    "kaplan_meier",
    "metrics",
    "spell_table",
    "stock_by_elapsed",
    "STOCK_BANDS",
]

FOLLOW_UP = 104.0


#: Text columns of the spell table, stored as categoricals (a tenth of the memory of strings).
CATEGORICAL_COLUMNS = ("akasse", "education", "track_true", "track", "programmes", "kind",
                       "name")


def compact(spells: pd.DataFrame) -> pd.DataFrame:
    """Store the spell table's text columns as categoricals, in place; returns the table.

    Concatenating replications whose categories differ falls back to plain strings, so this is
    applied again after every concatenation.
    """
    for col in CATEGORICAL_COLUMNS:
        if col in spells and not isinstance(spells[col].dtype, pd.CategoricalDtype):
            spells[col] = spells[col].astype("category")
    return spells


def _weeks_employed(entry: np.ndarray, ids: np.ndarray, employment: dict, end: float):
    out = np.zeros(len(entry))
    complete = entry + FOLLOW_UP <= end
    for i, (e, jid) in enumerate(zip(entry, ids, strict=True)):
        spans = employment.get(int(jid))
        if not spans:
            continue
        lo, hi = max(e, 0.0), min(e + FOLLOW_UP, end)
        out[i] = sum(max(0.0, min(b, hi) - max(a, lo)) for a, b in spans)
    return out, complete


def in_analysis_window(entry_week: np.ndarray, from_stock: np.ndarray, warmup: float
                       ) -> np.ndarray:
    """Whether each spell enters the analysis (see :func:`analysis_window`).

    Args:
        entry_week: The spells' entry weeks (negative for the initial stock).
        from_stock: Whether each spell is one of the initial stock.
        warmup: Length of the warm-up in weeks (the analysis window starts at its end).

    Returns:
        A boolean array: entered at or after the end of the warm-up, or, with no warm-up, a
        spell of the initial stock (analysed left-truncated).

    """
    keep = np.asarray(entry_week, dtype=float) >= warmup
    if warmup == 0:
        keep = keep | np.asarray(from_stock, dtype=bool)
    return keep


def spell_table(centre: JobCentre) -> pd.DataFrame:
    """The spells of one replication, one row each, with the jobseeker's attributes.

    The columns are listed with their units in ``docs/outputs.md`` (``tests/test_outputs.py``
    holds the page to the table).
    """
    df = pd.DataFrame.from_records(centre.records, columns=list(centre.record.spell_columns))
    pop = centre.population
    assert pop is not None
    people = pop.inflow + pop.stock
    attrs = pd.DataFrame(
        {
            "jobseeker_id": [p.id for p in people],
            "female": [p.female for p in people],
            "age": [p.age for p in people],
            "age_band": pd.Categorical.from_codes(
                [p.age_band for p in people], ["under30", "age30_49", "age50plus"]
            ),
            "graduate": [p.graduate for p in people],
            "akasse": [p.akasse for p in people],
            "international": [p.international for p in people],
            "education": [p.education for p in people],
            "latent_risk": [p.latent_risk for p in people],
            "from_stock": [p.from_stock for p in people],
        }
    )
    df = df.merge(attrs, on="jobseeker_id", how="left")
    df.insert(0, "replication", centre.replication)
    df["duration"] = df["exit_week"] - df["entry_week"]
    df["censored"] = df["exit_reason"] == "censored"
    df["event"] = ~df["censored"]
    df["event_job"] = df["exit_reason"].isin(["job", "hired"])
    df["warmup"] = ~in_analysis_window(df["entry_week"].to_numpy(), df["from_stock"].to_numpy(),
                                       centre.scenario.scenario.warmup_weeks)
    df["entry_truncation"] = np.maximum(-df["entry_week"].to_numpy(), 0.0)
    emp, complete = _weeks_employed(
        df["entry_week"].to_numpy(), df["jobseeker_id"].to_numpy(), centre.employment, centre.end
    )
    df["weeks_employed_104"] = emp
    df["follow_up_104"] = complete
    df["exit_reason"] = pd.Categorical(
        df["exit_reason"], ["job", "hired", "other", "exhausted", "censored"]
    )
    return compact(df.sort_values(["jobseeker_id", "spell"], kind="stable")
                   .reset_index(drop=True))


def analysis_window(spells: pd.DataFrame, warmup: float) -> pd.DataFrame:
    """Spells that enter the analysis.

    Entries after the warm-up; with no warm-up, also the initial stock (left-truncated).
    """
    return spells[in_analysis_window(spells["entry_week"].to_numpy(),
                                     spells["from_stock"].to_numpy(), warmup)]


def kaplan_meier(spells: pd.DataFrame, label: str = "unemployed") -> KaplanMeierFitter:
    """Kaplan-Meier fit of staying unemployed, by duration since the spell began.

    Stock spells are left-truncated: a spell with ``entry_truncation`` ``a`` is at risk from
    duration ``a`` (delayed entry) to its ``duration``, which already counts those ``a`` weeks.
    The curve is therefore conditional on surviving to the shortest elapsed duration among
    the stock spells (when there is no inflow to fill the early weeks). A stock spell that
    ends the instant it is observed (e.g. one already past its benefit period at time 0) is
    never at risk in the run and is left out.
    """
    kmf = KaplanMeierFitter(label=label)
    trunc = spells["entry_truncation"]
    if trunc.any():
        spells = spells[(trunc <= 0) | (spells["duration"] > trunc)]
        trunc = spells["entry_truncation"]
    entry = trunc if trunc.any() else None
    kmf.fit(spells["duration"], spells["event"], entry=entry)
    return kmf


def completed_in_last_year(spells: pd.DataFrame, end: float) -> pd.Series:
    """Durations of spells that ended (not censored) in the last 52 weeks of the run.

    This is how jobindsats counts the mean duration of completed courses in a year (seed 003
    table 5.2): by the year in which the spell ends, whenever it began.
    """
    done = spells["event"].to_numpy() & (spells["exit_week"].to_numpy() >= end - 52.0)
    return spells.loc[done, "duration"]


def metrics(
    spells: pd.DataFrame, all_spells: pd.DataFrame, start: float, end: float, utilisation: float,
    programmes: pd.DataFrame | None = None,
) -> dict[str, float]:
    """Summary metrics of one replication (named and defined in :mod:`acsim.analysis.metrics`).

    Args:
        spells: The spells in the analysis window (entries after the warm-up).
        all_spells: Every spell of the replication (for calendar-year measures).
        programmes: The record's programme episodes (subsidised weeks are not benefit
            weeks); without them subsidised weeks are spread over each spell from the tallies.
        start: Start of the analysis window (the end of the warm-up).
        end: End of the run.
        utilisation: Caseworker utilisation over the window.

    """
    if spells.empty:
        return {"spells": 0.0}
    kmf = kaplan_meier(spells)
    completed = completed_in_last_year(all_spells, end)
    held = spells["meetings_held"].sum()
    out = {
        "spells": float(len(spells)),
        "mean_completed_duration": float(completed.mean()) if len(completed) else math.nan,
        "median_duration": float(kmf.median_survival_time_),
        "rmst_104": float(restricted_mean_survival_time(kmf, t=FOLLOW_UP)),
    }
    surv = kmf.survival_function_at_times(list(SURVIVAL_WEEKS)).to_numpy()
    for w, sv in zip(SURVIVAL_WEEKS, surv, strict=True):
        out[survival_metric(w)] = float(sv)
    out["full_year_persons"] = full_year_persons(all_spells, start, end, programmes)
    out["share_exit_job"] = float(spells["exit_reason"].isin(["job", "hired"]).mean())
    out.update(exits_and_returns(spells, all_spells, end))
    out["meetings_per_spell"] = float(spells["meetings_held"].mean())
    out["share_meetings_on_time"] = (
        float(1.0 - spells["meetings_late"].sum() / held) if held else math.nan
    )
    out["mean_meeting_delay_weeks"] = (
        float(spells["meeting_delay_weeks"].sum() / held) if held else math.nan
    )
    out["caseworker_utilisation"] = utilisation
    # Only spells followed 104 weeks before the end count: with a horizon of 104 weeks after
    # the warm-up (the five municipalities) no analysed spell is, and the metric is NaN.
    followed = spells[spells["follow_up_104"]]
    out["weeks_employed_104"] = (
        float(followed["weeks_employed_104"].mean()) if len(followed) else math.nan
    )
    return out


def exits_and_returns(spells: pd.DataFrame, all_spells: pd.DataFrame, end: float,
                      weeks: float = 52.0) -> dict[str, float]:
    """Exits out of the labour force and returns to unemployment after a job.

    ``share_exit_other``: analysed spells that ended in an other exit. ``weeks_out_52``: for
    analysed spells followed ``weeks`` before ``end``, the weeks within ``weeks`` of entry
    after the person's other exit (an other exit ends a person's run: it is the last event).
    ``return_within_52``: of analysed spells that ended in a job ``weeks`` or more before
    ``end``, the share whose person's next spell begins within ``weeks`` of the job's start.
    """
    reason = spells["exit_reason"].astype(str)
    out = {"share_exit_other": float((reason == "other").mean())}
    gone = all_spells.loc[all_spells["exit_reason"].astype(str) == "other",
                          ["jobseeker_id", "exit_week"]].set_index("jobseeker_id")["exit_week"]
    followed = spells[spells["entry_week"].to_numpy() + weeks <= end]
    if len(followed):
        left = followed["jobseeker_id"].map(gone).to_numpy(dtype=float)
        entry = followed["entry_week"].to_numpy(dtype=float)
        out_weeks = np.clip(entry + weeks - left, 0.0, weeks)
        out["weeks_out_52"] = float(np.where(np.isnan(left) | (left < entry), 0.0,
                                             out_weeks).mean())
    else:
        out["weeks_out_52"] = math.nan
    jobs = spells[reason.isin(["job", "hired"]).to_numpy()
                  & (spells["exit_week"].to_numpy() + weeks <= end)]
    if len(jobs):
        nxt = all_spells[["jobseeker_id", "spell", "entry_week"]].rename(
            columns={"entry_week": "next_entry"}).assign(spell=lambda d: d["spell"] - 1)
        m = jobs[["jobseeker_id", "spell", "exit_week"]].merge(
            nxt, on=["jobseeker_id", "spell"], how="left")
        back = m["next_entry"].to_numpy(dtype=float) <= m["exit_week"].to_numpy() + weeks
        out["return_within_52"] = float(back.mean())
    else:
        out["return_within_52"] = math.nan
    return out


#: Elapsed-duration bands (weeks) of seed 000: 3-5 months, 6-11 months, 12 months or more.
STOCK_BANDS = {"3-5 months": (13.0, 26.0), "6-11 months": (26.0, 52.0), "12+ months": (52.0, 1e9)}


def stock_by_elapsed(spells: pd.DataFrame, start: float, end: float, step: float = 1.0
                     ) -> dict[str, float]:
    """Average number unemployed in each elapsed-duration band over ``[start, end)``.

    Counts are taken weekly (every ``step`` weeks) and averaged, as a yearly figure such as
    seed 000's "in 2019 there were 1,687 unemployed academics with 3-5 months" is read here.
    """
    entry = spells["entry_week"].to_numpy()
    exit_ = spells["exit_week"].to_numpy()
    times = np.arange(start, end, step)
    out = {}
    for name, (lo, hi) in STOCK_BANDS.items():
        counts = [((t - entry >= lo) & (t - entry < hi) & (exit_ > t)).sum() for t in times]
        out[name] = float(np.mean(counts))
    return out
