"""Outcome metrics of virtual trials: per-person outcomes and the effect table.

The metric names (``hr_job``, ``window_hr_A_B``, ``mean_duration``, ``rel_mean_duration``,
``median_duration``, ``weeks_employed_104``, ``employed_at_W``, ``unemployed_at_W``,
``days_unemployed``, ``weeks_unemployed_W``) are defined, one line each, in
:mod:`acsim.analysis.metrics` (scope ``trial``), the vocabulary runs and comparisons share.
Each is measured per arm and reported as the treatment arm against the control. An optional
``@group`` restricts a metric to jobseekers having all the ``+``-joined group terms, e.g.
``hr_job@female+under30``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from acsim.analysis.estimators import (
    Estimate,
    cox_hazard_ratio,
    difference,
    median_difference,
    rate_ratio,
)
from acsim.spec.base import GROUP_TERMS

if TYPE_CHECKING:
    from acsim.model.engine import JobCentre
    from acsim.model.population import Jobseeker

__all__ = ["METRIC_KINDS", "Metric", "estimate", "group_mask", "parse_metric", "person_outcomes"]

METRIC_KINDS = (
    "hr_job", "window_hr", "mean_duration", "rel_mean_duration", "median_duration",
    "weeks_employed_104", "employed_at", "unemployed_at", "days_unemployed", "weeks_unemployed",
)
_NUM = r"(\d+(?:\.\d+)?)"
_PATTERN = re.compile(
    rf"^(?:(?P<plain>hr_job|mean_duration|rel_mean_duration|median_duration|weeks_employed_104"
    rf"|days_unemployed)|window_hr_{_NUM}_{_NUM}"
    rf"|(?P<at>employed_at|unemployed_at|weeks_unemployed)_{_NUM})"
    r"(?:@(?P<group>[a-z0-9_+]+))?$"
)
JOB_EXITS = ("job", "hired")


@dataclass(frozen=True)
class Metric:
    """A parsed metric name."""

    name: str
    kind: str
    a: float = 0.0
    b: float = 0.0
    group: str | None = None

    @property
    def horizon(self) -> float:
        """Follow-up the metric needs (weeks)."""
        if self.kind == "weeks_employed_104":
            return 104.0
        if self.kind in ("employed_at", "unemployed_at", "weeks_unemployed"):
            return self.a
        if self.kind == "window_hr":
            return self.b
        return 0.0


def parse_metric(name: str) -> Metric:
    """Parse and check a metric name; raises ``ValueError`` naming the metric."""
    m = _PATTERN.match(name)
    if m is None:
        raise ValueError(
            f"unknown metric {name!r}; expected one of hr_job, window_hr_A_B, mean_duration, "
            "rel_mean_duration, median_duration, weeks_employed_104, employed_at_W, "
            "unemployed_at_W, days_unemployed, weeks_unemployed_W, optionally with @group"
        )
    group = m.group("group")
    if group:
        bad = [t for t in group.split("+") if t not in GROUP_TERMS]
        if bad:
            raise ValueError(f"metric {name!r}: unknown group term {bad[0]!r}; allowed: "
                             f"{', '.join(sorted(GROUP_TERMS))}")
    if m.group("plain"):
        return Metric(name, m.group("plain"), group=group)
    if m.group("at"):
        w = float(m.group(5))
        if w <= 0:
            raise ValueError(f"metric {name!r}: the week must be positive")
        return Metric(name, m.group("at"), a=w, group=group)
    a, b = float(m.group(2)), float(m.group(3))
    if b <= a:
        raise ValueError(f"metric {name!r}: the window's end must be after its start")
    return Metric(name, "window_hr", a=a, b=b, group=group)


def group_mask(persons: pd.DataFrame, group: str) -> np.ndarray:
    """Rows of ``persons`` whose jobseeker has every term of ``group``."""
    mask = np.ones(len(persons), dtype=bool)
    for term in group.split("+"):
        mask &= persons[term].to_numpy()
    return mask


def _overlap(spans: list[tuple[float, float]], lo: float, hi: float) -> float:
    return sum(max(0.0, min(b, hi) - max(a, lo)) for a, b in spans)


def _covers(spans: list[tuple[float, float]], t: float) -> bool:
    return any(a <= t < b for a, b in spans)


def person_outcomes(
    centres: dict[str, tuple[JobCentre, list[Jobseeker]]], follow_up: float, metrics: list[Metric]
) -> pd.DataFrame:
    """One row per person and arm: first spell, group terms and the outcomes the metrics need."""
    weeks_at = sorted({m.a for m in metrics if m.kind in ("employed_at", "unemployed_at")})
    windows = sorted({m.a for m in metrics if m.kind == "weeks_unemployed"})
    frames = []
    for arm, (centre, members) in centres.items():
        spells: dict[int, list[tuple[float, float]]] = {}
        first: dict[int, tuple[float, str]] = {}
        for rec in centre.records:
            jid, number, entry, exit_, reason = rec[0], rec[1], rec[2], rec[3], rec[4]
            spells.setdefault(jid, []).append((entry, exit_))
            if number == 0:
                first[jid] = (exit_ - entry, reason)
        emp = centre.employment
        n = len(members)
        entry = np.array([js.arrival for js in members])
        dur = np.empty(n)
        job = np.zeros(n, dtype=bool)
        ended = np.zeros(n, dtype=bool)
        weeks_emp = np.zeros(n)
        days_unemp = np.zeros(n)
        at = {(k, w): np.zeros(n, dtype=bool) for k in ("employed", "unemployed") for w in weeks_at}
        within = {w: np.zeros(n) for w in windows}
        for i, js in enumerate(members):
            d, reason = first[js.id]
            e = entry[i]
            dur[i] = min(d, follow_up)
            job[i] = d <= follow_up and reason in JOB_EXITS
            ended[i] = d <= follow_up and reason != "censored"
            jobs = emp.get(js.id, ())
            weeks_emp[i] = _overlap(jobs, e, e + 104.0) if jobs else 0.0
            sp = spells[js.id]
            days_unemp[i] = 7.0 * _overlap(sp, e, e + follow_up)
            for w in windows:
                within[w][i] = _overlap(sp, e, e + w)
            for w in weeks_at:
                at["employed", w][i] = _covers(jobs, e + w) if jobs else False
                at["unemployed", w][i] = _covers(sp, e + w)
        cols: dict[str, object] = {
            "arm": arm, "jobseeker_id": [js.id for js in members], "entry": entry,
            "duration": dur, "job": job, "ended": ended, "weeks_employed_104": weeks_emp,
            "days_unemployed": days_unemp,
        }
        for (k, w), v in at.items():
            cols[f"{k}_at_{w:g}"] = v
        for w, v in within.items():
            cols[f"weeks_unemployed_{w:g}"] = v
        for term in sorted(GROUP_TERMS):
            cols[term] = [term in js.terms for js in members]
        frames.append(pd.DataFrame(cols))
    return pd.concat(frames, ignore_index=True)


def _ratio(c: np.ndarray, t: np.ndarray, paired: bool) -> Estimate:
    """Relative difference of means, ``mean(t) / mean(c) - 1``, delta-method interval."""
    mc, mt = float(c.mean()), float(t.mean())
    if len(c) < 2 or len(t) < 2 or mc == 0:
        return Estimate(mc, mt, math.nan, math.nan, math.nan)
    r = mt / mc
    if paired:
        var = float(np.var(t - r * c, ddof=1)) / len(c) / mc**2
    else:
        var = (t.var(ddof=1) / len(t) + r**2 * c.var(ddof=1) / len(c)) / mc**2
    half = 1.959963984540054 * math.sqrt(var)
    return Estimate(mc, mt, r - 1.0, r - 1.0 - half, r - 1.0 + half)


def _one(metric: Metric, c: pd.DataFrame, t: pd.DataFrame, paired: bool, seed: int) -> Estimate:
    k = metric.kind
    if k == "hr_job":
        time = np.concatenate([c["duration"], t["duration"]])
        event = np.concatenate([c["job"], t["job"]])
        treated = np.concatenate([np.zeros(len(c), bool), np.ones(len(t), bool)])
        return cox_hazard_ratio(time, event, treated)
    if k == "window_hr":
        def window(df: pd.DataFrame) -> tuple[float, float]:
            d = df["duration"].to_numpy()
            events = (df["job"].to_numpy() & (d >= metric.a) & (d < metric.b)).sum()
            return float(events), float((np.clip(d, metric.a, metric.b) - metric.a).sum())
        return rate_ratio(*window(c), *window(t))
    if k == "median_duration":
        return median_difference(c["duration"].to_numpy(), t["duration"].to_numpy(), paired, seed)
    if k == "rel_mean_duration":
        return _ratio(c["duration"].to_numpy(), t["duration"].to_numpy(), paired)
    if k in ("employed_at", "unemployed_at"):
        col = f"{k}_{metric.a:g}"
        return difference(c[col].to_numpy(), t[col].to_numpy(), paired, scale=100.0)
    if k == "weeks_unemployed":
        col = f"weeks_unemployed_{metric.a:g}"
        return difference(c[col].to_numpy(), t[col].to_numpy(), paired)
    col = "duration" if k == "mean_duration" else k
    return difference(c[col].to_numpy(), t[col].to_numpy(), paired)


def estimate(
    persons: pd.DataFrame, arms: list[str], metrics: list[Metric], paired: bool, seed: int = 0
) -> pd.DataFrame:
    """The effect table: every metric for every treatment arm against the first arm."""
    rows = []
    control = persons[persons["arm"] == arms[0]]
    for metric in metrics:
        c = control[group_mask(control, metric.group)] if metric.group else control
        for arm in arms[1:]:
            t = persons[persons["arm"] == arm]
            if metric.group:
                t = t[group_mask(t, metric.group)]
            est = _one(metric, c, t, paired, seed)
            rows.append({"metric": metric.name, "arm": arm, "control": est.control,
                         "treatment": est.treatment, "effect": est.effect,
                         "ci_low": est.ci_low, "ci_high": est.ci_high,
                         "n_control": len(c), "n_treatment": len(t)})
    return pd.DataFrame(rows)
