"""Every metric name acsim reports, with its one-line definition: one vocabulary.

A name means the same thing wherever it appears: in a run's per-replication metrics and
``summary``, in a comparison, in a virtual trial's effect table and in evidence records. The
scopes are

- ``run``: one value per replication (:func:`acsim.analysis.outcomes.metrics` and
  :func:`acsim.experiments.run.run_replication`), summarised over replications with a
  t-interval (``RunResult.summary``) and compared paired over replications (``Comparison``);
- ``trial``: one value per arm of a virtual trial (:mod:`acsim.analysis.trial_metrics`); the
  trial reports the treatment arm against the control (``effect``: a difference, or a ratio for
  hazard ratios), as the studies do. An optional ``@group`` suffix (``hr_job@female+under30``)
  restricts a trial metric to jobseekers having every ``+``-joined group term;
- ``business``: a paired business case (:class:`acsim.costs.business.PairedBusinessCase`);
- ``municipal``: a municipal evidence check (:mod:`acsim.evidence.validation`), simulated
  over a whole run and compared with a published figure.

Names with a parameter are patterns: ``<w>`` is a week (``survival_26``), ``<a>_<b>`` a window
of spell weeks (``window_hr_13_26``). :func:`metric_info` resolves a concrete name.

Units. Every metric has one unit (:attr:`MetricInfo.unit`, :func:`metric_unit`), written
beside the value in the output tables (the ``unit`` column of ``comparison.csv`` and
``trial.csv``; all columns and units are listed in ``docs/outputs.md``). Shares are fractions
from 0 to 1 (unit ``share``: ``survival_26 = 0.62`` is 62 %) in every output of runs,
comparisons, sweeps, business cases and municipal checks. The one exception is the trial
metrics ``employed_at_<w>`` and ``unemployed_at_<w>``: their arms are in ``percent`` and
their effect in ``percentage points``, the unit in which the studies publish them and in which
the evidence records (``acsim/data/evidence.toml``) check them, so the unit column says so
instead of the numbers being rescaled. A trial's ``control`` and ``treatment`` columns are in
:attr:`MetricInfo.arm_unit` where it differs from the effect's unit (:func:`arm_unit`): the
hazard ratios' arms are crude exit-to-job rates ``per week``, ``rel_mean_duration``'s arms are
mean durations in ``weeks``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "COMPARISON_METRICS",
    "METRICS",
    "SURVIVAL_WEEKS",
    "MetricInfo",
    "arm_unit",
    "check_run_metric",
    "metric_info",
    "metric_unit",
    "run_metric_names",
    "survival_metric",
]

#: Weeks at which run survival (``survival_<w>``) is reported.
SURVIVAL_WEEKS = (13, 26, 52, 104)


@dataclass(frozen=True)
class MetricInfo:
    """One metric name and what it means.

    Attributes:
        name: The name, or its pattern (``survival_<w>``).
        definition: One line: what is measured, on which spells or persons, and how.
        unit: Unit of the value (of a trial's effect and its interval): ``share`` is a
            fraction from 0 to 1, ``percent`` and ``percentage points`` are on 0-100.
        scopes: Where the name is used: ``run``, ``trial``, ``business``, ``municipal``.
        arm_unit: Unit of a trial arm's value (``control``, ``treatment``) where it is not
            ``unit``; ``None`` when the arms are in ``unit`` too.

    """

    name: str
    definition: str
    unit: str
    scopes: tuple[str, ...]
    arm_unit: str | None = None

    @property
    def pattern(self) -> re.Pattern[str]:
        """The regular expression of the concrete names (parameters are numbers)."""
        num = r"\d+(?:\.\d+)?"
        body = re.escape(self.name).replace("<w>", num).replace("<a>", num).replace("<b>", num)
        group = r"(?:@[a-z0-9_+]+)?" if "trial" in self.scopes else ""
        return re.compile(f"^{body}{group}$")


_RUN, _TRIAL, _BUSINESS, _MUNICIPAL = ("run",), ("trial",), ("business",), ("municipal",)

#: The vocabulary, in reporting order within each scope.
METRICS: tuple[MetricInfo, ...] = (
    # Per replication of a run (analysed spells: entries after the warm-up, and the initial
    # stock, left-truncated, when there is no warm-up).
    MetricInfo("spells", "number of analysed spells", "spells", _RUN),
    MetricInfo("mean_completed_duration", "mean duration of the spells that ended in the last "
               "52 weeks of the run, whenever they began (jobindsats' count)", "weeks",
               ("run", "municipal")),
    MetricInfo("median_duration", "median spell duration: Kaplan-Meier median of the analysed "
               "spells in a run; in a trial the median first-spell duration (within the "
               "follow-up), treatment minus control", "weeks", ("run", "trial")),
    MetricInfo("rmst_104", "restricted mean spell duration to 104 weeks (area under the "
               "Kaplan-Meier curve of the analysed spells)", "weeks", _RUN),
    MetricInfo("survival_<w>", "share of spells not yet ended w weeks after they began, by "
               "Kaplan-Meier over the analysed spells", "share", _RUN),
    MetricInfo("full_year_persons", "full-year persons on benefit a year over the analysis "
               "window (benefit weeks of every spell; subsidised weeks, from the record, are not)",
               "persons", _RUN),
    MetricInfo("share_exit_job", "share of analysed spells that ended in a job or a hire",
               "share", _RUN),
    MetricInfo("share_exit_other", "share of analysed spells that ended in an exit other than "
               "a job (out of the labour force: sickness benefit, education, leaving)", "share",
               _RUN),
    MetricInfo("weeks_out_52", "weeks out of the labour force (after an exit other than a job) "
               "within 52 weeks of a spell's entry: the mean over analysed spells followed 52 "
               "weeks before the end", "weeks", _RUN),
    MetricInfo("return_within_52", "share of analysed spells ended in a job whose person is "
               "unemployed again within 52 weeks of the job's start (jobs followed 52 weeks "
               "before the end)", "share", _RUN),
    MetricInfo("meetings_per_spell", "mean meetings held per analysed spell", "meetings", _RUN),
    MetricInfo("share_meetings_on_time", "share of the meetings held in analysed spells that "
               "were on time (NaN if none was held)", "share", _RUN),
    MetricInfo("mean_meeting_delay_weeks", "mean delay of the meetings held in analysed spells "
               "(NaN if none was held)", "weeks", _RUN),
    MetricInfo("caseworker_utilisation", "meetings held over meeting capacity in the analysis "
               "window", "share", _RUN),
    MetricInfo("weeks_employed_104", "weeks in employment within 104 weeks of a spell's entry: "
               "in a run the mean over analysed spells followed 104 weeks before the end (NaN "
               "when the horizon leaves none: entries need 104 weeks after them); in a trial "
               "the mean over first spells, treatment minus control", "weeks",
               ("run", "trial")),
    MetricInfo("cost_per_year", "public cost a year over the analysis window, all payers",
               "DKK", _RUN),
    MetricInfo("cost_per_year_state", "the state's part of cost_per_year", "DKK", _RUN),
    MetricInfo("cost_per_year_municipality", "the municipality's part of cost_per_year", "DKK",
               _RUN),
    MetricInfo("cost_per_full_year_person", "total cost per full-year person on benefit",
               "DKK", _RUN),
    MetricInfo("benefit_per_full_year_person", "benefit paid per full-year person on benefit",
               "DKK", _RUN),
    MetricInfo("events_per_jobseeker", "simulation events per jobseeker of the inflow (a "
               "performance figure)", "events", _RUN),
    # Virtual trials: per arm, reported as treatment against control.
    MetricInfo("hr_job", "Cox hazard ratio of exit to a job (found, or hired at the end of a "
               "programme) in the first spell, censored at other exits and at the end of "
               "follow-up, treatment over control", "ratio", _TRIAL, "per week"),
    MetricInfo("window_hr_<a>_<b>", "ratio of exit-to-job rates in spell weeks [a, b) (events "
               "over exposure of those still in their first spell): the piecewise-exponential "
               "hazard ratio, treatment over control", "ratio", _TRIAL, "per week"),
    MetricInfo("mean_duration", "mean first-spell duration within the follow-up, treatment "
               "minus control", "weeks", _TRIAL),
    MetricInfo("rel_mean_duration", "relative difference in mean first-spell duration within "
               "the follow-up, treatment over control minus one", "ratio", _TRIAL, "weeks"),
    MetricInfo("employed_at_<w>", "share of persons employed w weeks after entry, treatment "
               "minus control", "percentage points", _TRIAL, "percent"),
    MetricInfo("unemployed_at_<w>", "share of persons in an unemployment spell (first or a "
               "later one) w weeks after entry, treatment minus control",
               "percentage points", _TRIAL, "percent"),
    MetricInfo("days_unemployed", "days in unemployment spells within the follow-up, "
               "treatment minus control", "days", _TRIAL),
    MetricInfo("weeks_unemployed_<w>", "weeks in unemployment spells within w weeks of entry, "
               "treatment minus control", "weeks", _TRIAL),
    # Municipal checks: the stock by elapsed duration, averaged over weekly counts in a year.
    MetricInfo("stock_3_5", "average number unemployed with 3-5 months (13-26 weeks) elapsed",
               "persons", _MUNICIPAL),
    MetricInfo("stock_6_11", "average number unemployed with 6-11 months (26-52 weeks) elapsed",
               "persons", _MUNICIPAL),
    MetricInfo("stock_12plus", "average number unemployed with 12 months (52 weeks) or more "
               "elapsed", "persons", _MUNICIPAL),
    MetricInfo("stock_total", "number of spells still open when the run ends", "persons",
               _MUNICIPAL),
    # Paired business cases: per replication pair, summarised with a t-interval.
    MetricInfo("investment_per_year", "extra operating spending of the variant a year "
               "(meetings, programmes, provider)", "DKK", _BUSINESS),
    MetricInfo("savings_per_year", "benefit and wage subsidy saved a year, all payers", "DKK",
               _BUSINESS),
    MetricInfo("savings_state_per_year", "the state's part of savings_per_year", "DKK",
               _BUSINESS),
    MetricInfo("savings_municipality_per_year", "the municipality's part of savings_per_year",
               "DKK", _BUSINESS),
    MetricInfo("net_per_year", "savings minus investment a year (public view)", "DKK",
               _BUSINESS),
    MetricInfo("net_municipality_per_year", "municipal savings minus investment a year", "DKK",
               _BUSINESS),
    MetricInfo("cumulative_net", "savings minus investment over the whole horizon (public "
               "view)", "DKK", _BUSINESS),
    MetricInfo("full_year_persons_saved_per_year", "fewer full-year persons on benefit a year",
               "persons", _BUSINESS),
    MetricInfo("break_even_week", "first week at which cumulative savings cover the cumulative "
               "investment (public view; NaN if not within the horizon)", "weeks", _BUSINESS),
    MetricInfo("entrants_per_year", "spells begun a year in the baseline's analysis window: "
               "the population the case is for, denominator of the per-entrant figures",
               "spells", _BUSINESS),
    MetricInfo("investment_per_entrant", "investment_per_year over entrants_per_year", "DKK",
               _BUSINESS),
    MetricInfo("savings_per_entrant", "savings_per_year over entrants_per_year", "DKK",
               _BUSINESS),
    MetricInfo("savings_municipality_per_entrant", "savings_municipality_per_year over "
               "entrants_per_year", "DKK", _BUSINESS),
    MetricInfo("net_per_entrant", "net_per_year over entrants_per_year (public view)", "DKK",
               _BUSINESS),
    MetricInfo("net_municipality_per_entrant", "net_municipality_per_year over "
               "entrants_per_year", "DKK", _BUSINESS),
    MetricInfo("investment_per_full_year_person", "investment_per_year over the baseline's "
               "full-year persons on benefit a year", "DKK", _BUSINESS),
    MetricInfo("savings_per_full_year_person", "savings_per_year over the baseline's "
               "full-year persons on benefit a year", "DKK", _BUSINESS),
    MetricInfo("net_per_full_year_person", "net_per_year over the baseline's full-year persons "
               "on benefit a year (public view)", "DKK", _BUSINESS),
    MetricInfo("break_even_full_year_persons", "fewer full-year persons on benefit a year that "
               "would pay the investment: investment_per_year over the baseline's benefit per "
               "full-year person", "persons", _BUSINESS),
    MetricInfo("participants_per_year", "spells a year that began a programme the baseline "
               "does not have (all entrants if the variant adds none): those the investment "
               "is for", "spells", _BUSINESS),
    MetricInfo("weeks_saved_per_participant", "benefit weeks saved a year "
               "(full_year_persons_saved_per_year x 52) over participants_per_year: the "
               "simulated effect per participant", "weeks", _BUSINESS),
    MetricInfo("break_even_weeks_per_participant", "benefit weeks fewer per participant that "
               "would pay the investment (public view): the break-even effect", "weeks",
               _BUSINESS),
    MetricInfo("break_even_weeks_per_participant_municipality", "the same for the "
               "municipality alone, which saves only its share of each benefit week", "weeks",
               _BUSINESS),
)

_BY_NAME = {m.name: m for m in METRICS}


def survival_metric(week: int) -> str:
    """The name of run survival at ``week``: ``survival_<week>``."""
    return f"survival_{week}"


#: Metrics reported by comparisons (and sweeps), in order.
COMPARISON_METRICS: tuple[str, ...] = (
    "mean_completed_duration", "median_duration", "rmst_104",
    *(survival_metric(w) for w in SURVIVAL_WEEKS),
    "full_year_persons", "share_exit_other", "weeks_out_52", "return_within_52",
    "meetings_per_spell", "share_meetings_on_time",
    "mean_meeting_delay_weeks", "caseworker_utilisation",
    "cost_per_year", "cost_per_year_state", "cost_per_year_municipality",
    "cost_per_full_year_person", "benefit_per_full_year_person",
)


def metric_info(name: str, scope: str | None = None) -> MetricInfo:
    """The definition of a concrete metric name (``survival_26``, ``hr_job@female``).

    Args:
        name: The metric's name.
        scope: If given, the name must be defined in this scope (``run``, ``trial``,
            ``business``, ``municipal``).

    Raises:
        KeyError: The name is not in the vocabulary (of ``scope``).

    """
    hits = [m for m in METRICS
            if (scope is None or scope in m.scopes) and m.pattern.match(name)]
    if not hits:
        where = f" of scope {scope!r}" if scope else ""
        raise KeyError(f"{name!r} is not a metric{where}; see acsim.analysis.metrics.METRICS")
    return _BY_NAME[hits[0].name]


def metric_unit(name: str, scope: str | None = None) -> str:
    """The unit of a concrete metric name (of a trial's effect, for trial metrics).

    Args:
        name: The metric's name (``survival_26``, ``employed_at_52@female``).
        scope: If given, the name must be defined in this scope.

    Raises:
        KeyError: The name is not in the vocabulary (of ``scope``).

    """
    return metric_info(name, scope).unit


def arm_unit(name: str) -> str:
    """The unit of a trial metric's per-arm values (``control``, ``treatment``).

    Raises:
        KeyError: The name is not a trial metric.

    """
    info = metric_info(name, "trial")
    return info.arm_unit or info.unit


def run_metric_names() -> list[str]:
    """The metrics a run reports per replication (what ``precision`` stopping can use)."""
    names = []
    for m in METRICS:
        if "run" not in m.scopes:
            continue
        if m.name == "survival_<w>":
            names += [survival_metric(w) for w in SURVIVAL_WEEKS]
        elif "<" not in m.name:
            names.append(m.name)
    return names


def check_run_metric(metric: str) -> None:
    """Raise ``ValueError`` unless ``metric`` is a per-replication metric of a run."""
    names = run_metric_names()
    if metric not in names:
        raise ValueError(f"unknown metric {metric!r}; expected one of {', '.join(names)}")
