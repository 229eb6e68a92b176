"""The engine's record of what happened: spells, meetings, programme episodes, jobs, weeks.

Every outcome, cost and metric is derived from this record, never re-planned from the
scenario. The engine and the policies append plain tuples while the run goes (cheap on the hot
path); :meth:`Recorder.tables` turns them into tidy tables afterwards.

Tables (one row each):

* **spells**: ``SPELL_CORE`` followed by the tally columns the policies declare.
* **meetings**: a meeting held: ``jobseeker_id, spell, time, kind, delay_weeks, caseworker,
  late`` (``caseworker`` is -1 for a group session).
* **programmes**: a programme episode ``[start, end)``: ``jobseeker_id, spell, kind, name,
  start, end, hours_per_week, subsidised, completed`` (``completed`` is false for one cut short
  by the end of the spell or of the run).
* **jobs**: employment after a spell: ``jobseeker_id, spell, start, end`` (``end`` is the
  separation, or the end of the run).
* **weeks**: per simulation week: meetings held and the sum of their delays.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

__all__ = ["JOB_COLUMNS", "MEETING_COLUMNS", "PROGRAMME_COLUMNS", "Recorder", "SPELL_CORE"]

#: Columns every spell record starts with; the policies' tallies follow.
SPELL_CORE = (
    "jobseeker_id", "spell", "entry_week", "exit_week", "exit_reason", "track_true", "track",
    "caseworker_group", "meetings_held", "meetings_late", "meeting_delay_weeks",
)
MEETING_COLUMNS = ("jobseeker_id", "spell", "time", "kind", "delay_weeks", "caseworker", "late")
PROGRAMME_COLUMNS = (
    "jobseeker_id", "spell", "kind", "name", "start", "end", "hours_per_week", "subsidised",
    "completed",
)
JOB_COLUMNS = ("jobseeker_id", "spell", "start", "end")


class Recorder:
    """Collects the record of one job centre's run.

    Args:
        end: End of the run (absolute weeks), which sizes the weekly series.
        tally_columns: The policies' tally columns, appended to :data:`SPELL_CORE`.

    """

    def __init__(self, end: float, tally_columns: tuple[str, ...] = ()) -> None:
        self.spell_columns = SPELL_CORE + tuple(tally_columns)
        self.spells: list[tuple[Any, ...]] = []
        self.meetings: list[tuple[Any, ...]] = []
        self.programmes: list[tuple[Any, ...]] = []
        self.jobs: list[tuple[Any, ...]] = []
        #: Employment spans by jobseeker id, ``[(start, end), ...]`` (the same as ``jobs``).
        self.employment: dict[int, list[tuple[float, float]]] = {}
        n = int(math.ceil(end)) + 1
        self.weekly_meetings = [0] * n
        self.weekly_delay = [0.0] * n

    def meeting(self, jid: int, spell: int, time: float, kind: str, delay: float,
                caseworker: int, late: bool, week: int | None = None) -> None:
        """A meeting was held (``week`` counts it in the weekly series)."""
        self.meetings.append((jid, spell, time, kind, delay, caseworker, late))
        if week is not None:
            self.weekly_meetings[week] += 1
            self.weekly_delay[week] += delay

    def programme(self, jid: int, spell: int, kind: str, name: str, start: float, end: float,
                  hours: float, subsidised: bool, completed: bool) -> None:
        """A programme episode ``[start, end)`` took place."""
        self.programmes.append((jid, spell, kind, name, start, end, hours, subsidised,
                                completed))

    def job(self, jid: int, spell: int, start: float, end: float) -> None:
        """Employment from ``start`` to ``end`` followed spell ``spell``."""
        self.jobs.append((jid, spell, start, end))
        self.employment.setdefault(jid, []).append((start, end))

    def tables(self) -> dict[str, pd.DataFrame]:
        """The record as tidy tables: ``spells``, ``meetings``, ``programmes``, ``jobs``."""
        return {
            "spells": pd.DataFrame.from_records(self.spells, columns=list(self.spell_columns)),
            "meetings": pd.DataFrame.from_records(self.meetings, columns=list(MEETING_COLUMNS)),
            "programmes": pd.DataFrame.from_records(self.programmes,
                                                    columns=list(PROGRAMME_COLUMNS)),
            "jobs": pd.DataFrame.from_records(self.jobs, columns=list(JOB_COLUMNS)),
        }
