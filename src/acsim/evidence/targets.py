"""Published targets read from the evidence records, never copied into code.

The municipal level fits take their targets from the records a calibration stage names: the
mean completed duration of a city (``mean_completed_duration`` checks, M01) and, where one is
published, its stock by elapsed duration (``stock_*`` checks, M03). The accounting checks take
their inputs from the record's ``business_case`` table (M07).

Example:
    >>> mean_completed_durations()["copenhagen"] == next(
    ...     c.published for c in record("M01").checks if c.scenario == "copenhagen")
    True

"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from acsim.evidence.records import Check, EvidenceRecord, load_evidence, record

__all__ = [
    "STOCK_BANDS",
    "LevelTarget",
    "level_target",
    "mean_completed_durations",
    "published_stocks",
]

#: Municipal stock metrics and the elapsed-duration band of the simulated stock each one reads
#: (the band names of :func:`acsim.analysis.outcomes.stock_by_elapsed`).
STOCK_BANDS = {"stock_3_5": "3-5 months", "stock_6_11": "6-11 months",
               "stock_12plus": "12+ months"}
MEAN_METRIC = "mean_completed_duration"


def _city_values(records: Iterable[EvidenceRecord]) -> list[tuple[str, Check]]:
    """``(record id, check)`` of every published value of one city (no ordering checks)."""
    return [(r.id, c) for r in records for c in r.checks
            if c.kind == "municipal" and c.than_scenario is None and c.published is not None]


def mean_completed_durations(
    records: Iterable[EvidenceRecord] | None = None,
) -> dict[str, float]:
    """Published mean completed duration (weeks) by city, in the records' order."""
    recs = load_evidence() if records is None else records
    return {c.scenario: float(c.published) for _, c in _city_values(recs)
            if c.metric == MEAN_METRIC}


def published_stocks(
    records: Iterable[EvidenceRecord] | None = None,
) -> dict[str, dict[str, float]]:
    """Published stock by elapsed-duration band (:data:`STOCK_BANDS`), by city."""
    recs = load_evidence() if records is None else records
    out: dict[str, dict[str, float]] = {}
    for _, c in _city_values(recs):
        if c.metric in STOCK_BANDS:
            out.setdefault(c.scenario, {})[STOCK_BANDS[c.metric]] = float(c.published)
    return out


@dataclass(frozen=True)
class LevelTarget:
    """What a city's level stage fits to: a mean completed duration, and maybe a stock.

    Attributes:
        city: Scenario stem.
        mean_completed_duration: Published mean completed duration, weeks.
        stock: Published stock by band (:data:`STOCK_BANDS` order), or ``None``.

    """

    city: str
    mean_completed_duration: float
    stock: dict[str, float] | None


def level_target(city: str, record_ids: Iterable[str]) -> LevelTarget:
    """A city's targets in the named records (the shipped evidence).

    Raises:
        ValueError: The records publish no mean completed duration for the city.

    """
    recs = [record(i) for i in record_ids]
    means = mean_completed_durations(recs)
    if city not in means:
        raise ValueError(f"records {', '.join(r.id for r in recs)} publish no "
                         f"{MEAN_METRIC} for {city!r}")
    return LevelTarget(city, means[city], published_stocks(recs).get(city))
